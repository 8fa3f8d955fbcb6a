// SPDX-License-Identifier: MIT
// One spdlog logger per subsystem ("gate", "cuse", "ioctl", ...), created on first use.
#pragma once

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace tinydrm {

/// Returns the logger named @p subsystem, creating it (stderr, colour when a tty) on first use.
/// \context any thread; the spdlog registry serialises creation.
std::shared_ptr<spdlog::logger> subsystemLogger(const std::string &subsystem);

} // namespace tinydrm
