// SPDX-License-Identifier: MIT
// DrmFile: one open file of a tinydrm device, the userspace drm_file.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "event_queue.h"
#include "ioctl_protocol.h"

namespace tinydrm {

class DrmDevice;
class DumbBuffer;
struct IoctlInFlight;

/**
 * DrmFile - per-open state: GEM handle and framebuffer namespaces, master status, client caps,
 * the event queue, and the retry state of ioctls in flight. Holds a reference to its device,
 * so the device's software state outlives its unplug until the last file is released.
 *
 * Threads: ioctl(), read(), poll() and release() are called by transport workers (CUSE threads),
 * possibly concurrently; each runs inside a gate section of the device (except release(), which
 * proceeds without one after unplug, freeing software state only). Per-file state is guarded by
 * the device's modeset lock (the file's namespaces are reached from device-wide operations too);
 * the event queue has its own lock, and the wakeup callback is called with no lock held.
 */
class DrmFile : public std::enable_shared_from_this<DrmFile>
{
public:
	DrmFile(std::shared_ptr<DrmDevice> device, uint32_t uid, uint64_t serial);
	~DrmFile();
	DrmFile(const DrmFile &) = delete;
	DrmFile &operator=(const DrmFile &) = delete;

	/// One attempt of an ioctl (see ioctl_protocol.h). After unplug: -ENODEV.
	IoctlReply ioctl(const IoctlRequest &request);

	/**
	 * read - read(2) of at most @p size bytes: whole struct drm_event records only.
	 * \return the byte count (> 0) with @p out filled; -EAGAIN when nothing is queued (the
	 * transport answers EAGAIN for O_NONBLOCK, otherwise defers and asks again on wakeup);
	 * -ENODEV once the device is unplugged and the queue is empty; 0 when @p size cannot hold
	 * the first queued event (as drm_read() answers). Never calls the wakeup itself, so a
	 * transport may call it from inside its wakeup or under its own locks.
	 */
	int read(size_t size, std::vector<uint8_t> &out);

	/// poll(2) mask: POLLIN|POLLRDNORM with events queued; POLLERR|POLLHUP once unplugged.
	unsigned poll();

	/**
	 * setWakeup - @p wakeup runs whenever read() or poll() may answer differently: an event was
	 * queued, or the device was unplugged. It runs on the thread that caused it (a CUSE worker,
	 * the vblank thread, the unplugging thread), possibly with the device's modeset lock held:
	 * it must not block, and may call only read() and poll() of this file (they take no
	 * modeset lock).
	 */
	void setWakeup(std::function<void()> wakeup);

	/// close(2): frees framebuffers, handles and events, drops master. Always succeeds; idempotent.
	void release();

	DrmDevice &device() { return *device_; }
	uint32_t uid() const { return uid_; }
	/// Unique per daemon run: tags this file's pending vblank work (pointers may be reused).
	uint64_t serial() const { return serial_; }
	EventQueue &events() { return events_; }

	// Per-file KMS state. Guarded by the device's modeset lock.
	bool universalPlanes = false;
	bool atomic = false;
	bool wasMaster = false; ///< was master once: may SET_MASTER again without privilege
	bool authenticated = false;
	uint32_t magic = 0;
	/// GEM handle namespace of this file.
	std::map<uint32_t, std::shared_ptr<DumbBuffer>> handles;
	uint32_t nextHandle = 1;
	/// Framebuffer ids this file created (drm_fb_release frees them at close).
	std::vector<uint32_t> framebuffers;

private:
	friend class IoctlDispatcher;

	std::shared_ptr<DrmDevice> device_;
	const uint32_t uid_;
	const uint64_t serial_;
	EventQueue events_;
	std::atomic<bool> released_ = false;

	std::mutex inFlightMutex_;
	/// Retry state per caller thread; bounded (stale entries of killed callers are evicted).
	std::map<uint32_t, std::unique_ptr<IoctlInFlight>> inFlight_;
};

} // namespace tinydrm
