// SPDX-License-Identifier: MIT
// Facts about the pixel formats tinydrm handles.
#pragma once

#include <cstdint>

#include <libdrm/drm_fourcc.h>

namespace tinydrm {

/// Bytes per pixel of a single-plane format, 0 for formats tinydrm does not know.
constexpr uint32_t bytesPerPixel(uint32_t format)
{
	switch (format) {
	case DRM_FORMAT_XRGB8888:
	case DRM_FORMAT_ARGB8888:
	case DRM_FORMAT_XBGR8888:
	case DRM_FORMAT_XRGB2101010:
		return 4;
	case DRM_FORMAT_RGB888:
		return 3;
	case DRM_FORMAT_RGB565:
	case DRM_FORMAT_XRGB1555:
		return 2;
	case DRM_FORMAT_C8:
		return 1;
	default:
		return 0;
	}
}

} // namespace tinydrm
