// SPDX-License-Identifier: MIT
// libFuzzer target for the DisplayLink wire format. The first byte picks what the rest is:
//   0  a frame, a damage rectangle and a transfer size: RlxEncoder → UdlStream must give back
//      exactly the damaged pixels (and write nothing else);
//   1  raw bulk bytes, split into pieces: UdlStream rejects or takes them, never crashes;
//   2  a WireLog file: the udl PanelDecoder rejects or takes it;
//   3  probe data: a vendor descriptor and an EDID block; every EDID mode that parses must
//      survive a modeset through the device unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <libdrm/drm_fourcc.h>

#include "panel_decoder.h"
#include "udl/rlx_encoder.h"
#include "udl/udl_descriptor.h"
#include "udl/udl_edid.h"
#include "udl/udl_modeset.h"
#include "udl_stream.h"
#include "wire_log.h"

using namespace tinydrm;
using namespace tinydrm::udl;

namespace {

/// Reads the input front to back; past its end every read is 0.
struct Input {
	const uint8_t *data;
	size_t size;
	size_t offset = 0;

	uint32_t byte() { return offset < size ? data[offset++] : 0; }
	uint32_t u16() { return byte() | byte() << 8; }
	size_t left() const { return size - offset; }
};

void check(bool condition)
{
	if (!condition)
		abort();
}

uint16_t to565(uint32_t p)
{
	return uint16_t(((p & 0xf80000) >> 8) | ((p & 0xfc00) >> 5) | ((p & 0xf8) >> 3));
}

void roundTrip(Input in)
{
	const uint32_t width = 1 + in.u16() % 600;
	const uint32_t height = 1 + in.byte() % 16;
	const uint32_t format = in.byte() & 1 ? DRM_FORMAT_RGB565 : DRM_FORMAT_XRGB8888;
	const uint32_t cpp = format == DRM_FORMAT_RGB565 ? 2 : 4;
	const size_t transfer = rlxWorstCase(1) + 1 + in.u16() % kMaxTransfer;
	Rect damage;
	damage.x1 = int32_t(in.u16() % width);
	damage.y1 = int32_t(in.byte() % height);
	damage.x2 = damage.x1 + 1 + int32_t(in.u16() % (width - uint32_t(damage.x1)));
	damage.y2 = damage.y1 + 1 + int32_t(in.byte() % (height - uint32_t(damage.y1)));

	// Pixels from a small palette picked by the input, so runs of every length occur.
	uint32_t palette[16];
	for (uint32_t &colour : palette)
		colour = in.u16() << 8 | in.byte();
	const uint32_t pitch = width * cpp + 4;
	std::vector<uint8_t> pixels(size_t(pitch) * height);
	for (uint32_t y = 0; y < height; y++)
		for (uint32_t x = 0; x < width; x++) {
			const uint32_t colour = palette[in.byte() % 16];
			uint8_t *p = pixels.data() + size_t(y) * pitch + x * cpp;
			if (cpp == 4) {
				std::memcpy(p, &colour, 4);
			} else {
				const uint16_t v = to565(colour);
				std::memcpy(p, &v, 2);
			}
		}
	const FrameView frame = {pixels.data(), width, height, pitch, format};

	RlxEncoder encoder(transfer);
	UdlStream stream;
	const RlxEncoder::Sink sink = [&](const uint8_t *data, size_t length) {
		check(length <= transfer);
		check(stream.consume(data, length) && stream.endTransfer());
		return 0;
	};
	check(encoder.encode(frame, damage, width, 0, sink) == 0);
	check(encoder.finish(sink) == 0);
	check(stream.error().empty());
	check(stream.counts().pixels ==
	      size_t(damage.x2 - damage.x1) * size_t(damage.y2 - damage.y1));
	for (int32_t y = damage.y1; y < damage.y2; y++)
		for (int32_t x = damage.x1; x < damage.x2; x++) {
			const uint8_t *p = pixels.data() + size_t(y) * pitch + size_t(x) * cpp;
			uint16_t want;
			if (cpp == 4) {
				uint32_t colour;
				std::memcpy(&colour, p, 4);
				want = to565(colour);
			} else {
				std::memcpy(&want, p, 2);
			}
			check(stream.pixel(uint32_t(y) * width * 2 + uint32_t(x) * 2) == want);
		}
}

void rawStream(Input in)
{
	UdlStream stream;
	while (in.left()) {
		const size_t piece = std::min<size_t>(in.left(), 1 + in.byte() % 64);
		const bool end = in.byte() & 1;
		if (!stream.consume(in.data + in.offset, std::min(piece, in.left())))
			break;
		in.offset += std::min(piece, in.left());
		if (end && !stream.endTransfer())
			break;
	}
	std::vector<uint32_t> image;
	stream.render(image);
	if (stream.mode())
		check(image.size() == size_t(stream.mode()->hdisplay) * stream.mode()->vdisplay);
}

void wireLog(Input in)
{
	std::vector<uint8_t> bytes(kWireMagic, kWireMagic + sizeof(kWireMagic));
	bytes.insert(bytes.end(), in.data + in.offset, in.data + in.size);
	PanelSpec spec;
	spec.backend = "udl";
	std::unique_ptr<PanelDecoder> decoder = makePanelDecoder(spec);
	std::string error;
	decodeWireLog(*decoder, std::move(bytes), error);
	check(decoder->image().size() == size_t(decoder->width()) * decoder->height());
}

void probeData(Input in)
{
	const size_t descriptorSize = std::min<size_t>(in.byte(), in.left());
	VendorDescriptor descriptor;
	std::string error;
	parseVendorDescriptor({in.data + in.offset, descriptorSize}, descriptor, error);
	in.offset += descriptorSize;

	EdidBlock block{};
	for (uint8_t &byte : block)
		byte = uint8_t(in.byte());
	// Give most inputs a valid header and checksum so the timing parser is reached.
	if (block[0] & 1) {
		static constexpr uint8_t header[8] = {0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0};
		std::memcpy(block.data(), header, 8);
		uint8_t sum = 0;
		for (size_t i = 0; i + 1 < block.size(); i++)
			sum = uint8_t(sum + block[i]);
		block.back() = uint8_t(-sum);
	}
	EdidInfo info;
	if (parseEdid(block, info, error))
		return;
	check(!info.timings.empty());
	for (const Timing &timing : info.timings) {
		std::string why;
		check(checkTiming(timing, why));
		std::vector<uint8_t> bytes;
		appendModeset(bytes, timing);
		UdlStream stream;
		check(stream.consume(bytes.data(), bytes.size()) && stream.endTransfer());
		check(stream.mode() && *stream.mode() == timing);
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	Input in{data + 1, size - 1};
	switch (data[0] % 4) {
	case 0:
		roundTrip(in);
		break;
	case 1:
		rawStream(in);
		break;
	case 2:
		wireLog(in);
		break;
	default:
		probeData(in);
		break;
	}
	return 0;
}
