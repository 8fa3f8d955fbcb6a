// SPDX-License-Identifier: MIT
// GpioLine: one GPIO line through libgpiod (the kernel's GPIO character device), or dry-run.
#pragma once

#include <memory>
#include <string>

namespace tinydrm {

/**
 * GpioLine - called by its one panel; no locking inside.
 */
class GpioLine
{
public:
	virtual ~GpioLine() = default;
	/// Drives an output line. \return 0, -ENODEV when the chip is gone, or -errno.
	virtual int set(bool active) = 0;
	/// Reads an input line. \return 0 or 1, or -errno.
	virtual int get() = 0;
	/// The role it plays for the panel ("dc", "reset", "busy", ...).
	virtual const std::string &role() const = 0;
};

/**
 * openGpioLine - requests line @p spec ("gpiochip0:24" or "/dev/gpiochip0:24") as an output
 * (initially @p initial) or an input, with consumer "tinydrm-<role>".
 * \return 0 and @p line, or -errno with a one-line reason in @p error.
 */
int openGpioLine(const std::string &spec, const std::string &role, bool output, bool initial,
		 std::unique_ptr<GpioLine> &line, std::string &error);

/// Checks the syntax of a "chip:line" spec without opening anything.
bool checkGpioSpec(const std::string &spec, std::string &error);

} // namespace tinydrm
