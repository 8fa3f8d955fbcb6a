// SPDX-License-Identifier: MIT
// GpiodLine: GpioLine over libgpiod 1.6 (Debian 12), i.e. the kernel's GPIO character device.
//
// The line is requested for the panel's lifetime with consumer "tinydrm-<role>", so
// `gpioinfo` shows who holds it. A chip that goes away (a USB GPIO expander unplugged) makes
// the line's ioctls fail with ENODEV; that, and ESHUTDOWN, reach the backend as -ENODEV.
#include "gpio_line.h"

#include <cerrno>
#include <cstring>

#include <gpiod.h>

#include "log.h"
#include "panel_spec.h"

namespace tinydrm {

namespace {

auto &log()
{
	static auto logger = subsystemLogger("panels");
	return logger;
}

int mapErrno(int err)
{
	return err == ESHUTDOWN || err == ENODEV ? -ENODEV : -err;
}

/// Highest chip number and line offset a spec may name: far above any real system, low enough
/// that a typo with many digits is a syntax error rather than a failed open.
constexpr uint32_t kMaxChip = 9999;
constexpr uint32_t kMaxLine = 65535;

/// Splits "gpiochipN:LINE" / "/dev/gpiochipN:LINE" into the chip's device path and the offset.
bool parseSpec(const std::string &spec, std::string &chipPath, uint32_t &offset,
	       std::string &error)
{
	const size_t colon = spec.rfind(':');
	if (colon == std::string::npos) {
		error = "gpio \"" + spec + "\": expected gpiochipN:LINE";
		return false;
	}
	std::string_view chip(spec.data(), colon);
	const std::string_view line(spec.data() + colon + 1, spec.size() - colon - 1);
	if (chip.starts_with("/dev/"))
		chip.remove_prefix(5);
	uint32_t number = 0;
	if (!chip.starts_with("gpiochip") ||
	    !parseDecimal(chip.substr(8), 0, kMaxChip, number)) {
		error = "gpio \"" + spec + "\": chip must be gpiochipN or /dev/gpiochipN";
		return false;
	}
	if (!parseDecimal(line, 0, kMaxLine, offset)) {
		error = "gpio \"" + spec + "\": line must be a number 0.." + std::to_string(kMaxLine);
		return false;
	}
	chipPath = "/dev/gpiochip" + std::to_string(number);
	return true;
}

/**
 * GpiodLine - called by its one panel; no locking inside. Owns the chip handle and the line
 * request (released before the chip is closed).
 */
class GpiodLine final : public GpioLine
{
public:
	GpiodLine(gpiod_chip *chip, gpiod_line *line, std::string spec, std::string role)
		: chip_(chip), line_(line), spec_(std::move(spec)), role_(std::move(role))
	{
	}
	~GpiodLine() override
	{
		gpiod_line_release(line_);
		gpiod_chip_close(chip_);
	}
	GpiodLine(const GpiodLine &) = delete;
	GpiodLine &operator=(const GpiodLine &) = delete;

	int set(bool active) override
	{
		if (gpiod_line_set_value(line_, active ? 1 : 0) < 0)
			return failed("set");
		return 0;
	}

	int get() override
	{
		const int value = gpiod_line_get_value(line_);
		if (value < 0)
			return failed("get");
		return value ? 1 : 0;
	}

	const std::string &role() const override { return role_; }

private:
	int failed(const char *what)
	{
		const int err = errno;
		const int ret = mapErrno(err);
		if (ret == -ENODEV)
			log()->warn("gpio {} ({}): chip gone", spec_, role_);
		else
			log()->error("gpio {} ({}): {}: {}", spec_, role_, what, std::strerror(err));
		return ret;
	}

	gpiod_chip *const chip_;
	gpiod_line *const line_;
	const std::string spec_;
	const std::string role_;
};

} // namespace

bool checkGpioSpec(const std::string &spec, std::string &error)
{
	std::string chipPath;
	uint32_t offset;
	return parseSpec(spec, chipPath, offset, error);
}

int openGpioLine(const std::string &spec, const std::string &role, bool output, bool initial,
		 std::unique_ptr<GpioLine> &line, std::string &error)
{
	std::string chipPath;
	uint32_t offset = 0;
	if (!parseSpec(spec, chipPath, offset, error))
		return -EINVAL;

	gpiod_chip *chip = gpiod_chip_open(chipPath.c_str());
	if (!chip) {
		const int err = errno;
		error = "gpio " + spec + " (" + role + "): " + chipPath + ": " + std::strerror(err);
		return -err;
	}
	const unsigned lines = gpiod_chip_num_lines(chip);
	if (offset >= lines) {
		gpiod_chip_close(chip);
		error = "gpio " + spec + " (" + role + "): " + chipPath + " has only " +
			std::to_string(lines) + " lines";
		return -EINVAL;
	}
	gpiod_line *handle = gpiod_chip_get_line(chip, offset);
	if (!handle) {
		const int err = errno;
		gpiod_chip_close(chip);
		error = "gpio " + spec + " (" + role + "): " + std::strerror(err);
		return -err;
	}

	const std::string consumer = "tinydrm-" + role;
	const int ret = output ? gpiod_line_request_output(handle, consumer.c_str(), initial ? 1 : 0)
			       : gpiod_line_request_input(handle, consumer.c_str());
	if (ret < 0) {
		const int err = errno;
		error = "gpio " + spec + " (" + role + "): request: " + std::strerror(err);
		// The usual cause is another user; name it (the kernel keeps its consumer label).
		if (err == EBUSY) {
			const char *holder = gpiod_line_consumer(handle);
			if (holder)
				error += std::string(" (held by \"") + holder + "\")";
		}
		gpiod_chip_close(chip);
		return -err;
	}
	line = std::make_unique<GpiodLine>(chip, handle, spec, role);
	return 0;
}

} // namespace tinydrm
