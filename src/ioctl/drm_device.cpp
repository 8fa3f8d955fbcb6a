// SPDX-License-Identifier: MIT
/*
 * DOC: tinydrm's DRM device model
 *
 * A DrmDevice is what the kernel would build for a tiny driver with drm_simple_display_pipe:
 * one primary plane → one CRTC → one encoder → one connector, over one Panel. Object ids come
 * from one counter (properties, blobs, objects, framebuffers), as the kernel's mode object idr.
 *
 * Clients reach it through DrmFile (one per open), whose ioctls go through IoctlDispatcher and
 * the handler table; every entry point runs inside a section of the device's gate (gate.cpp
 * explains the model), and everything that changes KMS, buffer or file state runs under
 * modesetMutex_, the device-wide lock (the kernel's mode_config.mutex).
 *
 * Lifetimes:
 *  - the Panel is the hardware: it is released by revoke(), the gate's revoke action, after
 *    unplug drained every section; nothing touches it outside a section.
 *  - software state (objects, framebuffers, buffers reachable from files) lives until the last
 *    reference to the device drops: the registration's, or an open file's.
 *  - a framebuffer belongs to the file that created it (freed at its close, like
 *    drm_fb_release()); a dumb buffer lives while a handle or a framebuffer refers to it.
 *  - the vblank thread (vblank.h) runs completions inside a gate section under the modeset lock;
 *    revoke() stops it before releasing the panel.
 */
#include "drm_device.h"

#include <algorithm>
#include <cstring>

#include <libdrm/drm.h>
#include <libdrm/drm_fourcc.h>

#include "drm_file.h"
#include "dumb_buffer.h"
#include "formats.h"
#include "log.h"

namespace tinydrm {

namespace {

auto &log()
{
	static auto logger = subsystemLogger("ioctl");
	return logger;
}

// The kernel's enum drm_plane_type: the uAPI names these only as the "type" property's values.
constexpr uint64_t kPlaneOverlay = 0;
constexpr uint64_t kPlanePrimary = 1;
constexpr uint64_t kPlaneCursor = 2;

/// A panel mode as a KMS mode: no blanking, a pixel clock that gives the refresh exactly.
drm_mode_modeinfo modeInfo(const PanelMode &mode, bool preferred)
{
	drm_mode_modeinfo m{};
	m.clock = uint32_t(uint64_t(mode.width) * mode.height * mode.refreshHz / 1000);
	m.hdisplay = m.hsync_start = m.hsync_end = m.htotal = uint16_t(mode.width);
	m.vdisplay = m.vsync_start = m.vsync_end = m.vtotal = uint16_t(mode.height);
	m.vrefresh = mode.refreshHz;
	m.type = DRM_MODE_TYPE_DRIVER | (preferred ? DRM_MODE_TYPE_PREFERRED : 0);
	std::snprintf(m.name, sizeof(m.name), "%ux%u", mode.width, mode.height);
	return m;
}

/// The IN_FORMATS blob (struct drm_format_modifier_blob): our formats, linear only.
std::vector<uint8_t> makeInFormatsBlob(const std::vector<uint32_t> &formats)
{
	drm_format_modifier_blob header{};
	header.version = FORMAT_BLOB_CURRENT;
	header.count_formats = uint32_t(formats.size());
	header.formats_offset = sizeof(header);
	header.count_modifiers = 1;
	header.modifiers_offset =
		uint32_t((header.formats_offset + formats.size() * sizeof(uint32_t) + 7) / 8 * 8);
	drm_format_modifier linear{};
	linear.formats = (formats.size() >= 64) ? ~0ull : ((1ull << formats.size()) - 1);
	linear.offset = 0;
	linear.modifier = DRM_FORMAT_MOD_LINEAR;

	std::vector<uint8_t> blob(header.modifiers_offset + sizeof(linear), 0);
	std::memcpy(blob.data(), &header, sizeof(header));
	std::memcpy(blob.data() + header.formats_offset, formats.data(), formats.size() * sizeof(uint32_t));
	std::memcpy(blob.data() + header.modifiers_offset, &linear, sizeof(linear));
	return blob;
}

} // namespace

std::shared_ptr<DrmDevice> DrmDevice::create(std::string name, std::unique_ptr<Panel> panel)
{
	if (!panel || panel->info().modes.empty() || panel->info().formats.empty()) {
		log()->error("{}: panel offers no mode or no format", name);
		return nullptr;
	}
	std::shared_ptr<DrmDevice> device(new DrmDevice(std::move(name), std::move(panel)));
	device->createObjects();
	// The raw pointer is safe: revoke actions run inside unplug(), which needs a live device.
	device->gate().addRevokeAction([raw = device.get()] { raw->revoke(); });
	return device;
}

DrmDevice::DrmDevice(std::string name, std::unique_ptr<Panel> panel)
	: Device(std::move(name)), panel_(std::move(panel)), info_(panel_->info()),
	  vblank_(std::make_unique<Vblank>(modesetMutex_, gate()))
{
}

DrmDevice::~DrmDevice()
{
	// Stop the vblank thread before the members its callbacks touch go away.
	vblank_->shutdown();
}

uint32_t DrmDevice::addProperty(Property property)
{
	property.id = allocateId();
	const uint32_t id = property.id;
	properties_[id] = std::move(property);
	return id;
}

uint32_t DrmDevice::addBlob(std::vector<uint8_t> data)
{
	const uint32_t id = allocateId();
	blobs_[id] = std::move(data);
	return id;
}

void DrmDevice::createObjects()
{
	// Standard properties first, as drm_mode_config_init() creates them before any object.
	auto range = [](uint64_t lo, uint64_t hi) { return std::vector<uint64_t>{lo, hi}; };
	addProperty({0, "EDID", DRM_MODE_PROP_BLOB | DRM_MODE_PROP_IMMUTABLE, {}, {}});
	addProperty({0, "DPMS", DRM_MODE_PROP_ENUM, {},
		     {{DRM_MODE_DPMS_ON, "On"}, {DRM_MODE_DPMS_STANDBY, "Standby"},
		      {DRM_MODE_DPMS_SUSPEND, "Suspend"}, {DRM_MODE_DPMS_OFF, "Off"}}});
	addProperty({0, "link-status", DRM_MODE_PROP_ENUM, {},
		     {{DRM_MODE_LINK_STATUS_GOOD, "Good"}, {DRM_MODE_LINK_STATUS_BAD, "Bad"}}});
	addProperty({0, "non-desktop", DRM_MODE_PROP_RANGE | DRM_MODE_PROP_IMMUTABLE, range(0, 1), {}});
	addProperty({0, "TILE", DRM_MODE_PROP_BLOB | DRM_MODE_PROP_IMMUTABLE, {}, {}});
	addProperty({0, "type", DRM_MODE_PROP_ENUM | DRM_MODE_PROP_IMMUTABLE, {},
		     {{kPlaneOverlay, "Overlay"}, {kPlanePrimary, "Primary"},
		      {kPlaneCursor, "Cursor"}}});
	addProperty({0, "FB_ID", DRM_MODE_PROP_OBJECT | DRM_MODE_PROP_ATOMIC, {DRM_MODE_OBJECT_FB}, {}});
	addProperty({0, "CRTC_ID", DRM_MODE_PROP_OBJECT | DRM_MODE_PROP_ATOMIC, {DRM_MODE_OBJECT_CRTC}, {}});
	for (const char *name : {"SRC_X", "SRC_Y", "SRC_W", "SRC_H"})
		addProperty({0, name, DRM_MODE_PROP_RANGE | DRM_MODE_PROP_ATOMIC, range(0, UINT32_MAX), {}});
	for (const char *name : {"CRTC_X", "CRTC_Y"})
		addProperty({0, name, DRM_MODE_PROP_SIGNED_RANGE | DRM_MODE_PROP_ATOMIC,
			     range(uint64_t(int64_t(INT32_MIN)), INT32_MAX), {}});
	for (const char *name : {"CRTC_W", "CRTC_H"})
		addProperty({0, name, DRM_MODE_PROP_RANGE | DRM_MODE_PROP_ATOMIC, range(0, INT32_MAX), {}});
	addProperty({0, "IN_FORMATS", DRM_MODE_PROP_BLOB | DRM_MODE_PROP_IMMUTABLE, {}, {}});
	addProperty({0, "ACTIVE", DRM_MODE_PROP_RANGE | DRM_MODE_PROP_ATOMIC, range(0, 1), {}});
	addProperty({0, "MODE_ID", DRM_MODE_PROP_BLOB | DRM_MODE_PROP_ATOMIC, {}, {}});

	planeId_ = allocateId();
	crtcId_ = allocateId();
	encoderId_ = allocateId();
	connectorId_ = allocateId();
	inFormatsBlob_ = addBlob(makeInFormatsBlob(info_.formats));
}

const Property *DrmDevice::findProperty(const std::string &name) const
{
	for (const auto &[id, p] : properties_)
		if (p.name == name)
			return &p;
	return nullptr;
}

std::vector<drm_mode_modeinfo> DrmDevice::modes() const
{
	std::vector<drm_mode_modeinfo> out;
	for (size_t i = 0; i < info_.modes.size(); i++)
		out.push_back(modeInfo(info_.modes[i], i == 0));
	return out;
}

uint32_t DrmDevice::objectType(uint32_t id) const
{
	if (id == crtcId_)
		return DRM_MODE_OBJECT_CRTC;
	if (id == planeId_)
		return DRM_MODE_OBJECT_PLANE;
	if (id == encoderId_)
		return DRM_MODE_OBJECT_ENCODER;
	if (id == connectorId_)
		return DRM_MODE_OBJECT_CONNECTOR;
	if (framebuffers_.count(id))
		return DRM_MODE_OBJECT_FB;
	if (properties_.count(id))
		return DRM_MODE_OBJECT_PROPERTY;
	if (blobs_.count(id))
		return DRM_MODE_OBJECT_BLOB;
	return 0;
}

std::vector<std::pair<uint32_t, uint64_t>> DrmDevice::objectProperties(uint32_t id)
{
	std::vector<std::pair<uint32_t, uint64_t>> out;
	auto add = [&](const char *name, uint64_t value) { out.emplace_back(findProperty(name)->id, value); };
	const bool active = pipe_.active;
	const uint32_t hd = active ? pipe_.mode->hdisplay : 0;
	const uint32_t vd = active ? pipe_.mode->vdisplay : 0;
	if (id == connectorId_) {
		add("EDID", edidBlob_);
		add("DPMS", pipe_.dpms);
		add("link-status", DRM_MODE_LINK_STATUS_GOOD);
		add("non-desktop", 0);
		add("TILE", 0);
		add("CRTC_ID", active ? crtcId_ : 0);
	} else if (id == planeId_) {
		add("type", kPlanePrimary);
		add("FB_ID", pipe_.fb);
		add("CRTC_ID", active ? crtcId_ : 0);
		add("CRTC_X", 0);
		add("CRTC_Y", 0);
		add("CRTC_W", hd);
		add("CRTC_H", vd);
		add("SRC_X", uint64_t(pipe_.x) << 16);
		add("SRC_Y", uint64_t(pipe_.y) << 16);
		add("SRC_W", uint64_t(hd) << 16);
		add("SRC_H", uint64_t(vd) << 16);
		add("IN_FORMATS", inFormatsBlob_);
	} else if (id == crtcId_) {
		add("ACTIVE", active);
		add("MODE_ID", pipe_.modeBlob);
	}
	return out;
}

void DrmDevice::setMaster(DrmFile *file)
{
	master_ = file;
	if (file) {
		file->wasMaster = true;
		file->authenticated = true;
	}
}

DrmFile *DrmDevice::fileBySerial(uint64_t serial)
{
	for (DrmFile *file : files_)
		if (file->serial() == serial)
			return file;
	return nullptr;
}

int DrmDevice::openFile(uint32_t uid, std::shared_ptr<DrmFile> &file)
{
	std::shared_ptr<Device> self;
	// Device::open() runs in a section and fails with ENODEV before publish / after unplug.
	if (int ret = open(self))
		return ret;
	std::lock_guard lock(modesetMutex_);
	file = std::make_shared<DrmFile>(std::static_pointer_cast<DrmDevice>(self), uid, nextSerial_++);
	files_.push_back(file.get());
	// drm_master_open(): the first opener with no master around becomes master.
	if (!master_)
		setMaster(file.get());
	return 0;
}

size_t DrmDevice::openFiles()
{
	std::lock_guard lock(modesetMutex_);
	return files_.size();
}

int DrmDevice::flush(uint32_t fbId, const Rect *damage)
{
	auto it = framebuffers_.find(fbId);
	if (it == framebuffers_.end() || !pipe_.active || !panel_)
		return 0;
	const Framebuffer &fb = it->second;
	const uint32_t cpp = bytesPerPixel(fb.format);

	// The panel sees the mode-sized window at (x, y) of the framebuffer.
	FrameView view;
	view.width = pipe_.mode->hdisplay;
	view.height = pipe_.mode->vdisplay;
	view.pitch = fb.pitches[0];
	view.format = fb.format;
	view.data = fb.buffers[0]->pixels() + fb.offsets[0] + size_t(pipe_.y) * fb.pitches[0] +
		    size_t(pipe_.x) * cpp;

	Rect area{0, 0, int32_t(view.width), int32_t(view.height)};
	if (damage) {
		area.x1 = std::max(area.x1, damage->x1 - int32_t(pipe_.x));
		area.y1 = std::max(area.y1, damage->y1 - int32_t(pipe_.y));
		area.x2 = std::min(area.x2, damage->x2 - int32_t(pipe_.x));
		area.y2 = std::min(area.y2, damage->y2 - int32_t(pipe_.y));
		if (area.empty())
			return 0;
	}
	int ret = panel_->flush(view, area);
	if (ret == -ENODEV && !goneLogged_.test_and_set())
		log()->info("{}: panel reports its hardware gone", name());
	return ret;
}

int DrmDevice::enablePipe(const drm_mode_modeinfo &mode, uint32_t fb, uint32_t x, uint32_t y)
{
	const bool modeChanged = !pipe_.active || !pipe_.mode ||
				 std::memcmp(&*pipe_.mode, &mode, sizeof(mode)) != 0;
	if (modeChanged) {
		if (pipe_.active)
			disablePipe();
		if (int ret = panel_->enable({mode.hdisplay, mode.vdisplay, mode.vrefresh}))
			return ret;
		vblank_->start(mode.vrefresh);
		std::vector<uint8_t> blob(sizeof(mode));
		std::memcpy(blob.data(), &mode, sizeof(mode));
		pipe_.modeBlob = addBlob(std::move(blob));
	}
	pipe_.active = true;
	pipe_.mode = mode;
	pipe_.fb = fb;
	pipe_.x = x;
	pipe_.y = y;
	pipe_.dpms = DRM_MODE_DPMS_ON;
	return flush(fb, nullptr);
}

int DrmDevice::disablePipe(bool hardware)
{
	if (!pipe_.active)
		return 0;
	// Completes pending flips and sequences now, as drm_crtc_vblank_off() sends their events.
	vblank_->stop();
	if (hardware && panel_)
		panel_->disable();
	blobs_.erase(pipe_.modeBlob);
	const uint64_t dpms = pipe_.dpms;
	pipe_ = PipeState{};
	pipe_.dpms = dpms;
	return 0;
}

int DrmDevice::removeFramebuffer(uint32_t id, bool hardware)
{
	if (pipe_.fb == id)
		disablePipe(hardware);
	framebuffers_.erase(id);
	return 0;
}

int DrmDevice::snapshot(std::vector<uint32_t> &pixels, uint32_t &width, uint32_t &height)
{
	auto section = gate().enter();
	if (!section)
		return -ENODEV;
	std::lock_guard lock(modesetMutex_);
	if (!panel_)
		return -ENODEV;
	return panel_->snapshot(pixels, width, height);
}

bool DrmDevice::hasBufferAt(uint64_t offset) const
{
	for (const DrmFile *file : files_)
		for (const auto &[handle, buffer] : file->handles)
			if (buffer->mapOffset() == offset)
				return true;
	for (const auto &[id, fb] : framebuffers_)
		if (fb.buffers[0] && fb.buffers[0]->mapOffset() == offset)
			return true;
	return false;
}

void DrmDevice::revoke()
{
	// After the drain: no section is inside. Stop the vblank thread first (it would enter
	// a section and fail anyway, but must not outlive the panel), then drop the hardware.
	vblank_->shutdown();
	std::vector<std::shared_ptr<DrmFile>> toWake;
	{
		std::lock_guard lock(modesetMutex_);
		// The hardware may already be gone (USB disconnect): release, don't program it.
		panel_.reset();
		pipe_.active = false;
		pipe_.flipPending = false;
		for (DrmFile *file : files_)
			if (auto shared = file->weak_from_this().lock())
				toWake.push_back(std::move(shared));
		// Clients' mappings: dropped views first, then (sigbus policy) the files cut to zero.
		// Every buffer is reachable from a handle or a framebuffer; revoke() is idempotent.
		size_t buffers = 0;
		for (DrmFile *file : files_)
			for (auto &[handle, buffer] : file->handles)
				buffer->revoke(unplugMappings_), buffers++;
		for (auto &[id, fb] : framebuffers_)
			if (fb.buffers[0])
				fb.buffers[0]->revoke(unplugMappings_), buffers++;
		if (buffers)
			log()->info("{}: {} buffer mapping(s) {}", name(), buffers,
				    unplugMappings_ == UnplugMappings::Sigbus
					    ? "revoked: clients' next access raises SIGBUS"
					    : "left usable (--unplug-mappings=keep)");
	}
	// Blocked readers and pollers learn of the unplug now, not at their next call.
	for (auto &file : toWake)
		file->events().wake();
	log()->info("{}: hardware released; {} open file(s) keep the device until closed", name(),
		    toWake.size());
}

} // namespace tinydrm
