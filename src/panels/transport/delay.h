// SPDX-License-Identifier: MIT
// Delay: how a backend waits (reset pulses, e-paper stage times): for real, or logged.
#pragma once

#include <chrono>
#include <memory>

namespace tinydrm {

/**
 * Delay - called by its one panel.
 */
class Delay
{
public:
	virtual ~Delay() = default;
	virtual void sleep(std::chrono::microseconds duration) = 0;
};

/// Sleeps for real (clock_nanosleep, restarted on EINTR).
std::unique_ptr<Delay> makeRealDelay();

} // namespace tinydrm
