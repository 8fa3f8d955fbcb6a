// SPDX-License-Identifier: MIT
// libFuzzer: the st7586 backend against the emulated ST7586.
//
// Input byte 0 picks the mode:
//  - round trip: a frame drawn from the input and up to eight damage rectangles (the frame
//    changes between them) go through the backend into an in-memory dry-run log; the decoder
//    must accept it and show exactly the expected picture, computed here: the damage widened
//    to whole 3-pixel bytes and clipped to the glass, each pixel's gray (3R + 6G + B) / 10 as
//    one of four levels. Before the first flush and after disable the glass is blank (white).
//    A mismatch aborts.
//  - raw log: the bytes, behind the WireLog magic or not, go to the reader and the decoder.
//  - records: the bytes are read as D/C, reset, delay, SPI and mark records for the decoder.
// The last two must only ever end in an error, never a crash or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <libdrm/drm_fourcc.h>

#include "dry_run.h"
#include "panel_decoder.h"
#include "panel_spec.h"
#include "st7586/st7586_backend.h"

using namespace tinydrm;

namespace {

constexpr uint32_t kW = 178;
constexpr uint32_t kH = 128;

struct Input {
	const uint8_t *data;
	size_t size;
	size_t at = 0;

	uint8_t byte() { return at < size ? data[at++] : 0; }
	uint16_t u16() { return uint16_t(byte() | byte() << 8); }
	size_t left() const { return size - at; }
};

uint32_t shown(const uint8_t *p)
{
	const uint32_t gray = (3 * p[2] + 6 * p[1] + p[0]) / 10;
	const uint32_t v = (gray >> 6) * 0x55;
	return v << 16 | v << 8 | v;
}

PanelSpec spec()
{
	PanelSpec s;
	s.backend = "st7586";
	s.options = {{"dry-run", "fuzz"}};
	return s;
}

[[noreturn]] void mismatch(const char *what, const std::string &detail)
{
	std::fprintf(stderr, "st7586_fuzz: %s: %s\n", what, detail.c_str());
	std::abort();
}

void roundTrip(Input &in)
{
	const uint8_t choice = in.byte();
	DbiOptions options;
	options.speedHz = 10000000;
	if (choice & 1)
		options.reset = "gpiochip0:0";
	auto memory = WireLog::inMemory();
	WireLog *log = memory.get();
	auto panel = makeSt7586Panel(makeDryRunDbiWiring(std::move(memory), options), {});
	if (panel->enable({kW, kH, 30}) != 0)
		mismatch("enable", "failed on a dry run");

	const uint32_t pitch = kW * 4 + (in.byte() & 15) * 4;
	std::vector<uint8_t> frame(size_t(pitch) * kH);
	const size_t patternAt = in.at;
	const size_t patternSize = std::max<size_t>(in.left(), 1);
	for (size_t i = 0; i < frame.size(); i++)
		frame[i] = patternAt < in.size ? in.data[patternAt + i % patternSize] : uint8_t(i * 7);
	const FrameView view{frame.data(), kW, kH, pitch, DRM_FORMAT_XRGB8888};

	std::vector<uint32_t> expected(size_t(kW) * kH, 0xffffff); // memory starts at 0: white
	bool shownAny = false;
	const int rects = in.byte() % 9;
	for (int i = 0; i < rects; i++) {
		Rect damage;
		damage.x1 = int32_t(in.u16() % (kW + 32)) - 16;
		damage.y1 = int32_t(in.u16() % (kH + 32)) - 16;
		damage.x2 = damage.x1 + int32_t(in.u16() % (kW + 16));
		damage.y2 = damage.y1 + int32_t(in.u16() % (kH + 16));
		const uint8_t flip = in.byte();
		for (size_t j = i; j < frame.size(); j += 53)
			frame[j] ^= flip;
		if (panel->flush(view, damage) != 0)
			mismatch("flush", "failed on a dry run");
		const int32_t x1 = std::max(damage.x1, 0), x2 = std::min<int32_t>(damage.x2, kW);
		const int32_t y1 = std::max(damage.y1, 0), y2 = std::min<int32_t>(damage.y2, kH);
		if (x2 <= x1 || y2 <= y1)
			continue;
		shownAny = true;
		const int32_t wx1 = x1 - x1 % 3;
		const int32_t wx2 = std::min<int32_t>((x2 + 2) / 3 * 3, kW);
		for (int32_t y = y1; y < y2; y++)
			for (int32_t x = wx1; x < wx2; x++)
				expected[size_t(y) * kW + x] =
					shown(frame.data() + size_t(y) * pitch + size_t(x) * 4);
	}
	// The display comes on with the first frame and goes off at disable.
	if (!shownAny || (choice & 2)) {
		if (choice & 2)
			panel->disable();
		std::fill(expected.begin(), expected.end(), 0xffffff);
	}

	auto decoder = makePanelDecoder(spec());
	std::string error;
	if (!decodeWireLog(*decoder, log->bytes(), error))
		mismatch("decoder rejected the backend's wire", error);
	const auto &image = decoder->image();
	for (size_t i = 0; i < expected.size(); i++)
		if (image[i] != expected[i])
			mismatch("picture",
				 "pixel " + std::to_string(i % kW) + "," + std::to_string(i / kW));
}

void rawLog(Input &in)
{
	std::vector<uint8_t> bytes;
	if (in.byte() & 1)
		bytes.assign(kWireMagic, kWireMagic + sizeof(kWireMagic));
	bytes.insert(bytes.end(), in.data + in.at, in.data + in.size);
	auto decoder = makePanelDecoder(spec());
	std::string error;
	decodeWireLog(*decoder, std::move(bytes), error);
	(void)decoder->image();
}

void records(Input &in)
{
	auto decoder = makePanelDecoder(spec());
	WireRecord record;
	while (in.left()) {
		const uint8_t op = in.byte();
		record.payload.clear();
		record.arg0 = record.arg1 = 0;
		record.arg2 = 0;
		switch (op % 7) {
		case 0:
		case 1: {
			const std::string role = op % 7 ? "reset" : "dc";
			record.kind = WireKind::Gpio;
			record.arg1 = op >> 7;
			record.payload.assign(role.begin(), role.end());
			break;
		}
		case 2:
			record.kind = WireKind::Delay;
			record.arg2 = uint32_t(in.u16()) * 4;
			break;
		case 3:
		case 4: {
			record.kind = WireKind::SpiTransfer;
			record.arg0 = 8;
			record.arg1 = op % 7 == 4;
			record.arg2 = op & 0x80 ? 32000000 : 1000000;
			const size_t n = 1 + in.byte() % 64;
			for (size_t i = 0; i < n; i++)
				record.payload.push_back(in.byte());
			if (record.arg1)
				record.payload.resize(2 * n, 0);
			break;
		}
		case 5:
			record.kind = WireKind::SpiTransfer;
			record.arg0 = 8;
			record.arg2 = 10000000;
			record.payload.assign(in.u16() % 4096, in.byte());
			break;
		default:
			record.kind = WireKind::Mark;
			break;
		}
		if (!decoder->feed(record))
			break;
	}
	(void)decoder->image();
}

} // namespace

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
