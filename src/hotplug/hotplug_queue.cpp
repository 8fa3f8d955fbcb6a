// SPDX-License-Identifier: MIT
#include "hotplug_queue.h"

#include <cstdint>
#include <iterator>

#include <sys/eventfd.h>
#include <unistd.h>

namespace tinydrm {

HotplugQueue::HotplugQueue() : eventFd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
{
}

void HotplugQueue::push(HotplugEvent event)
{
	{
		std::lock_guard lock(mutex_);
		events_.push_back(std::move(event));
	}
	// After the append: a consumer woken by this write finds the event. A non-blocking eventfd
	// write only fails when the counter would overflow, which a wake-up never needs.
	const uint64_t one = 1;
	[[maybe_unused]] ssize_t n = ::write(eventFd_.get(), &one, sizeof(one));
}

std::vector<HotplugEvent> HotplugQueue::drain()
{
	// Read the counter first: a push that lands after the swap below writes again and wakes
	// the consumer for its event, so none is left behind unannounced.
	uint64_t count;
	[[maybe_unused]] ssize_t n = ::read(eventFd_.get(), &count, sizeof(count));
	std::deque<HotplugEvent> taken;
	{
		std::lock_guard lock(mutex_);
		taken.swap(events_);
	}
	return {std::make_move_iterator(taken.begin()), std::make_move_iterator(taken.end())};
}

} // namespace tinydrm
