// SPDX-License-Identifier: MIT
// DisplayLink mode registers: display timings, their LFSR encoding, and the register sequences
// for a modeset and for blanking.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tinydrm::udl {

/**
 * Timing - one video mode as a monitor takes it (the fields of a drm_display_mode that the
 * device needs). Sync positions count from the start of the line/frame, like DRM's.
 */
struct Timing {
	uint32_t clockKhz = 0;
	uint16_t hdisplay = 0;
	uint16_t hsyncStart = 0;
	uint16_t hsyncEnd = 0;
	uint16_t htotal = 0;
	uint16_t vdisplay = 0;
	uint16_t vsyncStart = 0;
	uint16_t vsyncEnd = 0;
	uint16_t vtotal = 0;

	/// Frames per second, rounded to the nearest integer.
	uint32_t refreshHz() const;
	bool operator==(const Timing &) const = default;
};

/**
 * checkTiming - whether @p timing is ordered (display < sync start <= sync end <= total) and
 * fits the device: every LFSR count and the 5 kHz clock fit their 16-bit registers.
 * \return true, or false with a reason in @p why.
 */
bool checkTiming(const Timing &timing, std::string &why);

/// The LFSR state after @p count steps from the seed: what a timing register holds for a
/// counter that must reach @p count. @p count must be below 65535 (the LFSR's period).
uint16_t lfsrEncode(uint16_t count);

/// Appends the register write AF 20 @p reg @p value to @p out.
void appendRegister(std::vector<uint8_t> &out, uint8_t reg, uint8_t value);

/**
 * appendModeset - appends what the kernel's udl sends in one transfer to set a mode: lock the
 * video registers, 16-bpp colour depth, the 16-bpp plane at 0 and the 8-bpp plane after it,
 * the timing registers, blank off (visible), unlock. @p timing must pass checkTiming().
 */
void appendModeset(std::vector<uint8_t> &out, const Timing &timing);

/// Appends lock, blank mode @p mode (kBlank*), unlock.
void appendBlank(std::vector<uint8_t> &out, uint8_t mode);

} // namespace tinydrm::udl
