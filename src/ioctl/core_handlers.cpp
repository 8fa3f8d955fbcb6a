// SPDX-License-Identifier: MIT
// Identity, capabilities, master and authentication (the kernel's drm_ioctl.c, drm_auth.c).
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <string_view>

#include <libdrm/drm.h>
#include <libdrm/drm_fourcc.h>

#include "drm_device.h"
#include "drm_file.h"
#include "handlers.h"
#include "user_memory.h"

namespace tinydrm::handlers {

namespace {

constexpr std::string_view kName = "tinydrm";
constexpr std::string_view kDate = "20261122";
constexpr std::string_view kDesc = "tinydrm userspace display over CUSE";
/// The driver's version, as VERSION reports it and SET_VERSION checks it.
constexpr int kDriverMajor = 1;
constexpr int kDriverMinor = 0;
/// The DRM interface version the kernel speaks (its DRM_IF_MAJOR/MINOR, which no uAPI header
/// carries): 1.4 since 2.6.x; libdrm's drmOpenByBusid() asks for exactly that.
constexpr int kInterfaceMajor = 1;
constexpr int kInterfaceMinor = 4;

/// drm_copy_field(): copy at most the caller's length, report the full length.
int copyField(UserMemory &memory, uint64_t ptr, __kernel_size_t &len, std::string_view value)
{
	const size_t n = std::min<size_t>(len, value.size());
	len = value.size();
	if (n && ptr)
		return memory.write(ptr, value.data(), n);
	return 0;
}

} // namespace

int version(IoctlContext &c, void *data)
{
	auto &v = *static_cast<drm_version *>(data);
	v.version_major = kDriverMajor;
	v.version_minor = kDriverMinor;
	v.version_patchlevel = 0;
	if (int ret = copyField(c.memory, uint64_t(uintptr_t(v.name)), v.name_len, kName))
		return ret;
	if (int ret = copyField(c.memory, uint64_t(uintptr_t(v.date)), v.date_len, kDate))
		return ret;
	return copyField(c.memory, uint64_t(uintptr_t(v.desc)), v.desc_len, kDesc);
}

/**
 * drm_setversion(): -1 leaves a half unchecked; otherwise the interface must be 1.0..1.4 and the
 * driver major ours with a minor up to ours, else EINVAL (a bad interface version skips the
 * driver check). Asking for interface 1.1+ ties the master to the bus id on the kernel, which
 * for a non-PCI device is the unique name GET_UNIQUE already answers: nothing to store here.
 * The answer carries the versions spoken, also with an error (the kernel copies it out
 * either way; our dispatcher returns only the errno then).
 */
int setVersion(IoctlContext &, void *data)
{
	auto &sv = *static_cast<drm_set_version *>(data);
	int ret = 0;
	if (sv.drm_di_major != -1 && (sv.drm_di_major != kInterfaceMajor || sv.drm_di_minor < 0 ||
				      sv.drm_di_minor > kInterfaceMinor))
		ret = -EINVAL;
	else if (sv.drm_dd_major != -1 && (sv.drm_dd_major != kDriverMajor || sv.drm_dd_minor < 0 ||
					   sv.drm_dd_minor > kDriverMinor))
		ret = -EINVAL;
	sv.drm_di_major = kInterfaceMajor;
	sv.drm_di_minor = kInterfaceMinor;
	sv.drm_dd_major = kDriverMajor;
	sv.drm_dd_minor = kDriverMinor;
	return ret;
}

int getUnique(IoctlContext &c, void *data)
{
	auto &u = *static_cast<drm_unique *>(data);
	// drm_getunique(): the string is copied only when the whole of it fits.
	const std::string &unique = c.device.name();
	if (u.unique_len >= unique.size()) {
		if (int ret = c.memory.write(uint64_t(uintptr_t(u.unique)), unique.data(), unique.size()))
			return ret;
	}
	u.unique_len = unique.size();
	return 0;
}

int getMagic(IoctlContext &c, void *data)
{
	static std::atomic<uint32_t> nextMagic{1};
	auto &auth = *static_cast<drm_auth *>(data);
	if (!c.file.magic)
		c.file.magic = nextMagic++;
	auth.magic = c.file.magic;
	return 0;
}

int authMagic(IoctlContext &c, void *data)
{
	auto &auth = *static_cast<drm_auth *>(data);
	for (DrmFile *file : c.device.files()) {
		if (auth.magic && file->magic == auth.magic) {
			file->authenticated = true;
			return 0;
		}
	}
	return -EINVAL;
}

int getCap(IoctlContext &c, void *data)
{
	auto &cap = *static_cast<drm_get_cap *>(data);
	cap.value = 0;
	switch (cap.capability) {
	case DRM_CAP_DUMB_BUFFER:
	case DRM_CAP_VBLANK_HIGH_CRTC:
	case DRM_CAP_TIMESTAMP_MONOTONIC:
	case DRM_CAP_CRTC_IN_VBLANK_EVENT:
	case DRM_CAP_ADDFB2_MODIFIERS:
		cap.value = 1;
		return 0;
	case DRM_CAP_DUMB_PREFERRED_DEPTH: {
		// What fbdev emulation and simple clients should pick: 24 unless the panel only
		// takes 16-bit pixels (as the kernel's RGB565 tiny drivers declare).
		const auto &formats = c.device.panelInfo().formats;
		const bool xrgb = std::find(formats.begin(), formats.end(), DRM_FORMAT_XRGB8888) !=
				  formats.end();
		cap.value = xrgb ? 24 : 16;
		return 0;
	}
	case DRM_CAP_DUMB_PREFER_SHADOW:
	case DRM_CAP_PRIME:
	case DRM_CAP_ASYNC_PAGE_FLIP:
	case DRM_CAP_PAGE_FLIP_TARGET:
	case DRM_CAP_SYNCOBJ:
	case DRM_CAP_SYNCOBJ_TIMELINE:
		return 0;
	case DRM_CAP_CURSOR_WIDTH:
	case DRM_CAP_CURSOR_HEIGHT:
		cap.value = 64; // the kernel's answer when a driver sets no cursor size
		return 0;
	default:
		return -EINVAL;
	}
}

int setClientCap(IoctlContext &c, void *data)
{
	auto &cap = *static_cast<drm_set_client_cap *>(data);
	switch (cap.capability) {
	case DRM_CLIENT_CAP_STEREO_3D:
	case DRM_CLIENT_CAP_ASPECT_RATIO:
		return cap.value > 1 ? -EINVAL : 0;
	case DRM_CLIENT_CAP_UNIVERSAL_PLANES:
		if (cap.value > 1)
			return -EINVAL;
		c.file.universalPlanes = cap.value;
		return 0;
	case DRM_CLIENT_CAP_ATOMIC:
		// What the kernel answers for a driver without DRIVER_ATOMIC.
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
}

int setMaster(IoctlContext &c, void *)
{
	DrmFile *master = c.device.master();
	if (master == &c.file)
		return 0;
	// drm_master_check_perm(): a file that was master before, or a privileged caller.
	if (c.file.uid() != 0 && !c.file.wasMaster)
		return -EACCES;
	if (master)
		return -EBUSY;
	c.device.setMaster(&c.file);
	return 0;
}

int dropMaster(IoctlContext &c, void *)
{
	if (c.file.uid() != 0 && !c.file.wasMaster)
		return -EACCES;
	if (c.device.master() != &c.file)
		return -EINVAL;
	c.device.setMaster(nullptr);
	return 0;
}

} // namespace tinydrm::handlers
