// SPDX-License-Identifier: MIT
// EventQueue: a file's pending struct drm_event records, with the kernel's space accounting.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

namespace tinydrm {

/**
 * EventQueue - like drm_file's event_list plus event_space: space is reserved when an event is
 * promised (a page flip with an event, a queued sequence) and consumed when it is read, so a
 * client that never reads cannot make the daemon grow without bound.
 *
 * Thread-safe (mutex_). The wakeup callback is called after mutex_ is released.
 */
class EventQueue
{
public:
	/// The kernel's per-file event space (drm_file.c: event_space = 4096).
	static constexpr size_t kSpace = 4096;

	/// Reserves room for an event of @p size bytes. \return 0 or -ENOMEM (queue full).
	int reserve(size_t size);
	/// Returns a reservation that will not be used.
	void unreserve(size_t size);
	/// Queues a previously reserved event (its bytes) and wakes the reader.
	void push(std::vector<uint8_t> event);

	/// Pops whole events up to @p size bytes. \return bytes; 0 when empty or when the first
	/// event does not fit (it stays queued).
	int pop(size_t size, std::vector<uint8_t> &out);
	bool empty() const;
	/// Drops every queued event and reservation (release).
	void clear();

	void setWakeup(std::function<void()> wakeup);
	void wake();

private:
	mutable std::mutex mutex_;
	std::deque<std::vector<uint8_t>> events_;
	size_t space_ = kSpace;
	std::function<void()> wakeup_;
};

} // namespace tinydrm
