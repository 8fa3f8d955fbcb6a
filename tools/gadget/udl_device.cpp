// SPDX-License-Identifier: MIT
#include "udl_device.h"

#include <algorithm>
#include <endian.h>

#include "log.h"
#include "udl/udl_probe.h"
#include "udl/udl_protocol.h"

namespace tinydrm::gadget {

using namespace udl;

namespace {

std::shared_ptr<spdlog::logger> log()
{
	static const auto logger = subsystemLogger("gadget");
	return logger;
}

/// Setup packet fields arrive little-endian from the wire (usb_ctrlrequest keeps them so).
struct Setup {
	uint8_t type;
	uint8_t request;
	uint16_t value;
	uint16_t index;
	uint16_t length;
};

Setup fields(const usb_ctrlrequest &r)
{
	return {r.bRequestType, r.bRequest, le16toh(r.wValue), le16toh(r.wIndex), le16toh(r.wLength)};
}

bool isChannelSelect(const Setup &s)
{
	return s.type == kRequestTypeVendorOut && s.request == kRequestSelectChannel;
}

} // namespace

UdlDevice::UdlDevice() : vendorDescriptor_(dryRunVendorDescriptor()), edid_(dryRunEdid()) {}

ControlAnswer UdlDevice::setup(const usb_ctrlrequest &request)
{
	const Setup s = fields(request);
	std::lock_guard lock(mutex_);

	if (s.type == kRequestTypeStandardIn && s.request == kRequestGetDescriptor &&
	    s.value == uint16_t(kVendorDescriptorType << 8) && s.index == 0) {
		const size_t n = std::min<size_t>(s.length, vendorDescriptor_.size());
		log()->info("vendor descriptor read ({} of {} bytes)", n, vendorDescriptor_.size());
		return ControlAnswer::reply({vendorDescriptor_.begin(), vendorDescriptor_.begin() + ptrdiff_t(n)});
	}

	if (s.type == kRequestTypeVendorIn && s.request == kRequestReadEdid && s.index == kEdidIndex &&
	    s.length >= kEdidReplyLength && (s.value & 0xff) == 0 && (s.value >> 8) < edid_.size()) {
		const size_t offset = s.value >> 8;
		stats_.edidReads++;
		if (offset == 0 || offset == edid_.size() - 1)
			log()->info("EDID byte {} read ({} EDID reads since power-on)", offset,
				    stats_.edidReads);
		else
			log()->debug("EDID byte {} read", offset);
		// {status, byte}: status 0 is success; the host only looks at the byte.
		return ControlAnswer::reply({0, edid_[offset]});
	}

	if (isChannelSelect(s) && s.value == 0 && s.index == 0 && s.length == kChannelKey.size())
		return ControlAnswer::receive();

	stats_.stalls++;
	log()->warn("stalling control request type {:#04x} request {:#04x} value {:#06x} index "
		    "{:#06x} length {} (not a request this device knows)",
		    s.type, s.request, s.value, s.index, s.length);
	return ControlAnswer::stall();
}

void UdlDevice::received(const usb_ctrlrequest &request, std::span<const uint8_t> data)
{
	const Setup s = fields(request);
	if (!isChannelSelect(s)) {
		// setup() only asks for data of a channel select; anything else is a caller bug.
		log()->error("unexpected OUT data for request {:#04x}; dropped", s.request);
		return;
	}
	std::lock_guard lock(mutex_);
	const bool match = std::equal(data.begin(), data.end(), kChannelKey.begin(), kChannelKey.end());
	stats_.channelSelected = match;
	if (match)
		log()->info("channel select: the standard 16-byte key, bulk stream enabled");
	else
		log()->warn("channel select with an unknown key ({} bytes): bulk stream ignored",
			    data.size());
}

void UdlDevice::bulk(std::span<const uint8_t> data, bool transferEnd)
{
	std::lock_guard lock(mutex_);
	stats_.bulkBytes += data.size();
	if (!stats_.channelSelected) {
		stats_.ignoredBytes += data.size();
		if (!ignoredLogged_ && !data.empty())
			log()->warn("{} bulk bytes before any channel select: ignored, as the device "
				    "does", data.size());
		ignoredLogged_ = true;
		return;
	}
	bool ok = stream_.consume(data.data(), data.size());
	if (ok && transferEnd)
		ok = stream_.endTransfer();
	const UdlStream::Counts &c = stream_.counts();
	stats_.commands = c.registers + c.raw16 + c.rl16 + c.copy16 + c.rlx16;
	if (stats_.mode != stream_.mode()) {
		stats_.mode = stream_.mode();
		if (stats_.mode)
			log()->info("mode set: {}x{}@{}", stats_.mode->hdisplay, stats_.mode->vdisplay,
				    stats_.mode->refreshHz());
	}
	if (!ok && !streamErrorLogged_) {
		stats_.streamError = stream_.error();
		log()->error("bulk stream malformed, ignoring the rest until power-on: {}",
			     stats_.streamError);
		streamErrorLogged_ = true;
	}
}

void UdlDevice::powerOn()
{
	std::lock_guard lock(mutex_);
	stream_ = UdlStream();
	stats_ = DeviceStats();
	streamErrorLogged_ = false;
	ignoredLogged_ = false;
}

DeviceStats UdlDevice::stats() const
{
	std::lock_guard lock(mutex_);
	return stats_;
}

bool UdlDevice::render(std::vector<uint32_t> &pixels, uint32_t &width, uint32_t &height) const
{
	std::lock_guard lock(mutex_);
	if (!stream_.mode())
		return false;
	width = stream_.mode()->hdisplay;
	height = stream_.mode()->vdisplay;
	stream_.render(pixels);
	return true;
}

} // namespace tinydrm::gadget
