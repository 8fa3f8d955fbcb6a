// SPDX-License-Identifier: MIT
// UsbLink: the USB requests a backend makes (control and bulk OUT), over libusb or dry-run.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace tinydrm {

/// A control transfer's setup packet; the data stage is the span passed alongside.
struct UsbSetup {
	uint8_t requestType = 0; ///< bmRequestType (direction bit 7: 1 = IN)
	uint8_t request = 0;     ///< bRequest
	uint16_t value = 0;
	uint16_t index = 0;
};

/**
 * UsbLink - called by its one panel (and its own thread, if any) with the panel's own
 * serialisation; the libusb implementation is thread-safe as libusb's synchronous API is.
 */
class UsbLink
{
public:
	virtual ~UsbLink() = default;
	/// \return bytes transferred, -ENODEV when the device is gone, -ETIMEDOUT, -EPIPE (stall),
	/// or another -errno.
	virtual int control(const UsbSetup &setup, uint8_t *data, uint16_t length,
			    std::chrono::milliseconds timeout) = 0;
	/// Bulk OUT of all of @p data on @p endpoint. \return 0 or -errno as above.
	virtual int bulkOut(uint8_t endpoint, const uint8_t *data, size_t length,
			    std::chrono::milliseconds timeout) = 0;
};

} // namespace tinydrm
