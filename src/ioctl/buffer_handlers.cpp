// SPDX-License-Identifier: MIT
// Dumb buffers, GEM handles and framebuffers (the kernel's drm_dumb_buffers.c, drm_gem.c,
// drm_framebuffer.c), with their validation order and error codes.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include <libdrm/drm.h>
#include <libdrm/drm_fourcc.h>
#include <libdrm/drm_mode.h>
#include <tinydrm/tinydrm_drm.h>

#include "drm_device.h"
#include "drm_file.h"
#include "dumb_buffer.h"
#include "formats.h"
#include "handlers.h"
#include "user_memory.h"

namespace tinydrm::handlers {

namespace {

/// drm_mode_legacy_fb_format(): ADDFB's (bpp, depth) to a fourcc; 0 when there is none.
uint32_t legacyFormat(uint32_t bpp, uint32_t depth)
{
	switch (bpp) {
	case 8:
		return depth == 8 ? DRM_FORMAT_C8 : 0;
	case 16:
		return depth == 15 ? DRM_FORMAT_XRGB1555 : depth == 16 ? DRM_FORMAT_RGB565 : 0;
	case 24:
		return depth == 24 ? DRM_FORMAT_RGB888 : 0;
	case 32:
		return depth == 24 ? DRM_FORMAT_XRGB8888 :
		       depth == 30 ? DRM_FORMAT_XRGB2101010 :
		       depth == 32 ? DRM_FORMAT_ARGB8888 : 0;
	default:
		return 0;
	}
}

/// The reverse, for GETFB.
void legacyDepthBpp(uint32_t format, uint32_t &depth, uint32_t &bpp)
{
	switch (format) {
	case DRM_FORMAT_RGB565:
		depth = 16, bpp = 16;
		break;
	case DRM_FORMAT_XRGB8888:
		depth = 24, bpp = 32;
		break;
	default:
		depth = 0, bpp = bytesPerPixel(format) * 8;
	}
}

/// drm_internal_framebuffer_create() + framebuffer_check() + the GEM size check.
int createFramebuffer(IoctlContext &c, drm_mode_fb_cmd2 &r)
{
	if (r.flags & ~(DRM_MODE_FB_INTERLACED | DRM_MODE_FB_MODIFIERS))
		return -EINVAL;
	if (r.width < DrmDevice::kMinSize || r.width > DrmDevice::kMaxSize ||
	    r.height < DrmDevice::kMinSize || r.height > DrmDevice::kMaxSize)
		return -EINVAL;
	const uint64_t modifier = (r.flags & DRM_MODE_FB_MODIFIERS) ? r.modifier[0] : DRM_FORMAT_MOD_LINEAR;
	const auto &formats = c.device.panelInfo().formats;
	if (std::find(formats.begin(), formats.end(), r.pixel_format) == formats.end() ||
	    modifier != DRM_FORMAT_MOD_LINEAR)
		return -EINVAL;
	const uint32_t cpp = bytesPerPixel(r.pixel_format);
	if (!cpp)
		return -EINVAL;
	if (!r.handles[0])
		return -EINVAL;
	if (uint64_t(r.pitches[0]) < uint64_t(r.width) * cpp)
		return -EINVAL;
	for (int i = 1; i < 4; i++)
		if (r.handles[i] || r.pitches[i] || r.offsets[i])
			return -EINVAL;

	auto handle = c.file.handles.find(r.handles[0]);
	if (handle == c.file.handles.end())
		return -ENOENT;
	const auto &buffer = handle->second;
	const uint64_t needed = uint64_t(r.offsets[0]) + uint64_t(r.pitches[0]) * (r.height - 1) +
				uint64_t(r.width) * cpp;
	if (needed > buffer->size())
		return -EINVAL;

	Framebuffer fb;
	fb.id = c.device.allocateId();
	fb.owner = &c.file;
	fb.width = r.width;
	fb.height = r.height;
	fb.format = r.pixel_format;
	fb.modifier = modifier;
	fb.pitches[0] = r.pitches[0];
	fb.offsets[0] = r.offsets[0];
	fb.handles[0] = r.handles[0];
	fb.buffers[0] = buffer;
	c.device.framebuffers()[fb.id] = fb;
	c.file.framebuffers.push_back(fb.id);
	r.fb_id = fb.id;
	return 0;
}

} // namespace

int modeCreateDumb(IoctlContext &c, void *data)
{
	auto &args = *static_cast<drm_mode_create_dumb *>(data);
	if (args.flags)
		return -EINVAL;
	std::shared_ptr<DumbBuffer> buffer;
	if (int ret = DumbBuffer::create(c.device.name(), c.device.allocateId(), c.file.uid(),
					 args.width, args.height, args.bpp, buffer))
		return ret;
	const uint32_t handle = c.file.nextHandle++;
	c.file.handles[handle] = buffer;
	args.handle = handle;
	args.pitch = buffer->pitch();
	args.size = buffer->size();
	return 0;
}

int modeMapDumb(IoctlContext &c, void *data)
{
	auto &args = *static_cast<drm_mode_map_dumb *>(data);
	auto it = c.file.handles.find(args.handle);
	if (it == c.file.handles.end())
		return -ENOENT;
	args.offset = it->second->mapOffset();
	return 0;
}

int tinydrmMap(IoctlContext &c, void *data)
{
	auto &args = *static_cast<drm_tinydrm_map *>(data);
	if (args.flags || args.pad)
		return -EINVAL;
	// drm_gem_mmap(): the offset must start an object (EINVAL), which this file may map
	// (drm_vma_node_is_allowed(): EACCES). Ids are per device, so the offset names at most one
	// buffer; only this file's handles are searched, so a buffer it has no handle to is
	// told apart from no buffer by the offset's shape alone.
	for (const auto &[handle, buffer] : c.file.handles) {
		if (buffer->mapOffset() != args.offset)
			continue;
		if (buffer->path().size() >= sizeof(args.path))
			return -ENAMETOOLONG;
		args.size = buffer->size();
		std::memset(args.path, 0, sizeof(args.path));
		std::memcpy(args.path, buffer->path().data(), buffer->path().size());
		return 0;
	}
	return c.device.hasBufferAt(args.offset) ? -EACCES : -EINVAL;
}

int modeDestroyDumb(IoctlContext &c, void *data)
{
	const auto &args = *static_cast<drm_mode_destroy_dumb *>(data);
	// drm_gem_handle_delete(): an unknown handle is EINVAL, not ENOENT.
	return c.file.handles.erase(args.handle) ? 0 : -EINVAL;
}

int gemClose(IoctlContext &c, void *data)
{
	const auto &args = *static_cast<drm_gem_close *>(data);
	return c.file.handles.erase(args.handle) ? 0 : -EINVAL;
}

int modeAddFb(IoctlContext &c, void *data)
{
	auto &legacy = *static_cast<drm_mode_fb_cmd *>(data);
	drm_mode_fb_cmd2 r{};
	r.pixel_format = legacyFormat(legacy.bpp, legacy.depth);
	if (!r.pixel_format)
		return -EINVAL;
	r.width = legacy.width;
	r.height = legacy.height;
	r.pitches[0] = legacy.pitch;
	r.handles[0] = legacy.handle;
	if (int ret = createFramebuffer(c, r))
		return ret;
	legacy.fb_id = r.fb_id;
	return 0;
}

int modeAddFb2(IoctlContext &c, void *data)
{
	return createFramebuffer(c, *static_cast<drm_mode_fb_cmd2 *>(data));
}

int modeRmFb(IoctlContext &c, void *data)
{
	const uint32_t id = *static_cast<uint32_t *>(data);
	auto &mine = c.file.framebuffers;
	auto it = std::find(mine.begin(), mine.end(), id);
	if (it == mine.end())
		return -ENOENT;
	mine.erase(it);
	return c.device.removeFramebuffer(id);
}

int modeGetFb(IoctlContext &c, void *data)
{
	auto &r = *static_cast<drm_mode_fb_cmd *>(data);
	auto it = c.device.framebuffers().find(r.fb_id);
	if (it == c.device.framebuffers().end())
		return -ENOENT;
	const Framebuffer &fb = it->second;
	r.width = fb.width;
	r.height = fb.height;
	r.pitch = fb.pitches[0];
	legacyDepthBpp(fb.format, r.depth, r.bpp);
	// Only the master gets a handle (drm_mode_getfb(): an unprivileged ioctl must not hand out
	// buffers); it is a new handle in the caller's own namespace.
	r.handle = 0;
	if (c.device.master() == &c.file || c.file.uid() == 0) {
		const uint32_t handle = c.file.nextHandle++;
		c.file.handles[handle] = fb.buffers[0];
		r.handle = handle;
	}
	return 0;
}

int modeDirtyFb(IoctlContext &c, void *data)
{
	auto &r = *static_cast<drm_mode_fb_dirty_cmd *>(data);
	if (!c.device.framebuffers().count(r.fb_id))
		return -ENOENT;
	if (r.num_clips > DRM_MODE_FB_DIRTY_MAX_CLIPS || (r.flags & ~DRM_MODE_FB_DIRTY_FLAGS))
		return -EINVAL;
	if ((r.flags & DRM_MODE_FB_DIRTY_ANNOTATE_COPY) && (r.num_clips % 2))
		return -EINVAL;
	if (r.num_clips && !r.clips_ptr)
		return -EINVAL;
	std::vector<drm_clip_rect> clips;
	if (int ret = c.memory.readArray(r.clips_ptr, r.num_clips, clips))
		return ret;
	// drm_atomic_helper_dirtyfb(): only a framebuffer on screen is flushed.
	if (c.device.pipe().fb != r.fb_id || !c.device.pipe().active)
		return 0;
	Rect damage;
	if (clips.empty()) {
		const Framebuffer &fb = c.device.framebuffers().at(r.fb_id);
		damage = {0, 0, int32_t(fb.width), int32_t(fb.height)};
	} else {
		damage = {INT32_MAX, INT32_MAX, 0, 0};
		for (const drm_clip_rect &clip : clips) {
			damage.x1 = std::min<int32_t>(damage.x1, clip.x1);
			damage.y1 = std::min<int32_t>(damage.y1, clip.y1);
			damage.x2 = std::max<int32_t>(damage.x2, clip.x2);
			damage.y2 = std::max<int32_t>(damage.y2, clip.y2);
		}
	}
	return c.device.flush(r.fb_id, &damage);
}

} // namespace tinydrm::handlers
