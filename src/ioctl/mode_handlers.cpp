// SPDX-License-Identifier: MIT
// KMS objects and properties (the kernel's drm_mode_config.c, drm_connector.c, drm_crtc.c,
// drm_plane.c, drm_property.c, drm_mode_object.c), for tinydrm's single pipe.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include <libdrm/drm.h>
#include <libdrm/drm_mode.h>

#include "drm_device.h"
#include "drm_file.h"
#include "handlers.h"
#include "user_memory.h"

namespace tinydrm::handlers {

namespace {

// Kernel enums the uAPI carries as plain numbers without naming them.
constexpr uint32_t kSubPixelUnknown = 0;   ///< enum subpixel_order SubPixelUnknown
constexpr uint32_t kStatusConnected = 1;   ///< enum drm_connector_status connected

/// drm_mode_getresources() style: write up to the caller's count, report the real count.
int putIds(UserMemory &memory, uint64_t ptr, uint32_t &count, const std::vector<uint32_t> &ids)
{
	const uint32_t n = std::min<uint32_t>(count, uint32_t(ids.size()));
	count = uint32_t(ids.size());
	if (n == 0)
		return 0;
	return memory.write(ptr, ids.data(), uint64_t(n) * sizeof(uint32_t));
}

/// drm_mode_object_get_properties(): ids and values, partial copy allowed.
int putProperties(IoctlContext &c, uint32_t object, uint64_t propsPtr, uint64_t valuesPtr,
		  uint32_t &count)
{
	std::vector<uint32_t> ids;
	std::vector<uint64_t> values;
	for (const auto &[id, value] : c.device.objectProperties(object)) {
		const Property &p = c.device.properties().at(id);
		if ((p.flags & DRM_MODE_PROP_ATOMIC) && !c.file.atomic)
			continue;
		ids.push_back(id);
		values.push_back(value);
	}
	const uint32_t n = std::min<uint32_t>(count, uint32_t(ids.size()));
	count = uint32_t(ids.size());
	if (n == 0)
		return 0;
	if (int ret = c.memory.write(propsPtr, ids.data(), uint64_t(n) * sizeof(uint32_t)))
		return ret;
	return c.memory.write(valuesPtr, values.data(), uint64_t(n) * sizeof(uint64_t));
}

bool sameMode(const drm_mode_modeinfo &a, const drm_mode_modeinfo &b)
{
	return a.hdisplay == b.hdisplay && a.vdisplay == b.vdisplay && a.clock == b.clock &&
	       a.htotal == b.htotal && a.vtotal == b.vtotal && a.flags == b.flags;
}

} // namespace

int modeGetResources(IoctlContext &c, void *data)
{
	auto &res = *static_cast<drm_mode_card_res *>(data);
	// Framebuffers: only the caller's own, as drm_mode_getresources() lists file_priv->fbs.
	if (int ret = putIds(c.memory, res.fb_id_ptr, res.count_fbs, c.file.framebuffers))
		return ret;
	if (int ret = putIds(c.memory, res.crtc_id_ptr, res.count_crtcs, {c.device.crtcId()}))
		return ret;
	if (int ret = putIds(c.memory, res.encoder_id_ptr, res.count_encoders, {c.device.encoderId()}))
		return ret;
	if (int ret = putIds(c.memory, res.connector_id_ptr, res.count_connectors,
			     {c.device.connectorId()}))
		return ret;
	res.min_width = DrmDevice::kMinSize;
	res.min_height = DrmDevice::kMinSize;
	res.max_width = DrmDevice::kMaxSize;
	res.max_height = DrmDevice::kMaxSize;
	return 0;
}

int modeGetConnector(IoctlContext &c, void *data)
{
	auto &conn = *static_cast<drm_mode_get_connector *>(data);
	if (conn.connector_id != c.device.connectorId())
		return -ENOENT;
	if (int ret = putIds(c.memory, conn.encoders_ptr, conn.count_encoders, {c.device.encoderId()}))
		return ret;

	// Modes are copied only when all of them fit (the "call twice" protocol of the kernel).
	const std::vector<drm_mode_modeinfo> modes = c.device.modes();
	if (conn.count_modes >= modes.size() && !modes.empty()) {
		if (int ret = c.memory.write(conn.modes_ptr, modes.data(),
					     modes.size() * sizeof(drm_mode_modeinfo)))
			return ret;
	}
	conn.count_modes = uint32_t(modes.size());
	if (int ret = putProperties(c, conn.connector_id, conn.props_ptr, conn.prop_values_ptr,
				    conn.count_props))
		return ret;

	const PanelInfo &info = c.device.panelInfo();
	conn.encoder_id = c.device.pipe().active ? c.device.encoderId() : 0;
	conn.connector_type = info.connectorType;
	conn.connector_type_id = 1;
	conn.connection = kStatusConnected;
	conn.mm_width = info.widthMm;
	conn.mm_height = info.heightMm;
	conn.subpixel = kSubPixelUnknown;
	conn.pad = 0;
	return 0;
}

int modeGetEncoder(IoctlContext &c, void *data)
{
	auto &enc = *static_cast<drm_mode_get_encoder *>(data);
	if (enc.encoder_id != c.device.encoderId())
		return -ENOENT;
	// A simple pipe's encoder is of type NONE, as the kernel's tiny drivers report.
	enc.encoder_type = DRM_MODE_ENCODER_NONE;
	enc.crtc_id = c.device.pipe().active ? c.device.crtcId() : 0;
	enc.possible_crtcs = 1;
	enc.possible_clones = 0;
	return 0;
}

int modeGetCrtc(IoctlContext &c, void *data)
{
	auto &crtc = *static_cast<drm_mode_crtc *>(data);
	if (crtc.crtc_id != c.device.crtcId())
		return -ENOENT;
	const PipeState &pipe = c.device.pipe();
	crtc.gamma_size = 0;
	crtc.fb_id = pipe.fb;
	crtc.x = pipe.x;
	crtc.y = pipe.y;
	crtc.mode_valid = pipe.active && pipe.mode ? 1 : 0;
	if (crtc.mode_valid)
		crtc.mode = *pipe.mode;
	else
		std::memset(&crtc.mode, 0, sizeof(crtc.mode));
	return 0;
}

/// drm_mode_gamma_get_ioctl(): our CRTC has no gamma ramp (GETCRTC says gamma_size 0), so the
/// only size that matches is 0, and there is nothing to copy.
int modeGetGamma(IoctlContext &c, void *data)
{
	const auto &lut = *static_cast<drm_mode_crtc_lut *>(data);
	if (lut.crtc_id != c.device.crtcId())
		return -ENOENT;
	return lut.gamma_size == 0 ? 0 : -EINVAL;
}

/// drm_mode_gamma_set_ioctl(): a CRTC without gamma_set answers ENOSYS. Over CUSE the client
/// sees ENOTTY instead: the kernel's FUSE turns a server's ENOSYS into ENOTTY for every ioctl
/// (fuse_send_ioctl()), and no reply can get ENOSYS through.
int modeSetGamma(IoctlContext &c, void *data)
{
	const auto &lut = *static_cast<drm_mode_crtc_lut *>(data);
	if (lut.crtc_id != c.device.crtcId())
		return -ENOENT;
	return -ENOSYS;
}

int modeSetCrtc(IoctlContext &c, void *data)
{
	auto &req = *static_cast<drm_mode_crtc *>(data);
	if (req.crtc_id != c.device.crtcId())
		return -ENOENT;
	// drm_mode_setcrtc(): x/y are 16.16 in the plane's source; they must not overflow it.
	if (req.x & 0xffff0000u || req.y & 0xffff0000u)
		return -ERANGE;

	if (!req.mode_valid) {
		if (req.count_connectors)
			return -EINVAL;
		return c.device.disablePipe();
	}

	uint32_t fbId = req.fb_id;
	if (fbId == uint32_t(-1)) {
		fbId = c.device.pipe().fb;
		if (!fbId)
			return -EINVAL;
	}
	auto fbIt = c.device.framebuffers().find(fbId);
	if (fbIt == c.device.framebuffers().end())
		return -ENOENT;
	const Framebuffer &fb = fbIt->second;

	const auto modes = c.device.modes();
	auto mode = std::find_if(modes.begin(), modes.end(),
				 [&](const drm_mode_modeinfo &m) { return sameMode(m, req.mode); });
	if (mode == modes.end())
		return -EINVAL;
	// drm_crtc_check_viewport(): the framebuffer must cover the mode from (x, y).
	if (uint64_t(req.x) + mode->hdisplay > fb.width || uint64_t(req.y) + mode->vdisplay > fb.height)
		return -ENOSPC;

	if (req.count_connectors == 0)
		return -EINVAL;
	if (req.count_connectors > 1)
		return -EINVAL;
	std::vector<uint32_t> connectors;
	if (int ret = c.memory.readArray(req.set_connectors_ptr, req.count_connectors, connectors))
		return ret;
	if (connectors[0] != c.device.connectorId())
		return -ENOENT;

	return c.device.enablePipe(*mode, fbId, req.x, req.y);
}

int modeGetPlaneResources(IoctlContext &c, void *data)
{
	auto &res = *static_cast<drm_mode_get_plane_res *>(data);
	// Without the universal-planes cap only overlays are listed; tinydrm has only a primary.
	std::vector<uint32_t> planes;
	if (c.file.universalPlanes)
		planes.push_back(c.device.planeId());
	return putIds(c.memory, res.plane_id_ptr, res.count_planes, planes);
}

int modeGetPlane(IoctlContext &c, void *data)
{
	auto &plane = *static_cast<drm_mode_get_plane *>(data);
	if (plane.plane_id != c.device.planeId())
		return -ENOENT;
	const PipeState &pipe = c.device.pipe();
	plane.crtc_id = pipe.active ? c.device.crtcId() : 0;
	plane.fb_id = pipe.fb;
	plane.possible_crtcs = 1;
	plane.gamma_size = 0;
	const auto &formats = c.device.panelInfo().formats;
	if (plane.count_format_types >= formats.size() && !formats.empty()) {
		if (int ret = c.memory.write(plane.format_type_ptr, formats.data(),
					     formats.size() * sizeof(uint32_t)))
			return ret;
	}
	plane.count_format_types = uint32_t(formats.size());
	return 0;
}

int modeObjGetProperties(IoctlContext &c, void *data)
{
	auto &arg = *static_cast<drm_mode_obj_get_properties *>(data);
	const uint32_t type = c.device.objectType(arg.obj_id);
	if (!type || (arg.obj_type != DRM_MODE_OBJECT_ANY && arg.obj_type != type))
		return -ENOENT;
	if (type != DRM_MODE_OBJECT_CRTC && type != DRM_MODE_OBJECT_CONNECTOR &&
	    type != DRM_MODE_OBJECT_PLANE)
		return -EINVAL; // objects without properties
	return putProperties(c, arg.obj_id, arg.props_ptr, arg.prop_values_ptr, arg.count_props);
}

int modeGetProperty(IoctlContext &c, void *data)
{
	auto &arg = *static_cast<drm_mode_get_property *>(data);
	auto it = c.device.properties().find(arg.prop_id);
	if (it == c.device.properties().end())
		return -ENOENT;
	const Property &p = it->second;
	// A non-atomic client cannot see atomic properties at all (drm_property_find()).
	if ((p.flags & DRM_MODE_PROP_ATOMIC) && !c.file.atomic)
		return -ENOENT;

	std::memset(arg.name, 0, sizeof(arg.name));
	std::memcpy(arg.name, p.name.data(), std::min(p.name.size(), sizeof(arg.name) - 1));
	arg.flags = p.flags;

	std::vector<uint64_t> values = p.values;
	if (p.flags & (DRM_MODE_PROP_ENUM | DRM_MODE_PROP_BITMASK))
		for (const auto &e : p.enums)
			values.push_back(e.first);
	const uint32_t nValues = std::min<uint32_t>(arg.count_values, uint32_t(values.size()));
	if (nValues) {
		if (int ret = c.memory.write(arg.values_ptr, values.data(), nValues * sizeof(uint64_t)))
			return ret;
	}
	arg.count_values = uint32_t(values.size());

	if (p.flags & (DRM_MODE_PROP_ENUM | DRM_MODE_PROP_BITMASK)) {
		std::vector<drm_mode_property_enum> enums;
		for (const auto &[value, name] : p.enums) {
			drm_mode_property_enum e{};
			e.value = value;
			std::memcpy(e.name, name.data(), std::min(name.size(), sizeof(e.name) - 1));
			enums.push_back(e);
		}
		const uint32_t n = std::min<uint32_t>(arg.count_enum_blobs, uint32_t(enums.size()));
		if (n) {
			if (int ret = c.memory.write(arg.enum_blob_ptr, enums.data(),
						     n * sizeof(drm_mode_property_enum)))
				return ret;
		}
		arg.count_enum_blobs = uint32_t(enums.size());
	} else if (p.flags & DRM_MODE_PROP_BLOB) {
		arg.count_enum_blobs = 0;
	}
	return 0;
}

int modeGetPropBlob(IoctlContext &c, void *data)
{
	auto &arg = *static_cast<drm_mode_get_blob *>(data);
	auto it = c.device.blobs().find(arg.blob_id);
	if (it == c.device.blobs().end())
		return -ENOENT;
	const auto &blob = it->second;
	if (arg.length == blob.size() && !blob.empty()) {
		if (int ret = c.memory.write(arg.data, blob.data(), blob.size()))
			return ret;
	}
	arg.length = uint32_t(blob.size());
	return 0;
}

} // namespace tinydrm::handlers
