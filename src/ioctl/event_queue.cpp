// SPDX-License-Identifier: MIT
#include "event_queue.h"

#include <cerrno>

namespace tinydrm {

int EventQueue::reserve(size_t size)
{
	std::lock_guard lock(mutex_);
	if (space_ < size)
		return -ENOMEM;
	space_ -= size;
	return 0;
}

void EventQueue::unreserve(size_t size)
{
	std::lock_guard lock(mutex_);
	space_ += size;
}

void EventQueue::push(std::vector<uint8_t> event)
{
	{
		std::lock_guard lock(mutex_);
		events_.push_back(std::move(event));
	}
	wake();
}

int EventQueue::pop(size_t size, std::vector<uint8_t> &out)
{
	std::lock_guard lock(mutex_);
	out.clear();
	while (!events_.empty() && out.size() + events_.front().size() <= size) {
		const auto &event = events_.front();
		out.insert(out.end(), event.begin(), event.end());
		space_ += event.size();
		events_.pop_front();
	}
	return int(out.size());
}

bool EventQueue::empty() const
{
	std::lock_guard lock(mutex_);
	return events_.empty();
}

void EventQueue::clear()
{
	std::lock_guard lock(mutex_);
	events_.clear();
	space_ = kSpace;
}

void EventQueue::setWakeup(std::function<void()> wakeup)
{
	std::lock_guard lock(mutex_);
	wakeup_ = std::move(wakeup);
}

void EventQueue::wake()
{
	std::function<void()> wakeup;
	{
		std::lock_guard lock(mutex_);
		wakeup = wakeup_;
	}
	if (wakeup)
		wakeup();
}

} // namespace tinydrm
