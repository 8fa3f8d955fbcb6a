// SPDX-License-Identifier: MIT
// BulkReader: the thread that drains a FunctionFS bulk OUT endpoint into a sink.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <thread>

namespace tinydrm::gadget {

/**
 * BulkReader - reads an OUT endpoint file in transfers of up to @p chunk bytes and hands each
 * read to the sink, marking reads shorter than @p chunk as transfer ends (FunctionFS completes
 * a read early only on a short packet, i.e. where the host's transfer ended).
 *
 * The endpoint only works while the function is enabled. The reader starts reading at each
 * enabled() (a new host configuration); when a read fails (ESHUTDOWN/ECONNRESET/EIO: the host
 * went away or reconfigured, with data possibly still in flight) it goes back to waiting for
 * the next enabled(), so an unplug never leaves it spinning or stuck.
 *
 * Threads: one thread of its own calls the sink. enabled() and the destructor come from the
 * owner's thread; mutex_ guards generation_ and stop_. The destructor stops a read that is
 * blocked in the kernel by signalling the thread (SIGUSR1, installed with an empty handler and
 * without SA_RESTART, so the read fails with EINTR) until it has finished.
 *
 * Lifetime: the fd must outlive the reader; the destructor joins the thread.
 */
class BulkReader
{
public:
	using Sink = std::function<void(std::span<const uint8_t> data, bool transferEnd)>;

	BulkReader(int fd, size_t chunk, Sink sink);
	~BulkReader();
	BulkReader(const BulkReader &) = delete;
	BulkReader &operator=(const BulkReader &) = delete;

	/// The endpoint is (again) enabled: start reading.
	void enabled();
	/// Reads that failed since construction (each ends a reading session).
	size_t failures() const { return failures_.load(); }

private:
	void run();

	const int fd_;
	const size_t chunk_;
	const Sink sink_;
	std::mutex mutex_;
	std::condition_variable wake_;
	uint64_t generation_ = 0; ///< enabled() calls so far
	bool stop_ = false;
	std::atomic<bool> stopping_{false}; ///< stop_, readable without the lock between reads
	std::atomic<bool> finished_{false};
	std::atomic<size_t> failures_{0};
	std::thread thread_;
};

} // namespace tinydrm::gadget
