// SPDX-License-Identifier: MIT
#include "mapping_guard.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <mutex>

#include <sys/mman.h>

#include "log.h"

namespace tinydrm::mapping_guard {

namespace {

constexpr int kSlots = 4096;

struct Slot {
	std::atomic<uintptr_t> start{0};
	std::atomic<size_t> size{0};
	std::atomic<bool> hit{false};
};

Slot slots[kSlots];
struct sigaction previous;

void onSigbus(int signo, siginfo_t *info, void *context)
{
	const auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
	for (Slot &slot : slots) {
		const uintptr_t start = slot.start.load(std::memory_order_acquire);
		const size_t size = slot.size.load(std::memory_order_acquire);
		if (!start || addr < start || addr - start >= size)
			continue;
		// Zero pages over the whole view; the faulting load is retried and reads zeros.
		if (::mmap(reinterpret_cast<void *>(start), size, PROT_READ | PROT_WRITE,
			   MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED) {
			slot.hit.store(true, std::memory_order_release);
			return;
		}
		break;
	}
	if (previous.sa_flags & SA_SIGINFO) {
		if (previous.sa_sigaction) {
			previous.sa_sigaction(signo, info, context);
			return;
		}
	} else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
		previous.sa_handler(signo);
		return;
	}
	// Not ours: die of it as the process would have without us (the fault repeats on return).
	::signal(SIGBUS, SIG_DFL);
}

} // namespace

int install()
{
	static int result = [] {
		struct sigaction action {};
		action.sa_sigaction = onSigbus;
		action.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
		sigemptyset(&action.sa_mask);
		if (::sigaction(SIGBUS, &action, &previous) < 0)
			return -errno;
		return 0;
	}();
	return result;
}

int registerRange(void *addr, size_t size)
{
	install();
	for (int i = 0; i < kSlots; i++) {
		uintptr_t expected = 0;
		// Claim with a sentinel so the handler never sees a start with a stale size.
		if (slots[i].start.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
			slots[i].hit.store(false, std::memory_order_relaxed);
			slots[i].size.store(size, std::memory_order_release);
			slots[i].start.store(reinterpret_cast<uintptr_t>(addr), std::memory_order_release);
			return i;
		}
	}
	static auto logger = subsystemLogger("ioctl");
	logger->warn("more than {} buffer mappings: this one is not guarded against truncation",
		     kSlots);
	return -1;
}

bool unregisterRange(int slot)
{
	if (slot < 0 || slot >= kSlots)
		return false;
	const bool hit = slots[slot].hit.load(std::memory_order_acquire);
	slots[slot].start.store(1, std::memory_order_release); // still claimed, matches nothing
	slots[slot].size.store(0, std::memory_order_release);
	slots[slot].start.store(0, std::memory_order_release);
	return hit;
}

bool wasHit(int slot)
{
	return slot >= 0 && slot < kSlots && slots[slot].hit.load(std::memory_order_acquire);
}

} // namespace tinydrm::mapping_guard
