// SPDX-License-Identifier: MIT
// MappingGuard: keeps the daemon alive when a client truncates a buffer file under it.
#pragma once

#include <cstddef>

namespace tinydrm {

/**
 * A buffer's file is owned by the client (it must be able to open it), so the client can also
 * ftruncate() it, and the daemon's next read through its own mapping (a flush) would die of
 * SIGBUS: one client could take down every device. The kernel faces the same with GEM objects
 * and answers with a dummy page (TTM's ttm_bo_vm_dummy_page). So does this: a SIGBUS handler
 * that, for an address inside a registered daemon mapping, maps anonymous zero pages over that
 * whole mapping (MAP_FIXED, async-signal-safe) and returns, so the interrupted read resumes and
 * sees zeros. Any other SIGBUS goes to the previous handler (or kills the process as usual).
 *
 * Threads: any. The range table is a fixed array of atomics, so the handler takes no lock.
 */
namespace mapping_guard {

/// Installs the handler once per process. \return 0 or -errno.
int install();
/// Registers a daemon mapping. \return a slot for unregister() (-1 when the table is full: the
/// mapping is then unguarded, and this is logged).
int registerRange(void *addr, size_t size);
/// Forgets @p slot. \return true when the handler replaced the mapping (the file was cut).
bool unregisterRange(int slot);
/// True when the handler has replaced the mapping in @p slot.
bool wasHit(int slot);

} // namespace mapping_guard

} // namespace tinydrm
