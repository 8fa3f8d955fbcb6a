// SPDX-License-Identifier: MIT
#include "udl_edid.h"

#include <algorithm>
#include <cerrno>
#include <optional>

namespace tinydrm::udl {

namespace {

constexpr std::array<uint8_t, 8> kEdidHeader = {0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00};
constexpr size_t kFirstDescriptor = 54;
constexpr size_t kDescriptorSize = 18;
constexpr size_t kDescriptors = 4;
constexpr size_t kStandard = 38;
constexpr size_t kStandardCount = 8;
constexpr uint8_t kTagMonitorName = 0xfc;
constexpr uint8_t kTagDummy = 0x10;

/// VESA DMT timings of the modes EDID names by number (established and standard timings).
struct DmtMode {
	Timing timing;
	int establishedByte = -1; ///< the established-timings bit naming it, if any
	int establishedBit = 0;
};

constexpr DmtMode kDmtModes[] = {
	{{65000, 1024, 1048, 1184, 1344, 768, 771, 777, 806}, 36, 3},
	{{40000, 800, 840, 968, 1056, 600, 601, 605, 628}, 35, 0},
	{{25175, 640, 656, 752, 800, 480, 490, 492, 525}, 35, 5},
	{{74250, 1280, 1390, 1430, 1650, 720, 725, 730, 750}},
	{{83500, 1280, 1352, 1480, 1680, 800, 803, 809, 831}},
	{{108000, 1280, 1328, 1440, 1688, 1024, 1025, 1028, 1066}},
	{{106500, 1440, 1520, 1672, 1904, 900, 903, 909, 934}},
	{{162000, 1600, 1664, 1856, 2160, 1200, 1201, 1204, 1250}},
	{{146250, 1680, 1784, 1960, 2240, 1050, 1053, 1059, 1089}},
	{{148500, 1920, 2008, 2052, 2200, 1080, 1084, 1089, 1125}},
};
/// fallbackTimings() and the established timings buildEdid() writes: the first three.
constexpr size_t kFallbackModes = 3;

std::optional<Timing> findDmt(uint32_t width, uint32_t height, uint32_t refreshHz)
{
	for (const DmtMode &mode : kDmtModes)
		if (mode.timing.hdisplay == width && mode.timing.vdisplay == height &&
		    mode.timing.refreshHz() == refreshHz)
			return mode.timing;
	return std::nullopt;
}

/// A detailed timing descriptor (pixel clock != 0); nullopt for interlaced or unusable ones.
std::optional<Timing> parseDetailed(const uint8_t *d)
{
	const uint32_t clock10k = uint32_t(d[0] | d[1] << 8);
	const uint32_t hactive = d[2] | (d[4] >> 4) << 8;
	const uint32_t hblank = d[3] | (d[4] & 0xf) << 8;
	const uint32_t vactive = d[5] | (d[7] >> 4) << 8;
	const uint32_t vblank = d[6] | (d[7] & 0xf) << 8;
	const uint32_t hsyncOffset = d[8] | (d[11] >> 6) << 8;
	const uint32_t hsyncWidth = d[9] | ((d[11] >> 4) & 3) << 8;
	const uint32_t vsyncOffset = (d[10] >> 4) | ((d[11] >> 2) & 3) << 4;
	const uint32_t vsyncWidth = (d[10] & 0xf) | (d[11] & 3) << 4;
	if (d[17] & 0x80) // interlaced: the device scans progressive only
		return std::nullopt;

	Timing t;
	t.clockKhz = clock10k * 10;
	t.hdisplay = uint16_t(hactive);
	t.hsyncStart = uint16_t(hactive + hsyncOffset);
	t.hsyncEnd = uint16_t(hactive + hsyncOffset + hsyncWidth);
	t.htotal = uint16_t(hactive + hblank);
	t.vdisplay = uint16_t(vactive);
	t.vsyncStart = uint16_t(vactive + vsyncOffset);
	t.vsyncEnd = uint16_t(vactive + vsyncOffset + vsyncWidth);
	t.vtotal = uint16_t(vactive + vblank);
	std::string why;
	if (!checkTiming(t, why))
		return std::nullopt;
	return t;
}

void addTiming(std::vector<Timing> &timings, const Timing &timing)
{
	if (std::find(timings.begin(), timings.end(), timing) == timings.end())
		timings.push_back(timing);
}

void writeDetailed(uint8_t *d, const Timing &t, uint32_t widthMm, uint32_t heightMm)
{
	const uint32_t hblank = t.htotal - t.hdisplay;
	const uint32_t vblank = t.vtotal - t.vdisplay;
	const uint32_t hsyncOffset = t.hsyncStart - t.hdisplay;
	const uint32_t hsyncWidth = t.hsyncEnd - t.hsyncStart;
	const uint32_t vsyncOffset = t.vsyncStart - t.vdisplay;
	const uint32_t vsyncWidth = t.vsyncEnd - t.vsyncStart;
	const uint32_t clock10k = t.clockKhz / 10;
	d[0] = uint8_t(clock10k);
	d[1] = uint8_t(clock10k >> 8);
	d[2] = uint8_t(t.hdisplay);
	d[3] = uint8_t(hblank);
	d[4] = uint8_t((t.hdisplay >> 8) << 4 | (hblank >> 8 & 0xf));
	d[5] = uint8_t(t.vdisplay);
	d[6] = uint8_t(vblank);
	d[7] = uint8_t((t.vdisplay >> 8) << 4 | (vblank >> 8 & 0xf));
	d[8] = uint8_t(hsyncOffset);
	d[9] = uint8_t(hsyncWidth);
	d[10] = uint8_t((vsyncOffset & 0xf) << 4 | (vsyncWidth & 0xf));
	d[11] = uint8_t((hsyncOffset >> 8 & 3) << 6 | (hsyncWidth >> 8 & 3) << 4 |
			(vsyncOffset >> 4 & 3) << 2 | (vsyncWidth >> 4 & 3));
	d[12] = uint8_t(widthMm);
	d[13] = uint8_t(heightMm);
	d[14] = uint8_t((widthMm >> 8 & 0xf) << 4 | (heightMm >> 8 & 0xf));
	d[17] = 0x1e; // digital separate sync, both polarities positive
}

} // namespace

int parseEdid(std::span<const uint8_t, kEdidBlockSize> block, EdidInfo &info, std::string &error)
{
	info = {};
	if (!std::equal(kEdidHeader.begin(), kEdidHeader.end(), block.begin())) {
		error = "EDID header missing";
		return -EINVAL;
	}
	uint8_t sum = 0;
	for (uint8_t byte : block)
		sum = uint8_t(sum + byte);
	if (sum) {
		error = "EDID checksum off by " + std::to_string(sum);
		return -EINVAL;
	}

	info.widthMm = block[21] * 10u;
	info.heightMm = block[22] * 10u;
	for (size_t n = 0; n < kDescriptors; n++) {
		const uint8_t *d = block.data() + kFirstDescriptor + n * kDescriptorSize;
		if (d[0] || d[1]) {
			if (std::optional<Timing> timing = parseDetailed(d)) {
				if (info.timings.empty() && (d[12] || d[13] || d[14])) {
					info.widthMm = d[12] | (d[14] >> 4) << 8;
					info.heightMm = d[13] | (d[14] & 0xf) << 8;
				}
				addTiming(info.timings, *timing);
			}
		} else if (d[3] == kTagMonitorName) {
			for (size_t i = 5; i < kDescriptorSize && d[i] != '\n'; i++)
				info.name += char(d[i] >= ' ' && d[i] <= '~' ? d[i] : '?');
			while (!info.name.empty() && info.name.back() == ' ')
				info.name.pop_back();
		}
	}
	for (const DmtMode &mode : kDmtModes)
		if (mode.establishedByte >= 0 &&
		    (block[size_t(mode.establishedByte)] >> mode.establishedBit & 1))
			addTiming(info.timings, mode.timing);
	for (size_t n = 0; n < kStandardCount; n++) {
		const uint8_t b0 = block[kStandard + 2 * n];
		const uint8_t b1 = block[kStandard + 2 * n + 1];
		if (b0 <= 1) // 0x01 0x01 marks an unused slot, 0 is invalid
			continue;
		const uint32_t width = (b0 + 31u) * 8;
		static constexpr uint32_t aspect[4][2] = {{16, 10}, {4, 3}, {5, 4}, {16, 9}};
		const uint32_t height = width * aspect[b1 >> 6][1] / aspect[b1 >> 6][0];
		if (std::optional<Timing> timing = findDmt(width, height, (b1 & 0x3fu) + 60))
			addTiming(info.timings, *timing);
	}
	if (info.timings.empty()) {
		error = "EDID names no progressive mode we know the timing of";
		return -EINVAL;
	}
	return 0;
}

std::vector<Timing> fallbackTimings()
{
	std::vector<Timing> timings;
	for (size_t n = 0; n < kFallbackModes; n++)
		timings.push_back(kDmtModes[n].timing);
	return timings;
}

EdidBlock buildEdid(std::span<const Timing> detailed, uint32_t widthMm, uint32_t heightMm,
		    const std::string &name)
{
	EdidBlock b{};
	std::copy(kEdidHeader.begin(), kEdidHeader.end(), b.begin());
	// Manufacturer "TDM" (three 5-bit letters, big-endian), product 1, week 1 of 2024.
	const uint16_t maker = uint16_t(('T' - '@') << 10 | ('D' - '@') << 5 | ('M' - '@'));
	b[8] = uint8_t(maker >> 8);
	b[9] = uint8_t(maker);
	b[10] = 1;
	b[16] = 1;
	b[17] = 2024 - 1990;
	b[18] = 1; // EDID 1.3
	b[19] = 3;
	b[20] = 0x80; // digital input (DVI)
	b[21] = uint8_t((widthMm + 5) / 10);
	b[22] = uint8_t((heightMm + 5) / 10);
	b[23] = 120;  // gamma 2.2
	b[24] = 0x0a; // RGB colour; the first detailed timing is the preferred mode
	// sRGB primaries and D65 white, 10-bit CIE xy packed the EDID way.
	constexpr uint8_t chroma[10] = {0xee, 0x91, 0xa3, 0x54, 0x4c, 0x99, 0x26, 0x0f, 0x50, 0x54};
	std::copy(std::begin(chroma), std::end(chroma), b.begin() + 25);
	for (size_t n = 0; n < kFallbackModes; n++)
		b[size_t(kDmtModes[n].establishedByte)] |= uint8_t(1u << kDmtModes[n].establishedBit);
	for (size_t n = 0; n < kStandardCount; n++)
		b[kStandard + 2 * n] = b[kStandard + 2 * n + 1] = 0x01;

	size_t slot = 0;
	for (const Timing &timing : detailed.first(std::min<size_t>(detailed.size(), kDescriptors - 1)))
		writeDetailed(b.data() + kFirstDescriptor + kDescriptorSize * slot++, timing, widthMm,
			      heightMm);
	for (; slot < kDescriptors; slot++) {
		uint8_t *d = b.data() + kFirstDescriptor + kDescriptorSize * slot;
		if (slot + 1 < kDescriptors) {
			d[3] = kTagDummy;
			continue;
		}
		d[3] = kTagMonitorName;
		size_t i = 5;
		for (char ch : name.substr(0, kDescriptorSize - 5))
			d[i++] = uint8_t(ch);
		if (i < kDescriptorSize)
			d[i++] = '\n';
		for (; i < kDescriptorSize; i++)
			d[i] = ' ';
	}

	uint8_t sum = 0;
	for (size_t i = 0; i + 1 < b.size(); i++)
		sum = uint8_t(sum + b[i]);
	b[b.size() - 1] = uint8_t(-sum);
	return b;
}

} // namespace tinydrm::udl
