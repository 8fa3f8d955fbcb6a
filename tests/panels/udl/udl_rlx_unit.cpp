// SPDX-License-Identifier: MIT
// RLX16 encoding: exact bytes for small cases, and round trips through the device decoder for
// the edges (runs of 1, 256, 257, lines longer than a command, alternating pixels, transfer
// boundaries).
#include <catch2/catch.hpp>

#include <vector>

#include "udl/rlx_encoder.h"
#include "udl_stream.h"
#include "udl_test_support.h"

using namespace tinydrm;
using namespace tinydrm::udl;
using udl_test::Frame;

namespace {

/// Big-endian pixel bytes of @p values.
std::vector<uint8_t> pixelsBe(const std::vector<uint16_t> &values)
{
	std::vector<uint8_t> bytes;
	for (uint16_t v : values) {
		bytes.push_back(uint8_t(v >> 8));
		bytes.push_back(uint8_t(v));
	}
	return bytes;
}

std::vector<uint8_t> encodeOne(uint32_t address, const std::vector<uint16_t> &values)
{
	const std::vector<uint8_t> px = pixelsBe(values);
	std::vector<uint8_t> out(rlxWorstCase(values.size()), 0xee);
	out.resize(encodeRlx16(out.data(), address, px.data(), values.size()));
	return out;
}

/// Encodes @p values at @p address, decodes the command, and checks every pixel landed.
void roundTrip(uint32_t address, const std::vector<uint16_t> &values)
{
	const std::vector<uint8_t> command = encodeOne(address, values);
	CHECK(command.size() <= rlxWorstCase(values.size()));
	UdlStream stream;
	REQUIRE(stream.consume(command.data(), command.size()));
	REQUIRE(stream.endTransfer());
	CHECK(stream.counts().rlx16 == 1);
	CHECK(stream.counts().pixels == values.size());
	for (size_t i = 0; i < values.size(); i++)
		REQUIRE(stream.pixel(uint32_t(address + 2 * i)) == values[i]);
}

/// The commands of a stream the encoder wrote: (byte address, pixels) of each RLX16, checking
/// that everything between them is 0xAF padding.
struct Command {
	uint32_t address;
	size_t pixels;
};

std::vector<Command> walk(const std::vector<uint8_t> &bytes)
{
	std::vector<Command> commands;
	size_t i = 0;
	while (i < bytes.size()) {
		REQUIRE(bytes[i] == kCmdStart);
		if (i + 1 == bytes.size() || bytes[i + 1] == kCmdStart) {
			i++;
			continue;
		}
		REQUIRE(bytes[i + 1] == kCmdRlx16);
		const size_t total = bytes[i + 5] ? bytes[i + 5] : 256;
		commands.push_back({uint32_t(bytes[i + 2] << 16 | bytes[i + 3] << 8 | bytes[i + 4]),
				    total});
		size_t j = i + kCmdHeader, done = 0;
		while (done < total) {
			const size_t raw = bytes[j] ? bytes[j] : 256;
			j += 1 + 2 * raw;
			done += raw;
			if (done < total)
				done += bytes[j++];
		}
		i = j;
	}
	return commands;
}

} // namespace

TEST_CASE("RLX16 bytes for a raw span, a run and a final raw pixel", "[udl][rlx]")
{
	// A B B B C: raw {A, B}, 2 more B, raw {C}; the command ends after C (no repeat byte).
	const std::vector<uint8_t> expected = {0xaf, 0x6b, 0x01, 0x02, 0x04, 0x05, 0x02, 0x12, 0x34,
					       0xab, 0xcd, 0x02, 0x01, 0xf0, 0x0f};
	CHECK(encodeOne(0x010204, {0x1234, 0xabcd, 0xabcd, 0xabcd, 0xf00f}) == expected);
}

TEST_CASE("RLX16 bytes for a single pixel and for a flat 256-pixel command", "[udl][rlx]")
{
	CHECK(encodeOne(0, {0x0001}) == std::vector<uint8_t>{0xaf, 0x6b, 0, 0, 0, 1, 1, 0x00, 0x01});
	// 256 wraps to 0 in the header; one raw pixel then 255 repeats.
	CHECK(encodeOne(2, std::vector<uint16_t>(256, 0xffff)) ==
	      std::vector<uint8_t>{0xaf, 0x6b, 0, 0, 2, 0, 1, 0xff, 0xff, 255});
}

TEST_CASE("RLX16 run lengths at the edges round-trip", "[udl][rlx]")
{
	// Runs of 1 (all different), 2, 255, 256, and 257 cut by the command limit of 256.
	std::vector<uint16_t> distinct(256);
	for (size_t i = 0; i < distinct.size(); i++)
		distinct[i] = uint16_t(i * 257 + 1);
	roundTrip(0, distinct);
	// All 256 raw: the span count byte is 0 (256) and no repeat follows.
	const std::vector<uint8_t> allRaw = encodeOne(0, distinct);
	CHECK(allRaw.size() == kCmdHeader + 1 + 512);
	CHECK(allRaw[6] == 0);

	roundTrip(0, {7, 7});
	roundTrip(0, std::vector<uint16_t>(255, 9));
	roundTrip(0, std::vector<uint16_t>(256, 9));

	std::vector<uint16_t> tail(256, 5);
	tail[0] = 4; // 1 raw then a run of 255 that the command limit ends
	roundTrip(0, tail);
	tail[255] = 6; // run ends one before the limit, then a lone pixel
	roundTrip(0, tail);
}

TEST_CASE("RLX16 alternating pixels stay raw and pairs become repeats", "[udl][rlx]")
{
	std::vector<uint16_t> alternating(200);
	for (size_t i = 0; i < alternating.size(); i++)
		alternating[i] = i % 2 ? 0xf800 : 0x001f;
	roundTrip(64, alternating);
	CHECK(encodeOne(64, alternating).size() == kCmdHeader + 1 + 400);

	std::vector<uint16_t> pairs(200);
	for (size_t i = 0; i < pairs.size(); i++)
		pairs[i] = (i / 2) % 2 ? 0x07e0 : 0xffff;
	roundTrip(64, pairs);
	// Every pair is {count 1, pixel, repeat 1}: 4 bytes for 2 pixels, the same as raw.
	CHECK(encodeOne(64, pairs).size() == kCmdHeader + 2 * 200);
}

TEST_CASE("RLX16 never exceeds its worst case on random lines", "[udl][rlx]")
{
	std::mt19937 rng(7);
	for (int round = 0; round < 2000; round++) {
		const size_t n = 1 + rng() % 256;
		std::vector<uint16_t> values(n);
		const uint32_t colours = 1 + rng() % 4; // few colours: many short runs
		for (uint16_t &v : values)
			v = uint16_t(rng() % colours);
		roundTrip(uint32_t(rng() % 1000) * 2, values);
	}
}

TEST_CASE("a line longer than 256 pixels becomes consecutive commands", "[udl][rlx]")
{
	Frame frame(1000, 3);
	frame.fill(11);
	RlxEncoder encoder;
	std::vector<uint8_t> wire;
	const RlxEncoder::Sink sink = [&wire](const uint8_t *data, size_t length) {
		wire.insert(wire.end(), data, data + length);
		return 0;
	};
	REQUIRE(encoder.encode(frame.view(), {10, 1, 1000, 2}, 1000, 0, sink) == 0);
	REQUIRE(encoder.finish(sink) == 0);
	CHECK(wire.back() == kCmdStart);

	const std::vector<Command> commands = walk(wire);
	REQUIRE(commands.size() == 4); // 990 = 256 + 256 + 256 + 222
	uint32_t address = (1000 + 10) * 2;
	for (const Command &command : commands) {
		CHECK(command.address == address);
		address += uint32_t(command.pixels) * 2;
	}
	CHECK(commands.back().pixels == 222);
	CHECK(address == (1000 + 1000) * 2);
}

TEST_CASE("damage at the right edge and one-pixel damage", "[udl][rlx]")
{
	Frame frame(300, 20);
	frame.fill(3);
	for (const Rect damage : {Rect{299, 0, 300, 20}, Rect{100, 7, 101, 8}, Rect{44, 0, 300, 1}}) {
		RlxEncoder encoder;
		UdlStream stream;
		const RlxEncoder::Sink sink = [&stream](const uint8_t *data, size_t length) {
			return stream.consume(data, length) && stream.endTransfer() ? 0 : -EPROTO;
		};
		REQUIRE(encoder.encode(frame.view(), damage, 300, 0, sink) == 0);
		REQUIRE(encoder.finish(sink) == 0);
		CHECK(stream.error() == "");
		CHECK(stream.counts().pixels == size_t(damage.x2 - damage.x1) *
							  size_t(damage.y2 - damage.y1));
		for (int32_t y = damage.y1; y < damage.y2; y++)
			for (int32_t x = damage.x1; x < damage.x2; x++) {
				const uint16_t v = stream.pixel(uint32_t(y * 300 + x) * 2);
				const uint32_t r = v >> 11, g = (v >> 5) & 0x3f, b = v & 0x1f;
				REQUIRE(((r << 3 | r >> 2) << 16 | (g << 2 | g >> 4) << 8 |
					 (b << 3 | b >> 2)) == frame.shown(uint32_t(x), uint32_t(y)));
			}
	}
}

TEST_CASE("transfers are full and padded with 0xAF; commands never cross them", "[udl][rlx]")
{
	Frame frame(1024, 200);
	frame.fill(5);
	const size_t transferSize = 4096; // small transfers: many boundaries
	RlxEncoder encoder(transferSize);
	std::vector<std::vector<uint8_t>> transfers;
	const RlxEncoder::Sink sink = [&transfers](const uint8_t *data, size_t length) {
		transfers.emplace_back(data, data + length);
		return 0;
	};
	REQUIRE(encoder.encode(frame.view(), {0, 0, 1024, 200}, 1024, 0, sink) == 0);
	REQUIRE(encoder.finish(sink) == 0);
	REQUIRE(transfers.size() > 10);

	size_t pixels = 0;
	for (size_t i = 0; i < transfers.size(); i++) {
		if (i + 1 < transfers.size())
			REQUIRE(transfers[i].size() == transferSize);
		// Padding is short: a command was cut to fit instead.
		size_t padding = 0;
		while (padding < transfers[i].size() &&
		       transfers[i][transfers[i].size() - 1 - padding] == kCmdStart)
			padding++;
		CHECK(padding < rlxWorstCase(1) + 2);
		for (const Command &command : walk(transfers[i])) {
			CHECK(command.pixels <= kMaxCmdPixels);
			// Within one line of the 1024-pixel plane.
			CHECK((command.address / 2) % 1024 + command.pixels <= 1024);
			pixels += command.pixels;
		}
	}
	CHECK(pixels == 1024u * 200);
}

TEST_CASE("a sink error stops encoding and drops the pending transfer", "[udl][rlx]")
{
	Frame frame(640, 480);
	frame.fill(9);
	RlxEncoder encoder(4096);
	int calls = 0;
	const RlxEncoder::Sink failing = [&calls](const uint8_t *, size_t) {
		calls++;
		return -ENODEV;
	};
	CHECK(encoder.encode(frame.view(), {0, 0, 640, 480}, 640, 0, failing) == -ENODEV);
	CHECK(calls == 1);
	// Nothing left over: finish() has nothing to send.
	CHECK(encoder.finish(failing) == 0);
	CHECK(calls == 1);
}

TEST_CASE("the encoder refuses formats and rectangles it cannot address", "[udl][rlx]")
{
	Frame frame(64, 64);
	FrameView view = frame.view();
	RlxEncoder encoder;
	const RlxEncoder::Sink sink = [](const uint8_t *, size_t) { return 0; };
	view.format = DRM_FORMAT_ARGB2101010;
	CHECK(encoder.encode(view, {0, 0, 64, 64}, 64, 0, sink) == -EINVAL);
	// A plane so wide that line 63 lies beyond the 24-bit address space.
	CHECK(encoder.encode(frame.view(), {0, 63, 64, 64}, 1u << 20, 0, sink) == -EINVAL);
}

TEST_CASE("RGB565 frames are byte-swapped, not converted", "[udl][rlx]")
{
	Frame frame(100, 10, DRM_FORMAT_RGB565);
	frame.fill(21);
	RlxEncoder encoder;
	UdlStream stream;
	const RlxEncoder::Sink sink = [&stream](const uint8_t *data, size_t length) {
		return stream.consume(data, length) && stream.endTransfer() ? 0 : -EPROTO;
	};
	REQUIRE(encoder.encode(frame.view(), {0, 0, 100, 10}, 100, 0, sink) == 0);
	REQUIRE(encoder.finish(sink) == 0);
	for (uint32_t y = 0; y < 10; y++)
		for (uint32_t x = 0; x < 100; x++) {
			uint16_t native;
			std::memcpy(&native, frame.bytes.data() + y * frame.pitch + 2 * x, 2);
			REQUIRE(stream.pixel((y * 100 + x) * 2) == native);
		}
}
