// SPDX-License-Identifier: MIT
// Emulated MIPI DBI controllers: DbiStreamDecoder turns a Type C option 3 wire (8-bit SPI plus
// a D/C line, an optional reset line, delays) into commands with their parameters, checking
// what any such controller insists on; makeDcsPanelDecoder() builds an ILI9341 behind the
// mi0283qt or ili9341 module on top of it. st7586_panel.cpp builds the ST7586 on it too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "panel_decoder.h"

namespace tinydrm {

/**
 * DbiStreamDecoder - the bus side of a DBI controller.
 *
 * GPIO records of role "dc" set the D/C level (0 command, 1 data) and of role "reset" drive
 * RESX (0 holds the controller in reset). A byte sent with D/C low is a command; the bytes
 * sent with D/C high after it, in as many transfers as the sender likes, are its parameters.
 * A command ends at the next command, a reset, a read or a Mark record; it must then have as
 * many parameters as it takes. Memory writes stream their bytes to the controller as they come.
 *
 * Checked, as errors: bytes before D/C was set, traffic while in reset, a reset pulse under
 * 10 us, commands sooner than the controller is ready after a reset or sleep-out (time is the
 * sum of Delay records), unknown commands, wrong parameter counts, data without a command,
 * reads the controller cannot answer, and commands or their parameters clocked above 10 MHz.
 *
 * Single-threaded, like every PanelDecoder.
 */
class DbiStreamDecoder : public PanelDecoder
{
public:
	bool feed(const WireRecord &record) final;
	const std::string &error() const final { return error_; }

protected:
	/// Parameter bytes a command takes: [min, max], or stream (memory writes).
	struct Shape {
		uint16_t min = 0;
		uint16_t max = 0;
		bool stream = false;
	};

	/// \return false for a command the controller does not know.
	virtual bool shape(uint8_t cmd, Shape &shape) const = 0;
	/// \return true if the controller answers @p cmd over SPI.
	virtual bool readable(uint8_t cmd) const = 0;
	/// A command with all its parameters; a stream command when it begins, with none.
	/// \return false after fail().
	virtual bool execute(uint8_t cmd, const std::vector<uint8_t> &params) = 0;
	/// Bytes streamed to a memory-write command. \return false after fail().
	virtual bool stream(uint8_t cmd, const uint8_t *data, size_t length) = 0;
	/// The stream command @p cmd ended. \return false after fail().
	virtual bool endStream(uint8_t cmd) = 0;
	/// A hardware reset (registers to their defaults). SOFT_RESET comes through execute().
	virtual void reset() = 0;
	/// Microseconds the controller needs after @p cmd before the next command.
	virtual uint32_t busyAfter(uint8_t cmd) const = 0;

	/// Records the first protocol violation. \return false, for `return fail(...)`.
	bool fail(const std::string &message);
	static std::string hex(uint32_t value);

private:
	bool spi(const WireRecord &record);
	bool gpio(const WireRecord &record);
	bool beginCommand(uint8_t cmd, uint32_t speedHz);
	bool parameters(const uint8_t *data, size_t length, uint32_t speedHz);
	bool finishCommand();

	std::string error_;
	int dc_ = -1;          ///< D/C level; -1 until first set
	bool inReset_ = false;
	uint64_t now_ = 0;     ///< us, from Delay records
	uint64_t resetAt_ = 0; ///< when RESX went low
	uint64_t readyAt_ = 0; ///< no command before this
	bool pending_ = false; ///< a command is collecting parameters
	bool executed_ = false;
	uint8_t cmd_ = 0;
	Shape shape_;
	std::vector<uint8_t> params_;
};

/// An ILI9341 behind the module @p spec names (mi0283qt or ili9341), seen as mounted with the
/// spec's rotation and colour filter (bgr=0|1, default 1). nullptr for another backend.
std::unique_ptr<PanelDecoder> makeDcsPanelDecoder(const PanelSpec &spec);

} // namespace tinydrm
