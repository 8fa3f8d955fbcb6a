// SPDX-License-Identifier: MIT
// A minimal EDID reader: the monitor's modes (detailed timings first, then the established and
// standard timings it names that we know the DMT timings of) and its size. A writer too, for
// the monitor the dry-run device plays.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "udl_modeset.h"
#include "udl_protocol.h"

namespace tinydrm::udl {

using EdidBlock = std::array<uint8_t, kEdidBlockSize>;

struct EdidInfo {
	/// Preferred first (EDID's first detailed timing), no duplicates, progressive only.
	std::vector<Timing> timings;
	uint32_t widthMm = 0;
	uint32_t heightMm = 0;
	std::string name; ///< the monitor name descriptor, if any
};

/**
 * parseEdid - reads the base block @p block (extensions are not needed for the preferred
 * mode).
 * \return 0, or -EINVAL with a reason in @p error: bad header, bad checksum, or no timing in it
 * we can use.
 */
int parseEdid(std::span<const uint8_t, kEdidBlockSize> block, EdidInfo &info, std::string &error);

/// The modes offered when the EDID is unusable: 1024x768, 800x600 and 640x480 at 60 Hz (the
/// VESA DMT timings, which any VGA/DVI monitor takes).
std::vector<Timing> fallbackTimings();

/**
 * buildEdid - an EDID 1.3 base block for a digital monitor: @p detailed as detailed timings
 * (the first preferred; at most 3, the fourth descriptor holds @p name), the DMT modes of
 * fallbackTimings() as established timings, @p widthMm x @p heightMm, a valid checksum.
 */
EdidBlock buildEdid(std::span<const Timing> detailed, uint32_t widthMm, uint32_t heightMm,
		    const std::string &name);

} // namespace tinydrm::udl
