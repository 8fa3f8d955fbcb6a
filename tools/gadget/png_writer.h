// SPDX-License-Identifier: MIT
// PNG files of what the emulated monitor shows.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace tinydrm::gadget {

/**
 * writePng - writes @p width x @p height XRGB8888 pixels as an 8-bit RGB PNG to @p path,
 * through a temporary file renamed into place, so a reader never sees half a PNG.
 * \return 0, or -errno (-EINVAL for a bad geometry, -EIO when libpng fails) with @p error set.
 * \context any thread; no shared state.
 */
int writePng(const std::string &path, std::span<const uint32_t> pixels, uint32_t width,
	     uint32_t height, std::string &error);

} // namespace tinydrm::gadget
