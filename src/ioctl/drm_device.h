// SPDX-License-Identifier: MIT
// DrmDevice: one tinydrm device: its KMS objects, buffers, files, and the panel behind them.
// The overview of the uAPI model is at the top of drm_device.cpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <libdrm/drm_mode.h>

#include "device.h"
#include "dumb_buffer.h"
#include "panel.h"
#include "vblank.h"

namespace tinydrm {

class DrmFile;
class DumbBuffer;

/// A framebuffer object (ADDFB/ADDFB2).
struct Framebuffer {
	uint32_t id = 0;
	DrmFile *owner = nullptr; ///< the file that created it (RMFB/GETFB permission, close)
	uint32_t width = 0;
	uint32_t height = 0;
	uint32_t format = 0;
	uint64_t modifier = 0;
	uint32_t pitches[4] = {};
	uint32_t offsets[4] = {};
	uint32_t handles[4] = {}; ///< in the owner's namespace, as created (GETFB answers them)
	std::shared_ptr<DumbBuffer> buffers[4];
};

/// A property (drm_mode_get_property), with its enum names or range.
struct Property {
	uint32_t id = 0;
	std::string name;
	uint32_t flags = 0; ///< DRM_MODE_PROP_*
	std::vector<uint64_t> values;                                  ///< range/object type
	std::vector<std::pair<uint64_t, std::string>> enums;           ///< enum/bitmask entries
};

/// Mutable KMS state of the single pipe (plane → CRTC → encoder → connector).
struct PipeState {
	bool active = false;
	std::optional<drm_mode_modeinfo> mode;
	uint32_t modeBlob = 0;
	uint32_t fb = 0; ///< primary plane's framebuffer
	uint32_t x = 0;  ///< source offset in the framebuffer
	uint32_t y = 0;
	uint64_t dpms = DRM_MODE_DPMS_ON;
	bool flipPending = false;
};

/**
 * DrmDevice - one device node's worth of DRM state over one Panel.
 *
 * Threads: CUSE workers call in through DrmFile, each call inside a gate section; the vblank
 * thread delivers events; the daemon's control thread creates, publishes and unplugs.
 * Locks: modesetMutex_ guards all KMS/buffer/file state (one ioctl at a time changes the
 * device, like the kernel's per-device mode_config mutex); the panel is called only under it.
 */
class DrmDevice : public Device
{
public:
	/// \return the device, or nullptr when @p panel offers no mode or format.
	static std::shared_ptr<DrmDevice> create(std::string name, std::unique_ptr<Panel> panel);
	~DrmDevice() override;

	/**
	 * openFile - open(2): a new file holding a reference to this device. The first opener while
	 * nobody is master becomes master, as in the kernel.
	 * \return 0, or -ENODEV before publish and after unplug.
	 */
	int openFile(uint32_t uid, std::shared_ptr<DrmFile> &file);

	/// Number of files not yet released.
	size_t openFiles();

	/**
	 * snapshot - what the panel shows now, as XRGB8888 pixels, row-major.
	 * \return 0; -ENODEV after unplug; -EOPNOTSUPP when the panel cannot read back; -ENODATA
	 * before the first flush. \context any thread; takes a gate section and the modeset lock.
	 */
	int snapshot(std::vector<uint32_t> &pixels, uint32_t &width, uint32_t &height);

	/// What unplug does to clients' mappings; set before publish(). Default Sigbus.
	void setUnplugMappings(UnplugMappings policy) { unplugMappings_ = policy; }

	// --- used by the ioctl handlers, under modesetMutex_ -----------------------------------
	std::mutex &modesetMutex() { return modesetMutex_; }
	const PanelInfo &panelInfo() const { return info_; }
	Panel *panel() { return panel_.get(); }

	uint32_t crtcId() const { return crtcId_; }
	uint32_t planeId() const { return planeId_; }
	uint32_t encoderId() const { return encoderId_; }
	uint32_t connectorId() const { return connectorId_; }
	uint32_t edidBlob() const { return edidBlob_; }
	uint32_t inFormatsBlob() const { return inFormatsBlob_; }
	std::vector<drm_mode_modeinfo> modes() const;

	PipeState &pipe() { return pipe_; }
	Vblank &vblank() { return *vblank_; }
	DrmFile *master() { return master_; }
	/// Makes @p file master (nullptr: none); a file that was master may take it back.
	void setMaster(DrmFile *file);
	std::vector<DrmFile *> &files() { return files_; }
	/// The open file with @p serial, or nullptr once it was released.
	DrmFile *fileBySerial(uint64_t serial);

	/// Framebuffer size limits (mode_config min/max), as GETRESOURCES reports them.
	static constexpr uint32_t kMinSize = 1;
	static constexpr uint32_t kMaxSize = 8192;

	/// SETCRTC with a mode: program the panel (if the mode changed or it was off), start the
	/// vblank clock, show @p fb from (@p x, @p y).
	int enablePipe(const drm_mode_modeinfo &mode, uint32_t fb, uint32_t x, uint32_t y);
	/// SETCRTC without a mode, or the pipe's framebuffer going away: panel off, vblank off.
	/// @p hardware false: the caller holds no gate section (a release after unplug), so the
	/// panel must not be touched; only software state changes.
	int disablePipe(bool hardware = true);
	/// Drops framebuffer @p id (RMFB, close); disables the pipe first if it is on screen.
	int removeFramebuffer(uint32_t id, bool hardware = true);

	uint32_t allocateId() { return nextObjectId_++; }
	std::map<uint32_t, Framebuffer> &framebuffers() { return framebuffers_; }
	std::map<uint32_t, Property> &properties() { return properties_; }
	const Property *findProperty(const std::string &name) const;
	std::map<uint32_t, std::vector<uint8_t>> &blobs() { return blobs_; }
	/// Object type of @p id (DRM_MODE_OBJECT_*), or 0 when no such object.
	uint32_t objectType(uint32_t id) const;
	/// Property ids and current values of object @p id.
	std::vector<std::pair<uint32_t, uint64_t>> objectProperties(uint32_t id);

	/// Shows @p fb on the panel: @p damage, or the whole visible area. Under the lock.
	int flush(uint32_t fb, const Rect *damage);

	/// True when some file's handle or a framebuffer holds a buffer at MAP_DUMB @p offset.
	bool hasBufferAt(uint64_t offset) const;

private:
	DrmDevice(std::string name, std::unique_ptr<Panel> panel);
	void createObjects();
	uint32_t addProperty(Property property);
	uint32_t addBlob(std::vector<uint8_t> data);
	void revoke();

	std::mutex modesetMutex_;
	std::unique_ptr<Panel> panel_; ///< released by the revoke step
	const PanelInfo info_;

	uint32_t nextObjectId_ = 1;
	uint32_t crtcId_ = 0, planeId_ = 0, encoderId_ = 0, connectorId_ = 0;
	uint32_t edidBlob_ = 0, inFormatsBlob_ = 0;
	std::map<uint32_t, Property> properties_;
	std::map<uint32_t, std::vector<uint8_t>> blobs_;
	std::map<uint32_t, Framebuffer> framebuffers_;
	PipeState pipe_;
	std::unique_ptr<Vblank> vblank_;

	std::vector<DrmFile *> files_;
	DrmFile *master_ = nullptr;
	UnplugMappings unplugMappings_ = UnplugMappings::Sigbus;
	uint64_t nextSerial_ = 1;
	/// Set by the first flush that finds the hardware gone: one log line per device, however
	/// many flushes run before the unplug closes the gate.
	std::atomic_flag goneLogged_;
};

} // namespace tinydrm
