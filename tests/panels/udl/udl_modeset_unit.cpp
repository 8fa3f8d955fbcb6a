// SPDX-License-Identifier: MIT
// Mode registers: the LFSR encoding against known states and the decoder's inverse, and
// modesets that the device decodes back to the timing that was set.
#include <catch2/catch.hpp>

#include "udl/udl_edid.h"
#include "udl/udl_modeset.h"
#include "udl/udl_probe.h"
#include "udl/udl_protocol.h"
#include "udl_stream.h"

using namespace tinydrm;
using namespace tinydrm::udl;

TEST_CASE("LFSR states for the first counts", "[udl][modeset]")
{
	// From the seed 0xffff, shifting in bit15 ^ bit4 ^ bit2 ^ bit1.
	CHECK(lfsrEncode(0) == 0xffff);
	CHECK(lfsrEncode(1) == 0xfffe);
	CHECK(lfsrEncode(2) == 0xfffc);
	CHECK(lfsrEncode(3) == 0xfff9);
}

TEST_CASE("LFSR encode and decode are inverses", "[udl][modeset]")
{
	for (uint16_t count = 0; count < 5000; count++)
		REQUIRE(udlLfsrDecode(lfsrEncode(count)) == count);
	for (uint16_t count : {8191, 32768, 65533, 65534})
		CHECK(udlLfsrDecode(lfsrEncode(count)) == count);
	// The all-zero state is the one the LFSR never reaches.
	CHECK(udlLfsrDecode(0) == -1);
}

TEST_CASE("modeset bytes: lock first, plain hpixels, low-first clock, unlock last", "[udl][modeset]")
{
	const Timing xga = {65000, 1024, 1048, 1184, 1344, 768, 771, 777, 806};
	std::vector<uint8_t> bytes;
	appendModeset(bytes, xga);
	REQUIRE(bytes.size() % 4 == 0);
	const auto reg = [&bytes](size_t n) {
		return std::pair<int, int>(bytes[4 * n + 2], bytes[4 * n + 3]);
	};
	for (size_t n = 0; n < bytes.size() / 4; n++) {
		CHECK(bytes[4 * n] == 0xaf);
		CHECK(bytes[4 * n + 1] == 0x20);
	}
	CHECK(reg(0) == std::pair(0xff, 0x00));
	CHECK(reg(bytes.size() / 4 - 1) == std::pair(0xff, 0xff));
	bool sawHPixels = false, sawClock = false;
	for (size_t n = 0; n + 1 < bytes.size() / 4; n++) {
		if (reg(n).first == 0x0f) {
			CHECK(reg(n).second == 0x04); // 1024 = 0x0400, high byte first
			CHECK(reg(n + 1) == std::pair(0x10, 0x00));
			sawHPixels = true;
		}
		if (reg(n).first == 0x1b) {
			CHECK(reg(n).second == 0xc8); // 65000 / 5 = 13000 = 0x32c8, low byte first
			CHECK(reg(n + 1) == std::pair(0x1c, 0x32));
			sawClock = true;
		}
	}
	CHECK(sawHPixels);
	CHECK(sawClock);
}

TEST_CASE("every mode we offer survives a modeset through the device", "[udl][modeset]")
{
	std::vector<Timing> timings = fallbackTimings();
	EdidInfo dry;
	std::string error;
	REQUIRE(parseEdid(dryRunEdid(), dry, error) == 0);
	timings.insert(timings.end(), dry.timings.begin(), dry.timings.end());
	timings.push_back({148500, 1920, 2008, 2052, 2200, 1080, 1084, 1089, 1125});
	timings.push_back({5, 1, 2, 3, 4, 1, 2, 3, 4}); // smallest the registers take

	for (const Timing &timing : timings) {
		std::string why;
		REQUIRE(checkTiming(timing, why));
		std::vector<uint8_t> bytes;
		appendModeset(bytes, timing);
		UdlStream stream;
		REQUIRE(stream.consume(bytes.data(), bytes.size()));
		REQUIRE(stream.endTransfer());
		REQUIRE(stream.mode());
		CHECK(*stream.mode() == timing);
		CHECK(!stream.locked());
		CHECK(!stream.blanked());
		CHECK(stream.base16() == 0);
		CHECK(stream.reg(kRegColorDepth) == kColorDepth16);
		// The 8-bpp plane starts after the 16-bpp one.
		CHECK(uint32_t(stream.reg(0x26) << 16 | stream.reg(0x27) << 8 | stream.reg(0x28)) ==
		      uint32_t(timing.hdisplay) * timing.vdisplay * 2);
	}
}

TEST_CASE("blanking after a modeset keeps the mode and shows black", "[udl][modeset]")
{
	const Timing vga = fallbackTimings().back();
	std::vector<uint8_t> bytes;
	appendModeset(bytes, vga);
	appendBlank(bytes, kBlankPowerDown);
	UdlStream stream;
	REQUIRE(stream.consume(bytes.data(), bytes.size()));
	CHECK(*stream.mode() == vga);
	CHECK(stream.blanked());
	CHECK(stream.reg(kRegBlankMode) == kBlankPowerDown);
	std::vector<uint32_t> image;
	stream.render(image);
	CHECK(image.size() == 640u * 480);
	CHECK(std::all_of(image.begin(), image.end(), [](uint32_t p) { return p == 0; }));
}

TEST_CASE("checkTiming refuses what the registers cannot hold", "[udl][modeset]")
{
	std::string why;
	const Timing good = {65000, 1024, 1048, 1184, 1344, 768, 771, 777, 806};
	CHECK(checkTiming(good, why));
	Timing t = good;
	t.hsyncStart = 1000; // inside the active area
	CHECK_FALSE(checkTiming(t, why));
	t = good;
	t.clockKhz = 400000; // 80000 in 5 kHz units does not fit 16 bits
	CHECK_FALSE(checkTiming(t, why));
	t = good;
	t.vdisplay = 0;
	CHECK_FALSE(checkTiming(t, why));
	t = {500000, 4096, 4100, 4200, 4400, 4096, 4100, 4110, 4200}; // 4096x4096x3 > 16 MiB
	CHECK_FALSE(checkTiming(t, why));
}
