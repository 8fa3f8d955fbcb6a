// SPDX-License-Identifier: MIT
// Vblank: a per-device vertical-blank clock at the mode's refresh rate, and the thread that
// fires what waits for a vblank (page-flip completion, queued sequences, vblank events).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "gate.h"

namespace tinydrm {

/**
 * Vblank - the counter runs while the CRTC is active (start()..stop()), continuing its count
 * across restarts as the kernel's does. Timestamps are CLOCK_MONOTONIC.
 *
 * Threads: start/stop/queue/current come from ioctl handlers under the device's modeset lock.
 * Callbacks run on the vblank thread inside a section of the device's gate and with the
 * modeset lock held (taken by the thread), never with mutex_ held: lock order is
 * modeset → Vblank::mutex_. wait() is called without the modeset lock. shutdown() is called by
 * the device's revoke step (after the drain) and destructor, never with the modeset lock held.
 */
class Vblank
{
public:
	using Clock = std::chrono::steady_clock;
	/// Called with the vblank's sequence number and its time in ns (CLOCK_MONOTONIC).
	using Callback = std::function<void(uint64_t sequence, uint64_t ns)>;

	Vblank(std::mutex &modeset, Gate &gate);
	~Vblank();

	void start(uint32_t refreshHz);
	/// Stops counting and runs what was pending at once, with the count at the stop (as
	/// drm_crtc_vblank_off() sends pending events). The caller holds the modeset lock.
	void stop();
	bool running();

	/// The sequence number and time of the most recent vblank.
	uint64_t current(uint64_t *ns = nullptr);

	/**
	 * queue - runs @p callback at vblank @p sequence (at once, on the vblank thread, if already
	 * past).
	 * \return 0, or -EINVAL when the counter is not running.
	 */
	int queue(uint64_t sequence, Callback callback);

	/**
	 * wait - blocks the calling thread until vblank @p sequence, at most 3 s (the kernel's bound),
	 * or until @p abandon returns true (it is checked at least every 50 ms).
	 * \return 0, -EBUSY (timed out, as the kernel), -EINVAL (not running), -ENODEV (abandoned).
	 */
	int wait(uint64_t sequence, const std::function<bool()> &abandon);

	/// Stops the thread for good (revoke): nothing fires after it returns. Idempotent.
	void shutdown();

private:
	struct Pending {
		uint64_t sequence;
		Callback callback;
	};

	uint64_t sequenceAt(Clock::time_point t) const;
	Clock::time_point timeOf(uint64_t sequence) const;
	void run(std::stop_token stop);

	std::mutex &modeset_;
	Gate &gate_;
	std::mutex mutex_;
	std::condition_variable_any changed_;
	bool running_ = false;
	bool shutdown_ = false;
	Clock::time_point epoch_;
	Clock::duration period_{};
	uint64_t base_ = 0; ///< count at epoch_
	std::vector<Pending> pending_;
	/// Bumped by every change the thread must re-plan for (an earlier deadline, a stop).
	uint64_t generation_ = 0;
	std::jthread thread_;
};

/// CLOCK_MONOTONIC nanoseconds of a steady_clock time point (both are CLOCK_MONOTONIC on Linux).
inline uint64_t monotonicNs(Vblank::Clock::time_point t)
{
	return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

} // namespace tinydrm
