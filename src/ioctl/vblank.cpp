// SPDX-License-Identifier: MIT
#include "vblank.h"

#include <algorithm>
#include <cerrno>

namespace tinydrm {

using namespace std::chrono_literals;

Vblank::Vblank(std::mutex &modeset, Gate &gate)
	: modeset_(modeset), gate_(gate), thread_([this](std::stop_token stop) { run(stop); })
{
}

Vblank::~Vblank()
{
	shutdown();
}

void Vblank::shutdown()
{
	{
		std::lock_guard lock(mutex_);
		shutdown_ = true;
		running_ = false;
		pending_.clear();
	}
	thread_.request_stop();
	changed_.notify_all();
	if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id())
		thread_.join();
}

void Vblank::start(uint32_t refreshHz)
{
	std::lock_guard lock(mutex_);
	if (running_ || shutdown_)
		return;
	period_ = std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(1'000'000'000) /
							      std::max(refreshHz, 1u));
	epoch_ = Clock::now();
	running_ = true;
	generation_++;
	changed_.notify_all();
}

void Vblank::stop()
{
	std::vector<Pending> drained;
	uint64_t seq;
	{
		std::lock_guard lock(mutex_);
		if (!running_)
			return;
		base_ = seq = sequenceAt(Clock::now());
		running_ = false;
		drained.swap(pending_);
		generation_++;
	}
	changed_.notify_all();
	const uint64_t ns = monotonicNs(Clock::now());
	for (auto &p : drained)
		p.callback(seq, ns);
}

bool Vblank::running()
{
	std::lock_guard lock(mutex_);
	return running_;
}

uint64_t Vblank::sequenceAt(Clock::time_point t) const
{
	if (!running_ || t < epoch_)
		return base_;
	return base_ + uint64_t((t - epoch_) / period_);
}

Vblank::Clock::time_point Vblank::timeOf(uint64_t sequence) const
{
	return epoch_ + period_ * int64_t(sequence - base_);
}

uint64_t Vblank::current(uint64_t *ns)
{
	std::lock_guard lock(mutex_);
	const uint64_t seq = sequenceAt(Clock::now());
	if (ns)
		*ns = running_ ? monotonicNs(timeOf(seq)) : monotonicNs(Clock::now());
	return seq;
}

int Vblank::queue(uint64_t sequence, Callback callback)
{
	{
		std::lock_guard lock(mutex_);
		if (!running_)
			return -EINVAL;
		pending_.push_back({sequence, std::move(callback)});
		generation_++;
	}
	changed_.notify_all();
	return 0;
}

int Vblank::wait(uint64_t sequence, const std::function<bool()> &abandon)
{
	const auto giveUp = Clock::now() + 3s;
	std::unique_lock lock(mutex_);
	for (;;) {
		if (!running_)
			return -EINVAL;
		const auto now = Clock::now();
		if (sequenceAt(now) >= sequence)
			return 0;
		if (now >= giveUp)
			return -EBUSY;
		if (abandon && abandon())
			return -ENODEV;
		changed_.wait_until(lock, std::min({timeOf(sequence), giveUp, now + 50ms}));
	}
}

void Vblank::run(std::stop_token stop)
{
	std::unique_lock lock(mutex_);
	while (!stop.stop_requested()) {
		if (!running_ || pending_.empty()) {
			changed_.wait(lock, stop, [&] { return running_ && !pending_.empty(); });
			continue;
		}
		const auto earliest = std::min_element(pending_.begin(), pending_.end(),
			[](const Pending &a, const Pending &b) { return a.sequence < b.sequence; });
		const auto due = timeOf(earliest->sequence);
		if (Clock::now() < due) {
			const uint64_t seen = generation_;
			changed_.wait_until(lock, stop, due, [&] { return generation_ != seen; });
			continue;
		}
		const uint64_t seq = sequenceAt(Clock::now());
		std::vector<Pending> ready;
		std::erase_if(pending_, [&](Pending &p) {
			if (p.sequence > seq)
				return false;
			ready.push_back(std::move(p));
			return true;
		});
		const uint64_t ns = monotonicNs(timeOf(seq));
		// Lock order is modeset → ours: let go of ours first. Outside a section (unplug has
		// begun) the work is dropped: the device is going, its files will see ENODEV.
		lock.unlock();
		if (auto section = gate_.enter()) {
			std::lock_guard modeset(modeset_);
			for (auto &p : ready)
				p.callback(seq, ns);
		}
		lock.lock();
	}
}

} // namespace tinydrm
