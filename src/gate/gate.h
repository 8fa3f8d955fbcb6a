// SPDX-License-Identifier: MIT
// The per-device active-section gate: enter()/Section for every entry point, unplug() to revoke.
// The model, the device lifecycle and the threading rules are described at the top of gate.cpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "asymmetric_barrier.h"
#include "thread_slots.h"

namespace tinydrm {

/**
 * Gate - the userspace drm_dev_enter()/drm_dev_exit()/drm_dev_unplug() of one device.
 *
 * Thread-safe: any thread may enter(), any thread outside a section of this gate may unplug().
 * Locks: enter()/Section::~Section() take no lock and write only the calling thread's own
 * counter; unplug() takes unplugMutex_ (serialises unpluggers) and, briefly, the slot
 * registry's mutex and actionsMutex_. Revoke actions run with no gate lock held except
 * unplugMutex_.
 */
class Gate
{
public:
	/**
	 * Section - RAII token for one active section. Move-only; false when enter() failed.
	 * Must be destroyed on the thread that created it, before the Gate.
	 */
	class Section
	{
	public:
		Section() = default;
		Section(Section &&other) noexcept
			: gate_(std::exchange(other.gate_, nullptr)),
			  slot_(std::exchange(other.slot_, nullptr))
		{
		}
		Section &operator=(Section &&other) noexcept
		{
			if (this != &other) {
				release();
				gate_ = std::exchange(other.gate_, nullptr);
				slot_ = std::exchange(other.slot_, nullptr);
			}
			return *this;
		}
		Section(const Section &) = delete;
		Section &operator=(const Section &) = delete;
		~Section() { release(); }

		explicit operator bool() const { return gate_ != nullptr; }

		/// Leaves the section early (idempotent).
		void release()
		{
			if (gate_)
				std::exchange(gate_, nullptr)->leave(*slot_);
		}

	private:
		friend class Gate;
		Section(Gate *gate, std::atomic<uint32_t> *slot)
			: gate_(gate), slot_(slot)
		{
		}

		Gate *gate_ = nullptr;
		std::atomic<uint32_t> *slot_ = nullptr;
	};

	using RevokeAction = std::function<void()>;
	using RevokeId = uint64_t;

	Gate();
	~Gate();
	Gate(const Gate &) = delete;
	Gate &operator=(const Gate &) = delete;

	/**
	 * enter - begins an active section.
	 * \return a true Section, or a false one once unplug() has begun (the caller answers ENODEV).
	 * \context any thread; never blocks; may nest on one thread.
	 */
	[[nodiscard]] Section enter() noexcept
	{
		std::atomic<uint32_t> &slot = gate_detail::threadSlot(index_);
		slot.store(slot.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
		barrier::reader();
		if (closing_.load(std::memory_order_relaxed)) [[unlikely]] {
			leave(slot);
			return {};
		}
		return Section(this, &slot);
	}

	/**
	 * unplug - closes the gate, drains it, runs the revoke actions once, in order.
	 *
	 * After it begins no enter() succeeds; it sleeps until every section that entered before
	 * it has left; then it runs the revoke actions. A concurrent or later call waits for the
	 * first to finish and returns 0 too.
	 * \return 0, or -EDEADLK (logged) when called from inside a section of this gate or from a
	 * revoke action of this gate: waiting would never end.
	 * \context any thread not inside a section of this gate; sleeps.
	 */
	int unplug();

	/// True once unplug() has begun. Racy by nature: use enter() to act on liveness.
	bool closing() const { return closing_.load(std::memory_order_acquire); }
	/// True once unplug() has finished its revoke actions.
	bool unplugged() const { return unplugged_.load(std::memory_order_acquire); }

	/**
	 * addRevokeAction - registers @p action to run in the revoke step of unplug().
	 * Actions run in registration order, exactly once, after the drain. Registration is
	 * accepted until the revoke step starts (so a section may still register while unplug
	 * drains).
	 * \return an id for removeRevokeAction(), or 0 when revocation already started: the action
	 * is not registered and the caller must release the resource itself.
	 * \context any thread.
	 */
	RevokeId addRevokeAction(RevokeAction action);

	/// Unregisters an action that has not run. \return false if it ran or never existed.
	bool removeRevokeAction(RevokeId id);

	/// Number of sections currently open on this gate, across all threads (for tests/diagnostics).
	uint64_t activeSections() const;

private:
	void leave(std::atomic<uint32_t> &slot) noexcept
	{
		slot.store(slot.load(std::memory_order_relaxed) - 1, std::memory_order_release);
		barrier::reader();
		if (closing_.load(std::memory_order_relaxed)) [[unlikely]]
			wakeUnplugger();
	}
	void wakeUnplugger() noexcept;
	void drain();
	void runRevokeActions();

	const uint32_t index_;
	std::atomic<bool> closing_ = false;
	std::atomic<bool> unplugged_ = false;
	/// Bumped by every section that leaves while closing; the unplugger sleeps on it.
	std::atomic<uint32_t> drainSeq_ = 0;

	std::mutex unplugMutex_;
	/// Thread currently inside unplug() (0 when none): detects unplug from a revoke action.
	std::atomic<int> unplugThread_ = 0;

	std::mutex actionsMutex_;
	std::vector<std::pair<RevokeId, RevokeAction>> actions_; // guarded by actionsMutex_
	RevokeId nextActionId_ = 1;                               // guarded by actionsMutex_
	bool revoking_ = false;                                   // guarded by actionsMutex_
};

} // namespace tinydrm
