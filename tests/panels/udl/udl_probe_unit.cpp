// SPDX-License-Identifier: MIT
// Probe data: the vendor descriptor (good, truncated, wrong type, bad records) and EDID
// (written by buildEdid, read by parseEdid, and the ways a real one goes wrong).
#include <catch2/catch.hpp>

#include "udl/udl_descriptor.h"
#include "udl/udl_edid.h"
#include "udl/udl_probe.h"

using namespace tinydrm::udl;

namespace {

void fixChecksum(EdidBlock &block)
{
	uint8_t sum = 0;
	for (size_t i = 0; i + 1 < block.size(); i++)
		sum = uint8_t(sum + block[i]);
	block.back() = uint8_t(-sum);
}

} // namespace

TEST_CASE("vendor descriptor with a max area", "[udl][descriptor]")
{
	const std::vector<uint8_t> bytes = buildVendorDescriptor(1920 * 1080);
	CHECK(bytes == std::vector<uint8_t>{12, 0x5f, 0x01, 0x00, 10, 0x00, 0x02, 4, 0x00, 0xa4,
					    0x1f, 0x00});
	VendorDescriptor descriptor;
	std::string error;
	REQUIRE(parseVendorDescriptor(bytes, descriptor, error) == 0);
	CHECK(descriptor.maxArea == 1920u * 1080);
}

TEST_CASE("vendor descriptor: unknown records are skipped, none is fine", "[udl][descriptor]")
{
	VendorDescriptor descriptor;
	std::string error;
	REQUIRE(parseVendorDescriptor(buildVendorDescriptor(0), descriptor, error) == 0);
	CHECK(descriptor.maxArea == 0);

	// An unknown key 0x0101 with 2 bytes before the max area.
	const std::vector<uint8_t> bytes = {17, 0x5f, 0x01, 0x00, 15, 0x01, 0x01, 2, 0xaa, 0xbb,
					    0x00, 0x02, 4, 0x10, 0x00, 0x00, 0x00};
	REQUIRE(parseVendorDescriptor(bytes, descriptor, error) == 0);
	CHECK(descriptor.maxArea == 16);
}

TEST_CASE("vendor descriptor: truncated, wrong type, bad records", "[udl][descriptor]")
{
	VendorDescriptor descriptor;
	std::string error;
	std::vector<uint8_t> bytes = buildVendorDescriptor(1000);

	// Cut: the header says 12 bytes, the device sent 9.
	CHECK(parseVendorDescriptor(std::span(bytes).first(9), descriptor, error) == -EINVAL);
	CHECK(error.find("says 12 bytes") != std::string::npos);
	CHECK(parseVendorDescriptor(std::span(bytes).first(3), descriptor, error) == -EINVAL);

	std::vector<uint8_t> wrong = bytes;
	wrong[1] = 0x02; // a configuration descriptor
	CHECK(parseVendorDescriptor(wrong, descriptor, error) == -EINVAL);
	CHECK(error.find("0x02") != std::string::npos);

	wrong = bytes;
	wrong[2] = 0x02; // version 2
	CHECK(parseVendorDescriptor(wrong, descriptor, error) == -EINVAL);

	wrong = bytes;
	wrong[7] = 9; // the max area record claims 9 bytes
	CHECK(parseVendorDescriptor(wrong, descriptor, error) == -EINVAL);
	CHECK(error.find("past the end") != std::string::npos);

	// A max area of 2 bytes, within bounds.
	const std::vector<uint8_t> shortArea = {10, 0x5f, 0x01, 0x00, 8, 0x00, 0x02, 2, 0x10, 0x00};
	CHECK(parseVendorDescriptor(shortArea, descriptor, error) == -EINVAL);

	// A record header cut after its key.
	const std::vector<uint8_t> cutHeader = {7, 0x5f, 0x01, 0x00, 5, 0x00, 0x02};
	CHECK(parseVendorDescriptor(cutHeader, descriptor, error) == -EINVAL);
}

TEST_CASE("EDID written by buildEdid reads back", "[udl][edid]")
{
	EdidInfo info;
	std::string error;
	REQUIRE(parseEdid(dryRunEdid(), info, error) == 0);
	CHECK(info.name == "tinydrm dry");
	CHECK(info.widthMm == 340);
	CHECK(info.heightMm == 270);
	// Detailed timings first (the preferred one first), then the established ones not
	// already listed.
	REQUIRE(info.timings.size() == 4);
	CHECK(info.timings[0] == Timing{65000, 1024, 1048, 1184, 1344, 768, 771, 777, 806});
	CHECK(info.timings[0].refreshHz() == 60);
	CHECK(info.timings[1].hdisplay == 1280);
	CHECK(info.timings[1].vdisplay == 1024);
	CHECK(info.timings[1].refreshHz() == 60);
	CHECK(info.timings[2].hdisplay == 800);
	CHECK(info.timings[3].hdisplay == 640);
}

TEST_CASE("EDID with large timings keeps every bit of the packed fields", "[udl][edid]")
{
	// Values above 255 (and sync fields above their low nibble) in every packed field.
	const Timing big = {241500, 2560, 2608, 2640, 2720, 1440, 1443, 1448, 1481};
	const Timing odd = {100000, 1500, 1800, 2200, 2400, 1000, 1020, 1050, 1100};
	EdidInfo info;
	std::string error;
	REQUIRE(parseEdid(buildEdid(std::vector{big, odd}, 597, 336, "wide"), info, error) == 0);
	REQUIRE(info.timings.size() >= 2);
	CHECK(info.timings[0] == big);
	CHECK(info.timings[1] == odd);
	CHECK(info.widthMm == 597);
	CHECK(info.heightMm == 336);
}

TEST_CASE("EDID: bad header, bad checksum, nothing usable", "[udl][edid]")
{
	EdidInfo info;
	std::string error;
	EdidBlock block = dryRunEdid();
	block[0] = 0x01;
	CHECK(parseEdid(block, info, error) == -EINVAL);
	CHECK(error.find("header") != std::string::npos);

	block = dryRunEdid();
	block[60] ^= 0x01;
	CHECK(parseEdid(block, info, error) == -EINVAL);
	CHECK(error.find("checksum") != std::string::npos);

	block = buildEdid({}, 300, 200, "empty");
	block[35] = block[36] = 0; // no established timings either
	fixChecksum(block);
	CHECK(parseEdid(block, info, error) == -EINVAL);
	CHECK(error.find("no progressive mode") != std::string::npos);

	EdidBlock zeros{};
	CHECK(parseEdid(zeros, info, error) == -EINVAL);
}

TEST_CASE("EDID: interlaced detailed timings are skipped, standard timings found", "[udl][edid]")
{
	const Timing xga = {65000, 1024, 1048, 1184, 1344, 768, 771, 777, 806};
	EdidBlock block = buildEdid(std::vector{xga}, 300, 200, "std");
	block[54 + 17] |= 0x80; // interlaced
	block[35] = block[36] = 0;
	block[38] = 0x81; // (0x81 + 31) * 8 = 1280, 5:4, 60 Hz
	block[39] = 0x80;
	block[40] = 0xd1; // (0xd1 + 31) * 8 = 1920, 16:9, 60 Hz
	block[41] = 0xc0;
	block[42] = 0xd1; // 1920x1080 at 75 Hz: no DMT timing we know, skipped
	block[43] = 0xcf;
	fixChecksum(block);
	EdidInfo info;
	std::string error;
	REQUIRE(parseEdid(block, info, error) == 0);
	REQUIRE(info.timings.size() == 2);
	CHECK(info.timings[0].hdisplay == 1280);
	CHECK(info.timings[0].vdisplay == 1024);
	CHECK(info.timings[1].hdisplay == 1920);
	CHECK(info.timings[1].vdisplay == 1080);
	CHECK(info.name == "std");
}

TEST_CASE("fallback modes are the VESA 60 Hz ones, largest first", "[udl][edid]")
{
	const std::vector<Timing> timings = fallbackTimings();
	REQUIRE(timings.size() == 3);
	CHECK(timings[0].hdisplay == 1024);
	CHECK(timings[1].hdisplay == 800);
	CHECK(timings[2].hdisplay == 640);
	for (const Timing &t : timings)
		CHECK(t.refreshHz() == 60);
}
