// SPDX-License-Identifier: MIT
#include "delay.h"

#include <cerrno>
#include <ctime>

namespace tinydrm {

namespace {

/// RealDelay - stateless; any thread.
class RealDelay final : public Delay
{
public:
	void sleep(std::chrono::microseconds duration) override
	{
		if (duration.count() <= 0)
			return;
		timespec ts{};
		clock_gettime(CLOCK_MONOTONIC, &ts);
		const long long ns = ts.tv_nsec + (duration.count() % 1000000) * 1000;
		ts.tv_sec += time_t(duration.count() / 1000000 + ns / 1000000000);
		ts.tv_nsec = long(ns % 1000000000);
		// Absolute deadline, so a signal that interrupts the sleep does not stretch it.
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
		}
	}
};

} // namespace

std::unique_ptr<Delay> makeRealDelay()
{
	return std::make_unique<RealDelay>();
}

} // namespace tinydrm
