// SPDX-License-Identifier: MIT
// UdlDevice: the emulated DisplayLink adapter itself, without any USB plumbing: what it answers
// on endpoint 0 and what it does with the bulk OUT stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <linux/usb/ch9.h>

#include "control_answer.h"
#include "udl/udl_edid.h"
#include "udl/udl_modeset.h"
#include "udl_stream.h"

namespace tinydrm::gadget {

/// A consistent copy of the device's counters, for `stats` and tests.
struct DeviceStats {
	bool channelSelected = false;
	size_t edidReads = 0;      ///< EDID byte requests answered since power-on
	size_t stalls = 0;         ///< control requests refused
	size_t bulkBytes = 0;      ///< bulk OUT bytes received since power-on
	size_t ignoredBytes = 0;   ///< of those, sent before the channel select (dropped)
	size_t commands = 0;       ///< register writes and pixel commands executed
	std::optional<udl::Timing> mode;
	std::string streamError;   ///< the decoder's first complaint; empty while the stream is fine
};

/**
 * UdlDevice - a DL-165-like adapter with a 1024x768-preferring monitor attached (the vendor
 * descriptor and EDID of udl::dryRunVendorDescriptor()/dryRunEdid(), so that the gadget and
 * the dry-run sink agree).
 *
 * Control: GET_DESCRIPTOR 0x5F (the vendor descriptor), vendor OUT 0x12 with the 16-byte
 * channel key, vendor IN 0x02 EDID byte reads ({status 0, byte}); every other request stalls.
 * Bulk: the bytes go to a UdlStream (tests/decoders) once the channel is selected; before that
 * they are dropped and counted, as the real device ignores them.
 *
 * Threads: setup()/received() come from the ep0 thread, bulk() from the bulk reader thread,
 * stats()/render()/powerOn() from the control thread. One mutex (mutex_) guards everything;
 * it is held for the length of one call, never across I/O.
 */
class UdlDevice
{
public:
	UdlDevice();

	/// Decides how to answer @p request (see ControlAnswer). Logs refused requests.
	ControlAnswer setup(const usb_ctrlrequest &request);
	/// The data stage of an OUT request setup() answered with Receive.
	void received(const usb_ctrlrequest &request, std::span<const uint8_t> data);

	/// Bulk OUT bytes; @p transferEnd when a short packet ended the USB transfer here.
	void bulk(std::span<const uint8_t> data, bool transferEnd);

	/// Power cycle (the gadget was plugged in): channel, memory, registers and counters reset.
	void powerOn();

	DeviceStats stats() const;
	/// The picture the monitor shows, XRGB8888, mode-sized; false (nothing written) before a
	/// modeset.
	bool render(std::vector<uint32_t> &pixels, uint32_t &width, uint32_t &height) const;

private:
	const std::vector<uint8_t> vendorDescriptor_;
	const udl::EdidBlock edid_;

	mutable std::mutex mutex_;
	UdlStream stream_;
	DeviceStats stats_;
	bool streamErrorLogged_ = false;
	bool ignoredLogged_ = false;
};

} // namespace tinydrm::gadget
