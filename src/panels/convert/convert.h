// SPDX-License-Identifier: MIT
// Pixel conversions from framebuffer formats to panel wire formats, the kernel's
// drm_format_helper semantics (truncating RGB565, BT.601 gray (3R + 6G + B) / 10, mono LSB-first
// with white = 1 at gray >= threshold), one row at a time.
//
// Row functions take byte pointers with no alignment promise (framebuffer pitches are whatever
// the client chose); dst and src must not overlap (no conversion runs in place, and promising
// that is what lets gcc -O2 vectorise them: see convert.cpp). convertRect() applies one to a
// damage rectangle. Pure functions: any thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "panel.h"

namespace tinydrm::convert {

/// XRGB8888 (little-endian u32 per pixel) → RGB565 little-endian: 2 bytes per pixel.
void xrgb8888ToRgb565(uint8_t *dst, const uint8_t *src, size_t pixels);
/// XRGB8888 → RGB565 big-endian (MIPI DBI and DisplayLink wire order).
void xrgb8888ToRgb565be(uint8_t *dst, const uint8_t *src, size_t pixels);
/// RGB565 little-endian → RGB565 big-endian (byte swap).
void rgb565ToRgb565be(uint8_t *dst, const uint8_t *src, size_t pixels);
/// XRGB8888 → 8-bit gray, Y = (3R + 6G + B) / 10.
void xrgb8888ToGray8(uint8_t *dst, const uint8_t *src, size_t pixels);
/// RGB565 → 8-bit gray (channels expanded to 8 bits first, then as above).
void rgb565ToGray8(uint8_t *dst, const uint8_t *src, size_t pixels);
/// 8-bit gray → 1 bpp, LSB-first, bit = 1 (white) where gray >= @p threshold; the last byte's
/// unused high bits are 0. Writes (pixels + 7) / 8 bytes.
void gray8ToMono(uint8_t *dst, const uint8_t *gray, size_t pixels, uint8_t threshold = 128);
/// 8-bit gray → ST7586 packing: 3 pixels per byte, 2-bit levels gray >> 6 mapped black → 0b111,
/// 0b01 → 0b100, 0b10 → 0b010, white → 0b000; pixel 0 at << 5, pixel 1 at << 2, pixel 2 at >> 1.
/// @p pixels must be a multiple of 3; writes pixels / 3 bytes.
void gray8ToSt7586(uint8_t *dst, const uint8_t *gray, size_t pixels);

/// A row function: (dst, src, pixels).
using RowFn = void (*)(uint8_t *dst, const uint8_t *src, size_t pixels);

/**
 * convertRect - converts @p clip of @p frame row by row into @p dst (packed rows of
 * @p dstPitch bytes; dst points at the clip's top-left). @p srcCpp is the source's bytes per
 * pixel. No allocation.
 */
void convertRect(uint8_t *dst, size_t dstPitch, const FrameView &frame, uint32_t srcCpp,
		 const Rect &clip, RowFn row);

} // namespace tinydrm::convert
