// SPDX-License-Identifier: MIT
// CuseNode: one /dev/tinydrm-N character device, served over CUSE for one DrmDevice.
// The model, the threads and the lifetimes are described at the top of cuse_node.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace tinydrm {

class DrmDevice;

/**
 * CuseNode - the CUSE session of one device node and the worker threads that serve it.
 *
 * Lifetime: create() opens /dev/cuse, starts the workers and returns once the kernel has
 * created /dev/<name>. The session then runs by itself until it *ends*, which happens when
 *   - the device is unplugged (by anyone, through its gate) and no file is open any more: the
 *     last release() ends it, or the unplug itself when nothing was open; or
 *   - stop() forces it (daemon shutdown after its grace period), files open or not; or
 *   - the kernel drops the channel (connection aborted through sysfs).
 * Ending closes the /dev/cuse channel, so the kernel removes /dev/<name>; the owner learns of
 * it through Options::onEnded and then destroys the CuseNode, which joins the workers.
 *
 * Threads: create(), stop(), the destructor and the inquiries may be called from any thread
 * that is not one of this node's workers (the daemon's main thread, in practice). The
 * inquiries are thread-safe; stop() is thread-safe and never blocks.
 */
class CuseNode
{
public:
	struct Options {
		/// Device name: DEVNAME= of the CUSE init reply, i.e. /dev/<name>.
		std::string name;
		/// Worker threads reading the channel. Reads never park a worker (they are deferred),
		/// so a few suffice; ioctls that wait for a vblank hold one for at most a frame.
		unsigned workers = 4;
		/// Device number; 0:0 lets the kernel allocate one.
		unsigned major = 0;
		unsigned minor = 0;
		/// The CUSE control device.
		std::string cuseDevice = "/dev/cuse";
		/// How long create() waits for the kernel to create the node (slow under emulation).
		std::chrono::milliseconds initTimeout{30000};
		/// Called once when a session that create() returned has ended (the channel is closed,
		/// /dev/<name> is gone or going). Runs on a worker thread with no lock held: it must
		/// only hand the news over (write an eventfd), never destroy the node itself.
		std::function<void()> onEnded;
	};

	/**
	 * create - starts serving @p device as /dev/<options.name>.
	 * \return 0 and sets @p node; -ENOENT/-ENODEV when there is no /dev/cuse, -EACCES without
	 * privilege, -ETIMEDOUT when the kernel did not finish the CUSE init in time, -EIO when it
	 * refused the device (e.g. the name is taken), or another -errno.
	 * \context any thread except this node's workers.
	 */
	static int create(std::shared_ptr<DrmDevice> device, Options options,
			  std::unique_ptr<CuseNode> &node);

	/// Forces the session to end if it has not (see stop()), then joins the workers.
	~CuseNode();
	CuseNode(const CuseNode &) = delete;
	CuseNode &operator=(const CuseNode &) = delete;

	const std::string &name() const;
	const std::shared_ptr<DrmDevice> &device() const;

	/// True once the session has ended (the channel is closed).
	bool ended() const;
	/// Files currently open on the node (opens in progress included).
	size_t openFiles() const;
	/// True once the device behind the node was unplugged (its revoke step ran).
	bool unplugged() const;

	/**
	 * stop - ends the session even with files open: their holders' next calls fail
	 * (ENOTCONN/ENODEV from the kernel). Pending reads are answered with ENODEV.
	 * \context any thread; never blocks; idempotent.
	 */
	void stop();

	/// Blocks until the session has ended or @p limit passed. \return whether it ended.
	bool waitEnded(std::chrono::milliseconds limit) const;

	struct Core;

private:
	CuseNode(std::shared_ptr<Core> core, std::shared_ptr<DrmDevice> device,
		 std::vector<std::thread> workers);

	std::shared_ptr<Core> core_;
	/// The node's reference to its device (the Core only borrows it).
	std::shared_ptr<DrmDevice> device_;
	std::vector<std::thread> workers_;
};

} // namespace tinydrm
