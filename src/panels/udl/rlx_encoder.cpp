// SPDX-License-Identifier: MIT
#include "rlx_encoder.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>

#include <libdrm/drm_fourcc.h>

#include "convert.h"

namespace tinydrm::udl {

namespace {

inline uint16_t load16(const uint8_t *p)
{
	uint16_t v;
	std::memcpy(&v, p, 2);
	return v;
}

inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	std::memcpy(&v, p, 8);
	return v;
}

constexpr uint64_t kLanes = 0x0001000100010001ull;
constexpr bool kSwar = std::endian::native == std::endian::little;

/*
 * The scans below look at four pixels per 64-bit load (SWAR) and fall back to one at a time for
 * the last few. Lane k of a little-endian load is pixel i + k, so the lowest set bit of a lane
 * mask names the first matching pixel. The values are compared as stored (big-endian); equality
 * does not care about byte order.
 */

/// The first i in [from, end - 1) with px[i] == px[i + 1], or end when there is none.
inline size_t findPair(const uint8_t *px, size_t from, size_t end)
{
	size_t i = from;
	if constexpr (kSwar) {
		while (i + 5 <= end) {
			const uint64_t x = load64(px + 2 * i) ^ load64(px + 2 * i + 2);
			// Lanes of x that are zero: the classic "has zero" test; the lowest flagged
			// lane is exact (borrows only run upwards).
			const uint64_t zero = (x - kLanes) & ~x & (kLanes << 15);
			if (zero)
				return i + size_t(std::countr_zero(zero)) / 16;
			i += 4;
		}
	}
	for (; i + 1 < end; i++)
		if (load16(px + 2 * i) == load16(px + 2 * i + 2))
			return i;
	return end;
}

/// The first i in [from, end) whose pixel differs from px[from], or end.
inline size_t runEnd(const uint8_t *px, size_t from, size_t end)
{
	const uint16_t value = load16(px + 2 * from);
	size_t i = from + 1;
	if constexpr (kSwar) {
		const uint64_t pattern = value * kLanes;
		while (i + 4 <= end) {
			if (const uint64_t x = load64(px + 2 * i) ^ pattern)
				return i + size_t(std::countr_zero(x)) / 16;
			i += 4;
		}
	}
	while (i < end && load16(px + 2 * i) == value)
		i++;
	return i;
}

/// Copies @p bytes from @p src to @p dst eight at a time, reading and writing up to 7 bytes
/// past both ends: raw spans are short in photographs, where a libc memcpy call per span cost
/// more than the scan.
inline void copyOver(uint8_t *dst, const uint8_t *src, size_t bytes)
{
	for (size_t k = 0; k < bytes; k += 8)
		std::memcpy(dst + k, src + k, 8);
}

} // namespace

size_t encodeRlx16(uint8_t *out, uint32_t address, const uint8_t *px, size_t count)
{
	out[0] = kCmdStart;
	out[1] = kCmdRlx16;
	out[2] = uint8_t(address >> 16);
	out[3] = uint8_t(address >> 8);
	out[4] = uint8_t(address);
	out[5] = uint8_t(count); // 256 wraps to 0, which the device reads as 256
	uint8_t *o = out + kCmdHeader;

	size_t i = 0;
	while (i < count) {
		// A raw span runs up to and including the first pixel of the next run.
		const size_t pair = findPair(px, i, count);
		const size_t rawEnd = pair == count ? count : pair + 1;
		*o++ = uint8_t(rawEnd - i);
		// With 4 pixels still to come the overrun stays inside both buffers: the input
		// has 8 more bytes, and the output so far is within the worst case of the pixels
		// so far, 8 bytes below the worst case of the whole command.
		if (count - rawEnd >= 4)
			copyOver(o, px + 2 * i, 2 * (rawEnd - i));
		else
			std::memcpy(o, px + 2 * i, 2 * (rawEnd - i));
		o += 2 * (rawEnd - i);
		i = rawEnd;
		if (i == count)
			break;
		const size_t end = runEnd(px, pair, count);
		*o++ = uint8_t(end - i);
		i = end;
	}
	return size_t(o - out);
}

bool lineToRgb565be(uint8_t *dst, const uint8_t *src, size_t pixels, uint32_t format)
{
	switch (format) {
	case DRM_FORMAT_XRGB8888:
		convert::xrgb8888ToRgb565be(dst, src, pixels);
		return true;
	case DRM_FORMAT_RGB565:
		convert::rgb565ToRgb565be(dst, src, pixels);
		return true;
	default:
		return false;
	}
}

RlxEncoder::RlxEncoder(size_t transferSize) : buffer_(std::max(transferSize, rlxWorstCase(1) + 1))
{
}

int RlxEncoder::sendPadded(const Sink &sink)
{
	// The device skips 0xAF no-ops, and the kernel sends full transfers whenever it can.
	std::memset(buffer_.data() + used_, kCmdStart, buffer_.size() - used_);
	used_ = 0;
	return sink(buffer_.data(), buffer_.size());
}

int RlxEncoder::encode(const FrameView &frame, const Rect &damage, uint32_t planeWidth,
		       uint32_t base, const Sink &sink)
{
	if (damage.empty())
		return 0;
	if (frame.format != DRM_FORMAT_XRGB8888 && frame.format != DRM_FORMAT_RGB565)
		return -EINVAL;
	const uint32_t cpp = frame.format == DRM_FORMAT_XRGB8888 ? 4 : 2;
	const size_t width = size_t(damage.x2 - damage.x1);
	const uint64_t last = uint64_t(base) +
			      (uint64_t(damage.y2 - 1) * planeWidth + uint64_t(damage.x2)) * 2;
	if (damage.x1 < 0 || damage.y1 < 0 || uint32_t(damage.x2) > frame.width ||
	    uint32_t(damage.y2) > frame.height || last > kAddressSpace)
		return -EINVAL;
	if (line_.size() < 2 * width)
		line_.resize(2 * width);

	for (int32_t y = damage.y1; y < damage.y2; y++) {
		const uint8_t *src = frame.data + size_t(y) * frame.pitch + size_t(damage.x1) * cpp;
		lineToRgb565be(line_.data(), src, width, frame.format);
		uint32_t address = base + (uint32_t(y) * planeWidth + uint32_t(damage.x1)) * 2;
		size_t x = 0;
		while (x < width) {
			const size_t space = buffer_.size() - used_;
			if (space < rlxWorstCase(1)) {
				if (int ret = sendPadded(sink))
					return ret;
				continue;
			}
			// Cut the command short rather than waste the tail of a transfer.
			const size_t count = std::min({kMaxCmdPixels, width - x,
						       (space - rlxWorstCase(0)) / 2});
			used_ += encodeRlx16(buffer_.data() + used_, address, line_.data() + 2 * x,
					     count);
			x += count;
			address += uint32_t(count) * 2;
		}
	}
	return 0;
}

int RlxEncoder::finish(const Sink &sink)
{
	if (!used_)
		return 0;
	if (used_ < buffer_.size())
		buffer_[used_++] = kCmdStart;
	const size_t length = used_;
	used_ = 0;
	return sink(buffer_.data(), length);
}

} // namespace tinydrm::udl
