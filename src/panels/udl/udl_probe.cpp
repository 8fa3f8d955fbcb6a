// SPDX-License-Identifier: MIT
#include "udl_probe.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "udl_descriptor.h"
#include "udl_protocol.h"

namespace tinydrm::udl {

int readVendorDescriptor(UsbLink &link, std::vector<uint8_t> &bytes)
{
	bytes.assign(kVendorDescriptorMax, 0);
	const UsbSetup setup = {kRequestTypeStandardIn, kRequestGetDescriptor,
				uint16_t(kVendorDescriptorType << 8), 0};
	const int ret = link.control(setup, bytes.data(), kVendorDescriptorMax, kControlTimeout);
	if (ret < 0) {
		bytes.clear();
		return ret;
	}
	bytes.resize(size_t(ret));
	return 0;
}

int selectChannel(UsbLink &link)
{
	std::array<uint8_t, kChannelKey.size()> key = kChannelKey;
	const UsbSetup setup = {kRequestTypeVendorOut, kRequestSelectChannel, 0, 0};
	const int ret = link.control(setup, key.data(), uint16_t(key.size()), kControlTimeout);
	if (ret < 0)
		return ret;
	return size_t(ret) == key.size() ? 0 : -EIO;
}

int readEdid(UsbLink &link, EdidBlock &block)
{
	for (size_t i = 0; i < block.size(); i++) {
		uint8_t reply[kEdidReplyLength] = {};
		const UsbSetup setup = {kRequestTypeVendorIn, kRequestReadEdid, uint16_t(i << 8),
					kEdidIndex};
		const int ret = link.control(setup, reply, kEdidReplyLength, kControlTimeout);
		if (ret < 0)
			return ret;
		// reply[0] is a status byte the kernel never looks at; the EDID checksum catches
		// what a failed read would have garbled.
		if (ret != kEdidReplyLength)
			return -EIO;
		block[i] = reply[1];
	}
	return 0;
}

std::vector<uint8_t> dryRunVendorDescriptor()
{
	return buildVendorDescriptor(1920 * 1080);
}

EdidBlock dryRunEdid()
{
	const std::vector<Timing> detailed = {
		{65000, 1024, 1048, 1184, 1344, 768, 771, 777, 806},
		{108000, 1280, 1328, 1440, 1688, 1024, 1025, 1028, 1066},
	};
	return buildEdid(detailed, 340, 270, "tinydrm dry");
}

UsbResponder dryRunResponder()
{
	return [descriptor = dryRunVendorDescriptor(), edid = dryRunEdid()](
		       const UsbSetup &setup, uint8_t *data, uint16_t length) -> int {
		if (setup.requestType == kRequestTypeStandardIn &&
		    setup.request == kRequestGetDescriptor &&
		    setup.value == uint16_t(kVendorDescriptorType << 8)) {
			const size_t n = std::min<size_t>(length, descriptor.size());
			std::memcpy(data, descriptor.data(), n);
			return int(n);
		}
		if (setup.requestType == kRequestTypeVendorIn && setup.request == kRequestReadEdid &&
		    setup.index == kEdidIndex && length >= kEdidReplyLength &&
		    (setup.value >> 8) < edid.size()) {
			data[0] = 0;
			data[1] = edid[setup.value >> 8];
			return kEdidReplyLength;
		}
		return -EPIPE;
	};
}

} // namespace tinydrm::udl
