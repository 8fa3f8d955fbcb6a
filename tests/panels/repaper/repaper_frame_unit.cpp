// SPDX-License-Identifier: MIT
// Line encoding against bytes worked out by hand from the G2 COG's line format, so an encoder
// and a decoder that agree on a wrong layout cannot both pass.
#include <vector>

#include <catch2/catch.hpp>

#include "repaper/repaper_frame.h"
#include "repaper/repaper_model.h"

using namespace tinydrm::repaper;

namespace {

const Model &model(const char *name)
{
	const Model *m = findModel(name);
	REQUIRE(m);
	return *m;
}

/// A 1 bpp row (1 = white) of @p width pixels, all white but @p black.
std::vector<uint8_t> row(uint32_t width, std::initializer_list<uint32_t> black)
{
	std::vector<uint8_t> bytes(width / 8, 0xff);
	for (uint32_t x : black)
		bytes[x / 8] &= uint8_t(~(1u << (x % 8)));
	return bytes;
}

std::vector<uint8_t> encode(const Model &m, uint32_t line, const LineSource &source, Stage stage)
{
	std::vector<uint8_t> out(m.lineBytes() + 1, 0x5a); // one guard byte
	encodeLine(m, line, source, stage, out.data());
	CHECK(out.back() == 0x5a);
	out.pop_back();
	return out;
}

} // namespace

TEST_CASE("models: line sizes and geometry", "[repaper]")
{
	// pre-border + two bits per column + two bits per gate line + border
	CHECK(model("e1144cs021").lineBytes() == 0 + 32 + 24 + 1);
	CHECK(model("e1190cs021").lineBytes() == 0 + 36 + 32 + 1);
	CHECK(model("e2200cs021").lineBytes() == 1 + 50 + 24 + 0);
	CHECK(model("e2271cs021").lineBytes() == 1 + 66 + 44 + 0);
	for (const Model &m : models()) {
		CHECK(m.width % 8 == 0);
		CHECK(m.bytesPerScan * 4 * (m.middleScan ? 1 : 2) == m.height);
		CHECK(m.frameBytes() == m.width * m.height / 8);
	}
	CHECK(model("e2271cs021").borderGpio);
	CHECK(model("e2271cs021").stageTimeMs == 630);
	CHECK(model("e1144cs021").stageTimeMs == 480);
	CHECK(findModel("e9999") == nullptr);
}

TEST_CASE("temperature factor table", "[repaper]")
{
	CHECK(temperatureFactor(-40) == 170);
	CHECK(temperatureFactor(-10) == 170);
	CHECK(temperatureFactor(-9) == 120);
	CHECK(temperatureFactor(-5) == 120);
	CHECK(temperatureFactor(5) == 80);
	CHECK(temperatureFactor(10) == 40);
	CHECK(temperatureFactor(15) == 30);
	CHECK(temperatureFactor(20) == 20);
	CHECK(temperatureFactor(21) == 10);
	CHECK(temperatureFactor(40) == 10);
	CHECK(temperatureFactor(41) == 7);
}

TEST_CASE("pixel codes per stage", "[repaper]")
{
	// black = 11, white = 10, nothing = 01
	CHECK(pixelCode(Stage::Compensate, true) == 0b11);
	CHECK(pixelCode(Stage::Compensate, false) == 0b10);
	CHECK(pixelCode(Stage::White, true) == 0b10);
	CHECK(pixelCode(Stage::White, false) == 0b01);
	CHECK(pixelCode(Stage::Inverse, true) == 0b11);
	CHECK(pixelCode(Stage::Inverse, false) == 0b01);
	CHECK(pixelCode(Stage::Normal, true) == 0b10);
	CHECK(pixelCode(Stage::Normal, false) == 0b11);
}

TEST_CASE("e1144: middle scan line bytes", "[repaper]")
{
	const Model &m = model("e1144cs021");
	// Pixel 0 (even half, sent right to left: its code is the last of byte 15) and pixel 1
	// (odd half, sent left to right: the first code of its byte 0) are black.
	const std::vector<uint8_t> image = row(128, {0, 1});
	LineSource source;
	source.image = image.data();

	std::vector<uint8_t> expected(57, 0x00);
	for (size_t i = 0; i < 16; i++)
		expected[i] = 0xaa; // even columns, white
	expected[15] = 0xab;        // ... x=6,4,2 white, x=0 black
	expected[16 + 23] = 0x03;   // scan: lines 95..0, line 0 is the last pair
	for (size_t i = 40; i < 56; i++)
		expected[i] = 0xaa; // odd columns, white
	expected[40] = 0xea;        // x=1 black, x=3,5,7 white
	expected[56] = 0x00;        // border byte
	CHECK(encode(m, 0, source, Stage::Normal) == expected);

	// Line 5: scan position 95 - 5 = 90: byte 22, third pair.
	std::vector<uint8_t> line5 = expected;
	line5[16 + 23] = 0x00;
	line5[16 + 22] = 0x0c;
	CHECK(encode(m, 5, source, Stage::Normal) == line5);

	// Line 95 (bottom): the first pair of the first scan byte.
	std::vector<uint8_t> line95 = expected;
	line95[16 + 23] = 0x00;
	line95[16] = 0xc0;
	CHECK(encode(m, 95, source, Stage::Normal) == line95);

	// Stage transforms of the same row, looking at byte 15 (x = 6, 4, 2, 0) and byte 40
	// (x = 1, 3, 5, 7): white pixels then the black one.
	struct Case {
		Stage stage;
		uint8_t other; ///< a byte of four white pixels
		uint8_t byte15;
		uint8_t byte40;
	};
	const Case cases[] = {
		{Stage::Compensate, 0xff, 0xfe, 0xbf}, // white → 11, black → 10
		{Stage::White, 0xaa, 0xa9, 0x6a},      // white → 10, black → 01
		{Stage::Inverse, 0xff, 0xfd, 0x7f},    // white → 11, black → 01
		{Stage::Normal, 0xaa, 0xab, 0xea},     // white → 10, black → 11
	};
	for (const Case &c : cases) {
		INFO(stageName(c.stage));
		const std::vector<uint8_t> out = encode(m, 0, source, c.stage);
		CHECK(out[0] == c.other);
		CHECK(out[15] == c.byte15);
		CHECK(out[40] == c.byte40);
		CHECK(out[55] == c.other);
		CHECK(out[56] == 0x00);
	}
}

TEST_CASE("masked lines drive only changed pixels", "[repaper]")
{
	const Model &m = model("e1144cs021");
	const std::vector<uint8_t> before = row(128, {0, 1});
	const std::vector<uint8_t> after = row(128, {1, 2});
	LineSource source;
	source.image = after.data();
	source.mask = before.data();
	const std::vector<uint8_t> out = encode(m, 0, source, Stage::Normal);
	// x=0 turns white (10), x=2 turns black (11), x=1 and the rest stay (01).
	CHECK(out[0] == 0x55);
	CHECK(out[15] == 0b01'01'11'10); // x = 6, 4, 2, 0
	CHECK(out[40] == 0x55);          // x = 1, 3, 5, 7 unchanged

	source.mask = after.data();
	const std::vector<uint8_t> same = encode(m, 0, source, Stage::Normal);
	for (size_t i = 0; i < 16; i++)
		CHECK(same[i] == 0x55);
}

TEST_CASE("fixed and dummy lines", "[repaper]")
{
	const Model &m = model("e1144cs021");
	LineSource source;
	source.fixed = kFixedBlack;
	const std::vector<uint8_t> out = encode(m, 3, source, Stage::Compensate);
	for (size_t i = 0; i < 16; i++) {
		CHECK(out[i] == 0xff);
		CHECK(out[40 + i] == 0xff);
	}
	CHECK(out[16 + 23] == 0xc0); // line 3: position 92, byte 23, first pair

	source.fixed = kFixedNothing;
	const std::vector<uint8_t> dummy = encode(m, kNoScanLine, source, Stage::Compensate);
	CHECK(dummy == std::vector<uint8_t>(57, 0x00));
}

TEST_CASE("e1190: edge scan and border byte", "[repaper]")
{
	const Model &m = model("e1190cs021");
	const std::vector<uint8_t> image = row(144, {0, 143});
	LineSource source;
	source.image = image.data();

	// Odd lines ascending in the first scan block, columns 143..0, even lines descending.
	std::vector<uint8_t> expected(69, 0x00);
	for (size_t i = 16; i < 52; i++)
		expected[i] = 0xaa;
	expected[16] = 0xea; // x = 143 (black), 142, 141, 140
	expected[51] = 0xab; // x = 3, 2, 1, 0 (black)
	expected[52 + 15] = 0x03; // line 0: the last pair of the second block
	expected[68] = 0xaa;      // NORMAL: white border
	CHECK(encode(m, 0, source, Stage::Normal) == expected);

	std::vector<uint8_t> line1 = expected;
	line1[52 + 15] = 0x00;
	line1[0] = 0xc0; // line 1: the first pair of the first block
	CHECK(encode(m, 1, source, Stage::Normal) == line1);

	std::vector<uint8_t> line127 = expected;
	line127[52 + 15] = 0x00;
	line127[15] = 0x03;
	CHECK(encode(m, 127, source, Stage::Normal) == line127);

	std::vector<uint8_t> line126 = expected;
	line126[52 + 15] = 0x00;
	line126[52] = 0xc0;
	CHECK(encode(m, 126, source, Stage::Normal) == line126);

	// The border stays "nothing" until the NORMAL stage.
	for (Stage stage : {Stage::Compensate, Stage::White, Stage::Inverse})
		CHECK(encode(m, 0, source, stage).back() == 0x00);
}

TEST_CASE("pre-border models lead with a zero byte", "[repaper]")
{
	for (const char *name : {"e2200cs021", "e2271cs021"}) {
		const Model &m = model(name);
		const std::vector<uint8_t> image = row(m.width, {});
		LineSource source;
		source.image = image.data();
		const std::vector<uint8_t> out = encode(m, m.height - 1, source, Stage::Normal);
		CHECK(out[0] == 0x00);
		CHECK(out[1] == 0xaa);
		// The bottom line is the first scan position.
		CHECK(out[1 + m.width / 8] == 0xc0);
		CHECK(out.back() == 0xaa); // odd columns last, no border byte
	}
}

TEST_CASE("row ink", "[repaper]")
{
	CHECK_FALSE(rowHasInk(row(128, {}).data(), 128));
	CHECK(rowHasInk(row(128, {127}).data(), 128));
	CHECK(rowHasInk(row(128, {0}).data(), 128));
}
