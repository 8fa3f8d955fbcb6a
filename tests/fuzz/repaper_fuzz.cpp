// SPDX-License-Identifier: MIT
// libFuzzer: the repaper backend against the emulated G2 COG.
//
// Input byte 0 picks the mode:
//  - round trip: a model, a temperature and up to six operations from the input: flushes of
//    a frame drawn from the input (XRGB8888 or RGB565, whole or a damage rectangle, the frame
//    changing between them) and power cycles. Each flush waits for its update; everything
//    goes through the backend into an in-memory dry-run log (stage-time=0: one frame per
//    stage). The decoder must accept the log and show exactly the expected glass, computed
//    here: each damaged pixel's gray (3R + 6G + B) / 10, white from 128. A mismatch aborts.
//  - raw log: the bytes, behind the WireLog magic or not, go to the reader and the decoder.
//  - records: after a real power-up (so the COG is ready for lines), the bytes are read as
//    SPI, GPIO, delay and mark records for the decoder.
// The last two must only ever end in an error, never a crash or a sanitizer report.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <libdrm/drm_fourcc.h>
#include <spdlog/spdlog.h>

#include "panel_decoder.h"
#include "panel_spec.h"
#include "repaper/repaper_panel.h"
#include "repaper_panel.h"

using namespace tinydrm;

namespace {

const char *const kModels[] = {"e1144cs021", "e1190cs021", "e2200cs021", "e2271cs021"};

struct Input {
	const uint8_t *data;
	size_t size;
	size_t at = 0;

	uint8_t byte() { return at < size ? data[at++] : 0; }
	uint16_t u16() { return uint16_t(byte() | byte() << 8); }
	size_t left() const { return size - at; }
};

[[noreturn]] void mismatch(const char *what, const std::string &detail)
{
	std::fprintf(stderr, "repaper_fuzz: %s: %s\n", what, detail.c_str());
	std::abort();
}

repaper::RepaperConfig config(const char *model, int celsius)
{
	PanelSpec spec;
	spec.backend = "repaper";
	spec.options = {{"model", model}, {"dry-run", "fuzz"}, {"stage-time", "0"},
			{"temperature", std::to_string(celsius)}};
	repaper::RepaperConfig parsed;
	std::string error;
	if (!repaper::parseRepaperConfig(spec, parsed, error))
		mismatch("options", error);
	return parsed;
}

uint32_t glassOf(uint32_t r, uint32_t g, uint32_t b)
{
	return (3 * r + 6 * g + b) / 10 >= 128 ? 0x00ffffff : 0;
}

void roundTrip(Input &in)
{
	const char *model = kModels[in.byte() % 4];
	const repaper::RepaperConfig cfg = config(model, int(in.byte() % 126) - 40);
	const uint32_t w = cfg.model->width;
	const uint32_t h = cfg.model->height;

	auto log = WireLog::inMemory();
	std::atomic<uint32_t> finished{0};
	std::atomic<int> failures{0};
	repaper::RepaperHooks hooks;
	hooks.updateFinished = [&](uint32_t, int result) {
		if (result)
			failures.fetch_add(1);
		finished.fetch_add(1);
	};
	auto panel = repaper::makeRepaperPanel(cfg, repaper::dryRunWiring(*cfg.model, *log, false),
					       {}, hooks);
	if (panel->enable({w, h, 1}) != 0)
		mismatch("enable", "failed on a dry run");

	// The reference glass; mid-grey until the first update draws it.
	std::vector<uint32_t> glass(size_t(w) * h, 0x00808080);
	std::vector<uint32_t> next(size_t(w) * h, 0x00ffffff);
	std::vector<uint8_t> frame(size_t(w) * h * 4);
	uint32_t updates = 0;

	for (int op = 0; op < 6 && in.left() > 0; op++) {
		const uint8_t kind = in.byte();
		if (kind % 5 == 4) {
			panel->disable();
			if (panel->enable({w, h, 1}) != 0)
				mismatch("enable", "failed again on a dry run");
			continue;
		}
		// The frame: a few input bytes tiled with a stride, so patterns vary in both axes.
		const bool rgb565 = kind & 8;
		const uint32_t cpp = rgb565 ? 2 : 4;
		const uint32_t pitch = w * cpp;
		uint8_t tile[16];
		for (uint8_t &t : tile)
			t = in.byte();
		const uint32_t stride = 1 + in.byte() % 31;
		for (size_t i = 0; i < size_t(pitch) * h; i++)
			frame[i] = tile[(i / stride + i) % 16] ^ uint8_t(i / pitch);

		Rect damage{0, 0, int32_t(w), int32_t(h)};
		if (kind & 16) {
			damage.x1 = int16_t(in.u16()) % int32_t(w + 8);
			damage.y1 = int16_t(in.u16()) % int32_t(h + 8);
			damage.x2 = damage.x1 + in.byte();
			damage.y2 = damage.y1 + in.byte();
		}
		const FrameView view{frame.data(), w, h, pitch,
				     rgb565 ? uint32_t(DRM_FORMAT_RGB565) : uint32_t(DRM_FORMAT_XRGB8888)};
		const uint32_t before = finished.load();
		if (panel->flush(view, damage) != 0)
			mismatch("flush", "failed on a dry run");

		// What the damaged pixels become.
		const int32_t x1 = std::max(damage.x1, 0), x2 = std::min(damage.x2, int32_t(w));
		const int32_t y1 = std::max(damage.y1, 0), y2 = std::min(damage.y2, int32_t(h));
		if (x2 <= x1 || y2 <= y1)
			continue; // nothing on the glass changes: no update
		for (int32_t y = y1; y < y2; y++)
			for (int32_t x = x1; x < x2; x++) {
				const uint8_t *p = frame.data() + size_t(y) * pitch + size_t(x) * cpp;
				uint32_t r, g, b;
				if (rgb565) {
					const uint16_t v = uint16_t(p[0] | p[1] << 8);
					// Channels widened by repeating their top bits.
					r = v >> 11;
					g = (v >> 5) & 0x3f;
					b = v & 0x1f;
					r = r << 3 | r >> 2;
					g = g << 2 | g >> 4;
					b = b << 3 | b >> 2;
				} else {
					r = p[2];
					g = p[1];
					b = p[0];
				}
				next[size_t(y) * w + size_t(x)] = glassOf(r, g, b);
			}
		// Wait for this flush's update (one always runs: the flush changed the frame).
		while (finished.load() == before)
			std::this_thread::yield();
		updates++;
		glass = next;
	}
	panel.reset();
	if (failures.load())
		mismatch("update", "an update failed on a dry run");

	auto decoder = RepaperPanelDecoder::create(model);
	std::string error;
	if (!decodeWireLog(*decoder, log->bytes(), error))
		mismatch("decode", error);
	if (decoder->updates() != updates)
		mismatch("updates", std::to_string(decoder->updates()) + " marks for " +
					    std::to_string(updates) + " flushes");
	if (decoder->image() != glass) {
		size_t i = 0;
		while (decoder->image()[i] == glass[i])
			i++;
		mismatch("image", std::string(model) + " differs first at x=" +
					  std::to_string(i % w) + " y=" + std::to_string(i / w));
	}
}

void rawLog(Input &in)
{
	auto decoder = RepaperPanelDecoder::create(kModels[in.byte() % 4]);
	std::vector<uint8_t> bytes;
	if (in.byte() & 1)
		bytes.assign(kWireMagic, kWireMagic + sizeof(kWireMagic));
	bytes.insert(bytes.end(), in.data + in.at, in.data + in.size);
	std::string error;
	(void)decodeWireLog(*decoder, std::move(bytes), error);
}

/// A healthy power-up of @p model as wire records (made once per model, then replayed).
const std::vector<uint8_t> &powerUp(int model)
{
	static std::vector<uint8_t> logs[4];
	if (logs[model].empty()) {
		const repaper::RepaperConfig cfg = config(kModels[model], 25);
		auto log = WireLog::inMemory();
		auto panel = repaper::makeRepaperPanel(
			cfg, repaper::dryRunWiring(*cfg.model, *log, false), {});
		if (panel->enable({cfg.model->width, cfg.model->height, 1}) != 0)
			mismatch("enable", "power-up failed on a dry run");
		// The worker is idle now; the log ends with the COG ready for lines.
		logs[model] = log->bytes();
	}
	return logs[model];
}

void records(Input &in)
{
	const int model = in.byte() % 4;
	auto decoder = RepaperPanelDecoder::create(kModels[model]);
	std::string error;
	if (!decodeWireLog(*decoder, powerUp(model), error))
		mismatch("decode", "power-up: " + error);
	static const char *const kRoles[] = {"panel-on", "reset", "discharge", "border", "busy",
					     "dc"};
	static const uint8_t kHeaders[] = {0x70, 0x72, 0x71, 0x73, 0x00, 0x74};
	while (in.left() > 0) {
		WireRecord record;
		const uint8_t op = in.byte();
		const size_t length = in.byte();
		switch (op % 6) {
		case 0:
		case 1:
		case 2: {
			record.kind = WireKind::SpiTransfer;
			record.arg0 = (op & 0x40) ? 16 : 8;
			record.arg1 = (op >> 3) & 1;
			std::vector<uint8_t> tx;
			if (length)
				tx.push_back(kHeaders[(op >> 4) % 6]);
			// Register selects and line data are the interesting payloads.
			if (op & 0x80)
				tx.push_back(uint8_t(in.byte() % 16));
			while (tx.size() < length && in.left() > 0)
				tx.push_back(in.byte());
			record.payload = tx;
			if (record.arg1)
				record.payload.insert(record.payload.end(), tx.size(), 0);
			break;
		}
		case 3:
			record.kind = WireKind::Gpio;
			record.arg0 = op >> 7;
			record.arg1 = (op >> 3) & 1;
			{
				const std::string role = kRoles[(op >> 4) % 6];
				record.payload.assign(role.begin(), role.end());
			}
			break;
		case 4:
			record.kind = WireKind::Mark;
			record.payload = {'u', 'p', 'd', 'a', 't', 'e', ' ', '1'};
			break;
		default:
			record.kind = WireKind(op >> 4);
			record.arg2 = uint32_t(length) * 1000;
			break;
		}
		if (!decoder->feed(record))
			break;
	}
	(void)decoder->image();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	spdlog::set_level(spdlog::level::err);
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Input in{data, size};
	switch (in.byte() % 3) {
	case 0:
		roundTrip(in);
		break;
	case 1:
		rawLog(in);
		break;
	default:
		records(in);
		break;
	}
	return 0;
}
