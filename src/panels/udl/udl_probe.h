// SPDX-License-Identifier: MIT
// The control requests a DisplayLink device is probed with (vendor descriptor, channel select,
// EDID), and the device the dry-run sink plays in answer to them.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "dry_run.h"
#include "udl_edid.h"
#include "usb_link.h"

namespace tinydrm::udl {

/// Control requests are small and answered by the device's firmware at once.
inline constexpr std::chrono::milliseconds kControlTimeout{1000};

/// GET_DESCRIPTOR 0x5F. \return 0 and the bytes the device sent, or the link's -errno.
int readVendorDescriptor(UsbLink &link, std::vector<uint8_t> &bytes);

/// Sends the channel key. \return 0 or the link's -errno (-EIO for a short transfer).
int selectChannel(UsbLink &link);

/// Reads the EDID base block, a byte per request. \return 0, or the link's -errno (-EIO when
/// a reply is short).
int readEdid(UsbLink &link, EdidBlock &block);

/// What the dry-run device reports: a DL-165-like max area of 1920x1080, and a 4:3 17" DVI
/// monitor preferring 1024x768@60 that also takes 1280x1024@60.
std::vector<uint8_t> dryRunVendorDescriptor();
EdidBlock dryRunEdid();

/// Answers control IN requests as a healthy device with dryRunVendorDescriptor() and
/// dryRunEdid() would; stalls (-EPIPE) anything else, as a device does an unknown request.
UsbResponder dryRunResponder();

} // namespace tinydrm::udl
