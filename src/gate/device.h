// SPDX-License-Identifier: MIT
// Device: the refcounted object behind one node, built on its Gate (lifecycle in gate.cpp).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "gate.h"

namespace tinydrm {

/**
 * Device - lifetime of one device: created → published → unplugged → released.
 *
 * Held by std::shared_ptr: the registration (the daemon's node table) holds one reference,
 * every open file holds one. Backends register their hardware release as revoke actions on
 * gate() (run by unplug(), after the drain); software state lives in the derived class and
 * goes away in its destructor, i.e. when the last reference drops, never earlier.
 *
 * Thread-safe, lock-free except for unplug(), which sleeps in the gate's drain. State changes
 * are atomic transitions, made inside a gate section (publish) or after the drain (unplug).
 */
class Device : public std::enable_shared_from_this<Device>
{
public:
	enum class State { Created, Published, Unplugged };

	explicit Device(std::string name);
	virtual ~Device();
	Device(const Device &) = delete;
	Device &operator=(const Device &) = delete;

	const std::string &name() const { return name_; }
	Gate &gate() { return gate_; }
	State state() const { return state_.load(std::memory_order_acquire); }

	/**
	 * publish - makes the device reachable: open() succeeds from now on.
	 * \return 0, or -ENODEV when it was already unplugged, -EBUSY when already published.
	 * \context the owner's thread, after the software state is complete.
	 */
	int publish();

	/**
	 * open - takes a file reference, as drm_open() takes a drm_device reference.
	 * \return 0 and sets @p file, or -ENODEV before publish() and once unplug has begun.
	 * \context any thread; never blocks.
	 */
	int open(std::shared_ptr<Device> &file);

	/**
	 * unplug - closes and drains the gate, then runs the revoke actions (hardware release).
	 * Open files keep the object alive; the caller drops the registration's reference after.
	 * \return 0 (also for a repeated call), or -EDEADLK from inside one of its sections.
	 * \context any thread outside a section of this device; sleeps until the drain is done.
	 */
	int unplug();

private:
	const std::string name_;
	Gate gate_;
	std::atomic<State> state_ = State::Created;
};

} // namespace tinydrm
