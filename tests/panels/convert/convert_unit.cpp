// SPDX-License-Identifier: MIT
// Conversions: every row function equals a one-pixel-at-a-time reference written straight from
// the kernel's formulas, on random data, at every length up to a few blocks and at unaligned
// addresses, without writing a byte past its output; plus the values a reader can check by eye.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "convert.h"

using namespace tinydrm;
using namespace tinydrm::convert;

namespace {

// References: the formulas of drm_format_helper.c, one pixel at a time, no cleverness.

uint32_t pixel32(const uint8_t *p)
{
	return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

uint16_t ref565(uint32_t xrgb)
{
	const uint32_t r = (xrgb >> 16) & 0xff, g = (xrgb >> 8) & 0xff, b = xrgb & 0xff;
	return uint16_t((r >> 3) << 11 | (g >> 2) << 5 | (b >> 3));
}

uint8_t refGray(uint32_t r, uint32_t g, uint32_t b)
{
	return uint8_t((3 * r + 6 * g + b) / 10);
}

/// 5 or 6 bits to 8 by bit replication, as drm_format_helper widens RGB565.
uint32_t widen(uint32_t value, unsigned bits)
{
	const uint32_t v8 = value << (8 - bits);
	return v8 | (v8 >> bits);
}

void refXrgbTo565(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const uint16_t v = ref565(pixel32(src + 4 * i));
		dst[2 * i] = uint8_t(v & 0xff);
		dst[2 * i + 1] = uint8_t(v >> 8);
	}
}

void refXrgbTo565be(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const uint16_t v = ref565(pixel32(src + 4 * i));
		dst[2 * i] = uint8_t(v >> 8);
		dst[2 * i + 1] = uint8_t(v & 0xff);
	}
}

void refSwab(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		dst[2 * i] = src[2 * i + 1];
		dst[2 * i + 1] = src[2 * i];
	}
}

void refXrgbToGray(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = refGray(src[4 * i + 2], src[4 * i + 1], src[4 * i]);
}

void ref565ToGray(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const uint32_t p = uint32_t(src[2 * i]) | uint32_t(src[2 * i + 1]) << 8;
		dst[i] = refGray(widen(p >> 11, 5), widen((p >> 5) & 0x3f, 6), widen(p & 0x1f, 5));
	}
}

void refMono(uint8_t *dst, const uint8_t *gray, size_t n, uint8_t threshold)
{
	for (size_t i = 0; i < (n + 7) / 8; i++)
		dst[i] = 0;
	for (size_t i = 0; i < n; i++)
		if (gray[i] >= threshold)
			dst[i / 8] = uint8_t(dst[i / 8] | 1u << (i % 8));
}

void refSt7586(uint8_t *dst, const uint8_t *gray, size_t n)
{
	auto level = [](uint8_t g) -> uint32_t {
		switch (g >> 6) {
		case 0: return 0x7; // black: all three bits of the pixel's slot set
		case 1: return 0x4;
		case 2: return 0x2;
		default: return 0x0; // white
		}
	};
	for (size_t i = 0; i < n / 3; i++)
		dst[i] = uint8_t(level(gray[3 * i]) << 5 | level(gray[3 * i + 1]) << 2 |
				 level(gray[3 * i + 2]) >> 1);
}

struct Case {
	const char *name;
	RowFn fn;
	void (*ref)(uint8_t *, const uint8_t *, size_t);
	size_t inBytes;  ///< per pixel
	size_t outBytes; ///< per pixel; 0: special (st7586)
	size_t step;     ///< lengths must be a multiple of this
};

void monoDefault(uint8_t *dst, const uint8_t *src, size_t n)
{
	gray8ToMono(dst, src, n);
}

void refMonoDefault(uint8_t *dst, const uint8_t *src, size_t n)
{
	refMono(dst, src, n, 128);
}

size_t outputSize(const Case &c, size_t n)
{
	if (c.fn == monoDefault)
		return (n + 7) / 8;
	if (c.fn == gray8ToSt7586)
		return n / 3;
	return n * c.outBytes;
}

const Case kCases[] = {
	{"xrgb8888ToRgb565", xrgb8888ToRgb565, refXrgbTo565, 4, 2, 1},
	{"xrgb8888ToRgb565be", xrgb8888ToRgb565be, refXrgbTo565be, 4, 2, 1},
	{"rgb565ToRgb565be", rgb565ToRgb565be, refSwab, 2, 2, 1},
	{"xrgb8888ToGray8", xrgb8888ToGray8, refXrgbToGray, 4, 1, 1},
	{"rgb565ToGray8", rgb565ToGray8, ref565ToGray, 2, 1, 1},
	{"gray8ToMono", monoDefault, refMonoDefault, 1, 0, 1},
	{"gray8ToSt7586", gray8ToSt7586, refSt7586, 1, 0, 3},
};

constexpr uint8_t kGuard = 0xa5;

} // namespace

TEST_CASE("row functions equal the references at every length, offset and alignment",
	  "[convert]")
{
	std::mt19937 rng(601);
	std::vector<size_t> lengths;
	for (size_t n = 0; n <= 70; n++)
		lengths.push_back(n);
	for (size_t n : {127, 128, 129, 240, 320, 1000, 1919, 1920})
		lengths.push_back(n);

	for (const Case &c : kCases) {
		for (size_t n : lengths) {
			if (n % c.step)
				continue;
			for (size_t srcOffset = 0; srcOffset < 4; srcOffset++) {
				for (size_t dstOffset = 0; dstOffset < 3; dstOffset++) {
					INFO(c.name << " pixels " << n << " src+" << srcOffset
						    << " dst+" << dstOffset);
					std::vector<uint8_t> src(srcOffset + n * c.inBytes + 1);
					for (auto &b : src)
						b = uint8_t(rng());
					const uint8_t *in = src.data() + srcOffset;
					const size_t outSize = outputSize(c, n);

					std::vector<uint8_t> want(outSize + 2, kGuard);
					c.ref(want.data() + 1, in, n);
					std::vector<uint8_t> got(dstOffset + outSize + 2, kGuard);
					c.fn(got.data() + dstOffset + 1, in, n);
					REQUIRE(std::vector<uint8_t>(got.begin() + dstOffset, got.end()) ==
						want);
					for (size_t i = 0; i <= dstOffset; i++)
						REQUIRE(got[i] == kGuard);
				}
			}
		}
	}
}

TEST_CASE("gray8ToMono honours the threshold and leaves the last byte's high bits 0",
	  "[convert]")
{
	std::mt19937 rng(7);
	for (unsigned threshold : {0u, 1u, 64u, 128u, 200u, 255u}) {
		for (size_t n : {1, 7, 8, 9, 15, 16, 17, 33, 100}) {
			std::vector<uint8_t> gray(n);
			for (auto &g : gray)
				g = uint8_t(rng());
			std::vector<uint8_t> want((n + 7) / 8), got((n + 7) / 8, 0xff);
			refMono(want.data(), gray.data(), n, uint8_t(threshold));
			gray8ToMono(got.data(), gray.data(), n, uint8_t(threshold));
			INFO("threshold " << threshold << " pixels " << n);
			REQUIRE(got == want);
		}
	}
	std::vector<uint8_t> white(9, 255);
	uint8_t out[2] = {};
	gray8ToMono(out, white.data(), 9);
	CHECK(out[0] == 0xff);
	CHECK(out[1] == 0x01);
}

TEST_CASE("known values: white, black, primaries, truncation", "[convert]")
{
	// XRGB8888 in memory (little-endian u32): B, G, R, X.
	const uint32_t pixels[] = {0x00ffffff, 0x00000000, 0x00ff0000, 0x0000ff00, 0x000000ff,
				   0xff000000, 0x00070307, 0x00080400};
	const size_t n = std::size(pixels);
	std::vector<uint8_t> src(4 * n);
	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < 4; b++)
			src[4 * i + b] = uint8_t(pixels[i] >> (8 * b));

	SECTION("RGB565 little- and big-endian")
	{
		const uint16_t want[] = {0xffff, 0x0000, 0xf800, 0x07e0, 0x001f,
					 0x0000, // X is ignored
					 0x0000, // below one step in every channel: truncated
					 0x0820};
		std::vector<uint8_t> le(2 * n), be(2 * n);
		xrgb8888ToRgb565(le.data(), src.data(), n);
		xrgb8888ToRgb565be(be.data(), src.data(), n);
		for (size_t i = 0; i < n; i++) {
			INFO("pixel " << i);
			CHECK((le[2 * i] | le[2 * i + 1] << 8) == want[i]);
			CHECK((be[2 * i] << 8 | be[2 * i + 1]) == want[i]);
		}
		CHECK(le[4] == 0x00);
		CHECK(le[5] == 0xf8);
		CHECK(be[4] == 0xf8);
		CHECK(be[5] == 0x00);
	}

	SECTION("gray: (3R + 6G + B) / 10")
	{
		std::vector<uint8_t> gray(n);
		xrgb8888ToGray8(gray.data(), src.data(), n);
		CHECK(gray[0] == 255);
		CHECK(gray[1] == 0);
		CHECK(gray[2] == 76);  // 765 / 10
		CHECK(gray[3] == 153); // 1530 / 10
		CHECK(gray[4] == 25);  // 255 / 10
		CHECK(gray[5] == 0);
	}

	SECTION("RGB565 sources")
	{
		const uint8_t src565[] = {0xff, 0xff, 0x00, 0x00, 0x00, 0xf8,
					  0xe0, 0x07, 0x1f, 0x00};
		uint8_t gray[5], swapped[10];
		rgb565ToGray8(gray, src565, 5);
		CHECK(gray[0] == 255); // 0x1f widens to 0xff, 0x3f to 0xff
		CHECK(gray[1] == 0);
		CHECK(gray[2] == 76);
		CHECK(gray[3] == 153);
		CHECK(gray[4] == 25);
		rgb565ToRgb565be(swapped, src565, 5);
		CHECK(swapped[4] == 0xf8);
		CHECK(swapped[5] == 0x00);
		CHECK(swapped[6] == 0x07);
		CHECK(swapped[7] == 0xe0);
	}

	SECTION("mono: LSB first, white = 1 at gray >= 128")
	{
		const uint8_t gray[8] = {255, 0, 128, 127, 0, 0, 0, 200};
		uint8_t mono = 0;
		gray8ToMono(&mono, gray, 8);
		CHECK(mono == 0x85); // pixels 0, 2 and 7
	}

	SECTION("ST7586: black 0b111 ... white 0b000, pixel 0 in the top bits")
	{
		const uint8_t gray[9] = {0, 0, 0, 255, 255, 255, 64, 128, 255};
		uint8_t out[3] = {};
		gray8ToSt7586(out, gray, 9);
		CHECK(out[0] == 0xff);
		CHECK(out[1] == 0x00);
		CHECK(out[2] == 0x88); // 0b100 << 5 | 0b010 << 2 | 0b000 >> 1
	}
}

TEST_CASE("convertRect converts just the clip, row by row, honouring both pitches",
	  "[convert]")
{
	std::mt19937 rng(99);
	const uint32_t width = 37, height = 11, pitch = width * 4 + 12;
	std::vector<uint8_t> fb(size_t(pitch) * height);
	for (auto &b : fb)
		b = uint8_t(rng());
	const FrameView frame{fb.data(), width, height, pitch, 0};

	const Rect clip{5, 3, 30, 9};
	const size_t dstPitch = 25 * 2 + 6;
	std::vector<uint8_t> got(dstPitch * 6 + 1, kGuard), want(dstPitch * 6 + 1, kGuard);
	convertRect(got.data(), dstPitch, frame, 4, clip, xrgb8888ToRgb565);
	for (int y = 0; y < 6; y++)
		refXrgbTo565(want.data() + y * dstPitch, fb.data() + (3 + y) * pitch + 5 * 4, 25);
	CHECK(got == want);

	std::vector<uint8_t> untouched(16, kGuard);
	convertRect(untouched.data(), 4, frame, 4, Rect{4, 4, 4, 9}, xrgb8888ToRgb565);
	convertRect(untouched.data(), 4, frame, 4, Rect{4, 4, 9, 2}, xrgb8888ToRgb565);
	CHECK(untouched == std::vector<uint8_t>(16, kGuard));
}
