// SPDX-License-Identifier: MIT
// The DisplayLink vendor descriptor (type 0x5F): what the device says about its limits.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace tinydrm::udl {

struct VendorDescriptor {
	/// Largest mode area in pixels the device's SKU allows; 0 when it names none.
	uint32_t maxArea = 0;
};

/**
 * parseVendorDescriptor - checks the header of @p bytes (what GET_DESCRIPTOR returned):
 * {total length, 0x5F, le16 version 1, total - 2}, then reads the TLV records that follow;
 * key 0x0200 is the le32 max area, other keys are skipped.
 * \return 0, or -EINVAL with a reason in @p error (short, wrong type or version, a record
 * running past the end, a max area that is not 4 bytes).
 */
int parseVendorDescriptor(std::span<const uint8_t> bytes, VendorDescriptor &descriptor,
			  std::string &error);

/// A descriptor as a device sends it, with a max area record when @p maxArea is non-zero.
std::vector<uint8_t> buildVendorDescriptor(uint32_t maxArea);

} // namespace tinydrm::udl
