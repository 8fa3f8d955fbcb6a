// SPDX-License-Identifier: MIT
#include "virtual_panel.h"

#include <algorithm>
#include <cstring>

#include <libdrm/drm_fourcc.h>
#include <libdrm/drm_mode.h>

namespace tinydrm {

namespace {

/// Expands a 5/6-bit channel to 8 bits the way display hardware does (replicate high bits).
inline uint32_t expand(uint32_t value, int bits)
{
	return (value << (8 - bits)) | (value >> (2 * bits - 8));
}

/**
 * VirtualPanel - called by its DrmDevice only (under its modeset lock, in a gate section), so
 * it needs no lock of its own.
 */
class VirtualPanel final : public Panel
{
public:
	VirtualPanel(uint32_t width, uint32_t height, uint32_t refreshHz)
	{
		info_.name = "virtual";
		info_.connectorType = DRM_MODE_CONNECTOR_VIRTUAL;
		// A 96 dpi desk monitor: clients that compute DPI get a plausible answer.
		info_.widthMm = width * 254 / 960;
		info_.heightMm = height * 254 / 960;
		info_.modes = {{width, height, refreshHz}};
		info_.formats = {DRM_FORMAT_XRGB8888, DRM_FORMAT_RGB565};
	}

	const PanelInfo &info() const override { return info_; }

	int enable(const PanelMode &mode) override
	{
		if (mode.width != width_ || mode.height != height_ || pixels_.empty()) {
			width_ = mode.width;
			height_ = mode.height;
			pixels_.assign(size_t(width_) * height_, 0);
		}
		shown_ = false;
		return 0;
	}

	void disable() override { shown_ = false; }

	int flush(const FrameView &frame, const Rect &damage) override
	{
		const int32_t x2 = std::min<int32_t>({damage.x2, int32_t(frame.width), int32_t(width_)});
		const int32_t y2 = std::min<int32_t>({damage.y2, int32_t(frame.height), int32_t(height_)});
		const int32_t x1 = std::max(damage.x1, 0);
		const int32_t y1 = std::max(damage.y1, 0);
		for (int32_t y = y1; y < y2; y++) {
			const uint8_t *src = frame.data + size_t(y) * frame.pitch;
			uint32_t *dst = pixels_.data() + size_t(y) * width_;
			if (frame.format == DRM_FORMAT_XRGB8888) {
				std::memcpy(dst + x1, src + size_t(x1) * 4, size_t(x2 - x1) * 4);
				continue;
			}
			for (int32_t x = x1; x < x2; x++) {
				uint16_t p;
				std::memcpy(&p, src + size_t(x) * 2, 2);
				dst[x] = expand(p >> 11, 5) << 16 | expand((p >> 5) & 0x3f, 6) << 8 |
					 expand(p & 0x1f, 5);
			}
		}
		shown_ = true;
		return 0;
	}

	int snapshot(std::vector<uint32_t> &pixels, uint32_t &width, uint32_t &height) override
	{
		if (!shown_)
			return -ENODATA;
		pixels = pixels_;
		width = width_;
		height = height_;
		return 0;
	}

private:
	PanelInfo info_;
	uint32_t width_ = 0;
	uint32_t height_ = 0;
	std::vector<uint32_t> pixels_;
	bool shown_ = false;
};

} // namespace

std::unique_ptr<Panel> makeVirtualPanel(uint32_t width, uint32_t height, uint32_t refreshHz)
{
	return std::make_unique<VirtualPanel>(width, height, refreshHz);
}

namespace {

struct Geometry {
	uint32_t width = 320;
	uint32_t height = 240;
	uint32_t refreshHz = 60;
};

bool parseGeometry(const PanelSpec &spec, Geometry &geometry, std::string &error)
{
	if (!checkOptionKeys(spec, {}, error))
		return false;
	if (spec.positional.empty())
		return true;
	std::string_view size = spec.positional;
	if (const size_t at = size.find('@'); at != std::string_view::npos) {
		const std::string_view rate = size.substr(at + 1);
		size = size.substr(0, at);
		if (!parseDecimal(rate, 1, kMaxRefreshHz, geometry.refreshHz)) {
			error = "bad refresh rate '" + std::string(rate) + "' (1.." +
				std::to_string(kMaxRefreshHz) + " Hz)";
			return false;
		}
	}
	const size_t x = size.find('x');
	if (x == std::string_view::npos ||
	    !parseDecimal(size.substr(0, x), 1, kMaxPanelSide, geometry.width) ||
	    !parseDecimal(size.substr(x + 1), 1, kMaxPanelSide, geometry.height)) {
		error = "bad size '" + std::string(size) + "' (want WxH, each 1.." +
			std::to_string(kMaxPanelSide) + ")";
		return false;
	}
	return true;
}

bool checkVirtual(const PanelSpec &spec, std::string &error)
{
	Geometry geometry;
	return parseGeometry(spec, geometry, error);
}

int createVirtual(const PanelSpec &spec, const PanelContext &, std::unique_ptr<Panel> &panel,
		  std::string &error)
{
	Geometry geometry;
	if (!parseGeometry(spec, geometry, error))
		return -EINVAL;
	panel = makeVirtualPanel(geometry.width, geometry.height, geometry.refreshHz);
	return 0;
}

} // namespace

const PanelBackend kVirtualBackend = {
	"virtual",
	"virtual[:WxH[@HZ]]  no hardware; keeps what it shows for snapshots (default 320x240@60)",
	checkVirtual,
	createVirtual,
};

} // namespace tinydrm
