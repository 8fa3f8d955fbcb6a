// SPDX-License-Identifier: MIT
// The Pervasive Displays panels the repaper backend drives (Aurora Mb film, G2 COG): geometry,
// line layout on the wire, channel select bytes and stage times, one row per model.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tinydrm::repaper {

/// What follows the data and scan bytes of a line.
enum class BorderByte : uint8_t {
	None, ///< nothing
	Zero, ///< always 0x00
	Set,  ///< 0xaa (white border) in the NORMAL stage, 0x00 otherwise
};

/**
 * Model - constant facts of one panel model. Every width is a multiple of 8 and every height
 * a multiple of the scan layout's group (4 lines per scan byte), so a line is whole bytes.
 */
struct Model {
	std::string_view name; ///< option value, e.g. "e2271cs021"
	uint32_t width;
	uint32_t height;
	uint32_t widthMm;
	uint32_t heightMm;
	uint32_t stageTimeMs; ///< one stage at 20..40 °C
	/// Register 0x01: which source and gate channels of the COG this glass is wired to.
	std::array<uint8_t, 8> channelSelect;
	uint32_t bytesPerScan; ///< scan bytes per block (4 lines per byte)
	/// true: data (even columns), scan, data (odd columns). false: scan (odd lines), data (all
	/// columns), scan (even lines).
	bool middleScan;
	/// A 0x00 byte leads each line; these panels also need an extra NORMAL pass when the
	/// bottom line has ink.
	bool preBorderByte;
	BorderByte borderByte;
	/// The 2.7" panel drives its border through a GPIO instead of a border byte.
	bool borderGpio;

	/// Bytes of one line on the wire (register 0x0A's payload).
	size_t lineBytes() const;
	/// Bytes of one row of a 1 bpp frame.
	size_t rowBytes() const { return width / 8; }
	size_t frameBytes() const { return rowBytes() * height; }
};

std::span<const Model> models();
/// The model called @p name, or nullptr.
const Model *findModel(std::string_view name);

/**
 * temperatureFactor - how much longer (in tenths) a stage lasts at @p celsius: the film's
 * particles move slower in the cold. 10 (x1) between 21 and 40 °C.
 */
uint32_t temperatureFactor(int celsius);

} // namespace tinydrm::repaper
