// SPDX-License-Identifier: MIT
/*
 * DOC: RGB565 panels on a MIPI DCS controller (the kernel's drm_mipi_dbi pipe)
 *
 * enable(): a conditional reset (skipped when GET_POWER_MODE says the display is already on,
 * so a panel that shows something keeps it), the model's init sequence, then MADCTL from the
 * rotation, always (a board whose reset circuit only fires at power-on keeps the controller
 * across restarts, and with it a stale scan direction).
 *
 * flush(): the damage, clipped to the mode, becomes one window: COLUMN (0x2A) and PAGE (0x2B)
 * with big-endian start and inclusive end, then WRITE_MEMORY_START (0x2C) with the window's
 * pixels as big-endian RGB565, converted from XRGB8888 (truncating) or byte-swapped from
 * RGB565. The controller's write pointer walks the window row by row, so the rows go out
 * packed. The rotation needs no pixel work: MADCTL makes the controller map the window.
 * Synchronous: the pixels are on the wire when flush() returns. A dry-run log gets a mark
 * "flush N" after each flush.
 *
 * disable(): these modules have no backlight control of ours, so, as the kernel does without
 * a backlight, the panel is blanked by writing black to all of it.
 *
 * Hardware gone: MipiDbi latches the first -ENODEV and tells the daemon; every call then fails
 * with -ENODEV without touching the wires.
 */
#include "dbi_panel.h"

#include <algorithm>
#include <vector>

#include <libdrm/drm_fourcc.h>
#include <libdrm/drm_mode.h>

#include "convert.h"
#include "log.h"

namespace tinydrm {

namespace {

auto &log()
{
	static auto logger = subsystemLogger("panels");
	return logger;
}

/// SPI at 32 MHz moves a 320x240 RGB565 frame in ~40 ms; a 30 Hz vblank is what a full-screen
/// client can get, and damage-only clients are not slowed by it.
constexpr uint32_t kRefreshHz = 30;

bool quarterTurn(uint32_t rotation)
{
	return rotation == 90 || rotation == 270;
}

/**
 * DbiPanel - called by its DrmDevice only (under its modeset lock, in a gate section), so it
 * has no lock of its own; MipiDbi calls PanelContext::hardwareGone from that same thread.
 */
class DbiPanel final : public Panel
{
public:
	DbiPanel(const DbiModel &model, const DbiOptions &options, DbiWiring wiring,
		 const PanelContext &context)
		: model_(model), rotation_(options.rotation), bgr_(options.bgr),
		  dbi_(std::move(wiring),
		       context.name.empty() ? std::string(model.name) : context.name,
		       context.hardwareGone)
	{
		const bool swap = quarterTurn(rotation_);
		width_ = swap ? model.height : model.width;
		height_ = swap ? model.width : model.height;
		info_.name = std::string(model.name);
		info_.connectorType = DRM_MODE_CONNECTOR_SPI;
		info_.widthMm = swap ? model.heightMm : model.widthMm;
		info_.heightMm = swap ? model.widthMm : model.heightMm;
		info_.modes = {{width_, height_, kRefreshHz}};
		info_.formats = {DRM_FORMAT_XRGB8888, DRM_FORMAT_RGB565};
		info_.asyncFlush = false;
	}

	const PanelInfo &info() const override { return info_; }

	int enable(const PanelMode &mode) override
	{
		if (mode.width != width_ || mode.height != height_) {
			log()->error("{}: mode {}x{} is not the panel's {}x{}", dbi_.name(), mode.width,
				     mode.height, width_, height_);
			return -EINVAL;
		}
		int ret = dbi_.powerOnReset(true);
		if (ret == 0)
			ret = model_.init(dbi_);
		if (ret < 0)
			return ret;
		const uint8_t addressMode =
			model_.addressMode[rotation_ / 90] | (bgr_ ? madctl::kBgr : 0);
		if ((ret = dbi_.command(dcs::kSetAddressMode, {addressMode})))
			return ret;
		enabled_ = true;
		return 0;
	}

	void disable() override
	{
		if (!enabled_ || dbi_.gone())
			return;
		enabled_ = false;
		tx_.assign(size_t(width_) * height_ * 2, 0);
		if (dbi_.writeWindow(0, 0, uint16_t(width_ - 1), uint16_t(height_ - 1), tx_.data(),
				     tx_.size()) == 0)
			dbi_.mark("blank");
	}

	int flush(const FrameView &frame, const Rect &damage) override
	{
		if (dbi_.gone())
			return -ENODEV;
		if (!enabled_)
			return 0;

		uint32_t cpp = 0;
		convert::RowFn row = nullptr;
		if (frame.format == DRM_FORMAT_XRGB8888) {
			cpp = 4;
			row = convert::xrgb8888ToRgb565be;
		} else if (frame.format == DRM_FORMAT_RGB565) {
			cpp = 2;
			row = convert::rgb565ToRgb565be;
		} else {
			log()->error("{}: cannot show format {:#010x}", dbi_.name(), frame.format);
			return -EINVAL;
		}
		if (!frame.data || frame.pitch < uint64_t(frame.width) * cpp) {
			log()->error("{}: bad frame (pitch {} for width {})", dbi_.name(), frame.pitch,
				     frame.width);
			return -EINVAL;
		}

		Rect clip;
		clip.x1 = std::max(damage.x1, 0);
		clip.y1 = std::max(damage.y1, 0);
		clip.x2 = int32_t(std::min<int64_t>({damage.x2, frame.width, width_}));
		clip.y2 = int32_t(std::min<int64_t>({damage.y2, frame.height, height_}));
		if (clip.empty())
			return 0;

		const size_t w = size_t(clip.x2 - clip.x1);
		const size_t h = size_t(clip.y2 - clip.y1);
		tx_.resize(w * h * 2);
		convert::convertRect(tx_.data(), w * 2, frame, cpp, clip, row);
		const int ret = dbi_.writeWindow(uint16_t(clip.x1), uint16_t(clip.y1),
						 uint16_t(clip.x2 - 1), uint16_t(clip.y2 - 1),
						 tx_.data(), tx_.size());
		if (ret)
			return ret;
		dbi_.mark("flush " + std::to_string(++flushes_));
		return 0;
	}

private:
	const DbiModel &model_;
	const uint32_t rotation_;
	const bool bgr_;
	MipiDbi dbi_;
	PanelInfo info_;
	uint32_t width_ = 0;
	uint32_t height_ = 0;
	bool enabled_ = false;
	uint32_t flushes_ = 0;
	std::vector<uint8_t> tx_; ///< the window's wire pixels, kept to spare an allocation a flush
};

DbiOptionRules rulesFor(const DbiModel &model)
{
	DbiOptionRules rules;
	rules.defaultSpeedHz = model.defaultSpeedHz;
	return rules;
}

} // namespace

std::unique_ptr<Panel> makeDbiPanel(const DbiModel &model, const DbiOptions &options,
				    DbiWiring wiring, const PanelContext &context)
{
	return std::make_unique<DbiPanel>(model, options, std::move(wiring), context);
}

bool checkDbiPanel(const DbiModel &model, const PanelSpec &spec, std::string &error)
{
	DbiOptions options;
	return parseDbiOptions(spec, rulesFor(model), options, error);
}

int createDbiPanel(const DbiModel &model, const PanelSpec &spec, const PanelContext &context,
		   std::unique_ptr<Panel> &panel, std::string &error)
{
	DbiOptions options;
	if (!parseDbiOptions(spec, rulesFor(model), options, error))
		return -EINVAL;
	DbiWiring wiring;
	if (int ret = openDbiWiring(options, wiring, error))
		return ret;
	panel = makeDbiPanel(model, options, std::move(wiring), context);
	return 0;
}

} // namespace tinydrm
