// SPDX-License-Identifier: MIT
// The gate's rules, one test each.
#include <atomic>
#include <cerrno>
#include <latch>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "gate.h"
#include "wait_for.h"

using tinydrm::Gate;
using tinydrm::test::waitFor;
using namespace std::chrono_literals;

TEST_CASE("enter succeeds on a live gate and the section is counted until it leaves")
{
	Gate gate;
	{
		auto section = gate.enter();
		REQUIRE(section);
		CHECK(gate.activeSections() == 1);
	}
	CHECK(gate.activeSections() == 0);
}

TEST_CASE("sections nest on one thread and release() leaves early")
{
	Gate gate;
	auto outer = gate.enter();
	auto inner = gate.enter();
	REQUIRE(outer);
	REQUIRE(inner);
	CHECK(gate.activeSections() == 2);
	inner.release();
	inner.release(); // idempotent
	CHECK(gate.activeSections() == 1);
	Gate::Section moved = std::move(outer);
	CHECK_FALSE(outer);
	CHECK(moved);
	CHECK(gate.activeSections() == 1);
	moved = Gate::Section{};
	CHECK(gate.activeSections() == 0);
}

TEST_CASE("many threads are inside at once")
{
	constexpr int kThreads = 8;
	Gate gate;
	std::latch allInside(kThreads + 1);
	std::latch mayLeave(1);
	std::atomic<int> entered = 0;
	std::vector<std::jthread> threads;
	for (int i = 0; i < kThreads; i++)
		threads.emplace_back([&] {
			auto section = gate.enter();
			entered += section ? 1 : 0;
			allInside.count_down();
			mayLeave.wait();
		});
	allInside.arrive_and_wait(); // would never return if sections excluded each other
	CHECK(entered == kThreads);
	CHECK(gate.activeSections() == kThreads);
	mayLeave.count_down();
	threads.clear();
	CHECK(gate.activeSections() == 0);
}

TEST_CASE("after unplug no section enters, on any thread")
{
	Gate gate;
	REQUIRE(gate.unplug() == 0);
	CHECK(gate.closing());
	CHECK(gate.unplugged());
	CHECK_FALSE(gate.enter());
	bool otherThreadEntered = true;
	std::thread([&] { otherThreadEntered = static_cast<bool>(gate.enter()); }).join();
	CHECK_FALSE(otherThreadEntered);
	CHECK(gate.activeSections() == 0);
}

TEST_CASE("unplug waits for sections that entered before it, then revokes")
{
	Gate gate;
	std::atomic<bool> revoked = false;
	std::atomic<bool> unplugReturned = false;
	gate.addRevokeAction([&] { revoked = true; });

	std::latch inside(1);
	std::latch mayLeave(1);
	bool readerEntered = false;
	bool revokedWhileInside = true;
	std::jthread reader([&] {
		auto section = gate.enter();
		readerEntered = static_cast<bool>(section);
		inside.count_down();
		mayLeave.wait();
		revokedWhileInside = revoked.load();
	});
	inside.wait();
	REQUIRE(readerEntered);

	int unplugResult = -1;
	std::jthread unplugger([&] {
		unplugResult = gate.unplug();
		unplugReturned = true;
	});
	REQUIRE(waitFor([&] { return gate.closing(); }));
	CHECK_FALSE(gate.enter()); // closed for newcomers while the old section is still inside
	// A working drain never lets these become true while the reader is inside; give a broken
	// one ample time to show itself.
	CHECK_FALSE(waitFor([&] { return revoked.load() || unplugReturned.load(); }, 100ms));
	mayLeave.count_down();
	reader.join();
	unplugger.join();
	CHECK(unplugResult == 0);
	CHECK_FALSE(revokedWhileInside);
	CHECK(revoked);
	CHECK(unplugReturned);
}

TEST_CASE("revoke actions run exactly once, in registration order")
{
	Gate gate;
	std::vector<int> order;
	for (int i = 1; i <= 3; i++)
		gate.addRevokeAction([&order, i] { order.push_back(i); });
	REQUIRE(gate.unplug() == 0);
	REQUIRE(gate.unplug() == 0);
	CHECK(order == std::vector<int>{1, 2, 3});
}

TEST_CASE("a removed action does not run; an action added after revocation is refused")
{
	Gate gate;
	int runs = 0;
	auto id = gate.addRevokeAction([&] { runs += 100; });
	gate.addRevokeAction([&] { runs += 1; });
	REQUIRE(id != 0);
	CHECK(gate.removeRevokeAction(id));
	CHECK_FALSE(gate.removeRevokeAction(id));
	REQUIRE(gate.unplug() == 0);
	CHECK(runs == 1);
	CHECK(gate.addRevokeAction([&] { runs += 1000; }) == 0);
	REQUIRE(gate.unplug() == 0);
	CHECK(runs == 1);
}

TEST_CASE("an action that throws does not stop the ones after it")
{
	Gate gate;
	bool laterRan = false;
	gate.addRevokeAction([] { throw std::runtime_error("backend already gone"); });
	gate.addRevokeAction([&] { laterRan = true; });
	REQUIRE(gate.unplug() == 0);
	CHECK(laterRan);
}

TEST_CASE("a second unplug waits for the first to finish, then returns")
{
	Gate gate;
	std::atomic<int> actionsDone = 0;
	gate.addRevokeAction([&] { actionsDone++; });
	gate.addRevokeAction([&] { actionsDone++; });

	std::latch inside(1);
	std::latch mayLeave(1);
	std::jthread reader([&] {
		auto section = gate.enter();
		inside.count_down();
		mayLeave.wait();
	});
	inside.wait();

	std::atomic<int> returned = 0;
	std::atomic<int> doneSeenBySecond = -1;
	int firstResult = -1;
	int secondResult = -1;
	std::jthread first([&] { firstResult = gate.unplug(); returned++; });
	REQUIRE(waitFor([&] { return gate.closing(); }));
	std::jthread second([&] {
		secondResult = gate.unplug();
		doneSeenBySecond = actionsDone.load();
		returned++;
	});
	CHECK_FALSE(waitFor([&] { return returned.load() > 0; }, 100ms));
	mayLeave.count_down();
	reader.join();
	first.join();
	second.join();
	CHECK(firstResult == 0);
	CHECK(secondResult == 0);
	CHECK(returned == 2);
	CHECK(doneSeenBySecond == 2); // it returned only after the first had revoked
	CHECK(actionsDone == 2);
}

TEST_CASE("unplug from inside a section of the same gate is refused, not a deadlock")
{
	Gate gate;
	bool revoked = false;
	gate.addRevokeAction([&] { revoked = true; });
	{
		auto section = gate.enter();
		REQUIRE(section);
		CHECK(gate.unplug() == -EDEADLK);
		CHECK_FALSE(gate.closing());
		CHECK(gate.enter()); // still live
	}
	CHECK_FALSE(revoked);
	CHECK(gate.unplug() == 0);
	CHECK(revoked);
}

TEST_CASE("unplug from one of the gate's own revoke actions is refused")
{
	Gate gate;
	int nested = 1;
	gate.addRevokeAction([&] { nested = gate.unplug(); });
	REQUIRE(gate.unplug() == 0);
	CHECK(nested == -EDEADLK);
}

TEST_CASE("unplugging one gate never waits for readers of another")
{
	Gate a;
	Gate b;
	std::latch inside(1);
	std::latch mayLeave(1);
	std::jthread reader([&] {
		auto section = a.enter();
		inside.count_down();
		mayLeave.wait();
	});
	inside.wait();
	// A shared read side would wait here forever (the test runner's timeout would fail it).
	CHECK(b.unplug() == 0);
	CHECK_FALSE(a.closing());
	CHECK(a.activeSections() == 1);
	mayLeave.count_down();
}

TEST_CASE("threads that come and go leave no slots behind")
{
	auto &registry = tinydrm::gate_detail::SlotRegistry::instance();
	Gate gate;
	{ auto warm = gate.enter(); } // this thread's own record
	const size_t before = registry.threadCount();
	for (int round = 0; round < 50; round++) {
		std::vector<std::jthread> threads;
		for (int i = 0; i < 4; i++)
			threads.emplace_back([&] { auto section = gate.enter(); });
	}
	CHECK(registry.threadCount() == before);
	CHECK(gate.activeSections() == 0);
}

TEST_CASE("gate slot indices are recycled, and a recycled slot starts at zero")
{
	for (int i = 0; i < 1000; i++) {
		Gate gate;
		auto section = gate.enter();
		REQUIRE(gate.activeSections() == 1);
	}
}
