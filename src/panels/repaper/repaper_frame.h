// SPDX-License-Identifier: MIT
// Line encoding for the G2 COG: how one row of a 1 bpp frame becomes the bytes written to
// register 0x0A (two-bit pixel codes, scan bytes, border bytes) in each stage of an update.
#pragma once

#include <cstddef>
#include <cstdint>

#include "repaper_model.h"

namespace tinydrm::repaper {

/**
 * Stage - one phase of an e-paper update. Each repeats whole frames for the stage time; the
 * first two take the particles out of the old image, the last two into the new one, so no
 * ghost of the old image stays behind.
 */
enum class Stage : uint8_t {
	Compensate, ///< old image inverted: old black → white, old white → black
	White,      ///< old black → nothing, old white → white
	Inverse,    ///< new black → nothing, new white → black
	Normal,     ///< the new image
};

const char *stageName(Stage stage);

/// Two-bit pixel codes the COG's source drivers take. 0b00 also means nothing.
inline constexpr uint8_t kCodeNothing = 0b01;
inline constexpr uint8_t kCodeWhite = 0b10;
inline constexpr uint8_t kCodeBlack = 0b11;

/// Whole data bytes of one code: what fixed-value frames write.
inline constexpr uint8_t kFixedBlack = 0xff;
inline constexpr uint8_t kFixedWhite = 0xaa;
inline constexpr uint8_t kFixedNothing = 0x00;

/// A line number no scan bit stands for: a dummy line that drives no gate line.
inline constexpr uint32_t kNoScanLine = 0x7fff;

/**
 * LineSource - what one line shows.
 * @image: one row of the frame, 1 bpp LSB-first, 1 = white (the DRM mono convention); null
 *         for a fixed-value line, whose every data byte is @fixed.
 * @mask: the row the glass shows now, or null. With a mask only pixels that differ from it are
 *        driven; the others get "nothing" and keep their particles where they are.
 */
struct LineSource {
	const uint8_t *image = nullptr;
	const uint8_t *mask = nullptr;
	uint8_t fixed = kFixedNothing;
};

/// The code a pixel gets in @p stage: @p white is its value in the stage's image.
uint8_t pixelCode(Stage stage, bool white);

/**
 * encodeLine - writes line @p line (0 = top; kNoScanLine or any line >= height for a dummy) of
 * @p source in @p stage as @p model lays it out: model.lineBytes() bytes into @p out.
 *
 * Layout, in the order the bytes go out (pixel codes packed four per byte, first in the high
 * bits; scan bytes carry 0b11 at the selected line's position):
 *   middle scan:  [0x00] even columns right to left (w-2 .. 0), scan bytes for lines h-1 .. 0,
 *                 odd columns left to right (1 .. w-1), [border]
 *   edge scan:    [0x00] scan bytes for odd lines 1 .. h-1, all columns right to left
 *                 (w-1 .. 0), scan bytes for even lines h-2 .. 0, [border]
 * This is the order in which each glass's source and gate lines are bonded to the COG
 * (mainline's repaper driver and Pervasive Displays' gratis driver lay lines out the same way).
 *
 * Polarity: the COG takes black = 0b11, white = 0b10 (Pervasive Displays' G2 tables; its
 * border bytes are 0xff black, 0xaa white), and a white framebuffer pixel becomes a white
 * code. (Mainline feeds DRM mono, 1 = white, into gratis' formulas, which take 1 = black.)
 */
void encodeLine(const Model &model, uint32_t line, const LineSource &source, Stage stage,
		uint8_t *out);

/// Whether row @p row (rowBytes bytes of 1 bpp) has a black pixel among its first @p width.
bool rowHasInk(const uint8_t *row, uint32_t width);

} // namespace tinydrm::repaper
