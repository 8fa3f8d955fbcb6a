// SPDX-License-Identifier: MIT
// The two halves of an asymmetric fence (as liburcu's urcu-memb and the kernel's percpu-rwsem use).
//
// Readers run on the fast path with only a compiler barrier; the rare writer pays for a
// process-wide barrier that makes every running thread of this process execute a full memory
// barrier before it returns. Together they order a reader's "store my counter; load the flag"
// against the writer's "store the flag; load the counters" exactly as two full fences would.
//
// The writer's barrier is membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) (Linux >= 4.14). Where
// that is unavailable it falls back to changing the protection of a private page, whose TLB
// shootdown interrupts every CPU running this process (the technique of .NET's
// FlushProcessWriteBuffers): slower for the writer, still free for readers.
// TINYDRM_GATE_BARRIER=mprotect forces the fallback, so tests can exercise it.
#pragma once

#include <atomic>

namespace tinydrm::barrier {

enum class Kind { Membarrier, Mprotect };

/// Chooses and prepares the writer's mechanism. Idempotent; called by the first Gate.
Kind initialize();

/// Reader half: a compiler barrier only.
inline void reader()
{
	std::atomic_signal_fence(std::memory_order_seq_cst);
}

/// Writer half: a full barrier on every running thread of the process. May sleep.
void writer();

} // namespace tinydrm::barrier
