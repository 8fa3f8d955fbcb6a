// SPDX-License-Identifier: MIT
// Minimal futex wrappers: the gate's writer sleeps in the kernel instead of spinning.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace tinydrm::futex {

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));

/// Sleeps while @p word still holds @p expected (returns at once otherwise, or on a wake).
inline void wait(std::atomic<uint32_t> &word, uint32_t expected)
{
	syscall(SYS_futex, reinterpret_cast<uint32_t *>(&word), FUTEX_WAIT_PRIVATE, expected,
		nullptr, nullptr, 0);
}

/// Wakes every thread sleeping on @p word.
inline void wakeAll(std::atomic<uint32_t> &word)
{
	syscall(SYS_futex, reinterpret_cast<uint32_t *>(&word), FUTEX_WAKE_PRIVATE, INT_MAX,
		nullptr, nullptr, 0);
}

} // namespace tinydrm::futex
