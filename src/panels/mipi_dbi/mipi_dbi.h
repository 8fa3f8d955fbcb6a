// SPDX-License-Identifier: MIT
// MipiDbi: the MIPI DBI command layer the SPI panels share (Type C option 3: 8-bit SPI words
// plus a D/C GPIO), the options those panels take, and how they get their wires: real spidev
// and GPIO lines, or a dry-run WireLog.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>

#include "delay.h"
#include "gpio_line.h"
#include "panel_spec.h"
#include "spi_bus.h"
#include "wire_log.h"

namespace tinydrm {

/// MIPI DCS command codes (the names of include/video/mipi_display.h) the backends use.
namespace dcs {
inline constexpr uint8_t kSoftReset = 0x01;
inline constexpr uint8_t kGetPowerMode = 0x0a;
inline constexpr uint8_t kExitSleepMode = 0x11;
inline constexpr uint8_t kExitInvertMode = 0x20;
inline constexpr uint8_t kSetGammaCurve = 0x26;
inline constexpr uint8_t kSetDisplayOff = 0x28;
inline constexpr uint8_t kSetDisplayOn = 0x29;
inline constexpr uint8_t kSetColumnAddress = 0x2a;
inline constexpr uint8_t kSetPageAddress = 0x2b;
inline constexpr uint8_t kWriteMemoryStart = 0x2c;
inline constexpr uint8_t kSetPartialRows = 0x30;
inline constexpr uint8_t kSetAddressMode = 0x36;
inline constexpr uint8_t kSetPixelFormat = 0x3a;

/// SET_PIXEL_FORMAT's DBI field for RGB565.
inline constexpr uint8_t kPixelFmt16Bit = 0x05;
/// GET_POWER_MODE bits: display on, normal mode, sleep out; bits 0, 1 and 7 are don't-care.
inline constexpr uint8_t kPowerModeOnMask = 0x83;
inline constexpr uint8_t kPowerModeOn = 0x1c;
} // namespace dcs

/**
 * DbiOptions - what "NAME:spi=...,dc=...,..." says, for every panel on a DBI bus:
 *   spi=/dev/spidevB.C  dc=CHIP:LINE  [reset=CHIP:LINE]  [speed=HZ]  [rotation=0|90|180|270]
 *   [dry-run=PATH [realtime=1]]  [bgr=0|1]
 * With dry-run the wire goes to a WireLog at PATH instead of hardware; spi and dc are then
 * optional and never opened, and reset only says whether the sequence pulses a reset line.
 */
struct DbiOptions {
	std::string spi;
	std::string dc;
	std::string reset;  ///< empty: no reset line (soft reset only)
	std::string dryRun; ///< empty: real hardware
	bool realtime = false;
	uint32_t speedHz = 0;
	uint32_t rotation = 0;
	bool bgr = true;
};

/// What a backend allows on top of the common options.
struct DbiOptionRules {
	uint32_t defaultSpeedHz = 32000000;
	bool quarterTurns = true; ///< rotation 90 and 270 (else only 0 and 180)
	bool halfTurn = true;     ///< rotation 180
	bool bgrOption = true;    ///< the bgr key
};

/// Highest SPI clock accepted in speed=; beyond it is a typo, not a panel.
inline constexpr uint32_t kDbiMaxSpeedHz = 100000000;
inline constexpr uint32_t kDbiMinSpeedHz = 100000;

/**
 * parseDbiOptions - checks @p spec's options against @p rules without touching hardware.
 * \return true and @p options, or false with a one-line reason in @p error.
 */
bool parseDbiOptions(const PanelSpec &spec, const DbiOptionRules &rules, DbiOptions &options,
		     std::string &error);

/**
 * DbiWiring - the wires of one DBI panel, owned by its MipiDbi. The dry-run log (if any) is
 * declared first so that it outlives the transports that borrow it.
 */
struct DbiWiring {
	std::unique_ptr<WireLog> log; ///< dry-run sink, or null on hardware
	std::unique_ptr<SpiBus> spi;
	std::unique_ptr<GpioLine> dc;
	std::unique_ptr<GpioLine> reset; ///< null: no reset line
	std::unique_ptr<Delay> delay;
};

/**
 * openDbiWiring - opens what @p options name: spidev (SPI mode 0) and the GPIO lines, or the
 * dry-run log at options.dryRun with dry-run transports.
 * \return 0, or -errno with a one-line reason in @p error.
 */
int openDbiWiring(const DbiOptions &options, DbiWiring &wiring, std::string &error);

/**
 * makeDryRunDbiWiring - dry-run transports writing to @p log (taken over), with a reset line
 * when options.reset is set. Reads are answered as a controller fresh out of power-on reset
 * would (GET_POWER_MODE: sleeping, display off), so init sequences run in full. Tests pass an
 * in-memory log here.
 */
DbiWiring makeDryRunDbiWiring(std::unique_ptr<WireLog> log, const DbiOptions &options);

/**
 * MipiDbi - DCS commands, reads and resets over one DbiWiring, as the kernel's drm_mipi_dbi
 * does for Type C option 3: D/C low for the command byte, high for its parameters; transfers
 * of up to 64 bytes at most at 10 MHz (the controllers' write cycle), pixel data at the bus
 * maximum; reads at most at 2 MHz.
 *
 * Hardware gone: the first wire operation that gets -ENODEV latches it, calls @p hardwareGone
 * once, and every later call returns -ENODEV without touching the wires.
 *
 * Threads: called by its one panel only, which the owning DrmDevice serialises; no locking
 * inside (the WireLog locks itself).
 */
class MipiDbi
{
public:
	MipiDbi(DbiWiring wiring, std::string name, std::function<void(const std::string &)> hardwareGone);
	~MipiDbi();
	MipiDbi(const MipiDbi &) = delete;
	MipiDbi &operator=(const MipiDbi &) = delete;

	/// Sends @p cmd and then @p params. \return 0 or -errno.
	int command(uint8_t cmd, std::initializer_list<uint8_t> params = {});
	int command(uint8_t cmd, const uint8_t *params, size_t length);
	/// Reads @p length bytes answered to @p cmd (8-bit status reads without a dummy clock).
	int read(uint8_t cmd, uint8_t *data, size_t length);
	/// Sets the column and page address window, ends inclusive, then starts a memory write
	/// of @p pixels (@p length bytes) at full speed.
	int writeWindow(uint16_t xs, uint16_t ys, uint16_t xe, uint16_t ye, const uint8_t *pixels,
			size_t length);
	/**
	 * powerOnReset - resets the controller: a reset-line pulse if there is one, then
	 * SOFT_RESET, each followed by the time the controller needs.
	 * With @p conditional, first asks GET_POWER_MODE and skips the reset when the display is
	 * already on (a panel that is showing something keeps it, as the kernel does).
	 * \return 0 when reset, 1 when skipped, or -errno.
	 */
	int powerOnReset(bool conditional);
	void sleep(std::chrono::microseconds duration);
	/// Marks the end of a frame in the dry-run log ("flush N"); nothing on hardware.
	void mark(const std::string &text);

	bool gone() const { return gone_; }
	const std::string &name() const { return name_; }

private:
	int setDc(bool data);
	int write(const uint8_t *data, size_t length, uint32_t speedHz);
	int check(int ret, const char *what);
	uint32_t cmdSpeed(size_t length) const;

	DbiWiring wiring_;
	const std::string name_;
	const std::function<void(const std::string &)> hardwareGone_;
	bool gone_ = false;
};

} // namespace tinydrm
