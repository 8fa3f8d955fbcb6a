// SPDX-License-Identifier: MIT
// The DRM ioctl table: one descriptor per ioctl, like the kernel's drm_ioctls[].
#pragma once

#include <cstdint>

namespace tinydrm {

class DrmDevice;
class DrmFile;
class UserMemory;

/// What a handler gets: the device, the calling file, and the caller's memory.
struct IoctlContext {
	DrmDevice &device;
	DrmFile &file;
	UserMemory &memory;
};

/// A handler: a plain function over the zero-extended uAPI struct; returns >= 0 or -errno.
using IoctlHandler = int (*)(IoctlContext &context, void *data);

enum IoctlFlags : uint32_t {
	kIoctlMaster = 1u << 0,   ///< DRM_MASTER: only the current master (else EACCES)
	kIoctlUnlocked = 1u << 1, ///< runs without the modeset lock (it may sleep: WAIT_VBLANK)
};

struct IoctlDesc {
	uint32_t cmd; ///< the uAPI request (libdrm/drm.h), which fixes the struct size
	const char *name;
	IoctlHandler handler; ///< nullptr: known to DRM, not provided by tinydrm (EINVAL)
	uint32_t flags;
};

/// The descriptor for ioctl number @p nr, or nullptr when DRM has none.
const IoctlDesc *findIoctl(uint32_t nr);

} // namespace tinydrm
