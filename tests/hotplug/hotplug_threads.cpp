// SPDX-License-Identifier: MIT
// UsbHotplug and HotplugQueue under threads: libusb's event thread started and stopped many
// times while other threads push events and a consumer drains them through the eventfd, as
// the daemon thread does. Run under TSan (suite concurrency). Needs no USB device: libusb
// starts without any; where it cannot (no hotplug, no usbfs), the queue and stop paths still run.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include <poll.h>

#include "hotplug_queue.h"
#include "usb_hotplug.h"

using namespace tinydrm;

namespace {

HotplugEvent injected(unsigned producer, unsigned sequence)
{
	HotplugEvent event;
	event.kind = HotplugEvent::Kind::SpidevAdded;
	event.sysname = "producer" + std::to_string(producer);
	event.devnode = std::to_string(sequence);
	return event;
}

/// Drains @p queue through its eventfd, as the daemon does, until @p expected injected events
/// came; checks each producer's events arrive complete and in order. \return events seen.
size_t consume(HotplugQueue &queue, size_t expected, std::map<std::string, unsigned> &next,
	       std::atomic<bool> &ordered)
{
	size_t seen = 0;
	while (seen < expected) {
		pollfd fd{queue.fd(), POLLIN, 0};
		// A bound so that a lost wake-up fails the test instead of hanging it.
		if (::poll(&fd, 1, 30000) != 1)
			return seen;
		for (const HotplugEvent &event : queue.drain()) {
			if (event.kind != HotplugEvent::Kind::SpidevAdded)
				continue; // a real USB device seen by libusb: not ours to count
			if (std::stoul(event.devnode) != next[event.sysname]++)
				ordered = false;
			seen++;
		}
	}
	return seen;
}

} // namespace

TEST_CASE("the queue's eventfd is readable exactly while events wait", "[hotplug][queue]")
{
	HotplugQueue queue;
	REQUIRE(queue.valid());
	pollfd fd{queue.fd(), POLLIN, 0};
	CHECK(::poll(&fd, 1, 0) == 0);
	queue.push(injected(0, 0));
	queue.push(injected(0, 1));
	CHECK(::poll(&fd, 1, 0) == 1);
	std::vector<HotplugEvent> events = queue.drain();
	REQUIRE(events.size() == 2);
	CHECK(events[0].devnode == "0");
	CHECK(events[1].devnode == "1");
	CHECK(::poll(&fd, 1, 0) == 0);
	CHECK(queue.drain().empty());
}

TEST_CASE("UsbHotplug starts and stops while other threads push events", "[hotplug][threads]")
{
	constexpr unsigned kRounds = 100;
	constexpr unsigned kProducers = 3;
	constexpr unsigned kPerRound = 200;

	HotplugQueue queue;
	REQUIRE(queue.valid());
	std::map<std::string, unsigned> next;
	std::atomic<bool> ordered{true};
	size_t consumed = 0;
	std::thread consumer([&] {
		consumed = consume(queue, size_t(kRounds) * kProducers * kPerRound, next, ordered);
	});

	unsigned started = 0;
	std::string firstError;
	std::vector<unsigned> sequence(kProducers, 0);
	for (unsigned round = 0; round < kRounds; round++) {
		std::unique_ptr<UsbHotplug> hotplug;
		std::string error;
		const int ret = UsbHotplug::start({HotplugOptions::defaultUsbMatch(), {0x1d6b, 0x0104}},
						  queue, hotplug, error);
		if (ret == 0)
			started++;
		else if (firstError.empty())
			firstError = error;

		std::vector<std::thread> producers;
		for (unsigned p = 0; p < kProducers; p++)
			producers.emplace_back([&queue, p, from = sequence[p]] {
				for (unsigned i = 0; i < kPerRound; i++)
					queue.push(injected(p, from + i));
			});
		// Stopped while the producers push: libusb's event thread, the callbacks'
		// deregistration and the context's end race with nothing that is ours.
		if (round % 2)
			hotplug.reset();
		else if (hotplug)
			hotplug->stop(), hotplug->stop(); // idempotent; the destructor is a third
		for (std::thread &t : producers)
			t.join();
		for (unsigned p = 0; p < kProducers; p++)
			sequence[p] += kPerRound;
	}
	consumer.join();
	INFO("libusb hotplug: " << (started ? "started" : "unavailable: " + firstError));
	CHECK(consumed == size_t(kRounds) * kProducers * kPerRound);
	CHECK(ordered);
	for (unsigned p = 0; p < kProducers; p++)
		CHECK(next["producer" + std::to_string(p)] == kRounds * kPerRound);
	// libusb can start here (no device needed) unless it has no hotplug at all.
	if (started)
		CHECK(started == kRounds);
}
