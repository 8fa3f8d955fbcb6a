// SPDX-License-Identifier: MIT
// The repaper worker: flush() returns while an update runs, frames coalesce, the destructor
// abandons an update in progress and leaves no thread. Ordering is proven with a hook that
// holds the worker inside an update, never with sleeps.
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include <catch2/catch.hpp>

#include "repaper_harness.h"

using namespace tinydrm;
using namespace tinydrm::test;
using repaper::Stage;

namespace {

/**
 * Hold - holds the worker at the start of update @p update's first stage until release().
 * Called on the worker (operator()) and the test thread (the rest).
 */
class Hold
{
public:
	explicit Hold(uint32_t update) : update_(update) {}

	void operator()(uint32_t update, Stage)
	{
		if (update != update_ || used_.exchange(true))
			return;
		holding_.store(true);
		std::unique_lock lock(mutex_);
		// Bounded, so a flush() that waited for the update fails the test instead of
		// hanging it.
		if (!released_cv_.wait_for(lock, std::chrono::seconds(30), [this] { return released_; }))
			timedOut_.store(true);
		holding_.store(false);
	}

	bool holding() const { return holding_.load(); }
	bool timedOut() const { return timedOut_.load(); }

	void release()
	{
		{
			std::lock_guard lock(mutex_);
			released_ = true;
		}
		released_cv_.notify_all();
	}

	repaper::RepaperHooks hooks()
	{
		repaper::RepaperHooks hooks;
		hooks.stageStarted = [this](uint32_t update, Stage stage) { (*this)(update, stage); };
		return hooks;
	}

private:
	const uint32_t update_;
	std::mutex mutex_;
	std::condition_variable released_cv_;
	bool released_ = false;
	std::atomic<bool> used_{false};
	std::atomic<bool> holding_{false};
	std::atomic<bool> timedOut_{false};
};

size_t threadCount()
{
	size_t count = 0;
	for ([[maybe_unused]] const auto &entry : std::filesystem::directory_iterator("/proc/self/task"))
		count++;
	return count;
}

} // namespace

TEST_CASE("repaper: flush returns while the worker is inside the update (realtime)",
	  "[repaper][concurrency]")
{
	Hold hold(1);
	DryPanel dry("model=e1144cs021,realtime=1,stage-time=50", hold.hooks());
	REQUIRE(dry.enable() == 0);
	const Picture picture = pattern(128, 96, 4);
	REQUIRE(dry.flush(picture) == 0);
	// flush() has returned; the worker is (or will be) held inside update 1 until we let
	// go, so the update cannot have completed yet.
	REQUIRE(waitFor([&] { return hold.holding(); }));
	CHECK(dry.completed.load() == 0);
	CHECK_FALSE(dry.hasMark("update 1"));
	hold.release();
	dry.waitUpdates(1);
	CHECK_FALSE(hold.timedOut());
	CHECK(dry.hasMark("update 1"));
	CHECK(dry.decode()->image() == expectedGlass(picture));
}

TEST_CASE("repaper: the destructor abandons an update and leaves no thread (realtime)",
	  "[repaper][concurrency]")
{
	const size_t before = threadCount();
	std::atomic<uint32_t> stages{0};
	repaper::RepaperHooks hooks;
	hooks.stageStarted = [&](uint32_t, Stage) { stages.fetch_add(1); };
	{
		// The 2.7" panel's first update: eight stages of 630 ms in real time.
		DryPanel dry("model=e2271cs021,realtime=1", std::move(hooks));
		CHECK(threadCount() == before + 1);
		REQUIRE(dry.enable() == 0);
		REQUIRE(dry.flush(pattern(264, 176, 1)) == 0);
		REQUIRE(waitFor([&] { return stages.load() >= 2; }));

		dry.panel.reset();
		// The update was abandoned, not finished: no completion mark, and the worker says
		// why it stopped.
		CHECK(stages.load() < 8);
		CHECK(dry.completed.load() == 0);
		CHECK(dry.failed.load() == 1);
		CHECK_FALSE(dry.hasMark("update 1"));
		// What was sent is a valid stream that ends with the supply cut.
		auto decoder = dry.decode();
		CHECK(decoder->updates() == 0);
		CHECK_FALSE(decoder->driving());
	}
	CHECK(threadCount() == before);
}

TEST_CASE("repaper: frames flushed during an update coalesce, the latest wins",
	  "[repaper][concurrency]")
{
	Hold hold(1);
	DryPanel dry("model=e1190cs021,stage-time=0", hold.hooks());
	REQUIRE(dry.enable() == 0);
	REQUIRE(dry.flush(pattern(144, 128, 1)) == 0);
	REQUIRE(waitFor([&] { return hold.holding(); }));
	// Update 1 has taken its frame; these wait behind it, and only the last counts.
	REQUIRE(dry.flush(pattern(144, 128, 2)) == 0);
	REQUIRE(dry.flush(pattern(144, 128, 3)) == 0);
	const Picture last = pattern(144, 128, 4, 3);
	REQUIRE(dry.flush(last, {10, 10, 100, 100}) == 0);
	hold.release();
	dry.waitUpdates(2);
	dry.panel.reset();
	CHECK_FALSE(hold.timedOut());
	CHECK(dry.completed.load() == 2);
	auto decoder = dry.decode();
	CHECK(decoder->updates() == 2);
	// Damage accumulates: outside the last rectangle, frame 3 shows.
	std::vector<uint32_t> expected = expectedGlass(pattern(144, 128, 3));
	const std::vector<uint32_t> inside = expectedGlass(last);
	for (uint32_t y = 10; y < 100; y++)
		for (uint32_t x = 10; x < 100; x++)
			expected[y * 144 + x] = inside[y * 144 + x];
	CHECK(decoder->image() == expected);
}

TEST_CASE("repaper: enable during an update withdraws a pending power-down",
	  "[repaper][concurrency]")
{
	Hold hold(1);
	DryPanel dry("model=e2200cs021,stage-time=0", hold.hooks());
	REQUIRE(dry.enable() == 0);
	REQUIRE(dry.flush(pattern(200, 96, 1)) == 0);
	REQUIRE(waitFor([&] { return hold.holding(); }));
	dry.panel->disable();
	// The COG is still up: enable() returns without waiting for the held update.
	CHECK(dry.enable() == 0);
	CHECK(hold.holding());
	const Picture next = pattern(200, 96, 2);
	REQUIRE(dry.flush(next) == 0);
	hold.release();
	dry.waitUpdates(2);
	dry.panel.reset();
	CHECK_FALSE(dry.hasMark("power-down"));
	auto decoder = dry.decode();
	CHECK(decoder->updates() == 2);
	CHECK(decoder->image() == expectedGlass(next));
}

TEST_CASE("repaper: flushes and snapshots race the worker", "[repaper][concurrency]")
{
	DryPanel dry("model=e1144cs021,stage-time=0");
	REQUIRE(dry.enable() == 0);
	Picture picture(128, 96);
	for (uint32_t i = 0; i < 200; i++) {
		picture = pattern(128, 96, i, 1 + i % 9);
		REQUIRE(dry.flush(picture, {int32_t(i % 50), 0, 128, int32_t(96 - i % 40)}) == 0);
		if (i % 7 == 0) {
			std::vector<uint32_t> pixels;
			uint32_t w = 0, h = 0;
			const int ret = dry.panel->snapshot(pixels, w, h);
			CHECK((ret == 0 || ret == -ENODATA));
		}
		if (i % 50 == 0) {
			dry.panel->disable();
			REQUIRE(dry.enable() == 0);
		}
	}
	// The last frame as a whole (the damage above left parts of older ones behind).
	REQUIRE(dry.flush(picture) == 0);
	const std::vector<uint32_t> expected = expectedGlass(picture);
	REQUIRE(waitFor([&] {
		std::vector<uint32_t> pixels;
		uint32_t w = 0, h = 0;
		return dry.panel->snapshot(pixels, w, h) == 0 && pixels == expected;
	}));
	dry.panel.reset();
	CHECK(dry.failed.load() == 0);
	CHECK(dry.decode()->image() == expected);
}
