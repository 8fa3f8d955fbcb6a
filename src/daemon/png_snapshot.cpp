// SPDX-License-Identifier: MIT
// PNG snapshots: XRGB8888 → 8-bit RGB PNG, written straight into a sealed memfd.
//
// libpng's simplified API is used: it reports errors through png_image::message instead of
// longjmp(), which would skip the destructors of this C++ code. It writes into a memory
// buffer; that buffer is a shared mapping of the memfd itself, sized to libpng's worst-case
// bound (memfds are sparse: only the pages written cost memory), so the PNG is never copied.
// The mapping is gone before the seals go on (F_SEAL_WRITE refuses while a writable shared
// mapping exists), and the file is cut to the PNG's real size first.
#include "png_snapshot.h"

#include <cerrno>
#include <cstring>
#include <new>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <png.h>

namespace tinydrm {

namespace {

/// From this many pixels on, encoding favours speed over size (see below).
constexpr size_t kFastAbovePixels = 1024 * 1024;

int fail(std::string &error, int rc, const std::string &what)
{
	error = what;
	return rc;
}

int failErrno(std::string &error, const char *call)
{
	const int err = errno;
	error = std::string(call) + ": " + std::strerror(err);
	return -err;
}

} // namespace

int encodePngMemfd(std::span<const uint32_t> pixels, uint32_t width, uint32_t height,
		   const char *name, UniqueFd &out, size_t &bytes, std::string &error)
{
	if (!width || !height || width > kMaxSnapshotSide || height > kMaxSnapshotSide)
		return fail(error, -EINVAL,
			    "bad image size " + std::to_string(width) + "x" + std::to_string(height));
	const size_t count = size_t(width) * height;
	if (pixels.size() < count)
		return fail(error, -EINVAL,
			    "image of " + std::to_string(width) + "x" + std::to_string(height) +
				    " has only " + std::to_string(pixels.size()) + " pixels");

	// PNG wants R, G, B bytes; taking them from the 32-bit values (not the bytes in memory)
	// keeps this independent of the host's byte order.
	std::vector<uint8_t> rgb;
	try {
		rgb.resize(count * 3);
	} catch (const std::bad_alloc &) {
		return fail(error, -ENOMEM, "out of memory for " + std::to_string(count) + " pixels");
	}
	for (size_t i = 0; i < count; i++) {
		const uint32_t p = pixels[i];
		rgb[3 * i] = uint8_t(p >> 16);
		rgb[3 * i + 1] = uint8_t(p >> 8);
		rgb[3 * i + 2] = uint8_t(p);
	}

	UniqueFd fd(::memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING));
	if (!fd)
		return failErrno(error, "memfd_create");

	png_image image{};
	image.version = PNG_IMAGE_VERSION;
	image.width = width;
	image.height = height;
	image.format = PNG_FORMAT_RGB;
	// The daemon's only thread encodes, and it also serves every other control client and
	// the hardware-gone unplugs. libpng's default (filters, zlib level 6) is both faster and far
	// smaller for panel-sized frames (measured, a 320x240 gradient: 3-10 ms, 905 bytes, against
	// 10-26 ms, 134 KB with PNG_IMAGE_FLAG_FAST); from about a megapixel on, FAST is 2-3x
	// quicker (1920x1080: 65 ms against 160-240 ms on a loaded 2-core machine), so big frames
	// trade size for a shorter stall.
	if (count > kFastAbovePixels)
		image.flags = PNG_IMAGE_FLAG_FAST;
	png_alloc_size_t capacity = PNG_IMAGE_PNG_SIZE_MAX(image);
	png_alloc_size_t size = 0;
	// libpng says its bound may be short (32-bit hosts); it then reports the size it needs,
	// and a second attempt with that much succeeds.
	for (int attempt = 0;; attempt++) {
		if (::ftruncate(fd.get(), off_t(capacity)) < 0)
			return failErrno(error, "ftruncate");
		void *addr = ::mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
		if (addr == MAP_FAILED)
			return failErrno(error, "mmap");
		Mapping map(addr, capacity);
		size = capacity;
		const int ok = png_image_write_to_memory(&image, map.data(), &size, 0, rgb.data(),
							 png_int_32(width * 3), nullptr);
		const std::string message = image.message;
		png_image_free(&image); // frees nothing after a finished write; harmless
		if (ok)
			break;
		if (size > capacity && attempt == 0) {
			capacity = size;
			image.warning_or_error = 0;
			image.message[0] = '\0';
			continue;
		}
		return fail(error, -EIO, "libpng: " + message);
	}

	if (::ftruncate(fd.get(), off_t(size)) < 0)
		return failErrno(error, "ftruncate");
	if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return failErrno(error, "F_ADD_SEALS");
	out = std::move(fd);
	bytes = size;
	return 0;
}

} // namespace tinydrm
