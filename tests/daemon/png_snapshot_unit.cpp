// SPDX-License-Identifier: MIT
// PNG snapshots: what encodePngMemfd() writes decodes (libpng's simplified read API) to the
// pixels it was given, as an 8-bit RGB PNG in a sealed, close-on-exec memfd.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <png.h>

#include "png_snapshot.h"

using namespace tinydrm;

namespace {

std::vector<uint8_t> readAll(int fd)
{
	struct stat st {};
	REQUIRE(::fstat(fd, &st) == 0);
	std::vector<uint8_t> data(size_t(st.st_size));
	size_t done = 0;
	while (done < data.size()) {
		const ssize_t n = ::pread(fd, data.data() + done, data.size() - done, off_t(done));
		REQUIRE(n > 0);
		done += size_t(n);
	}
	return data;
}

uint32_t bigEndian32(const uint8_t *p)
{
	return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

struct Decoded {
	uint32_t width = 0;
	uint32_t height = 0;
	uint32_t fileFormat = 0; ///< what the PNG holds, before any conversion
	std::vector<uint8_t> rgb;
};

Decoded decode(const std::vector<uint8_t> &png)
{
	png_image image{};
	image.version = PNG_IMAGE_VERSION;
	REQUIRE(png_image_begin_read_from_memory(&image, png.data(), png.size()));
	Decoded out;
	out.width = image.width;
	out.height = image.height;
	out.fileFormat = image.format;
	image.format = PNG_FORMAT_RGB;
	out.rgb.resize(PNG_IMAGE_SIZE(image));
	const int ok = png_image_finish_read(&image, nullptr, out.rgb.data(), 0, nullptr);
	INFO(image.message);
	REQUIRE(ok);
	return out;
}

/// Encodes, checks everything about the memfd and the PNG's header, decodes, and compares every
/// pixel with @p pixels (whose X bytes must not matter).
void roundTrip(const std::vector<uint32_t> &pixels, uint32_t width, uint32_t height)
{
	UniqueFd fd;
	size_t bytes = 0;
	std::string error;
	REQUIRE(encodePngMemfd(pixels, width, height, "test.png", fd, bytes, error) == 0);
	CHECK(error.empty());
	REQUIRE(fd);

	// The memfd: exactly the PNG, sealed against every change, not inherited across exec.
	struct stat st {};
	REQUIRE(::fstat(fd.get(), &st) == 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK(uint64_t(st.st_size) == bytes);
	CHECK(::fcntl(fd.get(), F_GET_SEALS) ==
	      (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE));
	CHECK((::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC) != 0);
	const char x = 'x';
	CHECK(::pwrite(fd.get(), &x, 1, 0) < 0);
	CHECK(errno == EPERM);
	CHECK(::ftruncate(fd.get(), 0) < 0);
	CHECK(::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW) < 0); // F_SEAL_SEAL: final
	char one;
	CHECK(::read(fd.get(), &one, 1) == 1); // the file offset is 0: nothing was write()n

	// The header: signature, then IHDR with the size, bit depth 8 and colour type 2 (RGB, no
	// alpha), no interlace.
	const std::vector<uint8_t> png = readAll(fd.get());
	REQUIRE(png.size() == bytes);
	REQUIRE(png.size() > 33);
	const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	CHECK(std::equal(signature, signature + 8, png.begin()));
	CHECK(std::string(png.begin() + 12, png.begin() + 16) == "IHDR");
	CHECK(bigEndian32(&png[16]) == width);
	CHECK(bigEndian32(&png[20]) == height);
	CHECK(png[24] == 8);
	CHECK(png[25] == 2);
	CHECK(png[28] == 0);
	CHECK(std::string(png.end() - 8, png.end() - 4) == "IEND");

	const Decoded d = decode(png);
	CHECK(d.width == width);
	CHECK(d.height == height);
	CHECK(d.fileFormat == PNG_FORMAT_RGB);
	REQUIRE(d.rgb.size() == size_t(width) * height * 3);
	size_t wrong = 0;
	for (size_t i = 0; i < size_t(width) * height; i++) {
		const uint32_t p = pixels[i];
		if (d.rgb[3 * i] != uint8_t(p >> 16) || d.rgb[3 * i + 1] != uint8_t(p >> 8) ||
		    d.rgb[3 * i + 2] != uint8_t(p)) {
			if (wrong++ < 5)
				FAIL_CHECK("pixel " << i << ": want " << std::hex << (p & 0xffffff)
						    << ", got " << int(d.rgb[3 * i]) << ","
						    << int(d.rgb[3 * i + 1]) << "," << int(d.rgb[3 * i + 2]));
		}
	}
	CHECK(wrong == 0);
}

} // namespace

TEST_CASE("primary colours keep their channels", "[png]")
{
	// One pixel per colour, with the X byte set to junk that must not leak into the image.
	const std::vector<uint32_t> pixels = {0xff000000, 0x00ffffff, 0x12ff0000, 0x3400ff00,
					      0x560000ff, 0x00123456, 0xabcdef01};
	roundTrip(pixels, uint32_t(pixels.size()), 1);
	roundTrip(pixels, 1, uint32_t(pixels.size()));
}

TEST_CASE("a pattern of odd size decodes to its pixels", "[png]")
{
	// Odd sizes: rows of 3*37 bytes, not a multiple of anything libpng might assume.
	const uint32_t width = 37, height = 23;
	std::vector<uint32_t> pixels(width * height);
	for (uint32_t y = 0; y < height; y++)
		for (uint32_t x = 0; x < width; x++)
			pixels[y * width + x] = uint32_t(0xa5) << 24 | (x * 7) << 16 | (y * 11) << 8 |
						((x ^ y) * 5 & 0xff);
	roundTrip(pixels, width, height);
}

TEST_CASE("a panel-sized noisy frame (incompressible) fits the memfd", "[png]")
{
	// Random pixels do not compress: the PNG is close to libpng's worst-case size bound.
	const uint32_t width = 320, height = 240;
	std::mt19937 random(42);
	std::vector<uint32_t> pixels(width * height);
	for (uint32_t &p : pixels)
		p = uint32_t(random());
	roundTrip(pixels, width, height);
}

TEST_CASE("a frame above a megapixel (encoded for speed) decodes too", "[png]")
{
	const uint32_t width = 1280, height = 1024;
	std::vector<uint32_t> pixels(width * height);
	for (uint32_t y = 0; y < height; y++)
		for (uint32_t x = 0; x < width; x++)
			pixels[y * width + x] = (x & 0xff) << 16 | (y & 0xff) << 8 | ((x + y) >> 3 & 0xff);
	roundTrip(pixels, width, height);
}

TEST_CASE("more pixels than width*height: the rest is ignored", "[png]")
{
	std::vector<uint32_t> pixels(4 * 4, 0x00808080);
	pixels.resize(4 * 4 + 7, 0x00ffffff);
	roundTrip(pixels, 4, 4);
}

TEST_CASE("bad geometry is refused with a reason", "[png]")
{
	const std::vector<uint32_t> pixels(16, 0);
	struct Bad {
		uint32_t width, height;
		size_t count;
	};
	for (const Bad &bad : {Bad{0, 4, 16}, Bad{4, 0, 16}, Bad{5, 4, 16}, Bad{4, 4, 15},
			       Bad{kMaxSnapshotSide + 1, 1, 16}, Bad{1, kMaxSnapshotSide + 1, 16},
			       Bad{UINT32_MAX, UINT32_MAX, 16}}) {
		INFO(bad.width << "x" << bad.height << " with " << bad.count << " pixels");
		UniqueFd fd;
		size_t bytes = 123;
		std::string error;
		CHECK(encodePngMemfd(std::span(pixels.data(), bad.count), bad.width, bad.height,
				     "bad.png", fd, bytes, error) == -EINVAL);
		CHECK_FALSE(fd);
		CHECK(bytes == 123);
		CHECK_FALSE(error.empty());
	}
}
