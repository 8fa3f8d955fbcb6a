// SPDX-License-Identifier: MIT
/*
 * DOC: the gate and device lifetime
 *
 * Every way into a tinydrm device (open, ioctl, read, poll, a buffer mapping request, a display
 * flush) runs inside an *active section* of the device's Gate:
 *
 *     auto section = device.gate().enter();
 *     if (!section)
 *             return -ENODEV;     // unplugged: answer like drm_ioctl_kernel() does
 *     ... touch the device, its backend, its buffers ...
 *     // ~Section leaves
 *
 * unplug() is the write side: it closes the gate (no new section enters), waits for the
 * sections already inside to leave, then runs the device's revoke actions (release hardware
 * handles, invalidate mappings) exactly once, in registration order. This is the kernel's
 * drm_dev_enter()/drm_dev_exit()/drm_dev_unplug(), with two deliberate differences: the
 * read-side state is per device, not one global SRCU domain, so unplugging device A never waits
 * for readers of device B; and calling unplug() from inside a section is reported (-EDEADLK
 * and an error log line) instead of deadlocking.
 *
 * Read side cost. enter() increments a counter that only the calling thread writes (see
 * thread_slots.h), issues a compiler barrier and reads the closing flag; leaving decrements it
 * (release) and reads the flag again. No shared cache line is written, no atomic
 * read-modify-write is executed. The ordering the flag/counter handshake needs (a Dekker
 * pattern: reader "store counter, load flag" against writer "store flag, load counters") comes
 * from membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) on the writer side, which forces a full
 * barrier on every running thread of the process. So after the writer's membarrier, any reader
 * either saw the flag (and backs out) or its increment is visible to the writer's scan.
 *
 * Drain. The writer sums every thread's counter for this gate; while it is non-zero it sleeps
 * on a futex (drainSeq_). Sections that leave while the gate is closing bump drainSeq_ and wake
 * it; because the reader reads the flag after its decrement, a reader that missed the flag is
 * one whose decrement the writer's scan already sees.
 *
 * Device lifecycle (device.h implements it on top of the gate):
 *
 *   created    Device::create(). Software state exists; nothing outside can reach it.
 *              Thread: the creator (daemon main thread or hotplug thread).
 *   published  publish(): the frontend made a node; open() succeeds and each open file holds
 *              a reference (std::shared_ptr) to the device; so does the registration.
 *              Threads: any CUSE worker enters sections; the owner may unplug().
 *   unplugged  unplug(): gate closed and drained, revoke actions ran, backend (hardware)
 *              resources released. Open files keep the software state alive; their calls
 *              fail with ENODEV. The registration drops its reference.
 *              Thread: whoever unplugs (hotplug thread, control socket, an error path) but
 *              never from inside a section of this device.
 *   released   the last reference dropped (last close after unplug): the destructor frees the
 *              software state. Thread: whichever dropped the last reference.
 */
#include "gate.h"

#include <cerrno>
#include <stdexcept>

#include <unistd.h>

#include "futex.h"
#include "log.h"

namespace tinydrm {

namespace {

auto &log()
{
	static auto logger = subsystemLogger("gate");
	return logger;
}

uint32_t allocateIndex()
{
	barrier::initialize();
	uint32_t index = gate_detail::SlotRegistry::instance().allocateIndex();
	if (index == gate_detail::kMaxGates)
		throw std::length_error("tinydrm: too many live gates");
	return index;
}

} // namespace

Gate::Gate()
	: index_(allocateIndex())
{
}

Gate::~Gate()
{
	// A section outliving its gate is a use-after-free waiting to happen; make it loud.
	if (uint64_t active = activeSections())
		log()->critical("gate destroyed with {} active sections", active);
	gate_detail::SlotRegistry::instance().releaseIndex(index_);
}

uint64_t Gate::activeSections() const
{
	return gate_detail::SlotRegistry::instance().sum(index_);
}

void Gate::wakeUnplugger() noexcept
{
	drainSeq_.fetch_add(1, std::memory_order_seq_cst);
	futex::wakeAll(drainSeq_);
}

int Gate::unplug()
{
	const int self = static_cast<int>(gettid());
	if (gate_detail::threadSlot(index_).load(std::memory_order_relaxed) != 0) {
		log()->error("unplug() called from inside an active section of the same gate; refusing "
			     "(it would wait for itself)");
		return -EDEADLK;
	}
	if (unplugThread_.load(std::memory_order_relaxed) == self) {
		log()->error("unplug() called from a revoke action of the same gate; refusing");
		return -EDEADLK;
	}

	std::lock_guard lock(unplugMutex_);
	if (unplugged_.load(std::memory_order_relaxed))
		return 0;
	unplugThread_.store(self, std::memory_order_relaxed);

	closing_.store(true, std::memory_order_seq_cst);
	barrier::writer();
	drain();
	runRevokeActions();

	unplugThread_.store(0, std::memory_order_relaxed);
	unplugged_.store(true, std::memory_order_release);
	return 0;
}

void Gate::drain()
{
	auto &registry = gate_detail::SlotRegistry::instance();
	for (;;) {
		// Read the sequence before scanning: a section that leaves after the scan bumps it,
		// and the futex then returns at once instead of sleeping past that exit.
		const uint32_t seq = drainSeq_.load(std::memory_order_acquire);
		if (registry.sum(index_) == 0)
			return;
		futex::wait(drainSeq_, seq);
	}
}

Gate::RevokeId Gate::addRevokeAction(RevokeAction action)
{
	std::lock_guard lock(actionsMutex_);
	if (revoking_)
		return 0;
	RevokeId id = nextActionId_++;
	actions_.emplace_back(id, std::move(action));
	return id;
}

bool Gate::removeRevokeAction(RevokeId id)
{
	std::lock_guard lock(actionsMutex_);
	return std::erase_if(actions_, [id](const auto &entry) { return entry.first == id; }) > 0;
}

void Gate::runRevokeActions()
{
	std::vector<std::pair<RevokeId, RevokeAction>> actions;
	{
		std::lock_guard lock(actionsMutex_);
		revoking_ = true;
		actions.swap(actions_);
	}
	// Run without actionsMutex_: an action may release objects whose destructors call
	// removeRevokeAction() (which then finds nothing, as the action is already running).
	for (auto &[id, action] : actions) {
		try {
			action();
		} catch (const std::exception &e) {
			log()->error("revoke action {} threw: {}", id, e.what());
		} catch (...) {
			log()->error("revoke action {} threw", id);
		}
	}
}

} // namespace tinydrm
