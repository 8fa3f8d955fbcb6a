// SPDX-License-Identifier: MIT
// Scalar first versions (correct, not yet tuned); the panels helper vectorises them.
#include "convert.h"

#include <cstring>

namespace tinydrm::convert {

namespace {

inline uint32_t load32(const uint8_t *p)
{
	uint32_t v;
	std::memcpy(&v, p, 4);
	return v;
}

inline uint16_t load16(const uint8_t *p)
{
	uint16_t v;
	std::memcpy(&v, p, 2);
	return v;
}

inline uint16_t to565(uint32_t p)
{
	return uint16_t(((p & 0xF80000) >> 8) | ((p & 0xFC00) >> 5) | ((p & 0xF8) >> 3));
}

inline uint8_t gray(uint32_t r, uint32_t g, uint32_t b)
{
	return uint8_t((3 * r + 6 * g + b) / 10);
}

} // namespace

void xrgb8888ToRgb565(uint8_t *dst, const uint8_t *src, size_t pixels)
{
	for (size_t i = 0; i < pixels; i++) {
		const uint16_t v = to565(load32(src + 4 * i));
		dst[2 * i] = uint8_t(v);
		dst[2 * i + 1] = uint8_t(v >> 8);
	}
}

void xrgb8888ToRgb565be(uint8_t *dst, const uint8_t *src, size_t pixels)
{
	for (size_t i = 0; i < pixels; i++) {
		const uint16_t v = to565(load32(src + 4 * i));
		dst[2 * i] = uint8_t(v >> 8);
		dst[2 * i + 1] = uint8_t(v);
	}
}

void rgb565ToRgb565be(uint8_t *dst, const uint8_t *src, size_t pixels)
{
	for (size_t i = 0; i < pixels; i++) {
		dst[2 * i] = src[2 * i + 1];
		dst[2 * i + 1] = src[2 * i];
	}
}

void xrgb8888ToGray8(uint8_t *dst, const uint8_t *src, size_t pixels)
{
	for (size_t i = 0; i < pixels; i++) {
		const uint32_t p = load32(src + 4 * i);
		dst[i] = gray((p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff);
	}
}

void rgb565ToGray8(uint8_t *dst, const uint8_t *src, size_t pixels)
{
	for (size_t i = 0; i < pixels; i++) {
		const uint32_t p = load16(src + 2 * i);
		const uint32_t r = ((p >> 11) << 3) | (p >> 13);
		const uint32_t g = (((p >> 5) & 0x3f) << 2) | ((p >> 9) & 0x3);
		const uint32_t b = ((p & 0x1f) << 3) | ((p >> 2) & 0x7);
		dst[i] = gray(r, g, b);
	}
}

void gray8ToMono(uint8_t *dst, const uint8_t *gray, size_t pixels, uint8_t threshold)
{
	for (size_t i = 0; i < pixels / 8; i++) {
		uint8_t byte = 0;
		for (unsigned bit = 0; bit < 8; bit++)
			byte |= uint8_t((gray[8 * i + bit] >= threshold) << bit);
		dst[i] = byte;
	}
	if (const size_t rest = pixels % 8) {
		uint8_t byte = 0;
		for (unsigned bit = 0; bit < rest; bit++)
			byte |= uint8_t((gray[pixels - rest + bit] >= threshold) << bit);
		dst[pixels / 8] = byte;
	}
}

void gray8ToSt7586(uint8_t *dst, const uint8_t *gray, size_t pixels)
{
	static constexpr uint8_t lut[4] = {0x7, 0x4, 0x2, 0x0};
	for (size_t i = 0; i < pixels / 3; i++) {
		const uint8_t *g = gray + 3 * i;
		dst[i] = uint8_t((lut[g[0] >> 6] << 5) | (lut[g[1] >> 6] << 2) | (lut[g[2] >> 6] >> 1));
	}
}

void convertRect(uint8_t *dst, size_t dstPitch, const FrameView &frame, uint32_t srcCpp,
		 const Rect &clip, RowFn row)
{
	if (clip.empty())
		return;
	const size_t width = size_t(clip.x2 - clip.x1);
	for (int32_t y = clip.y1; y < clip.y2; y++) {
		const uint8_t *src = frame.data + size_t(y) * frame.pitch + size_t(clip.x1) * srcCpp;
		row(dst + size_t(y - clip.y1) * dstPitch, src, width);
	}
}

} // namespace tinydrm::convert
