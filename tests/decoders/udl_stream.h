// SPDX-License-Identifier: MIT
// The DisplayLink device side, for tests and the USB gadget emulator: UdlStream takes the raw
// bulk OUT bytes (register writes, RAW16/RL16/COPY16/RLX16 into a 16-bpp memory) and shows the
// picture the registers describe; makeUdlStreamDecoder() wraps it as a PanelDecoder that also
// checks the control requests of a WireLog (channel select before any pixel).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "panel_decoder.h"
#include "udl/udl_modeset.h"

namespace tinydrm {

/// The LFSR count whose state is @p value (the inverse of the timing registers' encoding), or
/// -1 for 0, the one state the LFSR never reaches.
int32_t udlLfsrDecode(uint16_t value);

/**
 * UdlStream - a DisplayLink device's command processor and memory, strict about what a correct
 * host sends: the first malformed command sets error() and everything after it is ignored.
 *
 * Registers written while the video registers are locked (AF 20 FF 00) take effect together
 * at unlock (AF 20 FF FF), as a modeset; timing registers may only change that way. Pixel
 * commands write big-endian RGB565 at 24-bit byte addresses (even, inside 16 MiB); memory
 * grows as it is written and reads as 0 where it was not.
 *
 * Single-threaded; no USB plumbing: feed it what the bulk endpoint received.
 */
class UdlStream
{
public:
	struct Counts {
		size_t registers = 0;
		size_t raw16 = 0;
		size_t rl16 = 0;
		size_t copy16 = 0;
		size_t rlx16 = 0;
		size_t noops = 0;  ///< 0xAF bytes that start no command (padding, flush end)
		size_t pixels = 0; ///< written by pixel commands
	};

	/**
	 * consume - processes @p length bytes of the bulk stream. A command may continue in the
	 * next call (a gadget reads the endpoint in arbitrary pieces).
	 * \return false once the stream is malformed (error() says how).
	 */
	bool consume(const uint8_t *data, size_t length);

	/**
	 * endTransfer - says a USB transfer ended here. The host never splits a command between
	 * transfers, so a cut command is an error; a lone 0xAF is a no-op.
	 * \return false once the stream is malformed.
	 */
	bool endTransfer();

	const std::string &error() const { return error_; }

	/// The mode applied at the last unlock, nullopt before the first.
	const std::optional<udl::Timing> &mode() const { return mode_; }
	/// Applied register values (what the hardware acts on).
	uint8_t reg(uint8_t index) const { return applied_[index]; }
	bool locked() const { return locked_; }
	uint32_t base16() const;
	/// Blanked (any blank mode but "on") or no mode: the monitor shows black.
	bool blanked() const;
	const Counts &counts() const { return counts_; }

	/// The big-endian RGB565 value at byte @p address (0 where nothing was written).
	uint16_t pixel(uint32_t address) const;

	/// What the monitor shows, XRGB8888 (RGB565 channels widened by bit replication),
	/// mode-sized, row-major; black while blanked; empty without a mode.
	void render(std::vector<uint32_t> &pixels) const;

private:
	/// Parses whole commands from @p data; \return bytes used (the rest is a command prefix).
	size_t parse(const uint8_t *data, size_t length);
	/// The length of the command at @p p if all of it is in @p length bytes; 0 if it needs
	/// more; -1 (with error_ set) if it is malformed.
	ptrdiff_t measure(const uint8_t *p, size_t length);
	void execute(const uint8_t *p);
	void writeRegister(uint8_t index, uint8_t value);
	void unlock();
	bool checkSpan(uint32_t address, size_t pixels, const char *what);
	void store(uint32_t address, uint8_t high, uint8_t low);
	bool fail(std::string message);
	ptrdiff_t malformed(std::string message);

	std::string error_;
	std::vector<uint8_t> pending_; ///< a command prefix carried into the next consume()
	std::vector<uint8_t> memory_;
	std::array<uint8_t, 256> written_{}; ///< as last written
	std::array<uint8_t, 256> applied_{}; ///< as in effect
	bool locked_ = false;
	bool timingWritten_ = false; ///< a timing register changed inside this lock
	std::optional<udl::Timing> mode_;
	Counts counts_;
};

/// The PanelDecoder for "udl" specs (options are ignored: the mode comes from the registers).
std::unique_ptr<PanelDecoder> makeUdlStreamDecoder(const PanelSpec &spec);

} // namespace tinydrm
