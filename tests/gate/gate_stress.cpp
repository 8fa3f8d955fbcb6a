// SPDX-License-Identifier: MIT
// Randomised stress: sections of random length (some nested) race unplug, many rounds, a fresh
// gate each round; files open and close while their device is unplugged.
//
// Every event takes a ticket from one global counter, so "before" and "after" are exact.
// Rounds: TINYDRM_STRESS_ROUNDS (default below); tools/test runs this under ASan and TSan too.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <latch>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "device.h"
#include "gate.h"

using tinydrm::Device;
using tinydrm::Gate;

namespace {

int rounds(int fallback)
{
	const char *env = std::getenv("TINYDRM_STRESS_ROUNDS");
	return env ? std::max(1, std::atoi(env)) : fallback;
}

constexpr int kReaders = 4;

/// Busy work of a random length, sometimes yielding so that sections get preempted inside.
void work(std::minstd_rand &rng)
{
	const unsigned spins = rng() % 2000;
	for (unsigned i = 0; i < spins; i++)
		std::atomic_signal_fence(std::memory_order_seq_cst);
	if (rng() % 8 == 0)
		std::this_thread::yield();
}

struct Violations {
	std::atomic<int> endedAfterRevoke = 0;
	std::atomic<int> beganAfterReturn = 0;
	std::atomic<int> enteredAfterReturn = 0;
};

} // namespace

TEST_CASE("no section overlaps the revoke step and none begins after unplug returns")
{
	const int kRounds = rounds(300);
	Violations v;
	uint64_t totalSections = 0;

	for (int round = 0; round < kRounds; round++) {
		Gate gate;
		std::atomic<uint64_t> clock = 0;
		std::atomic<uint64_t> revokeTicket = UINT64_MAX;
		std::atomic<uint64_t> returnTicket = UINT64_MAX;
		std::atomic<uint64_t> sections = 0;
		std::atomic<int> revokeRuns = 0;
		gate.addRevokeAction([&] {
			revokeTicket = clock.fetch_add(1);
			revokeRuns++;
		});

		std::vector<std::jthread> readers;
		for (int r = 0; r < kReaders; r++) {
			readers.emplace_back([&, seed = round * kReaders + r] {
				std::minstd_rand rng(seed + 1);
				for (;;) {
					auto section = gate.enter();
					if (!section)
						break;
					const uint64_t begin = clock.fetch_add(1);
					work(rng);
					if (rng() % 4 == 0) {
						auto nested = gate.enter(); // may fail once closing; both fine
						work(rng);
					}
					const uint64_t end = clock.fetch_add(1);
					sections++;
					if (end > revokeTicket.load())
						v.endedAfterRevoke++;
					if (begin > returnTicket.load())
						v.beganAfterReturn++;
				}
				// Closed: once unplug has returned, no attempt may get in.
				while (returnTicket.load() == UINT64_MAX)
					std::this_thread::yield();
				for (int i = 0; i < 100; i++)
					if (gate.enter())
						v.enteredAfterReturn++;
			});
		}

		// Let the readers get going (a count, not a time) before pulling the plug.
		std::minstd_rand rng(round);
		const uint64_t warmup = rng() % 64;
		while (sections.load() < warmup)
			std::this_thread::yield();
		REQUIRE(gate.unplug() == 0);
		returnTicket = clock.fetch_add(1);
		readers.clear();

		REQUIRE(revokeRuns == 1);
		REQUIRE(revokeTicket < returnTicket);
		totalSections += sections;
	}

	INFO("sections completed: " << totalSections);
	CHECK(v.endedAfterRevoke == 0);
	CHECK(v.beganAfterReturn == 0);
	CHECK(v.enteredAfterReturn == 0);
	CHECK(totalSections > 0);
}

namespace {

std::atomic<int> openFiles = 0;

class CountingDevice : public Device
{
public:
	CountingDevice(std::atomic<int> &releases, std::atomic<int> &releasedWhileOpen,
		       std::atomic<int> &hardwareReleases)
		: Device("stress"), releases_(releases), releasedWhileOpen_(releasedWhileOpen)
	{
		gate().addRevokeAction([&hardwareReleases] { hardwareReleases++; });
	}
	~CountingDevice() override
	{
		releases_++;
		if (openFiles.load() != 0)
			releasedWhileOpen_++;
	}

private:
	std::atomic<int> &releases_;
	std::atomic<int> &releasedWhileOpen_;
};

} // namespace

TEST_CASE("files opened and closed during unplug: release exactly once, after the last close")
{
	const int kRounds = rounds(300);
	std::atomic<int> releases = 0;
	std::atomic<int> releasedWhileOpen = 0;
	std::atomic<int> hardwareReleases = 0;
	int opensAfterUnplug = 0;

	for (int round = 0; round < kRounds; round++) {
		auto registration = std::make_shared<CountingDevice>(releases, releasedWhileOpen,
								      hardwareReleases);
		REQUIRE(registration->publish() == 0);
		std::weak_ptr<CountingDevice> watch = registration;
		std::atomic<int> opens = 0;
		std::atomic<bool> unplugDone = false;
		std::atomic<int> lateOpens = 0;

		std::latch started(kReaders + 1);
		std::vector<std::jthread> clients;
		for (int c = 0; c < kReaders; c++) {
			// Each client starts with its own reference, as a file opened earlier would.
			std::shared_ptr<Device> first;
			REQUIRE(registration->open(first) == 0);
			openFiles++;
			clients.emplace_back([&, first = std::move(first), seed = round * kReaders + c]() mutable {
				std::minstd_rand rng(seed);
				started.count_down();
				std::vector<std::shared_ptr<Device>> held;
				held.push_back(std::move(first));
				for (int i = 0; i < 200; i++) {
					const bool wasDone = unplugDone.load();
					std::shared_ptr<Device> file;
					if (held.front()->open(file) == 0) {
						openFiles++;
						opens++;
						if (wasDone)
							lateOpens++;
						held.push_back(std::move(file));
					}
					if (held.size() > 1 && rng() % 2) {
						openFiles--;
						held.erase(held.begin() + 1 + rng() % (held.size() - 1));
					}
					if (auto section = held.front()->gate().enter())
						work(rng);
				}
				while (!held.empty()) {
					openFiles--; // count the close before the reference goes
					held.pop_back();
				}
			});
		}
		started.arrive_and_wait();
		REQUIRE(registration->unplug() == 0);
		unplugDone = true;
		registration.reset();
		clients.clear();

		REQUIRE(watch.expired());
		opensAfterUnplug += lateOpens;
	}

	CHECK(releases == kRounds);
	CHECK(hardwareReleases == kRounds);
	CHECK(releasedWhileOpen == 0);
	CHECK(opensAfterUnplug == 0);
}
