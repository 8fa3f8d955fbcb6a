// SPDX-License-Identifier: MIT
// DisplayLink (DL-1x0/1x5, the kernel's "udl") wire protocol: the numbers the host sends, shared
// by the backend and the test decoder. Facts: ../shared/facts-drm-panels-usb.md section 3.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace tinydrm::udl {

/// Every DisplayLink product has this vendor id and its own product id; the kernel matches the
/// vendor plus a vendor-specific interface (class 0xFF, subclass 0, protocol 0).
inline constexpr uint16_t kVendorId = 0x17e9;
inline constexpr uint8_t kInterfaceClass = 0xff;

/* Control requests (endpoint 0). */

/// Standard GET_DESCRIPTOR for the vendor descriptor (type 0x5F, index 0).
inline constexpr uint8_t kRequestTypeStandardIn = 0x80;
inline constexpr uint8_t kRequestGetDescriptor = 0x06;
inline constexpr uint8_t kVendorDescriptorType = 0x5f;
inline constexpr uint16_t kVendorDescriptorMax = 256;
/// Vendor descriptor: 5-byte header, then TLV records {le16 key, u8 length, value}.
inline constexpr size_t kVendorDescriptorHeader = 5;
inline constexpr uint16_t kVendorDescriptorVersion = 0x0001;
/// The one key the host uses: le32 largest mode area in pixels.
inline constexpr uint16_t kKeyMaxArea = 0x0200;

/// Channel select: vendor OUT request with this fixed 16-byte key; the device ignores bulk
/// commands until it has seen it.
inline constexpr uint8_t kRequestTypeVendorOut = 0x40;
inline constexpr uint8_t kRequestSelectChannel = 0x12;
inline constexpr std::array<uint8_t, 16> kChannelKey = {
	0x57, 0xcd, 0xdc, 0xa7, 0x1c, 0x88, 0x5e, 0x15,
	0x60, 0xfe, 0xc6, 0x97, 0x16, 0x3d, 0x47, 0xf2,
};

/// EDID read: one byte per vendor IN request; wValue = offset << 8, the answer is
/// {status, byte}.
inline constexpr uint8_t kRequestTypeVendorIn = 0xc0;
inline constexpr uint8_t kRequestReadEdid = 0x02;
inline constexpr uint16_t kEdidIndex = 0xa1;
inline constexpr uint16_t kEdidReplyLength = 2;
inline constexpr size_t kEdidBlockSize = 128;

/* Bulk command stream (endpoint 1 OUT). */

inline constexpr uint8_t kBulkEndpoint = 0x01;
/// The kernel's URB size, 16 pages less 512 bytes: a multiple of the 512-byte high-speed packet.
inline constexpr size_t kMaxTransfer = 16 * 4096 - 512;

/// Every command starts with this byte; on its own (followed by another 0xAF or the end of a
/// transfer) it is a no-op, which is how unusable transfer tails are padded.
inline constexpr uint8_t kCmdStart = 0xaf;
/// AF 20 reg value.
inline constexpr uint8_t kCmdWriteRegister = 0x20;
/// 8-bpp plane commands: the host never sends them (16-bpp only).
inline constexpr uint8_t kCmdRaw8 = 0x60;
inline constexpr uint8_t kCmdRl8 = 0x61;
inline constexpr uint8_t kCmdCopy8 = 0x62;
inline constexpr uint8_t kCmdRlx8 = 0x63;
/// AF 68 a2 a1 a0 n, then n big-endian RGB565 pixels.
inline constexpr uint8_t kCmdRaw16 = 0x68;
/// AF 69 a2 a1 a0 n, then {count, pixel} runs adding up to n.
inline constexpr uint8_t kCmdRl16 = 0x69;
/// AF 6A d2 d1 d0 n s2 s1 s0: copy n pixels within device memory, destination first as
/// DisplayLink's libdlo writes it.
inline constexpr uint8_t kCmdCopy16 = 0x6a;
/// AF 6B a2 a1 a0 n, then spans {raw count, raw pixels, repeat count} (see rlx_encoder.h).
inline constexpr uint8_t kCmdRlx16 = 0x6b;
/// Bytes before a pixel command's payload: AF, command, 24-bit address, pixel count.
inline constexpr size_t kCmdHeader = 6;
/// Pixel count of one pixel command; a count byte of 0 means this many.
inline constexpr size_t kMaxCmdPixels = 256;
/// Device addresses are 24 bits: the 16-bpp plane lives in the first 16 MiB.
inline constexpr uint32_t kAddressSpace = 1u << 24;

/* Registers (AF 20 reg value). */

inline constexpr uint8_t kRegColorDepth = 0x00;
inline constexpr uint8_t kColorDepth16 = 0x00;
inline constexpr uint8_t kColorDepth24 = 0x01;
/// Timing registers. Each holds a 16-bit value in two registers, high byte in the first;
/// "lfsr" ones hold the LFSR state after that many steps (the device's counters are LFSRs).
inline constexpr uint8_t kRegXDisplayStart = 0x01; ///< lfsr: htotal - hsync_start
inline constexpr uint8_t kRegXDisplayEnd = 0x03;   ///< lfsr: x start + hdisplay
inline constexpr uint8_t kRegYDisplayStart = 0x05; ///< lfsr: vtotal - vsync_start
inline constexpr uint8_t kRegYDisplayEnd = 0x07;   ///< lfsr: y start + vdisplay
inline constexpr uint8_t kRegXEndCount = 0x09;     ///< lfsr: htotal - 1
inline constexpr uint8_t kRegHSyncStart = 0x0b;    ///< lfsr: always 1
inline constexpr uint8_t kRegHSyncEnd = 0x0d;      ///< lfsr: hsync width + 1
inline constexpr uint8_t kRegHPixels = 0x0f;       ///< plain: hdisplay
inline constexpr uint8_t kRegYEndCount = 0x11;     ///< lfsr: vtotal
inline constexpr uint8_t kRegVSyncStart = 0x13;    ///< lfsr: always 0
inline constexpr uint8_t kRegVSyncEnd = 0x15;      ///< lfsr: vsync width
inline constexpr uint8_t kRegVPixels = 0x17;       ///< plain: vdisplay
/// Pixel clock in 5 kHz units, low byte first (the one little-endian pair).
inline constexpr uint8_t kRegPixelClock5k = 0x1b;
inline constexpr uint8_t kRegBlankMode = 0x1f;
inline constexpr uint8_t kBlankOn = 0x00;        ///< syncs on, visible
inline constexpr uint8_t kBlankBlanked = 0x01;   ///< syncs on, blanked
inline constexpr uint8_t kBlankVSyncOff = 0x03;
inline constexpr uint8_t kBlankHSyncOff = 0x05;
inline constexpr uint8_t kBlankPowerDown = 0x07; ///< needs a modeset to come back
/// Base byte address of the 16-bpp plane (0x20 high .. 0x22 low) and of the 8-bpp plane that
/// holds the low bits in 24-bpp modes (0x26 .. 0x28), placed after the 16-bpp plane.
inline constexpr uint8_t kRegBase16 = 0x20;
inline constexpr uint8_t kRegBase8 = 0x26;
/// Writing kVideoLock holds the video registers; kVideoUnlock applies what was written since.
inline constexpr uint8_t kRegVideoLock = 0xff;
inline constexpr uint8_t kVideoLock = 0x00;
inline constexpr uint8_t kVideoUnlock = 0xff;

/// The LFSR every timing counter starts from, and its taps (bits 15, 4, 2, 1).
inline constexpr uint16_t kLfsrSeed = 0xffff;

/// One step of the timing counters' LFSR: shift left, feed back bits 15 ^ 4 ^ 2 ^ 1.
constexpr uint16_t lfsrStep(uint16_t state)
{
	const unsigned bit = ((state >> 15) ^ (state >> 4) ^ (state >> 2) ^ (state >> 1)) & 1u;
	return uint16_t((state << 1) | bit);
}

} // namespace tinydrm::udl
