// SPDX-License-Identifier: MIT
// A published virtual-panel device and clients on it, for the uAPI tests.
#pragma once

#include <memory>

#include <libdrm/drm.h>
#include <libdrm/drm_fourcc.h>
#include <libdrm/drm_mode.h>

#include "drm_device.h"
#include "loopback.h"
#include "virtual_panel.h"

namespace tinydrm::test {

struct Fixture {
	Fixture(uint32_t width = 320, uint32_t height = 240, uint32_t hz = 60)
		: device(DrmDevice::create("tinydrm-test", makeVirtualPanel(width, height, hz)))
	{
		device->publish();
	}
	~Fixture()
	{
		if (device)
			device->unplug();
	}

	/// open(2) as @p uid. The first client is master.
	Loopback open(uint32_t uid = 0)
	{
		std::shared_ptr<DrmFile> file;
		device->openFile(uid, file);
		return Loopback(std::move(file));
	}

	std::shared_ptr<DrmDevice> device;
};

/// Resources of the device, as a client finds them.
struct Ids {
	uint32_t crtc = 0, encoder = 0, connector = 0, plane = 0;
};

inline Ids findIds(Loopback &c)
{
	Ids ids;
	drm_mode_card_res res{};
	res.count_crtcs = res.count_encoders = res.count_connectors = 1;
	res.crtc_id_ptr = uint64_t(uintptr_t(&ids.crtc));
	res.encoder_id_ptr = uint64_t(uintptr_t(&ids.encoder));
	res.connector_id_ptr = uint64_t(uintptr_t(&ids.connector));
	c.ioctl(DRM_IOCTL_MODE_GETRESOURCES, &res);
	drm_set_client_cap cap{DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1};
	c.ioctl(DRM_IOCTL_SET_CLIENT_CAP, &cap);
	drm_mode_get_plane_res planes{};
	planes.count_planes = 1;
	planes.plane_id_ptr = uint64_t(uintptr_t(&ids.plane));
	c.ioctl(DRM_IOCTL_MODE_GETPLANERESOURCES, &planes);
	return ids;
}

/// A dumb buffer with a framebuffer on it; fills in handle and fb.
struct Scanout {
	uint32_t handle = 0, fb = 0, pitch = 0;
	uint64_t size = 0;
};

inline int makeScanout(Loopback &c, uint32_t width, uint32_t height, uint32_t format, Scanout &out)
{
	drm_mode_create_dumb create{};
	create.width = width;
	create.height = height;
	create.bpp = format == DRM_FORMAT_RGB565 ? 16 : 32;
	if (c.ioctl(DRM_IOCTL_MODE_CREATE_DUMB, &create))
		return -errno;
	drm_mode_fb_cmd2 fb{};
	fb.width = width;
	fb.height = height;
	fb.pixel_format = format;
	fb.handles[0] = create.handle;
	fb.pitches[0] = create.pitch;
	if (c.ioctl(DRM_IOCTL_MODE_ADDFB2, &fb))
		return -errno;
	out = {create.handle, fb.fb_id, create.pitch, create.size};
	return 0;
}

/// SETCRTC of the preferred mode with @p fb.
inline int setCrtc(Loopback &c, const Ids &ids, uint32_t fb, drm_mode_modeinfo *modeOut = nullptr)
{
	drm_mode_modeinfo mode{};
	drm_mode_get_connector conn{};
	conn.connector_id = ids.connector;
	conn.count_modes = 1;
	conn.modes_ptr = uint64_t(uintptr_t(&mode));
	if (c.ioctl(DRM_IOCTL_MODE_GETCONNECTOR, &conn))
		return -errno;
	uint32_t connector = ids.connector;
	drm_mode_crtc crtc{};
	crtc.crtc_id = ids.crtc;
	crtc.fb_id = fb;
	crtc.set_connectors_ptr = uint64_t(uintptr_t(&connector));
	crtc.count_connectors = 1;
	crtc.mode_valid = 1;
	crtc.mode = mode;
	if (modeOut)
		*modeOut = mode;
	return c.ioctl(DRM_IOCTL_MODE_SETCRTC, &crtc) ? -errno : 0;
}

} // namespace tinydrm::test
