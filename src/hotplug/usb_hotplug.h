// SPDX-License-Identifier: MIT
// UsbHotplug: libusb hotplug callbacks for the devices of a match list, turned into
// HotplugEvents on a queue. The subsystem's overview is at the top of usb_hotplug.cpp.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "hotplug_options.h"
#include "hotplug_queue.h"

struct libusb_context;
struct libusb_device;

namespace tinydrm {

/**
 * UsbHotplug - its own libusb context, one hotplug registration per match rule and one event
 * thread.
 *
 * Threads: start() and stop() (and the destructor) on the owner's thread (the daemon thread).
 * The callback runs on the event thread and, for devices already present, on the thread in
 * start() (LIBUSB_HOTPLUG_ENUMERATE); it only copies the event into the queue, which takes the
 * queue's mutex. No lock of its own: stopping_ is the only state shared with the event thread.
 *
 * Lifetime (RAII): stop() deregisters the callbacks, ends and joins the event thread, then
 * ends the context; after it the queue is not touched any more, so the queue only needs to
 * outlive this object.
 */
class UsbHotplug
{
public:
	/**
	 * start - registers @p rules (with ENUMERATE: devices present now are reported as
	 * arrivals at once) and starts the event thread.
	 * \return 0 and @p hotplug; -EOPNOTSUPP when this libusb cannot report hotplug events;
	 * another -errno with a one-line reason in @p error.
	 */
	static int start(const std::vector<UsbMatchRule> &rules, HotplugQueue &queue,
			 std::unique_ptr<UsbHotplug> &hotplug, std::string &error);
	~UsbHotplug();
	UsbHotplug(const UsbHotplug &) = delete;
	UsbHotplug &operator=(const UsbHotplug &) = delete;

	/// Stops everything (see the class comment). Idempotent.
	void stop();

	/// Events pushed so far (tests, log lines). \context any thread.
	uint64_t reported() const { return reported_.load(std::memory_order_relaxed); }

private:
	explicit UsbHotplug(HotplugQueue &queue) : queue_(queue) {}

	/// The libusb callback (in the .cpp: its signature needs libusb.h).
	struct Callback;
	void run();

	HotplugQueue &queue_;
	libusb_context *context_ = nullptr;
	std::vector<int> handles_; ///< libusb_hotplug_callback_handle
	std::atomic<bool> stopping_{false};
	std::atomic<uint64_t> reported_{0};
	std::thread thread_;
};

} // namespace tinydrm
