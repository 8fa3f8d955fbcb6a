// SPDX-License-Identifier: MIT
// The emulated DisplayLink device's answers on endpoint 0 and its bulk stream handling, without
// the kernel: SETUP packets go straight to the model, as FunctionFS would hand them over.
#include <catch2/catch.hpp>

#include <endian.h>

#include "udl/rlx_encoder.h"
#include "udl/udl_modeset.h"
#include "udl/udl_probe.h"
#include "udl/udl_protocol.h"
#include "udl_device.h"

using namespace tinydrm;
using namespace tinydrm::gadget;
using Kind = ControlAnswer::Kind;

namespace {

usb_ctrlrequest setup(uint8_t type, uint8_t request, uint16_t value, uint16_t index, uint16_t length)
{
	usb_ctrlrequest r{};
	r.bRequestType = type;
	r.bRequest = request;
	r.wValue = htole16(value);
	r.wIndex = htole16(index);
	r.wLength = htole16(length);
	return r;
}

usb_ctrlrequest edidRead(size_t offset, uint16_t length = udl::kEdidReplyLength)
{
	return setup(udl::kRequestTypeVendorIn, udl::kRequestReadEdid, uint16_t(offset << 8),
		     udl::kEdidIndex, length);
}

const usb_ctrlrequest kChannelSelect =
	setup(udl::kRequestTypeVendorOut, udl::kRequestSelectChannel, 0, 0, udl::kChannelKey.size());

void selectChannel(UdlDevice &device)
{
	REQUIRE(device.setup(kChannelSelect).kind == Kind::Receive);
	device.received(kChannelSelect, udl::kChannelKey);
}

/// 1024x768@60 (the EDID's preferred mode).
const udl::Timing kXga = {65000, 1024, 1048, 1184, 1344, 768, 771, 777, 806};

/// A modeset plus one RLX16 line of @p count pixels of @p rgb565 at (0, @p y).
std::vector<uint8_t> frame(uint16_t rgb565, size_t count, uint32_t y)
{
	std::vector<uint8_t> out;
	udl::appendModeset(out, kXga);
	std::vector<uint8_t> pixels;
	for (size_t i = 0; i < count; i++) {
		pixels.push_back(uint8_t(rgb565 >> 8));
		pixels.push_back(uint8_t(rgb565));
	}
	std::vector<uint8_t> encoded(udl::rlxWorstCase(count));
	const size_t n = udl::encodeRlx16(encoded.data(), y * kXga.hdisplay * 2, pixels.data(), count);
	out.insert(out.end(), encoded.begin(), encoded.begin() + ptrdiff_t(n));
	out.push_back(udl::kCmdStart); // the flush's trailing no-op
	return out;
}

} // namespace

TEST_CASE("the vendor descriptor is the dry-run device's, cut to wLength", "[gadget]")
{
	UdlDevice device;
	const std::vector<uint8_t> expected = udl::dryRunVendorDescriptor();
	ControlAnswer a = device.setup(setup(udl::kRequestTypeStandardIn, udl::kRequestGetDescriptor,
					     udl::kVendorDescriptorType << 8, 0, 256));
	REQUIRE(a.kind == Kind::Reply);
	CHECK(a.data == expected);

	a = device.setup(setup(udl::kRequestTypeStandardIn, udl::kRequestGetDescriptor,
			       udl::kVendorDescriptorType << 8, 0, 3));
	REQUIRE(a.kind == Kind::Reply);
	CHECK(a.data == std::vector<uint8_t>(expected.begin(), expected.begin() + 3));
}

TEST_CASE("EDID reads return {0, byte} and rebuild the dry-run EDID", "[gadget]")
{
	UdlDevice device;
	const udl::EdidBlock expected = udl::dryRunEdid();
	udl::EdidBlock got{};
	for (size_t i = 0; i < got.size(); i++) {
		const ControlAnswer a = device.setup(edidRead(i));
		REQUIRE(a.kind == Kind::Reply);
		REQUIRE(a.data.size() == 2);
		CHECK(a.data[0] == 0);
		got[i] = a.data[1];
	}
	CHECK(got == expected);
	CHECK(device.stats().edidReads == 128);
	CHECK(device.stats().stalls == 0);

	udl::EdidInfo info;
	std::string why;
	REQUIRE(udl::parseEdid(got, info, why) == 0);
	REQUIRE_FALSE(info.timings.empty());
	CHECK(info.timings.front().hdisplay == 1024);
	CHECK(info.timings.front().vdisplay == 768);
}

TEST_CASE("malformed EDID reads stall", "[gadget]")
{
	UdlDevice device;
	CHECK(device.setup(edidRead(128)).kind == Kind::Stall);                 // no extension block
	CHECK(device.setup(edidRead(0, 1)).kind == Kind::Stall);                // no room for the reply
	CHECK(device.setup(setup(udl::kRequestTypeVendorIn, udl::kRequestReadEdid, 0, 0xa0, 2)).kind ==
	      Kind::Stall);                                                      // wrong wIndex
	CHECK(device.setup(setup(udl::kRequestTypeVendorIn, udl::kRequestReadEdid, 0x0001,
				 udl::kEdidIndex, 2)).kind == Kind::Stall); // offset in the low byte
	CHECK(device.stats().stalls == 4);
	CHECK(device.stats().edidReads == 0);
}

TEST_CASE("channel select takes the 16-byte key; other requests stall", "[gadget]")
{
	UdlDevice device;
	CHECK_FALSE(device.stats().channelSelected);
	selectChannel(device);
	CHECK(device.stats().channelSelected);

	// A channel select of the wrong length, unknown vendor requests, other descriptor types.
	CHECK(device.setup(setup(udl::kRequestTypeVendorOut, udl::kRequestSelectChannel, 0, 0, 8)).kind ==
	      Kind::Stall);
	CHECK(device.setup(setup(udl::kRequestTypeVendorOut, 0x13, 0, 0, 0)).kind == Kind::Stall);
	CHECK(device.setup(setup(udl::kRequestTypeVendorIn, 0x06, 0, 0, 4)).kind == Kind::Stall);
	CHECK(device.setup(setup(udl::kRequestTypeStandardIn, udl::kRequestGetDescriptor, 0x6000, 0,
				 64)).kind == Kind::Stall);
	CHECK(device.stats().stalls == 4);

	// A wrong key deselects: the stream is ignored again.
	UdlDevice other;
	REQUIRE(other.setup(kChannelSelect).kind == Kind::Receive);
	std::array<uint8_t, 16> wrong{};
	other.received(kChannelSelect, wrong);
	CHECK_FALSE(other.stats().channelSelected);
}

TEST_CASE("bulk bytes before the channel select are ignored", "[gadget]")
{
	UdlDevice device;
	const std::vector<uint8_t> bytes = frame(0xf800, 16, 0);
	device.bulk(bytes, true);
	const DeviceStats s = device.stats();
	CHECK(s.bulkBytes == bytes.size());
	CHECK(s.ignoredBytes == bytes.size());
	CHECK(s.commands == 0);
	CHECK_FALSE(s.mode);
	std::vector<uint32_t> pixels;
	uint32_t w = 0, h = 0;
	CHECK_FALSE(device.render(pixels, w, h));
}

TEST_CASE("the bulk stream sets the mode and draws, in arbitrary pieces", "[gadget]")
{
	UdlDevice device;
	selectChannel(device);
	const std::vector<uint8_t> bytes = frame(0x07e0, 100, 10); // green
	REQUIRE(bytes.size() > 58);
	// Split as FunctionFS reads may split a stream: one byte, then odd pieces.
	size_t offset = 0;
	for (size_t piece : {size_t(1), size_t(7), size_t(50)}) {
		device.bulk({bytes.data() + offset, piece}, false);
		offset += piece;
	}
	device.bulk({bytes.data() + offset, bytes.size() - offset}, true);

	const DeviceStats s = device.stats();
	CHECK(s.streamError == "");
	REQUIRE(s.mode);
	CHECK(s.mode->hdisplay == 1024);
	CHECK(s.mode->vdisplay == 768);
	CHECK(s.commands > 0);
	CHECK(s.bulkBytes == bytes.size());
	CHECK(s.ignoredBytes == 0);

	std::vector<uint32_t> pixels;
	uint32_t w = 0, h = 0;
	REQUIRE(device.render(pixels, w, h));
	REQUIRE(w == 1024);
	REQUIRE(h == 768);
	REQUIRE(pixels.size() == size_t(w) * h);
	CHECK((pixels[10 * w + 0] & 0xffffff) == 0x00ff00);
	CHECK((pixels[10 * w + 99] & 0xffffff) == 0x00ff00);
	CHECK((pixels[10 * w + 100] & 0xffffff) == 0x000000);
	CHECK((pixels[9 * w + 0] & 0xffffff) == 0x000000);

	// Power-on forgets everything.
	device.powerOn();
	CHECK_FALSE(device.stats().mode);
	CHECK_FALSE(device.stats().channelSelected);
	CHECK(device.stats().bulkBytes == 0);
}

TEST_CASE("a command cut by a transfer end is reported, later bytes are ignored", "[gadget]")
{
	UdlDevice device;
	selectChannel(device);
	const uint8_t cut[] = {udl::kCmdStart, udl::kCmdWriteRegister, 0x00}; // value missing
	device.bulk(cut, true);
	CHECK_FALSE(device.stats().streamError.empty());
	const std::vector<uint8_t> bytes = frame(0x001f, 4, 0);
	device.bulk(bytes, true);
	CHECK_FALSE(device.stats().mode);
}
