// SPDX-License-Identifier: MIT
// The emulated device itself: the commands the host never uses (RAW16, RL16, COPY16), streams
// split anywhere, and the malformed input it must reject.
#include <catch2/catch.hpp>

#include "udl/rlx_encoder.h"
#include "udl/udl_modeset.h"
#include "udl/udl_protocol.h"
#include "udl_stream.h"
#include "udl_test_support.h"

using namespace tinydrm;
using namespace tinydrm::udl;

namespace {

bool run(UdlStream &stream, const std::vector<uint8_t> &bytes)
{
	return stream.consume(bytes.data(), bytes.size()) && stream.endTransfer();
}

std::string rejection(const std::vector<uint8_t> &bytes)
{
	UdlStream stream;
	CHECK_FALSE(run(stream, bytes));
	return stream.error();
}

} // namespace

TEST_CASE("RAW16, RL16 and COPY16 write the 16-bpp memory", "[udl][stream]")
{
	UdlStream stream;
	// RAW16: 3 pixels at 0x100.
	REQUIRE(run(stream, {0xaf, 0x68, 0x00, 0x01, 0x00, 3, 0x11, 0x11, 0x22, 0x22, 0x33, 0x33}));
	CHECK(stream.pixel(0x100) == 0x1111);
	CHECK(stream.pixel(0x104) == 0x3333);
	// RL16: 256 pixels (count 0) as runs of 200 + 56 at 0x1000.
	REQUIRE(run(stream, {0xaf, 0x69, 0x00, 0x10, 0x00, 0, 200, 0xaa, 0xaa, 56, 0xbb, 0xbb}));
	CHECK(stream.pixel(0x1000) == 0xaaaa);
	CHECK(stream.pixel(0x1000 + 2 * 199) == 0xaaaa);
	CHECK(stream.pixel(0x1000 + 2 * 200) == 0xbbbb);
	CHECK(stream.pixel(0x1000 + 2 * 255) == 0xbbbb);
	CHECK(stream.pixel(0x1000 + 2 * 256) == 0);
	// COPY16: the RAW16 pixels to 0x2000.
	REQUIRE(run(stream, {0xaf, 0x6a, 0x00, 0x20, 0x00, 3, 0x00, 0x01, 0x00}));
	CHECK(stream.pixel(0x2000) == 0x1111);
	CHECK(stream.pixel(0x2004) == 0x3333);
	CHECK(stream.counts().raw16 == 1);
	CHECK(stream.counts().rl16 == 1);
	CHECK(stream.counts().copy16 == 1);
	CHECK(stream.counts().pixels == 3 + 256 + 3);
}

TEST_CASE("a stream split anywhere decodes like the whole", "[udl][stream]")
{
	const Timing vga = {25175, 640, 656, 752, 800, 480, 490, 492, 525};
	std::vector<uint8_t> bytes;
	appendModeset(bytes, vga);
	udl_test::Frame frame(640, 480);
	frame.fill(31);
	RlxEncoder encoder(1024);
	const RlxEncoder::Sink sink = [&bytes](const uint8_t *data, size_t length) {
		bytes.insert(bytes.end(), data, data + length);
		return 0;
	};
	REQUIRE(encoder.encode(frame.view(), {0, 0, 640, 480}, 640, 0, sink) == 0);
	REQUIRE(encoder.finish(sink) == 0);

	UdlStream whole;
	REQUIRE(run(whole, bytes));
	std::vector<uint32_t> expected;
	whole.render(expected);
	CHECK(expected == udl_test::expected(frame));

	// Pieces of 1, 2, 3, ... 97 bytes, as a gadget's reads might cut them.
	for (size_t piece : {size_t(1), size_t(7), size_t(97), size_t(4096)}) {
		UdlStream split;
		for (size_t offset = 0; offset < bytes.size(); offset += piece)
			REQUIRE(split.consume(bytes.data() + offset,
					      std::min(piece, bytes.size() - offset)));
		REQUIRE(split.endTransfer());
		std::vector<uint32_t> image;
		split.render(image);
		CHECK(image == expected);
		CHECK(split.counts().rlx16 == whole.counts().rlx16);
	}
}

TEST_CASE("malformed commands are rejected with a reason", "[udl][stream]")
{
	CHECK(rejection({0x00}).find("where a command") != std::string::npos);
	CHECK(rejection({0xaf, 0x99}).find("unknown command af 99") != std::string::npos);
	CHECK(rejection({0xaf, 0x6b, 0, 0, 0, 4, 1, 0, 0}).find("cut by the end") !=
	      std::string::npos);
	// RLX16 of 4 pixels whose first span says 5.
	CHECK(rejection({0xaf, 0x6b, 0, 0, 0, 4, 5}).find("span of 5") != std::string::npos);
	// RLX16 of 4: 1 raw, then a repeat of 3 + 1 too many.
	CHECK(rejection({0xaf, 0x6b, 0, 0, 0, 4, 1, 0, 0, 4}).find("repeat of 4") !=
	      std::string::npos);
	// RL16 runs adding to more than the total.
	CHECK(rejection({0xaf, 0x69, 0, 0, 0, 2, 3, 0, 0}).find("span of 3") != std::string::npos);
	CHECK(rejection({0xaf, 0x6b, 0, 0, 1, 1, 1, 0, 0}).find("odd address") != std::string::npos);
	// 256 pixels starting 2 bytes before the end of the address space.
	CHECK(rejection({0xaf, 0x68, 0xff, 0xff, 0xfe, 0}).find("past 16 MiB") != std::string::npos);
	CHECK(rejection({0xaf, 0x6a, 0, 0, 0, 1, 0xff, 0xff, 0xff}).find("COPY16 source") !=
	      std::string::npos);
	CHECK(rejection({0xaf, 0x60, 0, 0, 0, 1, 0}).find("8-bpp") != std::string::npos);
	// Timing registers need lock/unlock; bad register values.
	CHECK(rejection({0xaf, 0x20, 0x0f, 0x04}).find("outside lock") != std::string::npos);
	CHECK(rejection({0xaf, 0x20, 0x1f, 0x02}).find("blank mode 02") != std::string::npos);
	CHECK(rejection({0xaf, 0x20, 0x00, 0x05}).find("colour depth") != std::string::npos);
	CHECK(rejection({0xaf, 0x20, 0xff, 0x12}).find("video lock") != std::string::npos);
	// A lock section that writes one timing register leaves the rest at 0: no LFSR state.
	CHECK(rejection({0xaf, 0x20, 0xff, 0x00, 0xaf, 0x20, 0x0f, 0x04, 0xaf, 0x20, 0xff, 0xff})
		      .find("no LFSR count") != std::string::npos);
}

TEST_CASE("a rejected stream stays rejected", "[udl][stream]")
{
	UdlStream stream;
	CHECK_FALSE(stream.consume((const uint8_t *)"\x01", 1));
	const std::string first = stream.error();
	const std::vector<uint8_t> good = {0xaf, 0x68, 0, 0, 0, 1, 0x12, 0x34};
	CHECK_FALSE(stream.consume(good.data(), good.size()));
	CHECK_FALSE(stream.endTransfer());
	CHECK(stream.error() == first);
	CHECK(stream.pixel(0) == 0);
}

TEST_CASE("no-ops: padding, a trailing 0xAF, an 0xAF before a command", "[udl][stream]")
{
	UdlStream stream;
	REQUIRE(run(stream, {0xaf, 0xaf, 0xaf, 0x68, 0, 0, 0, 1, 0x12, 0x34, 0xaf}));
	CHECK(stream.counts().noops == 3);
	CHECK(stream.pixel(0) == 0x1234);
}

TEST_CASE("the WireLog decoder checks the control requests", "[udl][stream]")
{
	PanelSpec spec;
	spec.backend = "udl";
	const auto bulk = [](std::vector<uint8_t> bytes, uint8_t endpoint = kBulkEndpoint) {
		WireRecord record;
		record.kind = WireKind::UsbBulk;
		record.arg0 = endpoint;
		record.payload = std::move(bytes);
		return record;
	};
	const auto control = [](std::vector<uint8_t> setupAndData) {
		WireRecord record;
		record.kind = WireKind::UsbControl;
		record.payload = std::move(setupAndData);
		return record;
	};
	std::vector<uint8_t> select = {0x40, 0x12, 0, 0, 0, 0, 16, 0};
	select.insert(select.end(), kChannelKey.begin(), kChannelKey.end());

	std::unique_ptr<PanelDecoder> decoder = makePanelDecoder(spec);
	CHECK_FALSE(decoder->feed(bulk({0xaf})));
	CHECK(decoder->error().find("before channel select") != std::string::npos);

	decoder = makePanelDecoder(spec);
	std::vector<uint8_t> wrongKey = select;
	wrongKey.back() ^= 1;
	CHECK_FALSE(decoder->feed(control(wrongKey)));
	CHECK(decoder->error().find("wrong key") != std::string::npos);

	decoder = makePanelDecoder(spec);
	REQUIRE(decoder->feed(control({0xc0, 0x02, 0, 5, 0xa1, 0, 2, 0, 0, 0x42}))); // EDID byte 5
	REQUIRE(decoder->feed(control(select)));
	REQUIRE(decoder->feed(bulk({0xaf})));
	CHECK_FALSE(decoder->feed(bulk({0xaf}, 0x02)));
	CHECK(decoder->error().find("endpoint 02") != std::string::npos);

	decoder = makePanelDecoder(spec);
	REQUIRE(decoder->feed(control(select)));
	CHECK_FALSE(decoder->feed(bulk(std::vector<uint8_t>(kMaxTransfer + 1, 0xaf))));
	CHECK(decoder->error().find("at most") != std::string::npos);

	decoder = makePanelDecoder(spec);
	CHECK_FALSE(decoder->feed(control({0x40, 0x33, 0, 0, 0, 0, 0, 0})));
	CHECK(decoder->error().find("unknown vendor request") != std::string::npos);

	decoder = makePanelDecoder(spec);
	WireRecord gpio;
	gpio.kind = WireKind::Gpio;
	CHECK_FALSE(decoder->feed(gpio));
	CHECK(decoder->width() == 0);
	CHECK(decoder->image().empty());
}
