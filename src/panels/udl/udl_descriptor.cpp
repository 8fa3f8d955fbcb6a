// SPDX-License-Identifier: MIT
#include "udl_descriptor.h"

#include <cerrno>

#include <spdlog/fmt/fmt.h>

#include "udl_protocol.h"

namespace tinydrm::udl {

int parseVendorDescriptor(std::span<const uint8_t> bytes, VendorDescriptor &descriptor,
			  std::string &error)
{
	descriptor = {};
	if (bytes.size() < kVendorDescriptorHeader) {
		error = "vendor descriptor of " + std::to_string(bytes.size()) + " bytes (header is " +
			std::to_string(kVendorDescriptorHeader) + ")";
		return -EINVAL;
	}
	if (bytes[1] != kVendorDescriptorType) {
		error = fmt::format("descriptor type {:#04x}, not the vendor's {:#04x}", bytes[1],
				    kVendorDescriptorType);
		return -EINVAL;
	}
	const size_t total = bytes[0];
	if (total < kVendorDescriptorHeader || total > bytes.size()) {
		error = "vendor descriptor says " + std::to_string(total) + " bytes, device sent " +
			std::to_string(bytes.size());
		return -EINVAL;
	}
	const uint16_t version = uint16_t(bytes[2] | bytes[3] << 8);
	if (version != kVendorDescriptorVersion || bytes[4] != total - 2) {
		error = "unknown vendor descriptor version " + std::to_string(version);
		return -EINVAL;
	}

	size_t offset = kVendorDescriptorHeader;
	while (offset < total) {
		if (total - offset < 3) {
			error = "vendor descriptor record header cut at byte " + std::to_string(offset);
			return -EINVAL;
		}
		const uint16_t key = uint16_t(bytes[offset] | bytes[offset + 1] << 8);
		const size_t length = bytes[offset + 2];
		offset += 3;
		if (length > total - offset) {
			error = fmt::format("vendor descriptor record {:#06x} runs past the end", key);
			return -EINVAL;
		}
		if (key == kKeyMaxArea) {
			if (length != 4) {
				error = "max area record of " + std::to_string(length) + " bytes";
				return -EINVAL;
			}
			descriptor.maxArea = uint32_t(bytes[offset]) | uint32_t(bytes[offset + 1]) << 8 |
					     uint32_t(bytes[offset + 2]) << 16 |
					     uint32_t(bytes[offset + 3]) << 24;
		}
		offset += length;
	}
	return 0;
}

std::vector<uint8_t> buildVendorDescriptor(uint32_t maxArea)
{
	const uint8_t total = maxArea ? kVendorDescriptorHeader + 7 : kVendorDescriptorHeader;
	std::vector<uint8_t> bytes(total);
	bytes[0] = total;
	bytes[1] = kVendorDescriptorType;
	bytes[2] = uint8_t(kVendorDescriptorVersion);
	bytes[3] = uint8_t(kVendorDescriptorVersion >> 8);
	bytes[4] = uint8_t(total - 2);
	if (maxArea) {
		bytes[5] = uint8_t(kKeyMaxArea);
		bytes[6] = uint8_t(kKeyMaxArea >> 8);
		bytes[7] = 4;
		for (size_t i = 0; i < 4; i++)
			bytes[8 + i] = uint8_t(maxArea >> (8 * i));
	}
	return bytes;
}

} // namespace tinydrm::udl
