// SPDX-License-Identifier: MIT
// What the udl tests share: a UsbLink that records what a panel sends (as WireRecords, the way
// the dry-run sink would) and answers like the dry-run device, frames to flush, and the image a
// correct device shows for them.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include <libdrm/drm_fourcc.h>

#include "dry_run.h"
#include "panel_decoder.h"
#include "udl/udl_probe.h"
#include "udl/udl_protocol.h"
#include "usb_link.h"
#include "wire_log.h"

namespace udl_test {

using namespace tinydrm;

/// What a FakeLink saw and how it should misbehave; shared with the test, which keeps it after
/// the panel took the link.
struct LinkState {
	std::vector<WireRecord> records;
	size_t bulkCalls = 0;
	/// Bulk transfer number failBulkAt (0-based) and every later one fail with failWith.
	size_t failBulkAt = SIZE_MAX;
	int failWith = -ENODEV;
	/// Control requests fail with this from the first one on, when non-zero.
	int failControl = 0;
};

class FakeLink final : public UsbLink
{
public:
	explicit FakeLink(std::shared_ptr<LinkState> state,
			  UsbResponder responder = udl::dryRunResponder())
		: state_(std::move(state)), responder_(std::move(responder))
	{
	}

	int control(const UsbSetup &setup, uint8_t *data, uint16_t length,
		    std::chrono::milliseconds) override
	{
		if (state_->failControl)
			return state_->failControl;
		WireRecord record;
		record.kind = WireKind::UsbControl;
		record.payload = {setup.requestType, setup.request, uint8_t(setup.value),
				  uint8_t(setup.value >> 8), uint8_t(setup.index),
				  uint8_t(setup.index >> 8), uint8_t(length), uint8_t(length >> 8)};
		int ret = length;
		if (setup.requestType & 0x80)
			ret = responder_(setup, data, length);
		if (ret < 0)
			record.arg0 = 1;
		else
			record.payload.insert(record.payload.end(), data, data + ret);
		state_->records.push_back(std::move(record));
		return ret;
	}

	int bulkOut(uint8_t endpoint, const uint8_t *data, size_t length,
		    std::chrono::milliseconds) override
	{
		if (state_->bulkCalls++ >= state_->failBulkAt)
			return state_->failWith;
		WireRecord record;
		record.kind = WireKind::UsbBulk;
		record.arg0 = endpoint;
		record.payload.assign(data, data + length);
		state_->records.push_back(std::move(record));
		return 0;
	}

private:
	std::shared_ptr<LinkState> state_;
	UsbResponder responder_;
};

/// Bulk records only.
inline std::vector<const WireRecord *> bulkRecords(const LinkState &state)
{
	std::vector<const WireRecord *> bulk;
	for (const WireRecord &record : state.records)
		if (record.kind == WireKind::UsbBulk)
			bulk.push_back(&record);
	return bulk;
}

/// An XRGB8888 (or RGB565) frame in memory with a pitch wider than its lines, as clients do.
struct Frame {
	uint32_t width = 0;
	uint32_t height = 0;
	uint32_t format = DRM_FORMAT_XRGB8888;
	uint32_t pitch = 0;
	std::vector<uint8_t> bytes;

	Frame(uint32_t w, uint32_t h, uint32_t fourcc = DRM_FORMAT_XRGB8888)
		: width(w), height(h), format(fourcc),
		  pitch(w * (fourcc == DRM_FORMAT_XRGB8888 ? 4 : 2) + 64), bytes(size_t(pitch) * h)
	{
	}

	FrameView view() const { return {bytes.data(), width, height, pitch, format}; }

	/// Sets pixel (x, y) from an XRGB8888 value (truncated to RGB565 for RGB565 frames).
	void set(uint32_t x, uint32_t y, uint32_t xrgb)
	{
		uint8_t *p = bytes.data() + size_t(y) * pitch;
		if (format == DRM_FORMAT_XRGB8888) {
			std::memcpy(p + 4 * x, &xrgb, 4);
			return;
		}
		const uint16_t v = uint16_t(((xrgb & 0xf80000) >> 8) | ((xrgb & 0xfc00) >> 5) |
					    ((xrgb & 0xf8) >> 3));
		std::memcpy(p + 2 * x, &v, 2);
	}

	/// What a correct device shows for pixel (x, y): RGB565, widened by bit replication.
	uint32_t shown(uint32_t x, uint32_t y) const
	{
		const uint8_t *p = bytes.data() + size_t(y) * pitch;
		uint16_t v;
		if (format == DRM_FORMAT_XRGB8888) {
			uint32_t xrgb;
			std::memcpy(&xrgb, p + 4 * x, 4);
			v = uint16_t(((xrgb & 0xf80000) >> 8) | ((xrgb & 0xfc00) >> 5) |
				     ((xrgb & 0xf8) >> 3));
		} else {
			std::memcpy(&v, p + 2 * x, 2);
		}
		const uint32_t r = v >> 11, g = (v >> 5) & 0x3f, b = v & 0x1f;
		return (r << 3 | r >> 2) << 16 | (g << 2 | g >> 4) << 8 | (b << 3 | b >> 2);
	}

	/// Random content with runs: flat bands, noise, and stretches of repeated pixels, so both
	/// raw spans and repeats of every length occur.
	void fill(uint32_t seed, Rect area = {0, 0, INT32_MAX, INT32_MAX})
	{
		std::mt19937 rng(seed);
		const uint32_t x2 = std::min<uint32_t>(width, uint32_t(area.x2));
		const uint32_t y2 = std::min<uint32_t>(height, uint32_t(area.y2));
		for (uint32_t y = uint32_t(area.y1); y < y2; y++) {
			uint32_t value = rng();
			for (uint32_t x = uint32_t(area.x1); x < x2; x++) {
				if (rng() % 4 == 0)
					value = rng() & 0xffffff;
				set(x, y, value);
			}
		}
	}
};

/// Feeds @p state's records to a fresh udl decoder. \return it; the test checks error().
inline std::unique_ptr<PanelDecoder> decode(const LinkState &state)
{
	PanelSpec spec;
	spec.backend = "udl";
	std::unique_ptr<PanelDecoder> decoder = makePanelDecoder(spec);
	for (const WireRecord &record : state.records)
		if (!decoder->feed(record))
			break;
	return decoder;
}

/// The image @p frame should show, row-major, frame-sized.
inline std::vector<uint32_t> expected(const Frame &frame)
{
	std::vector<uint32_t> image;
	for (uint32_t y = 0; y < frame.height; y++)
		for (uint32_t x = 0; x < frame.width; x++)
			image.push_back(frame.shown(x, y));
	return image;
}

} // namespace udl_test
