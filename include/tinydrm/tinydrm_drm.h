/* SPDX-License-Identifier: MIT */
/*
 * tinydrm's driver-private DRM ioctls (the DRM_COMMAND_BASE range), for programs that talk to
 * /dev/tinydrm-N directly. Most programs never need this header: libtinydrm-preload.so (run
 * them under tinydrm-run) issues DRM_IOCTL_TINYDRM_MAP for them when they mmap() a dumb buffer.
 *
 * Why it exists: Linux's CUSE does not forward mmap(2), so a tinydrm node cannot be mapped.
 * Each dumb buffer lives in a file of its own instead (tmpfs, mode 0600, owned by the user who
 * opened the node); DRM_IOCTL_TINYDRM_MAP tells the caller which file backs the buffer at a
 * MAP_DUMB offset, and the caller maps that file at offset 0.
 *
 * DRM_IOCTL_TINYDRM_MAP
 *   in:  offset  the fake offset DRM_IOCTL_MODE_MAP_DUMB returned for one of this open file's
 *                handles (the start of the buffer: mapping from its middle is not supported)
 *        flags   0
 *   out: size    the buffer's size in bytes (a mapping may be at most this long)
 *        path    NUL-terminated absolute path of the buffer's file; open it O_RDWR (or
 *                O_RDONLY) and mmap it at offset 0. It is unlinked when the last handle and
 *                framebuffer using the buffer are gone, so open it before closing the handle.
 *   errors: EINVAL  flags not 0, or no buffer starts at offset
 *           EACCES  a buffer starts there, but this open file has no handle to it
 *           ENODEV  the device was unplugged
 *
 * After an unplug, with tinydrmd's default --unplug-mappings=sigbus, the daemon truncates every
 * buffer file to zero bytes: an existing mapping then raises SIGBUS on its next access.
 */
#ifndef TINYDRM_DRM_H
#define TINYDRM_DRM_H

#include <libdrm/drm.h>

#if defined(__cplusplus)
extern "C" {
#endif

#define DRM_TINYDRM_MAP 0x00

/** Longest path DRM_IOCTL_TINYDRM_MAP returns, NUL included. */
#define DRM_TINYDRM_PATH_MAX 128

struct drm_tinydrm_map {
	__u64 offset;
	__u64 size;
	__u32 flags;
	__u32 pad;
	char path[DRM_TINYDRM_PATH_MAX];
};

#define DRM_IOCTL_TINYDRM_MAP \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TINYDRM_MAP, struct drm_tinydrm_map)

#if defined(__cplusplus)
}
#endif

#endif /* TINYDRM_DRM_H */
