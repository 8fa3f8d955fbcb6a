// SPDX-License-Identifier: MIT
// libFuzzer: the MIPI DBI panels (mi0283qt, ili9341) against the emulated ILI9341.
//
// Input byte 0 picks the mode:
//  - round trip: a model, rotation, format and pitch, a frame drawn from the input, and up to
//    eight damage rectangles (the frame changes between them) go through the backend into an
//    in-memory dry-run log; the decoder must accept it and show exactly the expected picture
//    (computed here: each damaged pixel truncated to RGB565 and expanded). A mismatch aborts.
//  - raw log: the bytes, behind the WireLog magic or not, go to the reader and the decoder.
//  - records: the bytes are read as D/C, reset, delay, SPI (write or read) and mark records
//    and fed to the decoder one by one, which reaches its state machine far more often than
//    random file bytes do.
// The last two must only ever end in an error, never a crash or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <libdrm/drm_fourcc.h>

#include "dry_run.h"
#include "mipi_dbi/dbi_panel.h"
#include "mipi_dbi/mipi_dbi_backends.h"
#include "panel_decoder.h"
#include "panel_spec.h"

using namespace tinydrm;

namespace {

/// Reads the input front to back; past its end every read is 0.
struct Input {
	const uint8_t *data;
	size_t size;
	size_t at = 0;

	uint8_t byte() { return at < size ? data[at++] : 0; }
	uint16_t u16() { return uint16_t(byte() | byte() << 8); }
	size_t left() const { return size - at; }
};

uint32_t expand(uint32_t v, int bits)
{
	return (v << (8 - bits)) | (v >> (2 * bits - 8));
}

uint32_t shown(const uint8_t *p, uint32_t format)
{
	uint32_t r, g, b;
	if (format == DRM_FORMAT_RGB565) {
		const uint32_t v = uint32_t(p[0] | p[1] << 8);
		r = v >> 11;
		g = (v >> 5) & 0x3f;
		b = v & 0x1f;
	} else {
		r = p[2] >> 3;
		g = p[1] >> 2;
		b = p[0] >> 3;
	}
	return expand(r, 5) << 16 | expand(g, 6) << 8 | expand(b, 5);
}

PanelSpec spec(const DbiModel &model, uint32_t rotation)
{
	PanelSpec s;
	s.backend = std::string(model.name);
	s.options = {{"dry-run", "fuzz"}, {"rotation", std::to_string(rotation)}};
	return s;
}

[[noreturn]] void mismatch(const char *what, const std::string &detail)
{
	std::fprintf(stderr, "mipi_dbi_fuzz: %s: %s\n", what, detail.c_str());
	std::abort();
}

void roundTrip(Input &in)
{
	const uint8_t choice = in.byte();
	const DbiModel &model = choice & 1 ? kIli9341Model : kMi0283qtModel;
	const uint32_t rotation = ((choice >> 1) & 3) * 90;
	const uint32_t format = choice & 8 ? DRM_FORMAT_RGB565 : DRM_FORMAT_XRGB8888;
	const uint32_t cpp = format == DRM_FORMAT_RGB565 ? 2 : 4;
	const bool disableAtEnd = choice & 16;

	DbiOptions options;
	options.rotation = rotation;
	options.speedHz = 32000000;
	auto memory = WireLog::inMemory();
	WireLog *log = memory.get();
	auto panel = makeDbiPanel(model, options, makeDryRunDbiWiring(std::move(memory), options), {});
	const PanelMode mode = panel->info().modes.at(0);
	const uint32_t w = mode.width, h = mode.height;
	if (panel->enable(mode) != 0)
		mismatch("enable", "failed on a dry run");

	// The frame: the input's bytes over and over, in a pitch with some slack.
	const uint32_t pitch = w * cpp + (in.byte() & 15) * 4;
	std::vector<uint8_t> frame(size_t(pitch) * h);
	const size_t patternAt = in.at;
	const size_t patternSize = std::max<size_t>(in.left(), 1);
	for (size_t i = 0; i < frame.size(); i++)
		frame[i] = patternAt < in.size ? in.data[patternAt + i % patternSize] : uint8_t(i * 7);
	const FrameView view{frame.data(), w, h, pitch, format};

	std::vector<uint32_t> expected(size_t(w) * h, 0); // controller memory starts black
	const int rects = 1 + in.byte() % 8;
	for (int i = 0; i < rects; i++) {
		Rect damage;
		damage.x1 = int32_t(in.u16() % (w + 32)) - 16;
		damage.y1 = int32_t(in.u16() % (h + 32)) - 16;
		damage.x2 = damage.x1 + int32_t(in.u16() % (w + 16));
		damage.y2 = damage.y1 + int32_t(in.u16() % (h + 16));
		if (i == 0 && in.byte() & 1)
			damage = {0, 0, int32_t(w), int32_t(h)};
		const uint8_t flip = in.byte();
		for (size_t j = i; j < frame.size(); j += 61)
			frame[j] ^= flip;
		if (panel->flush(view, damage) != 0)
			mismatch("flush", "failed on a dry run");
		for (int32_t y = std::max(damage.y1, 0); y < std::min<int32_t>(damage.y2, h); y++)
			for (int32_t x = std::max(damage.x1, 0); x < std::min<int32_t>(damage.x2, w); x++)
				expected[size_t(y) * w + x] =
					shown(frame.data() + size_t(y) * pitch + size_t(x) * cpp, format);
	}
	if (disableAtEnd) {
		panel->disable();
		std::fill(expected.begin(), expected.end(), 0);
	}

	auto decoder = makePanelDecoder(spec(model, rotation));
	std::string error;
	if (!decodeWireLog(*decoder, log->bytes(), error))
		mismatch("decoder rejected the backend's wire", error);
	if (decoder->width() != w || decoder->height() != h)
		mismatch("size", std::to_string(decoder->width()) + "x" +
					 std::to_string(decoder->height()));
	const auto &image = decoder->image();
	for (size_t i = 0; i < expected.size(); i++)
		if (image[i] != expected[i])
			mismatch("picture", std::string(model.name) + " rotation " +
						    std::to_string(rotation) + " pixel " +
						    std::to_string(i % w) + "," + std::to_string(i / w));
}

void rawLog(Input &in)
{
	const uint8_t choice = in.byte();
	std::vector<uint8_t> bytes;
	if (choice & 1)
		bytes.assign(kWireMagic, kWireMagic + sizeof(kWireMagic));
	bytes.insert(bytes.end(), in.data + in.at, in.data + in.size);
	auto decoder = makePanelDecoder(spec(choice & 2 ? kIli9341Model : kMi0283qtModel,
					     ((choice >> 2) & 3) * 90));
	std::string error;
	decodeWireLog(*decoder, std::move(bytes), error);
	(void)decoder->image();
}

void records(Input &in)
{
	const uint8_t choice = in.byte();
	auto decoder = makePanelDecoder(spec(choice & 2 ? kIli9341Model : kMi0283qtModel,
					     ((choice >> 2) & 3) * 90));
	WireRecord record;
	while (in.left()) {
		const uint8_t op = in.byte();
		record.payload.clear();
		record.arg0 = record.arg1 = 0;
		record.arg2 = 0;
		switch (op % 7) {
		case 0: // D/C or reset line
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
		case 3: // a write: length, then bytes; slow unless the op says otherwise
		case 4: { // a read: tx then as many rx bytes
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
		case 5: { // a long write: a run of one byte value, as pixel data comes
			record.kind = WireKind::SpiTransfer;
			record.arg0 = 8;
			record.arg2 = 32000000;
			record.payload.assign(in.u16() % 4096, in.byte());
			break;
		}
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
