// SPDX-License-Identifier: MIT
/*
 * DOC: the DisplayLink (udl) backend
 *
 * A DisplayLink DL-1x0/1x5 adapter is a USB device with a framebuffer memory of its own that
 * scans out to a VGA/DVI/HDMI monitor. The host never reads anything back: it programs a mode
 * into registers and writes pixels into the device's memory with compressed commands, all on
 * one bulk OUT endpoint. This backend does what the kernel's drivers/gpu/drm/udl does, in
 * userspace over a UsbLink (libusb, or the dry-run sink):
 *
 *   probe     (createUdlPanel, daemon thread)
 *             GET_DESCRIPTOR 0x5F: the vendor descriptor's max area limits the modes
 *             (udl_descriptor.cpp); vendor request 0x12 with the 16-byte key selects the
 *             channel, without which the device ignores the bulk stream; the EDID is read a
 *             byte per control request and its modes become the panel's (udl_edid.cpp); a
 *             monitor without a usable EDID gets the VESA 1024x768/800x600/640x480 modes.
 *   enable    lock the video registers, 16 bpp, plane bases, LFSR-encoded timings, pixel
 *             clock, blank off, unlock: one transfer (udl_modeset.cpp).
 *   flush     the damage rectangle line by line as RLX16 commands (rlx_encoder.cpp) into
 *             transfers of at most 16 pages - 512 bytes, sent synchronously; a trailing 0xAF
 *             ends the flush. The device's 16-bpp plane is exactly mode-sized, so pixel (x, y)
 *             lives at byte (y * hdisplay + x) * 2.
 *   disable   lock, blank "power down", unlock.
 *
 * Synchronous flush: a USB 2.0 link moves a full 1024x768 frame (at most 1.5 MB, usually far
 * less after RLX) in tens of milliseconds, so the caller's thread sends it. Each bulk transfer
 * may take kBulkTimeout; the first one that does not finish ends the flush with -ETIMEDOUT, so a
 * wedged device stalls its caller for about a second, never longer.
 *
 * Unplug: libusb reports a vanished device as NO_DEVICE (-ENODEV). The first transfer that sees
 * it logs one line and calls PanelContext::hardwareGone; every later call returns -ENODEV at once
 * without touching the link and without logging, as the kernel's udl and gud stay quiet about
 * ENODEV/ESHUTDOWN. A transfer cut by the disconnect itself may fail as a stall or an I/O error
 * (-EPIPE, -EIO, -EPROTO) instead; the first such error asks the device for its status (a
 * standard GET_STATUS, answered by any device that is still there) and, when that says
 * NO_DEVICE, takes the same quiet way. Other transfer errors are logged when they change, not
 * every frame.
 *
 * Threads: the panel is called by its DrmDevice only (CUSE workers, serialised by the device's
 * modeset lock; the daemon thread while creating it), so it has no lock of its own. The
 * dry-run WireLog it owns has its own mutex.
 */
#include "udl_panel.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include <libdrm/drm_fourcc.h>
#include <libdrm/drm_mode.h>
#include <linux/usb/ch9.h>

#include "log.h"
#include "rlx_encoder.h"
#include "udl_descriptor.h"
#include "udl_edid.h"
#include "udl_modeset.h"
#include "udl_probe.h"
#include "udl_protocol.h"

namespace tinydrm::udl {

namespace {

/// What one bulk transfer may take before the flush gives up: the kernel waits as long for a
/// free URB.
constexpr std::chrono::milliseconds kBulkTimeout{1000};

/// The presence check after a stall: a device that is there answers GET_STATUS at once.
constexpr std::chrono::milliseconds kStatusTimeout{100};

/// Errors a transfer may end with when the device is unplugged under it (the host controller
/// cuts the URB) rather than -ENODEV.
bool mayMeanGone(int error)
{
	return error == -EPIPE || error == -EIO || error == -EPROTO;
}

auto &log()
{
	static auto logger = subsystemLogger("panels");
	return logger;
}

std::string modeName(const Timing &t)
{
	return std::to_string(t.hdisplay) + "x" + std::to_string(t.vdisplay) + "@" +
	       std::to_string(t.refreshHz());
}

bool matches(const Timing &t, const ModeRequest &request)
{
	return (!request.width || t.hdisplay == request.width) &&
	       (!request.height || t.vdisplay == request.height) &&
	       (!request.refreshHz || t.refreshHz() == request.refreshHz);
}

/**
 * UdlPanel - one probed DisplayLink device. No lock: see the threads note above.
 */
class UdlPanel final : public Panel
{
public:
	UdlPanel(std::unique_ptr<WireLog> wireLog, std::unique_ptr<UsbLink> link, uint8_t endpoint,
		 const PanelContext &context, PanelInfo info, std::vector<Timing> timings)
		: wireLog_(std::move(wireLog)), link_(std::move(link)), endpoint_(endpoint),
		  context_(context), info_(std::move(info)), timings_(std::move(timings))
	{
	}

	const PanelInfo &info() const override { return info_; }

	int enable(const PanelMode &mode) override
	{
		if (gone_)
			return -ENODEV;
		const Timing *timing = findTiming(mode);
		if (!timing) {
			log()->error("{}: udl has no {}x{}@{} mode", context_.name, mode.width,
				     mode.height, mode.refreshHz);
			return -EINVAL;
		}
		commands_.clear();
		appendModeset(commands_, *timing);
		if (int ret = send(commands_.data(), commands_.size(), "modeset"))
			return ret;
		current_ = *timing;
		return 0;
	}

	void disable() override
	{
		if (gone_ || !current_)
			return;
		current_.reset();
		commands_.clear();
		appendBlank(commands_, kBlankPowerDown);
		send(commands_.data(), commands_.size(), "blank");
	}

	int flush(const FrameView &frame, const Rect &damage) override
	{
		if (gone_)
			return -ENODEV;
		if (!current_)
			return 0;
		Rect clip;
		clip.x1 = std::max(damage.x1, 0);
		clip.y1 = std::max(damage.y1, 0);
		clip.x2 = std::min({damage.x2, int32_t(frame.width), int32_t(current_->hdisplay)});
		clip.y2 = std::min({damage.y2, int32_t(frame.height), int32_t(current_->vdisplay)});
		if (clip.empty())
			return 0;

		const RlxEncoder::Sink sink = [this](const uint8_t *data, size_t length) {
			return send(data, length, "flush");
		};
		int ret = encoder_.encode(frame, clip, current_->hdisplay, 0, sink);
		if (ret == -EINVAL)
			log()->error("{}: udl cannot show format {:#010x}", context_.name, frame.format);
		if (!ret)
			ret = encoder_.finish(sink);
		encoder_.reset();
		if (wireLog_)
			wireLog_->mark("flush " + std::to_string(++flushes_));
		return ret;
	}

private:
	const Timing *findTiming(const PanelMode &mode) const
	{
		const Timing *sameSize = nullptr;
		for (const Timing &t : timings_) {
			if (t.hdisplay != mode.width || t.vdisplay != mode.height)
				continue;
			if (t.refreshHz() == mode.refreshHz)
				return &t;
			if (!sameSize)
				sameSize = &t;
		}
		return sameSize;
	}

	/// One bulk transfer, with the error policy of the overview.
	int send(const uint8_t *data, size_t length, const char *what)
	{
		if (gone_)
			return -ENODEV;
		const int ret = link_->bulkOut(endpoint_, data, length, kBulkTimeout);
		if (!ret) {
			if (lastError_) {
				log()->info("{}: udl transfers work again after {} failed", context_.name,
					    failures_);
				lastError_ = 0;
				failures_ = 0;
			}
			return 0;
		}
		// Checked once per kind of error: a device that stalls every frame is asked once.
		if (ret == -ENODEV || (ret != lastError_ && mayMeanGone(ret) && !present())) {
			gone_ = true;
			log()->info("{}: udl device gone (during {})", context_.name, what);
			if (context_.hardwareGone)
				context_.hardwareGone("DisplayLink device disconnected");
			return -ENODEV;
		}
		failures_++;
		if (ret != lastError_)
			log()->warn("{}: udl {} transfer failed: {}", context_.name, what,
				    std::strerror(-ret));
		lastError_ = ret;
		return ret;
	}

	/// Whether the device still answers: false only when the link says it is gone.
	bool present()
	{
		const UsbSetup status{USB_DIR_IN | USB_TYPE_STANDARD | USB_RECIP_DEVICE,
				      USB_REQ_GET_STATUS, 0, 0};
		uint8_t reply[2] = {};
		return link_->control(status, reply, sizeof(reply), kStatusTimeout) != -ENODEV;
	}

	/// Declared before link_: a dry-run link writes to it until it is destroyed.
	std::unique_ptr<WireLog> wireLog_;
	std::unique_ptr<UsbLink> link_;
	const uint8_t endpoint_;
	const PanelContext context_;
	const PanelInfo info_;
	const std::vector<Timing> timings_; ///< what info_.modes came from, preferred first
	std::optional<Timing> current_;     ///< the mode set by enable(), until disable()
	RlxEncoder encoder_;
	std::vector<uint8_t> commands_;
	bool gone_ = false;
	int lastError_ = 0;
	uint32_t failures_ = 0;
	uint32_t flushes_ = 0;
};

/// Reads the monitor's EDID into @p edid; when it is unusable, @p edid gets the fallback modes.
/// \return 0, or -ENODEV when the device left.
int probeMonitor(UsbLink &link, const std::string &name, EdidInfo &edid)
{
	EdidBlock block{};
	std::string why;
	if (int ret = readEdid(link, block)) {
		if (ret == -ENODEV)
			return ret;
		why = std::string("reading it failed: ") + std::strerror(-ret);
	} else if (!parseEdid(block, edid, why)) {
		return 0;
	}
	log()->warn("{}: udl monitor EDID unusable ({}); offering VESA modes", name, why);
	edid = {};
	edid.timings = fallbackTimings();
	return 0;
}

} // namespace

int createUdlPanel(std::unique_ptr<UsbLink> link, uint8_t endpoint, const ModeRequest &mode,
		   const PanelContext &context, std::unique_ptr<WireLog> wireLog,
		   std::unique_ptr<Panel> &panel, std::string &error)
{
	// The vendor descriptor only limits modes: a device that does not answer it is driven
	// without the limit, as the kernel does.
	VendorDescriptor descriptor;
	std::vector<uint8_t> bytes;
	std::string why;
	int ret = readVendorDescriptor(*link, bytes);
	if (ret == -ENODEV) {
		error = "DisplayLink device left during probe";
		return ret;
	}
	if (ret)
		log()->warn("{}: udl vendor descriptor unreadable: {}", context.name,
			    std::strerror(-ret));
	else if (parseVendorDescriptor(bytes, descriptor, why))
		log()->warn("{}: udl vendor descriptor not understood: {}", context.name, why);

	if ((ret = selectChannel(*link))) {
		error = std::string("DisplayLink channel select failed: ") + std::strerror(-ret);
		return ret;
	}

	EdidInfo edid;
	if ((ret = probeMonitor(*link, context.name, edid))) {
		error = "DisplayLink device left during probe";
		return ret;
	}
	std::vector<Timing> timings = edid.timings;
	std::erase_if(timings, [max = descriptor.maxArea](const Timing &t) {
		return max && uint32_t(t.hdisplay) * t.vdisplay > max;
	});
	if (timings.empty()) {
		error = "no mode of the monitor fits the device's max area of " +
			std::to_string(descriptor.maxArea) + " pixels";
		return -EINVAL;
	}
	auto wanted = std::find_if(timings.begin(), timings.end(),
				   [&mode](const Timing &t) { return matches(t, mode); });
	if (wanted == timings.end()) {
		error = "the monitor has no mode " + std::to_string(mode.width) + "x" +
			std::to_string(mode.height) +
			(mode.refreshHz ? "@" + std::to_string(mode.refreshHz) : "") + " (it has:";
		for (const Timing &t : timings)
			error += " " + modeName(t);
		error += ")";
		return -EINVAL;
	}
	std::rotate(timings.begin(), wanted, wanted + 1);

	PanelInfo info;
	info.name = "udl";
	info.connectorType = DRM_MODE_CONNECTOR_DVII;
	info.widthMm = edid.widthMm;
	info.heightMm = edid.heightMm;
	info.formats = {DRM_FORMAT_XRGB8888, DRM_FORMAT_RGB565};
	std::string names;
	for (const Timing &t : timings) {
		const PanelMode m = {t.hdisplay, t.vdisplay, t.refreshHz()};
		if (std::none_of(info.modes.begin(), info.modes.end(), [&m](const PanelMode &o) {
			    return o.width == m.width && o.height == m.height &&
				   o.refreshHz == m.refreshHz;
		    })) {
			info.modes.push_back(m);
			names += " " + modeName(t);
		}
	}
	log()->info("{}: udl monitor '{}'{}, max area {}, modes:{}", context.name, edid.name,
		    edid.widthMm ? " " + std::to_string(edid.widthMm) + "x" +
					   std::to_string(edid.heightMm) + " mm"
				 : "",
		    descriptor.maxArea, names);
	panel = std::make_unique<UdlPanel>(std::move(wireLog), std::move(link), endpoint, context,
					   std::move(info), std::move(timings));
	return 0;
}

} // namespace tinydrm::udl
