// SPDX-License-Identifier: MIT
#include "thread_slots.h"

#include <algorithm>
#include <cstdlib>

#include "log.h"

namespace tinydrm::gate_detail {

thread_local constinit ChunkTable tlsChunks = {};

namespace {

thread_local constinit bool tlsExited = false;

/// Registers the calling thread's table on construction, unregisters and frees it at exit.
class Registration
{
public:
	Registration() { SlotRegistry::instance().add(&tlsChunks); }

	~Registration()
	{
		tlsExited = true;
		SlotRegistry::instance().remove(&tlsChunks);
		for (auto &slot : tlsChunks) {
			SlotChunk *chunk = slot.exchange(nullptr, std::memory_order_relaxed);
			if (!chunk)
				continue;
			// Exiting inside a section is a programming error; its sections die with the
			// thread (nothing of it can touch the device any more), so dropping the counts
			// cannot free anything under a live user.
			if (std::any_of(std::begin(chunk->count), std::end(chunk->count),
					[](auto &c) { return c.load(std::memory_order_relaxed) != 0; }))
				subsystemLogger("gate")->error("thread exited inside an active section");
			delete chunk;
		}
	}
};

} // namespace

SlotChunk *allocateChunk(uint32_t chunk)
{
	if (tlsExited) {
		// Entered from a thread_local destructor that runs after ours: the thread's table
		// is no longer registered, so a writer could not see this section and would revoke
		// under it. No tinydrm code does this; refuse loudly rather than race silently.
		subsystemLogger("gate")->critical("gate entered after this thread's exit cleanup");
		std::abort();
	}
	thread_local Registration registration;
	auto *fresh = new SlotChunk;
	// Release: a writer that sees the pointer sees zeroed counters.
	tlsChunks[chunk].store(fresh, std::memory_order_release);
	return fresh;
}

SlotRegistry &SlotRegistry::instance()
{
	// Function-local static: the main thread's thread_local destructors (which call
	// remove()) are sequenced before static destructors, so the registry outlives them.
	static SlotRegistry registry;
	return registry;
}

uint32_t SlotRegistry::allocateIndex()
{
	std::lock_guard lock(mutex_);
	if (!freeIndices_.empty()) {
		uint32_t index = freeIndices_.back();
		freeIndices_.pop_back();
		return index;
	}
	if (nextIndex_ == kMaxGates)
		return kMaxGates;
	return nextIndex_++;
}

void SlotRegistry::releaseIndex(uint32_t index)
{
	std::lock_guard lock(mutex_);
	freeIndices_.push_back(index);
}

uint64_t SlotRegistry::sum(uint32_t index)
{
	std::lock_guard lock(mutex_);
	uint64_t total = 0;
	for (ChunkTable *table : tables_) {
		SlotChunk *chunk = (*table)[index / kSlotsPerChunk].load(std::memory_order_acquire);
		if (chunk)
			total += chunk->count[index % kSlotsPerChunk].load(std::memory_order_acquire);
	}
	return total;
}

void SlotRegistry::add(ChunkTable *table)
{
	std::lock_guard lock(mutex_);
	tables_.push_back(table);
}

void SlotRegistry::remove(ChunkTable *table)
{
	std::lock_guard lock(mutex_);
	std::erase(tables_, table);
}

size_t SlotRegistry::threadCount()
{
	std::lock_guard lock(mutex_);
	return tables_.size();
}

} // namespace tinydrm::gate_detail
