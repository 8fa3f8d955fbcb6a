// SPDX-License-Identifier: MIT
// Snapshots as PNG files in sealed memfds, for the control socket's "snapshot" verb.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "unique_fd.h"

namespace tinydrm {

/// Larger images are refused: no panel is that big, and the size bound of the PNG stream
/// (PNG_IMAGE_PNG_SIZE_MAX) stays far from overflowing.
inline constexpr uint32_t kMaxSnapshotSide = 16384;

/**
 * encodePngMemfd - encodes @p width x @p height XRGB8888 pixels (row-major, no padding, the X
 * byte ignored) as an 8-bit RGB PNG into a new memfd named @p name, sealed against every
 * change (F_SEAL_SEAL|F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_WRITE) so that it can be handed to a
 * client as it is. The memfd is close-on-exec and holds exactly the PNG, from offset 0.
 *
 * \return 0 with the memfd in @p out and the PNG's size in @p bytes; -EINVAL for a bad
 * geometry (0, above kMaxSnapshotSide, or fewer than width*height pixels); -ENOMEM without
 * memory; -EIO when libpng fails; another -errno when the memfd does. Every failure says why
 * in @p error.
 * \context any thread; no shared state. The daemon thread calls it: it takes CPU time in
 * proportion to the image (a few ms for 320x240, tens of ms for 1920x1080) and never waits for
 * anything else.
 */
int encodePngMemfd(std::span<const uint32_t> pixels, uint32_t width, uint32_t height,
		   const char *name, UniqueFd &out, size_t &bytes, std::string &error);

} // namespace tinydrm
