// SPDX-License-Identifier: MIT
#include "bulk_reader.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <vector>

#include <pthread.h>
#include <unistd.h>

#include "log.h"

namespace tinydrm::gadget {

namespace {

std::shared_ptr<spdlog::logger> log()
{
	static const auto logger = subsystemLogger("bulk");
	return logger;
}

constexpr int kWakeSignal = SIGUSR1;

void ignoreWake(int) {}

/// An empty handler without SA_RESTART: the signal only makes a blocked read return EINTR.
void installWakeHandler()
{
	static std::once_flag once;
	std::call_once(once, [] {
		struct sigaction action {};
		action.sa_handler = ignoreWake;
		sigemptyset(&action.sa_mask);
		action.sa_flags = 0;
		::sigaction(kWakeSignal, &action, nullptr);
	});
}

} // namespace

BulkReader::BulkReader(int fd, size_t chunk, Sink sink) : fd_(fd), chunk_(chunk), sink_(std::move(sink))
{
	installWakeHandler();
	thread_ = std::thread([this] { run(); });
}

BulkReader::~BulkReader()
{
	{
		std::lock_guard lock(mutex_);
		stop_ = true;
	}
	stopping_ = true;
	wake_.notify_all();
	// A signal sent just before the thread enters read() is lost, so keep signalling until it
	// is out; each round costs the thread one EINTR at most.
	while (!finished_.load()) {
		::pthread_kill(thread_.native_handle(), kWakeSignal);
		std::unique_lock lock(mutex_);
		wake_.wait_for(lock, std::chrono::milliseconds(5), [this] { return finished_.load(); });
	}
	thread_.join();
}

void BulkReader::enabled()
{
	{
		std::lock_guard lock(mutex_);
		generation_++;
	}
	wake_.notify_all();
}

void BulkReader::run()
{
	std::vector<uint8_t> buffer(chunk_);
	uint64_t seen = 0;
	for (;;) {
		{
			std::unique_lock lock(mutex_);
			wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
			if (stop_)
				break;
			seen = generation_;
		}
		size_t bytes = 0;
		while (!stopping_.load()) {
			const ssize_t n = ::read(fd_, buffer.data(), buffer.size());
			if (n < 0) {
				const int err = errno;
				if (err == EINTR)
					continue;
				failures_++;
				// ESHUTDOWN/ECONNRESET: the endpoint was disabled under the read (unplug,
				// reconfiguration); anything else is unexpected but handled the same way.
				if (err == ESHUTDOWN || err == ECONNRESET || err == EIO || err == ENODEV)
					log()->info("bulk endpoint stopped after {} bytes ({}); waiting for the "
						    "next enable", bytes, std::strerror(err));
				else
					log()->warn("bulk read failed after {} bytes: {}; waiting for the next "
						    "enable", bytes, std::strerror(err));
				break;
			}
			// 0 is a zero-length packet: a transfer end without data.
			bytes += size_t(n);
			sink_({buffer.data(), size_t(n)}, size_t(n) < buffer.size());
		}
	}
	{
		std::lock_guard lock(mutex_);
		finished_ = true;
	}
	wake_.notify_all();
}

} // namespace tinydrm::gadget
