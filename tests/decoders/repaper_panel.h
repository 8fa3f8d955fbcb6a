// SPDX-License-Identifier: MIT
// An emulated repaper panel: a G2 COG and its Aurora film, fed the repaper backend's wire log.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "panel_decoder.h"

namespace tinydrm {

/**
 * RepaperPanelDecoder - plays the COG's side of the SPI protocol (0x70 register index, 0x72
 * data, 0x71 ID read, 0x73 register read; a lone 0x00 byte only pulls MOSI low) and the GPIO
 * lines around it, and keeps the film's state per pixel.
 *
 * Film: each line latched by register 0x02 = 0x07 drives the gate line its scan bytes select;
 * a pixel coded black (0b11) or white (0b10) takes that colour, "nothing" (0b01, 0b00) leaves it
 * as it is. So after an update the film shows what that update's last stage drove, and a pixel
 * an update skipped keeps its old colour: a wrong mask or a missing stage shows in image().
 * Before anything drives a pixel it is mid-grey (0x808080): the film's state is unknown.
 *
 * Rejected (error()): commands while the supply is off or the COG held in reset; a register
 * the COG does not have; a payload of the wrong size; channel select bytes of another model;
 * output enable before the charge pump is up; a latch before output enable or without line
 * data; scan bytes selecting two lines or holding codes other than 0b00/0b11; a bad border or
 * pre-border byte; the discharge line raised while the supply is on; USB records.
 *
 * Single-threaded.
 */
class RepaperPanelDecoder final : public PanelDecoder
{
public:
	/// Pixel codes of a latched line in column order (x = 0 .. width-1); @p line is the gate
	/// line it drove, or -1 for a dummy line.
	using LatchObserver = std::function<void(int32_t line, std::span<const uint8_t> codes)>;

	/// \return nullptr for an unknown model name.
	static std::unique_ptr<RepaperPanelDecoder> create(std::string_view model);

	bool feed(const WireRecord &record) override;
	const std::string &error() const override { return error_; }
	uint32_t width() const override { return glass_.width; }
	uint32_t height() const override { return glass_.height; }
	const std::vector<uint32_t> &image() const override { return film_; }

	/// "update N" marks seen.
	uint32_t updates() const { return updates_; }
	/// Latches per gate line since the start.
	const std::vector<uint64_t> &lineLatches() const { return lineLatches_; }
	/// Latched lines that selected no gate line (power-down's nothing frame).
	uint64_t dummyLatches() const { return dummyLatches_; }
	/// Supply on, charge pump up and output enabled: lines would reach the film.
	bool driving() const;
	/// All Delay records added up.
	uint64_t waitedMicroseconds() const { return waitedUs_; }
	void setLatchObserver(LatchObserver observer) { observer_ = std::move(observer); }

	struct Glass {
		std::string_view name;
		uint32_t width;
		uint32_t height;
		bool middleScan;
		bool preBorder;
		int border; ///< 0: none, 1: always 0x00, 2: 0x00/0xaa/0xff
		uint8_t channels[8];
	};

private:
	explicit RepaperPanelDecoder(const Glass &glass);
	bool fail(std::string why);
	bool spi(const WireRecord &record);
	bool gpio(const WireRecord &record);
	bool writeRegister(const uint8_t *data, size_t length);
	bool latch();
	void resetCog();
	size_t lineBytes() const;

	const Glass &glass_;
	std::string error_;
	std::vector<uint32_t> film_;
	std::vector<uint64_t> lineLatches_;
	uint64_t dummyLatches_ = 0;
	uint32_t updates_ = 0;
	uint64_t waitedUs_ = 0;
	LatchObserver observer_;
	std::vector<uint8_t> codes_;

	// GPIO levels.
	bool supply_ = false;
	bool resetReleased_ = false;
	bool discharge_ = false;
	// COG registers (cleared by power or reset).
	int selected_ = -1;
	bool channelsSet_ = false;
	uint8_t chargePump_ = 0;
	bool outputEnabled_ = false;
	std::vector<uint8_t> lineData_;
};

std::unique_ptr<PanelDecoder> makeRepaperPanelDecoder(const PanelSpec &spec);

} // namespace tinydrm
