// SPDX-License-Identifier: MIT
// Page flips, vblank waits and CRTC sequences (the kernel's drm_plane.c page_flip and
// drm_vblank.c), over the device's Vblank clock.
#include <cerrno>
#include <cstring>
#include <mutex>

#include <libdrm/drm.h>
#include <libdrm/drm_mode.h>

#include "drm_device.h"
#include "drm_file.h"
#include "handlers.h"
#include "user_memory.h"

namespace tinydrm::handlers {

namespace {

template<typename Event>
std::vector<uint8_t> bytesOf(const Event &event)
{
	const auto *p = reinterpret_cast<const uint8_t *>(&event);
	return {p, p + sizeof(event)};
}

drm_event_vblank vblankEvent(uint32_t type, uint64_t userData, uint64_t seq, uint64_t ns, uint32_t crtc)
{
	drm_event_vblank e{};
	e.base.type = type;
	e.base.length = sizeof(e);
	e.user_data = userData;
	e.tv_sec = uint32_t(ns / 1'000'000'000);
	e.tv_usec = uint32_t(ns % 1'000'000'000 / 1000);
	e.sequence = uint32_t(seq);
	e.crtc_id = crtc;
	return e;
}

/// Queues @p event for the file with @p serial, if it is still open (its space was reserved).
void deliver(DrmDevice &device, uint64_t serial, std::vector<uint8_t> event)
{
	if (DrmFile *file = device.fileBySerial(serial))
		file->events().push(std::move(event));
}

/// drm_vblank.c's widen_32_to_64(): a 32-bit sequence from userspace, near the 64-bit count.
uint64_t widen(uint32_t narrow, uint64_t near)
{
	return near + int32_t(narrow - uint32_t(near));
}

bool passed(uint64_t current, uint64_t target)
{
	return int64_t(current - target) >= 0;
}

} // namespace

int modePageFlip(IoctlContext &c, void *data)
{
	auto &r = *static_cast<drm_mode_crtc_page_flip *>(data);
	if (r.flags & ~DRM_MODE_PAGE_FLIP_FLAGS)
		return -EINVAL;
	// No async flips and no target vblank: tinydrm advertises neither cap.
	if (r.flags & (DRM_MODE_PAGE_FLIP_ASYNC | DRM_MODE_PAGE_FLIP_TARGET))
		return -EINVAL;
	if (r.reserved)
		return -EINVAL;
	if (r.crtc_id != c.device.crtcId())
		return -ENOENT;
	PipeState &pipe = c.device.pipe();
	// The kernel's answer when the plane has no framebuffer: userspace missed a hotplug.
	if (!pipe.active || !pipe.fb)
		return -EBUSY;
	auto it = c.device.framebuffers().find(r.fb_id);
	if (it == c.device.framebuffers().end())
		return -ENOENT;
	const Framebuffer &fb = it->second;
	if (fb.format != c.device.framebuffers().at(pipe.fb).format)
		return -EINVAL;
	if (uint64_t(pipe.x) + pipe.mode->hdisplay > fb.width ||
	    uint64_t(pipe.y) + pipe.mode->vdisplay > fb.height)
		return -ENOSPC;
	if (pipe.flipPending)
		return -EBUSY;

	const bool wantEvent = r.flags & DRM_MODE_PAGE_FLIP_EVENT;
	if (wantEvent) {
		if (int ret = c.file.events().reserve(sizeof(drm_event_vblank)))
			return ret;
	}
	pipe.fb = r.fb_id;
	if (int ret = c.device.flush(r.fb_id, nullptr)) {
		if (wantEvent)
			c.file.events().unreserve(sizeof(drm_event_vblank));
		return ret;
	}
	pipe.flipPending = true;
	DrmDevice &device = c.device;
	const uint64_t serial = c.file.serial();
	const uint64_t userData = r.user_data;
	const uint32_t crtc = r.crtc_id;
	int ret = device.vblank().queue(device.vblank().current() + 1, [&device, serial, userData, crtc, wantEvent](uint64_t seq, uint64_t ns) {
		device.pipe().flipPending = false;
		if (wantEvent)
			deliver(device, serial,
				bytesOf(vblankEvent(DRM_EVENT_FLIP_COMPLETE, userData, seq, ns, crtc)));
	});
	if (ret) {
		pipe.flipPending = false;
		if (wantEvent)
			c.file.events().unreserve(sizeof(drm_event_vblank));
	}
	return ret;
}

int waitVblank(IoctlContext &c, void *data)
{
	auto &w = *static_cast<drm_wait_vblank *>(data);
	// request.type is an enum in the uAPI, but userspace may put any 32 bits there: read and
	// write it as raw bits (loading an out-of-range enum value is undefined behaviour).
	uint32_t type;
	std::memcpy(&type, &w.request.type, sizeof(type));
	auto setType = [&w](uint32_t bits) { std::memcpy(&w.request.type, &bits, sizeof(bits)); };
	if (type & _DRM_VBLANK_SIGNAL)
		return -EINVAL;
	if (type & ~(_DRM_VBLANK_TYPES_MASK | _DRM_VBLANK_FLAGS_MASK | _DRM_VBLANK_HIGH_CRTC_MASK))
		return -EINVAL;
	const uint32_t highPipe = (type & _DRM_VBLANK_HIGH_CRTC_MASK) >> _DRM_VBLANK_HIGH_CRTC_SHIFT;
	const uint32_t pipeIndex = highPipe ? highPipe : (type & _DRM_VBLANK_SECONDARY) ? 1 : 0;
	if (pipeIndex >= 1)
		return -EINVAL;

	DrmDevice &device = c.device;
	Vblank &vblank = device.vblank();
	uint64_t target;
	{
		// Unlocked ioctl: hold the modeset lock only while deciding, never while waiting.
		std::lock_guard lock(device.modesetMutex());
		if (!vblank.running())
			return -EINVAL;
		const uint64_t seq = vblank.current();
		switch (type & _DRM_VBLANK_TYPES_MASK) {
		case _DRM_VBLANK_RELATIVE:
			target = seq + w.request.sequence;
			w.request.sequence = uint32_t(target);
			setType(type & ~_DRM_VBLANK_RELATIVE);
			break;
		case _DRM_VBLANK_ABSOLUTE:
			target = widen(w.request.sequence, seq);
			break;
		default:
			return -EINVAL;
		}
		if ((type & _DRM_VBLANK_NEXTONMISS) && passed(seq, target)) {
			target = seq + 1;
			setType(type & ~(_DRM_VBLANK_RELATIVE | _DRM_VBLANK_NEXTONMISS));
			w.request.sequence = uint32_t(target);
		}
		if (type & _DRM_VBLANK_EVENT) {
			if (int ret = c.file.events().reserve(sizeof(drm_event_vblank)))
				return ret;
			const uint64_t serial = c.file.serial();
			const uint64_t userData = w.request.signal;
			const uint32_t crtc = device.crtcId();
			int ret = vblank.queue(target, [&device, serial, userData, crtc](uint64_t s, uint64_t ns) {
				deliver(device, serial,
					bytesOf(vblankEvent(DRM_EVENT_VBLANK, userData, s, ns, crtc)));
			});
			if (ret) {
				c.file.events().unreserve(sizeof(drm_event_vblank));
				return ret;
			}
			w.reply.sequence = uint32_t(passed(seq, target) ? seq : target);
			return 0;
		}
	}

	int ret = vblank.wait(target, [&device] { return device.gate().closing(); });
	if (ret == -EBUSY || ret == -ENODEV)
		return ret;
	uint64_t ns = 0;
	const uint64_t seq = vblank.current(&ns);
	w.reply.sequence = uint32_t(seq);
	w.reply.tval_sec = long(ns / 1'000'000'000);
	w.reply.tval_usec = long(ns % 1'000'000'000 / 1000);
	return ret;
}

int crtcGetSequence(IoctlContext &c, void *data)
{
	auto &g = *static_cast<drm_crtc_get_sequence *>(data);
	if (g.crtc_id != c.device.crtcId())
		return -ENOENT;
	// drm_crtc_vblank_get() fails on a disabled CRTC, and so does the ioctl.
	if (!c.device.vblank().running())
		return -EINVAL;
	uint64_t ns = 0;
	g.active = c.device.pipe().active;
	g.sequence = c.device.vblank().current(&ns);
	g.sequence_ns = int64_t(ns);
	return 0;
}

int crtcQueueSequence(IoctlContext &c, void *data)
{
	auto &q = *static_cast<drm_crtc_queue_sequence *>(data);
	if (q.flags & ~(DRM_CRTC_SEQUENCE_RELATIVE | DRM_CRTC_SEQUENCE_NEXT_ON_MISS))
		return -EINVAL;
	if (q.crtc_id != c.device.crtcId())
		return -ENOENT;
	Vblank &vblank = c.device.vblank();
	if (!vblank.running())
		return -EINVAL;
	if (int ret = c.file.events().reserve(sizeof(drm_event_crtc_sequence)))
		return ret;
	const uint64_t seq = vblank.current();
	uint64_t target = (q.flags & DRM_CRTC_SEQUENCE_RELATIVE) ? seq + q.sequence : q.sequence;
	if ((q.flags & DRM_CRTC_SEQUENCE_NEXT_ON_MISS) && passed(seq, target))
		target = seq + 1;
	q.sequence = target;

	DrmDevice &device = c.device;
	const uint64_t serial = c.file.serial();
	const uint64_t userData = q.user_data;
	int ret = vblank.queue(target, [&device, serial, userData](uint64_t s, uint64_t ns) {
		drm_event_crtc_sequence e{};
		e.base.type = DRM_EVENT_CRTC_SEQUENCE;
		e.base.length = sizeof(e);
		e.user_data = userData;
		e.time_ns = int64_t(ns);
		e.sequence = s;
		deliver(device, serial, bytesOf(e));
	});
	if (ret)
		c.file.events().unreserve(sizeof(drm_event_crtc_sequence));
	return ret;
}

} // namespace tinydrm::handlers
