// SPDX-License-Identifier: MIT
/*
 * Pixel conversions: the kernel's drm_format_helper arithmetic, written so that gcc -O2 turns
 * the hot loops into SIMD code without intrinsics (SSE2 on x86-64, NEON on arm64).
 *
 * Why the loops look the way they do. gcc 12 vectorises at -O2, but with its "very cheap" cost
 * model: a loop is vectorised only when the vector code replaces the scalar loop entirely, so
 * no runtime alias check and no remainder iterations. Each row function therefore
 *   - takes __restrict pointers (the callers never convert in place; convert.h says so), and
 *   - runs an inner loop of a constant kBlock pixels, which the vectoriser takes whole, with a
 *     scalar loop for the last (pixels % kBlock) pixels.
 * Loads and stores go through memcpy, the defined way to read a u32 at any byte address; gcc
 * turns them into unaligned vector loads. Arithmetic that fits 16 bits (gray's 3R + 6G + B is at
 * most 2550) is done in uint16_t so it runs in 16-bit lanes (8 per SSE, 16 per AVX2 register),
 * and /10 becomes a multiply-high.
 *
 * `-fopt-info-vec-optimized` on this file lists one vectorised loop per row function except
 * gray8ToSt7586 (3-byte groups; a 178-pixel-wide panel does not need it). gray8ToMono's
 * compare vectorises and the bits are gathered 8 at a time with one multiply: byte i's 0/1 in
 * bit 8i, times 0x0102040810204080, lands in bit 56 + i, and no two partial products collide.
 *
 * Threads: pure functions; any thread.
 */
#include "convert.h"

#include <cstring>

/*
 * x86-64: Debian's baseline is SSE2, which has no unsigned 32→16 pack (packusdw is SSE4.1), and
 * gcc's SSE2 fallback for the narrowing in the RGB565 and gray paths is a ladder of shuffles at
 * a quarter of the AVX2 speed (BENCHMARKS.md). So each row function is also built for AVX2 and
 * the loader picks the clone once (an ifunc); the C++ is the same. Left to gcc: clang (the fuzz
 * build) has its own attribute rules and vectorises at -O2 without help. Not under TSan
 * either: the loader runs ifunc resolvers while relocating, before the TSan runtime exists, and
 * gcc instruments the resolver, so the program would die before main().
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__)
#define TINYDRM_ROW_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define TINYDRM_ROW_CLONES
#endif

namespace tinydrm::convert {

namespace {

/// Pixels per vectorised block: 32 8-bit outputs fill one 256-bit register, so the AVX2 clones
/// of the gray paths use full-width vectors (with 16 they ran at half width and 60% of the
/// speed); rows shorter than this are converted by the scalar loop.
constexpr size_t kBlock = 32;

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

// Framebuffers are little-endian (DRM fourccs are defined so); every host we run on is too.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "conversions assume a little-endian host");

inline void store16(uint8_t *p, uint16_t v)
{
	std::memcpy(p, &v, 2);
}

inline uint16_t swab16(uint16_t v)
{
	return uint16_t(v >> 8 | v << 8);
}

/*
 * XRGB8888 → RGB565, truncating (drm_pixel_xrgb8888_to_rgb565). The pixel is split into its
 * 16-bit halves first (G:B and X:R) so that everything after the split runs in 16-bit lanes:
 * gcc then narrows the source with two packs per vector instead of one per channel, ~30% faster
 * than ((p & 0xF80000) >> 8 | (p & 0xFC00) >> 5 | (p & 0xF8) >> 3) on the 32-bit pixel.
 */
inline uint16_t to565(uint32_t p)
{
	const uint16_t gb = uint16_t(p), xr = uint16_t(p >> 16);
	return uint16_t((xr << 8 & 0xF800) | (gb >> 5 & 0x07E0) | (gb >> 3 & 0x001F));
}

/// BT.601 luma as the kernel computes it: (3R + 6G + B) / 10, in 16 bits.
inline uint8_t luma(uint16_t r, uint16_t g, uint16_t b)
{
	return uint8_t(uint16_t(3 * r + 6 * g + b) / 10);
}

/// XRGB8888 → gray; split into 16-bit halves first, like to565().
inline uint8_t xrgbGray(uint32_t p)
{
	const uint16_t gb = uint16_t(p), xr = uint16_t(p >> 16);
	return luma(uint16_t(xr & 0xff), uint16_t(gb >> 8), uint16_t(gb & 0xff));
}

/// RGB565 → gray: each channel widened to 8 bits by repeating its top bits (0x1f → 0xff).
inline uint8_t rgb565Gray(uint16_t p)
{
	const uint16_t r = uint16_t((p >> 8 & 0xf8) | p >> 13);
	const uint16_t g = uint16_t((p >> 3 & 0xfc) | (p >> 9 & 0x3));
	const uint16_t b = uint16_t((p << 3 & 0xf8) | (p >> 2 & 0x7));
	return luma(r, g, b);
}

/// 8 gray levels → one LSB-first mono byte.
inline uint8_t monoByte(const uint8_t *__restrict gray, unsigned count, uint8_t threshold)
{
	uint8_t byte = 0;
	for (unsigned bit = 0; bit < count; bit++)
		byte = uint8_t(byte | (gray[bit] >= threshold) << bit);
	return byte;
}

} // namespace

TINYDRM_ROW_CLONES
void xrgb8888ToRgb565(uint8_t *__restrict dst, const uint8_t *__restrict src, size_t pixels)
{
	size_t i = 0;
	for (; i + kBlock <= pixels; i += kBlock)
		for (size_t j = i; j < i + kBlock; j++)
			store16(dst + 2 * j, to565(load32(src + 4 * j)));
	for (; i < pixels; i++)
		store16(dst + 2 * i, to565(load32(src + 4 * i)));
}

TINYDRM_ROW_CLONES
void xrgb8888ToRgb565be(uint8_t *__restrict dst, const uint8_t *__restrict src, size_t pixels)
{
	size_t i = 0;
	for (; i + kBlock <= pixels; i += kBlock)
		for (size_t j = i; j < i + kBlock; j++)
			store16(dst + 2 * j, swab16(to565(load32(src + 4 * j))));
	for (; i < pixels; i++)
		store16(dst + 2 * i, swab16(to565(load32(src + 4 * i))));
}

TINYDRM_ROW_CLONES
void rgb565ToRgb565be(uint8_t *__restrict dst, const uint8_t *__restrict src, size_t pixels)
{
	size_t i = 0;
	for (; i + kBlock <= pixels; i += kBlock)
		for (size_t j = i; j < i + kBlock; j++)
			store16(dst + 2 * j, swab16(load16(src + 2 * j)));
	for (; i < pixels; i++)
		store16(dst + 2 * i, swab16(load16(src + 2 * i)));
}

TINYDRM_ROW_CLONES
void xrgb8888ToGray8(uint8_t *__restrict dst, const uint8_t *__restrict src, size_t pixels)
{
	size_t i = 0;
	for (; i + kBlock <= pixels; i += kBlock)
		for (size_t j = i; j < i + kBlock; j++)
			dst[j] = xrgbGray(load32(src + 4 * j));
	for (; i < pixels; i++)
		dst[i] = xrgbGray(load32(src + 4 * i));
}

TINYDRM_ROW_CLONES
void rgb565ToGray8(uint8_t *__restrict dst, const uint8_t *__restrict src, size_t pixels)
{
	size_t i = 0;
	for (; i + kBlock <= pixels; i += kBlock)
		for (size_t j = i; j < i + kBlock; j++)
			dst[j] = rgb565Gray(load16(src + 2 * j));
	for (; i < pixels; i++)
		dst[i] = rgb565Gray(load16(src + 2 * i));
}

TINYDRM_ROW_CLONES
void gray8ToMono(uint8_t *__restrict dst, const uint8_t *__restrict gray, size_t pixels,
		 uint8_t threshold)
{
	constexpr uint64_t kGather = 0x0102040810204080ull;
	size_t i = 0;
	for (; i + kBlock <= pixels; i += kBlock) {
		uint8_t white[kBlock];
		for (size_t j = 0; j < kBlock; j++)
			white[j] = gray[i + j] >= threshold;
		for (size_t k = 0; k < kBlock / 8; k++) {
			uint64_t eight;
			std::memcpy(&eight, white + 8 * k, 8);
			dst[i / 8 + k] = uint8_t((eight * kGather) >> 56);
		}
	}
	for (; i + 8 <= pixels; i += 8)
		dst[i / 8] = monoByte(gray + i, 8, threshold);
	if (i < pixels)
		dst[i / 8] = monoByte(gray + i, unsigned(pixels - i), threshold);
}

void gray8ToSt7586(uint8_t *__restrict dst, const uint8_t *__restrict gray, size_t pixels)
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
