// SPDX-License-Identifier: MIT
#include "mipi_dbi.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <vector>

#include "dry_run.h"
#include "log.h"
#include "panel_registry.h"

namespace tinydrm {

namespace {

auto &log()
{
	static auto logger = subsystemLogger("panels");
	return logger;
}

using namespace std::chrono_literals;

/// The controllers' write cycle (ILI9341: 100 ns) caps command transfers; pixel data runs at
/// the bus maximum, which these panels take in practice (the kernel does the same).
constexpr uint32_t kCommandMaxSpeedHz = 10000000;
/// Transfers up to this many bytes are "commands" and slowed down (the kernel's threshold).
constexpr size_t kCommandMaxLength = 64;
constexpr uint32_t kReadMaxSpeedHz = 2000000;

/// RESX low for at least 10 us (we hold 20 us), then 120 ms until the controller is ready.
constexpr auto kResetPulse = 20us;
constexpr auto kResetRecovery = 120ms;
/// After SOFT_RESET: 5 ms if a hardware reset just put the controller to sleep, else 120 ms
/// because it may have been awake (MIPI DCS).
constexpr auto kSoftResetAfterHardReset = 5ms;
constexpr auto kSoftResetAwake = 120ms;

bool parseFlag(const PanelSpec &spec, std::string_view key, bool &value, std::string &error)
{
	const std::string *text = spec.option(key);
	if (!text)
		return true;
	if (*text != "0" && *text != "1") {
		error = "bad " + std::string(key) + " '" + *text + "' (want 0 or 1)";
		return false;
	}
	value = *text == "1";
	return true;
}

} // namespace

bool parseDbiOptions(const PanelSpec &spec, const DbiOptionRules &rules, DbiOptions &options,
		     std::string &error)
{
	static constexpr std::string_view kKeys[] = {"spi",	 "dc",	     "reset", "speed",
						      "rotation", "dry-run", "realtime", "bgr"};
	std::span<const std::string_view> keys(kKeys);
	if (!rules.bgrOption)
		keys = keys.first(std::size(kKeys) - 1);
	if (!checkOptionKeys(spec, keys, error))
		return false;
	if (!spec.positional.empty()) {
		error = "panel " + spec.backend + " takes no size or other bare argument ('" +
			spec.positional + "'); its options are key=value";
		return false;
	}

	DbiOptions parsed;
	if (const std::string *v = spec.option("dry-run"))
		parsed.dryRun = *v;
	if (const std::string *v = spec.option("spi"))
		parsed.spi = *v;
	if (const std::string *v = spec.option("dc"))
		parsed.dc = *v;
	if (const std::string *v = spec.option("reset"))
		parsed.reset = *v;

	if (parsed.dryRun.empty() && (parsed.spi.empty() || parsed.dc.empty())) {
		error = "panel " + spec.backend +
			" needs spi=/dev/spidevB.C and dc=CHIP:LINE (or dry-run=PATH)";
		return false;
	}
	if (!parsed.spi.empty() && parsed.spi.front() != '/') {
		error = "bad spi '" + parsed.spi + "' (want a device path such as /dev/spidev0.0)";
		return false;
	}
	if (!parsed.dc.empty() && !checkGpioSpec(parsed.dc, error))
		return false;
	if (!parsed.reset.empty() && !checkGpioSpec(parsed.reset, error))
		return false;

	parsed.speedHz = rules.defaultSpeedHz;
	if (!parseNumberOption(spec, "speed", kDbiMinSpeedHz, kDbiMaxSpeedHz, parsed.speedHz, error))
		return false;

	if (const std::string *v = spec.option("rotation")) {
		uint32_t rotation = 0;
		const bool known = parseDecimal(*v, 0, 270, rotation) && rotation % 90 == 0;
		const bool quarter = rotation == 90 || rotation == 270;
		if (!known || (quarter && !rules.quarterTurns) ||
		    (rotation == 180 && !rules.halfTurn)) {
			error = "bad rotation '" + *v + "' (" + spec.backend + " takes " +
				(rules.quarterTurns ? "0, 90, 180 or 270"
						    : rules.halfTurn ? "0 or 180" : "only 0") +
				")";
			return false;
		}
		parsed.rotation = rotation;
	}

	if (!parseFlag(spec, "realtime", parsed.realtime, error) ||
	    !parseFlag(spec, "bgr", parsed.bgr, error))
		return false;
	if (spec.option("realtime") && parsed.dryRun.empty()) {
		error = "realtime= only applies to dry-run=PATH";
		return false;
	}
	options = std::move(parsed);
	return true;
}

DbiWiring makeDryRunDbiWiring(std::unique_ptr<WireLog> log, const DbiOptions &options)
{
	// What a healthy controller answers just after power-on: sleeping, display off, normal
	// mode; so a conditional reset goes ahead and the whole init shows up in the log.
	SpiResponder responder = [](const uint8_t *tx, uint8_t *rx, size_t length) {
		if (tx && length >= 2 && tx[0] == dcs::kGetPowerMode)
			rx[1] = 0x08;
	};
	DbiWiring wiring;
	wiring.spi = makeDryRunSpi(*log, options.speedHz, std::move(responder));
	wiring.dc = makeDryRunGpio(*log, "dc");
	if (!options.reset.empty())
		wiring.reset = makeDryRunGpio(*log, "reset");
	wiring.delay = makeDryRunDelay(*log, options.realtime);
	wiring.log = std::move(log);
	return wiring;
}

int openDbiWiring(const DbiOptions &options, DbiWiring &wiring, std::string &error)
{
	if (!options.dryRun.empty()) {
		std::unique_ptr<WireLog> log;
		if (int ret = WireLog::open(options.dryRun, log, error))
			return ret;
		wiring = makeDryRunDbiWiring(std::move(log), options);
		return 0;
	}

	DbiWiring opened;
	if (int ret = openSpidev(options.spi, 0, options.speedHz, opened.spi, error))
		return ret;
	// D/C starts low (command), reset starts high (not in reset), as the kernel requests them.
	if (int ret = openGpioLine(options.dc, "dc", true, false, opened.dc, error))
		return ret;
	if (!options.reset.empty()) {
		if (int ret = openGpioLine(options.reset, "reset", true, true, opened.reset, error))
			return ret;
	}
	opened.delay = makeRealDelay();
	wiring = std::move(opened);
	return 0;
}

MipiDbi::MipiDbi(DbiWiring wiring, std::string name,
		 std::function<void(const std::string &)> hardwareGone)
	: wiring_(std::move(wiring)), name_(std::move(name)), hardwareGone_(std::move(hardwareGone))
{
}

MipiDbi::~MipiDbi() = default;

uint32_t MipiDbi::cmdSpeed(size_t length) const
{
	const uint32_t max = wiring_.spi->maxSpeedHz();
	return length > kCommandMaxLength ? max : std::min(max, kCommandMaxSpeedHz);
}

int MipiDbi::check(int ret, const char *what)
{
	if (ret == -ENODEV && !gone_) {
		gone_ = true;
		log()->warn("{}: {} failed: the device is gone", name_, what);
		if (hardwareGone_)
			hardwareGone_(name_ + ": " + what + ": device gone");
	} else if (ret < 0 && ret != -ENODEV) {
		log()->error("{}: {} failed: {}", name_, what, std::strerror(-ret));
	}
	return ret;
}

int MipiDbi::setDc(bool data)
{
	return check(wiring_.dc->set(data), "D/C line");
}

int MipiDbi::write(const uint8_t *data, size_t length, uint32_t speedHz)
{
	return check(wiring_.spi->write(data, length, speedHz), "SPI write");
}

int MipiDbi::command(uint8_t cmd, std::initializer_list<uint8_t> params)
{
	return command(cmd, params.begin(), params.size());
}

int MipiDbi::command(uint8_t cmd, const uint8_t *params, size_t length)
{
	if (gone_)
		return -ENODEV;
	int ret = setDc(false);
	if (!ret)
		ret = write(&cmd, 1, cmdSpeed(1));
	if (!ret && length) {
		ret = setDc(true);
		if (!ret)
			ret = write(params, length, cmdSpeed(length));
	}
	return ret;
}

int MipiDbi::read(uint8_t cmd, uint8_t *data, size_t length)
{
	if (gone_)
		return -ENODEV;
	if (!length)
		return -EINVAL;
	// One full-duplex transfer so chip select stays low from the command to the answer:
	// the command byte clocks out while the first rx byte is meaningless.
	std::vector<uint8_t> tx(length + 1, 0), rx(length + 1, 0);
	tx[0] = cmd;
	const uint32_t speed = std::min(wiring_.spi->maxSpeedHz(), kReadMaxSpeedHz);
	int ret = setDc(false);
	if (!ret)
		ret = check(wiring_.spi->transfer({tx.data(), rx.data(), tx.size(), speed, 8}),
			    "SPI read");
	if (!ret)
		std::copy(rx.begin() + 1, rx.end(), data);
	return ret;
}

int MipiDbi::writeWindow(uint16_t xs, uint16_t ys, uint16_t xe, uint16_t ye, const uint8_t *pixels,
			 size_t length)
{
	// Big-endian 16-bit start and inclusive end, as DCS wants them.
	int ret = command(dcs::kSetColumnAddress,
			  {uint8_t(xs >> 8), uint8_t(xs), uint8_t(xe >> 8), uint8_t(xe)});
	if (!ret)
		ret = command(dcs::kSetPageAddress,
			      {uint8_t(ys >> 8), uint8_t(ys), uint8_t(ye >> 8), uint8_t(ye)});
	if (!ret)
		ret = command(dcs::kWriteMemoryStart, pixels, length);
	return ret;
}

int MipiDbi::powerOnReset(bool conditional)
{
	if (gone_)
		return -ENODEV;
	if (conditional) {
		uint8_t mode = 0;
		const int ret = read(dcs::kGetPowerMode, &mode, 1);
		if (ret == -ENODEV)
			return ret;
		// A failed read says nothing about the panel: reset it, as the kernel does.
		if (!ret && (mode & ~dcs::kPowerModeOnMask) == dcs::kPowerModeOn) {
			log()->debug("{}: display already on (power mode {:#04x}), keeping it", name_,
				     mode);
			return 1;
		}
	}
	if (wiring_.reset) {
		int ret = check(wiring_.reset->set(false), "reset line");
		if (ret)
			return ret;
		sleep(kResetPulse);
		if ((ret = check(wiring_.reset->set(true), "reset line")))
			return ret;
		sleep(kResetRecovery);
	}
	if (int ret = command(dcs::kSoftReset))
		return ret;
	sleep(wiring_.reset ? kSoftResetAfterHardReset : kSoftResetAwake);
	return 0;
}

void MipiDbi::sleep(std::chrono::microseconds duration)
{
	wiring_.delay->sleep(duration);
}

void MipiDbi::mark(const std::string &text)
{
	if (wiring_.log)
		wiring_.log->mark(text);
}

} // namespace tinydrm
