// SPDX-License-Identifier: MIT
// Per-thread section counters, one per (thread, gate): the gate's read side writes only here.
//
// Every thread that enters a gate has, in its static TLS block, a table of pointers to lazily
// allocated chunks of counters, indexed by the gate's slot index. A counter is written only by
// its owning thread and chunks are cache-line aligned, so the read side never writes a cache
// line another thread writes; the fast path is one %fs-relative load, a test, and the counter.
// Only an unplugging writer reads other threads' counters, under the registry mutex.
//
// Lifetimes: a thread is registered when it allocates its first chunk and unregistered at
// thread exit (a thread_local destructor unlinks its table under the registry mutex and frees
// its chunks), so threads that come and go do not leak slots. A gate's slot index is recycled
// when the gate is destroyed; its counters are all zero by then because no section outlives
// its gate.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace tinydrm::gate_detail {

inline constexpr uint32_t kSlotsPerChunk = 64;
inline constexpr uint32_t kMaxChunks = 256;
/// Live gates at once (a gate is one device); indices are recycled.
inline constexpr uint32_t kMaxGates = kSlotsPerChunk * kMaxChunks;

struct alignas(64) SlotChunk {
	std::atomic<uint32_t> count[kSlotsPerChunk] = {};
};

/// A thread's chunk pointers. Written only by the owning thread (release), read by writers
/// under the registry mutex.
using ChunkTable = std::atomic<SlotChunk *>[kMaxChunks];

/// The calling thread's table. constinit: zero-initialised TLS with no init guard or wrapper.
extern thread_local constinit ChunkTable tlsChunks;

/// Slow path: registers the thread if needed and allocates chunk @p chunk.
SlotChunk *allocateChunk(uint32_t chunk);

/// The calling thread's counter for gate slot @p index.
inline std::atomic<uint32_t> &threadSlot(uint32_t index)
{
	SlotChunk *chunk = tlsChunks[index / kSlotsPerChunk].load(std::memory_order_relaxed);
	if (!chunk) [[unlikely]]
		chunk = allocateChunk(index / kSlotsPerChunk);
	return chunk->count[index % kSlotsPerChunk];
}

/// Process-wide list of thread tables and the gate index allocator.
/// \context thread-safe; every member takes mutex_. Never called on the reader fast path.
class SlotRegistry
{
public:
	static SlotRegistry &instance();

	/// \return a free index, or kMaxGates when all are in use.
	uint32_t allocateIndex();
	void releaseIndex(uint32_t index);

	/// Sum of every live thread's counter for @p index (acquire loads: a reader's release
	/// on exit happens-before whatever the writer does after seeing its count drop).
	uint64_t sum(uint32_t index);

	void add(ChunkTable *table);
	void remove(ChunkTable *table);
	size_t threadCount();

private:
	std::mutex mutex_;
	std::vector<ChunkTable *> tables_;
	std::vector<uint32_t> freeIndices_;
	uint32_t nextIndex_ = 0;
};

} // namespace tinydrm::gate_detail
