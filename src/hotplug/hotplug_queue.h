// SPDX-License-Identifier: MIT
// HotplugQueue: events handed from the watchers' threads to the daemon thread, with an eventfd
// the daemon polls.
#pragma once

#include <deque>
#include <mutex>
#include <vector>

#include "hotplug_event.h"
#include "unique_fd.h"

namespace tinydrm {

/**
 * HotplugQueue - a FIFO of HotplugEvents and an eventfd that is readable while it is not empty.
 *
 * Threads: push() from any thread (libusb's event thread inside a hotplug callback, the thread
 * that registers the callbacks, tests); drain() and fd() from the consumer (the daemon thread).
 * push() takes mutex_ for a deque append and writes the eventfd: it never blocks for longer
 * than that, which is what a libusb hotplug callback may do. drain() holds mutex_ only to swap
 * the deque out.
 *
 * Lifetime: must outlive every producer (UsbHotplug is stopped before its queue goes).
 */
class HotplugQueue
{
public:
	/// Creates the eventfd; check valid() (no fd: out of descriptors).
	HotplugQueue();
	HotplugQueue(const HotplugQueue &) = delete;
	HotplugQueue &operator=(const HotplugQueue &) = delete;

	bool valid() const { return bool(eventFd_); }
	/// Readable (POLLIN) while events wait.
	int fd() const { return eventFd_.get(); }

	/// Appends @p event and wakes the consumer. \context any thread; does not block.
	void push(HotplugEvent event);
	/// Takes every waiting event, oldest first, and resets the eventfd. \context the consumer.
	std::vector<HotplugEvent> drain();

private:
	UniqueFd eventFd_;
	std::mutex mutex_;
	std::deque<HotplugEvent> events_; ///< guarded by mutex_
};

} // namespace tinydrm
