// SPDX-License-Identifier: MIT
// PLACEHOLDER: the panels helper replaces this with the real implementation.
#include "gpio_line.h"

#include <cerrno>

namespace tinydrm {
int openGpioLine(const std::string &, const std::string &, bool, bool, std::unique_ptr<GpioLine> &, std::string &error) { error = "gpio: not implemented yet"; return -ENOSYS; }
bool checkGpioSpec(const std::string &, std::string &) { return true; }
} // namespace tinydrm
