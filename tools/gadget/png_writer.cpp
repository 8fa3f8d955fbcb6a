// SPDX-License-Identifier: MIT
// libpng's simplified API: errors come back in png_image::message rather than by longjmp(),
// which would skip C++ destructors.
#include "png_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include <png.h>

namespace tinydrm::gadget {

int writePng(const std::string &path, std::span<const uint32_t> pixels, uint32_t width,
	     uint32_t height, std::string &error)
{
	if (!width || !height || pixels.size() < size_t(width) * height) {
		error = "no picture of " + std::to_string(width) + "x" + std::to_string(height);
		return -EINVAL;
	}
	std::vector<uint8_t> rgb(size_t(width) * height * 3);
	for (size_t i = 0; i < size_t(width) * height; i++) {
		rgb[3 * i] = uint8_t(pixels[i] >> 16);
		rgb[3 * i + 1] = uint8_t(pixels[i] >> 8);
		rgb[3 * i + 2] = uint8_t(pixels[i]);
	}
	png_image image{};
	image.version = PNG_IMAGE_VERSION;
	image.width = width;
	image.height = height;
	image.format = PNG_FORMAT_RGB;
	const std::string temporary = path + ".tmp";
	if (!png_image_write_to_file(&image, temporary.c_str(), 0, rgb.data(), 0, nullptr)) {
		error = "writing " + temporary + ": " + image.message;
		png_image_free(&image);
		std::remove(temporary.c_str());
		return -EIO;
	}
	if (std::rename(temporary.c_str(), path.c_str())) {
		const int err = errno;
		error = "renaming " + temporary + " to " + path + ": " + std::strerror(err);
		std::remove(temporary.c_str());
		return -err;
	}
	return 0;
}

} // namespace tinydrm::gadget
