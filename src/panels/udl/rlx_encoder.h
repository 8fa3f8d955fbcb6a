// SPDX-License-Identifier: MIT
// RLX16: how damage becomes DisplayLink pixel commands.
//
// One RLX16 command draws 1..256 consecutive pixels of one line of the device's 16-bpp plane:
//
//     AF 6B a2 a1 a0 n  { raw  p[0] .. p[raw-1]  repeat } ...
//
// a = byte address (2 bytes a pixel), n = pixel count (0 means 256). Spans alternate: a count
// byte (0 means 256) and that many big-endian RGB565 pixels, then a byte saying how many extra
// copies of the last of them to draw. The command ends where its pixels add up to n, after
// either byte kind. A pair of equal pixels already pays for the repeat byte (the next span's
// count byte replaces the second pixel's two bytes), so every run of two or more is a repeat.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "panel.h"
#include "udl_protocol.h"

namespace tinydrm::udl {

/// The most bytes an RLX16 command of @p pixels pixels can take: header, every pixel raw, and
/// one count byte more than repeats pay for.
constexpr size_t rlxWorstCase(size_t pixels)
{
	return kCmdHeader + 2 * pixels + 1;
}

/**
 * encodeRlx16 - writes one RLX16 command for @p count (1..256) pixels at device byte address
 * @p address. @p pixels holds the RGB565 values big-endian (wire order), 2 bytes each.
 * \return bytes written to @p out, at most rlxWorstCase(@p count).
 */
size_t encodeRlx16(uint8_t *out, uint32_t address, const uint8_t *pixels, size_t count);

/**
 * lineToRgb565be - converts @p pixels pixels of @p format (XRGB8888: truncated like the
 * kernel's drm_fb_xrgb8888_to_rgb565; RGB565: byte-swapped) to big-endian RGB565 in @p dst.
 * \return false for another format.
 */
bool lineToRgb565be(uint8_t *dst, const uint8_t *src, size_t pixels, uint32_t format);

/**
 * RlxEncoder - turns damage rectangles into bulk transfers of RLX16 commands, as the kernel's
 * udl_handle_damage does: line by line, at most 256 pixels a command, a command never split
 * between transfers; a transfer that cannot take another command is padded with 0xAF no-ops
 * to its full size and sent; finish() ends a flush with one 0xAF and sends the rest.
 *
 * Threads: owned by one panel and called by whoever calls that panel (serialised by it); no
 * lock. Allocation happens in the constructor and when a wider line is first seen, never per
 * command.
 */
class RlxEncoder
{
public:
	/// Takes one finished transfer. \return 0, or -errno to stop the encoding.
	using Sink = std::function<int(const uint8_t *data, size_t length)>;

	explicit RlxEncoder(size_t transferSize = kMaxTransfer);

	/**
	 * encode - appends @p damage of @p frame to the pending transfer, handing each full one
	 * to @p sink. Pixel (x, y) goes to device byte address @p base + (y * @p planeWidth + x) * 2.
	 * \return 0, -EINVAL for an unsupported format or a rectangle outside the frame or the
	 * 24-bit address space, or the sink's error (the pending transfer is dropped then).
	 */
	int encode(const FrameView &frame, const Rect &damage, uint32_t planeWidth, uint32_t base,
		   const Sink &sink);

	/// Ends a flush: appends the trailing 0xAF and hands the pending transfer to @p sink (if
	/// there is one). \return 0 or the sink's error.
	int finish(const Sink &sink);

	/// Drops the pending transfer (after an error elsewhere).
	void reset() { used_ = 0; }

private:
	int sendPadded(const Sink &sink);

	std::vector<uint8_t> buffer_;
	size_t used_ = 0;
	std::vector<uint8_t> line_; ///< one damage line as big-endian RGB565
};

} // namespace tinydrm::udl
