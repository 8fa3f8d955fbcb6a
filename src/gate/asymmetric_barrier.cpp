// SPDX-License-Identifier: MIT
#include "asymmetric_barrier.h"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>

#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

namespace tinydrm::barrier {

namespace {

int membarrier(int cmd)
{
	return static_cast<int>(syscall(SYS_membarrier, cmd, 0, 0));
}

bool registerMembarrier()
{
	const int supported = membarrier(MEMBARRIER_CMD_QUERY);
	return supported >= 0 && (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
	       membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
}

/// The page whose protection flips force IPIs; mutex serialises writers using it.
struct ShootdownPage {
	std::mutex mutex;
	volatile char *page = nullptr;
};

ShootdownPage &shootdownPage()
{
	static ShootdownPage instance;
	return instance;
}

Kind chosen = Kind::Membarrier;

[[noreturn]] void fatal(const char *what)
{
	subsystemLogger("gate")->critical("{} failed: {}; the gate cannot drain safely", what,
					  std::strerror(errno));
	std::abort();
}

} // namespace

Kind initialize()
{
	static std::once_flag once;
	std::call_once(once, [] {
		const char *forced = std::getenv("TINYDRM_GATE_BARRIER");
		const bool wantMprotect = forced && std::string_view(forced) == "mprotect";
		if (!wantMprotect && registerMembarrier()) {
			chosen = Kind::Membarrier;
			return;
		}
		void *page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (page == MAP_FAILED)
			fatal("mmap of the barrier page");
		shootdownPage().page = static_cast<volatile char *>(page);
		chosen = Kind::Mprotect;
		subsystemLogger("gate")->info("gate writer barrier: mprotect shootdown ({})",
					      wantMprotect ? "forced" : "no membarrier");
	});
	return chosen;
}

void writer()
{
	if (chosen == Kind::Membarrier) {
		// Registered in initialize(); failing now would mean a kernel bug, and going on
		// without the barrier would silently break the drain.
		if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0)
			fatal("membarrier");
		return;
	}
	auto &shootdown = shootdownPage();
	std::lock_guard lock(shootdown.mutex);
	// Make the page present and writable, then downgrade it: the kernel must flush it from
	// every CPU that may cache the translation, i.e. interrupt every CPU running us.
	if (mprotect(const_cast<char *>(shootdown.page), 4096, PROT_READ | PROT_WRITE) != 0)
		fatal("mprotect");
	shootdown.page[0] = shootdown.page[0] + 1;
	if (mprotect(const_cast<char *>(shootdown.page), 4096, PROT_READ) != 0)
		fatal("mprotect");
}

} // namespace tinydrm::barrier
