// SPDX-License-Identifier: MIT
#include "udl_modeset.h"

#include "udl_protocol.h"

namespace tinydrm::udl {

namespace {

/// The LFSR's period: counts 0..65534 have distinct states; 65535 would wrap to the seed.
constexpr uint32_t kLfsrPeriod = 65535;

void appendRegister16(std::vector<uint8_t> &out, uint8_t reg, uint16_t value)
{
	appendRegister(out, reg, uint8_t(value >> 8));
	appendRegister(out, uint8_t(reg + 1), uint8_t(value));
}

void appendLfsr16(std::vector<uint8_t> &out, uint8_t reg, uint16_t count)
{
	appendRegister16(out, reg, lfsrEncode(count));
}

void appendBase(std::vector<uint8_t> &out, uint8_t reg, uint32_t base)
{
	appendRegister(out, reg, uint8_t(base >> 16));
	appendRegister(out, uint8_t(reg + 1), uint8_t(base >> 8));
	appendRegister(out, uint8_t(reg + 2), uint8_t(base));
}

} // namespace

uint32_t Timing::refreshHz() const
{
	const uint64_t frame = uint64_t(htotal) * vtotal;
	if (!frame)
		return 0;
	return uint32_t((uint64_t(clockKhz) * 1000 + frame / 2) / frame);
}

bool checkTiming(const Timing &t, std::string &why)
{
	if (!t.hdisplay || !t.vdisplay) {
		why = "empty mode";
		return false;
	}
	if (!(t.hdisplay <= t.hsyncStart && t.hsyncStart < t.hsyncEnd && t.hsyncEnd <= t.htotal) ||
	    !(t.vdisplay <= t.vsyncStart && t.vsyncStart < t.vsyncEnd && t.vsyncEnd <= t.vtotal)) {
		why = "sync pulses outside the blanking interval";
		return false;
	}
	// Every LFSR count is at most the total (x display end = htotal - hsync_start +
	// hdisplay <= htotal; y end count = vtotal), so bounding the totals bounds them all.
	if (t.htotal >= kLfsrPeriod || t.vtotal >= kLfsrPeriod) {
		why = "totals beyond the 16-bit timing counters";
		return false;
	}
	if (t.clockKhz / 5 > 0xffff || t.clockKhz < 5) {
		why = "pixel clock " + std::to_string(t.clockKhz) + " kHz outside the device's 5 kHz " +
		      "register";
		return false;
	}
	// Both planes (2 bytes + 1 byte a pixel) must fit the 24-bit address space.
	if (uint64_t(t.hdisplay) * t.vdisplay * 3 > kAddressSpace) {
		why = "mode larger than the device's 16 MiB";
		return false;
	}
	return true;
}

uint16_t lfsrEncode(uint16_t count)
{
	// A modeset needs a dozen counts of a few thousand steps each: stepping is cheaper than
	// keeping a 128 KiB table around.
	uint16_t state = kLfsrSeed;
	for (uint32_t step = 0; step < count % kLfsrPeriod; step++)
		state = lfsrStep(state);
	return state;
}

void appendRegister(std::vector<uint8_t> &out, uint8_t reg, uint8_t value)
{
	out.insert(out.end(), {kCmdStart, kCmdWriteRegister, reg, value});
}

void appendModeset(std::vector<uint8_t> &out, const Timing &t)
{
	const uint16_t xStart = uint16_t(t.htotal - t.hsyncStart);
	const uint16_t yStart = uint16_t(t.vtotal - t.vsyncStart);

	appendRegister(out, kRegVideoLock, kVideoLock);
	appendRegister(out, kRegColorDepth, kColorDepth16);
	appendBase(out, kRegBase16, 0);
	appendBase(out, kRegBase8, uint32_t(t.hdisplay) * t.vdisplay * 2);

	// The device counts from the end of the sync pulse: display starts after back porch + sync
	// and ends hdisplay later; sync start is pinned to 1 (0 vertically) as libdlo does.
	appendLfsr16(out, kRegXDisplayStart, xStart);
	appendLfsr16(out, kRegXDisplayEnd, uint16_t(xStart + t.hdisplay));
	appendLfsr16(out, kRegYDisplayStart, yStart);
	appendLfsr16(out, kRegYDisplayEnd, uint16_t(yStart + t.vdisplay));
	appendLfsr16(out, kRegXEndCount, uint16_t(t.htotal - 1));
	appendLfsr16(out, kRegHSyncStart, 1);
	appendLfsr16(out, kRegHSyncEnd, uint16_t(t.hsyncEnd - t.hsyncStart + 1));
	appendRegister16(out, kRegHPixels, t.hdisplay);
	appendLfsr16(out, kRegYEndCount, t.vtotal);
	appendLfsr16(out, kRegVSyncStart, 0);
	appendLfsr16(out, kRegVSyncEnd, uint16_t(t.vsyncEnd - t.vsyncStart));
	appendRegister16(out, kRegVPixels, t.vdisplay);
	const uint16_t clock = uint16_t(t.clockKhz / 5);
	appendRegister(out, kRegPixelClock5k, uint8_t(clock));
	appendRegister(out, uint8_t(kRegPixelClock5k + 1), uint8_t(clock >> 8));

	appendRegister(out, kRegBlankMode, kBlankOn);
	appendRegister(out, kRegVideoLock, kVideoUnlock);
}

void appendBlank(std::vector<uint8_t> &out, uint8_t mode)
{
	appendRegister(out, kRegVideoLock, kVideoLock);
	appendRegister(out, kRegBlankMode, mode);
	appendRegister(out, kRegVideoLock, kVideoUnlock);
}

} // namespace tinydrm::udl
