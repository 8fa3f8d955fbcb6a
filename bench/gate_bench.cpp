// SPDX-License-Identifier: MIT
// Gate read-side cost against std::shared_mutex and liburcu (urcu-memb), and unplug latency.
#include <atomic>
#include <chrono>
#include <latch>
#include <shared_mutex>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
// The inline read-side fast path, as an application built for speed would use it.
#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>

#include "gate.h"

namespace {

tinydrm::Gate sharedGate;

void gateEnterExit(benchmark::State &state)
{
	for (auto _ : state) {
		auto section = sharedGate.enter();
		// What a caller does with it: test it (forcing the Section itself into memory would
		// measure the benchmark, not the gate).
		benchmark::DoNotOptimize(static_cast<bool>(section));
	}
}
BENCHMARK(gateEnterExit)->Threads(1)->Threads(2)->UseRealTime();

/// The machine's price of a contended cache line: what every reader-writer lock pays per
/// acquisition at 2 threads. It bounds how much faster a scheme that avoids it can be.
std::atomic<uint64_t> sharedCounter;

void sharedCacheLineFetchAdd(benchmark::State &state)
{
	for (auto _ : state)
		sharedCounter.fetch_add(1, std::memory_order_relaxed);
}
BENCHMARK(sharedCacheLineFetchAdd)->Threads(1)->Threads(2)->UseRealTime();

std::shared_mutex sharedMutex;

void sharedMutexLockUnlock(benchmark::State &state)
{
	for (auto _ : state) {
		std::shared_lock lock(sharedMutex);
		benchmark::DoNotOptimize(lock);
	}
}
BENCHMARK(sharedMutexLockUnlock)->Threads(1)->Threads(2)->UseRealTime();

void urcuMembReadLock(benchmark::State &state)
{
	urcu_memb_register_thread();
	state.SetLabel(urcu_memb_has_sys_membarrier ? "membarrier" : "fence fallback");
	for (auto _ : state) {
		urcu_memb_read_lock();
		benchmark::ClobberMemory();
		urcu_memb_read_unlock();
	}
	urcu_memb_unregister_thread();
}
BENCHMARK(urcuMembReadLock)->Threads(1)->Threads(2)->UseRealTime();

using Clock = std::chrono::steady_clock;

/**
 * Time from the exit of the last section that entered before unplug() to unplug() returning.
 * range(0) readers hold a section when unplug starts; one more thread keeps entering and leaving
 * (it fails once the gate closes), so the read side is busy while the writer works.
 */
void unplugLatency(benchmark::State &state)
{
	const int holders = static_cast<int>(state.range(0));
	for (auto _ : state) {
		tinydrm::Gate gate;
		std::latch inside(holders);
		std::latch mayLeave(1);
		std::vector<Clock::time_point> exits(holders);
		std::vector<std::jthread> threads;
		for (int i = 0; i < holders; i++)
			threads.emplace_back([&, i] {
				auto section = gate.enter();
				inside.count_down();
				mayLeave.wait();
				section.release();
				exits[i] = Clock::now();
			});
		threads.emplace_back([&] {
			while (auto section = gate.enter())
				benchmark::DoNotOptimize(section);
		});
		inside.wait();

		Clock::time_point returned;
		std::jthread unplugger([&] {
			gate.unplug();
			returned = Clock::now();
		});
		while (!gate.closing())
			std::this_thread::yield();
		mayLeave.count_down();
		unplugger.join();
		threads.clear();

		const auto lastExit = *std::max_element(exits.begin(), exits.end());
		state.SetIterationTime(std::chrono::duration<double>(returned - lastExit).count());
	}
}
BENCHMARK(unplugLatency)->Arg(1)->Arg(4)->UseManualTime()->Unit(benchmark::kMicrosecond)->Iterations(2000);

} // namespace

BENCHMARK_MAIN();
