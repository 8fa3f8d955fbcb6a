// SPDX-License-Identifier: MIT
// A dry-run repaper panel on an in-memory wire log, with the decoder on the other end; and the
// pictures the tests show it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <libdrm/drm_fourcc.h>

#include "panel_spec.h"
#include "repaper/repaper_panel.h"
#include "repaper_panel.h"
#include "wait_for.h"

namespace tinydrm::test {

/// An XRGB8888 picture, row-major, pitch = width * 4.
struct Picture {
	uint32_t width = 0;
	uint32_t height = 0;
	std::vector<uint32_t> pixels;

	Picture(uint32_t w, uint32_t h, uint32_t fill = 0x00ffffff)
		: width(w), height(h), pixels(size_t(w) * h, fill)
	{
	}
	uint32_t &at(uint32_t x, uint32_t y) { return pixels[size_t(y) * width + x]; }
	FrameView view() const
	{
		return {reinterpret_cast<const uint8_t *>(pixels.data()), width, height, width * 4,
			DRM_FORMAT_XRGB8888};
	}
};

/// What the glass should show for @p picture: BT.601 gray (3R + 6G + B) / 10, white from 128.
inline std::vector<uint32_t> expectedGlass(const Picture &picture)
{
	std::vector<uint32_t> out(picture.pixels.size());
	for (size_t i = 0; i < out.size(); i++) {
		const uint32_t p = picture.pixels[i];
		const uint32_t gray = (3 * ((p >> 16) & 0xff) + 6 * ((p >> 8) & 0xff) + (p & 0xff)) / 10;
		out[i] = gray >= 128 ? 0x00ffffff : 0;
	}
	return out;
}

/// A picture with black blocks of @p block pixels in a pattern that @p seed shifts.
inline Picture pattern(uint32_t width, uint32_t height, uint32_t seed, uint32_t block = 8)
{
	Picture picture(width, height);
	for (uint32_t y = 0; y < height; y++)
		for (uint32_t x = 0; x < width; x++) {
			const uint32_t v = (x / block) * 7 + (y / block) * 13 + seed * 5;
			if ((v ^ (v >> 2)) % 3 == 0 || x == (seed * 3) % width)
				picture.at(x, y) = 0;
		}
	return picture;
}

/**
 * DryPanel - a repaper panel whose wire log stays in memory. Test thread: the panel's calls
 * and decode(); the hooks run on the panel's worker and only touch atomics.
 */
class DryPanel
{
public:
	/// @p options: the spec after "repaper:", without dry-run= (added here).
	/// @p wire: what the panel is connected to instead of the healthy dry-run COG (it must
	/// write to log).
	explicit DryPanel(const std::string &options, repaper::RepaperHooks hooks = {},
			  PanelContext context = {},
			  std::function<void(repaper::RepaperConfig &, repaper::CogWiring &)> wire = {})
	{
		std::string error;
		auto spec = parsePanelSpec("repaper:" + options + ",dry-run=/unused", error);
		INFO(error);
		REQUIRE(spec);
		REQUIRE(repaper::parseRepaperConfig(*spec, config, error));
		model = std::string(config.model->name);
		repaper::CogWiring wiring =
			repaper::dryRunWiring(*config.model, *log, config.realtime);
		if (wire)
			wire(config, wiring);
		auto finished = std::move(hooks.updateFinished);
		hooks.updateFinished = [this, finished](uint32_t update, int result) {
			if (finished)
				finished(update, result);
			if (result == 0)
				completed.fetch_add(1);
			else
				failed.fetch_add(1);
		};
		if (context.name.empty())
			context.name = "tinydrm-test";
		panel = repaper::makeRepaperPanel(config, std::move(wiring), context,
						  std::move(hooks));
	}

	uint32_t width() const { return config.model->width; }
	uint32_t height() const { return config.model->height; }

	int enable() { return panel->enable({width(), height(), 1}); }

	int flush(const Picture &picture, Rect damage)
	{
		return panel->flush(picture.view(), damage);
	}
	int flush(const Picture &picture)
	{
		return flush(picture, {0, 0, int32_t(picture.width), int32_t(picture.height)});
	}

	/// Waits until @p count updates have completed.
	void waitUpdates(uint32_t count)
	{
		REQUIRE(waitFor([&] { return completed.load() >= count; }));
	}

	/// Feeds the whole log so far into a fresh decoder.
	std::unique_ptr<RepaperPanelDecoder> decode(
		RepaperPanelDecoder::LatchObserver observer = {}) const
	{
		auto decoder = RepaperPanelDecoder::create(model);
		REQUIRE(decoder);
		decoder->setLatchObserver(std::move(observer));
		std::string error;
		const bool ok = decodeWireLog(*decoder, log->bytes(), error);
		INFO(error);
		REQUIRE(ok);
		return decoder;
	}

	/// Whether the log so far has a mark reading @p text.
	bool hasMark(const std::string &text) const
	{
		WireReader reader(log->bytes());
		WireRecord record;
		while (reader.next(record))
			if (record.kind == WireKind::Mark &&
			    std::string(record.payload.begin(), record.payload.end()) == text)
				return true;
		return false;
	}

	repaper::RepaperConfig config;
	std::string model;
	std::unique_ptr<WireLog> log = WireLog::inMemory(); ///< before panel: outlives it
	std::atomic<uint32_t> completed{0};
	std::atomic<uint32_t> failed{0};
	std::unique_ptr<Panel> panel;
};

} // namespace tinydrm::test
