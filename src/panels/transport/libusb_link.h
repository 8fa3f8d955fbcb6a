// SPDX-License-Identifier: MIT
// LibusbLink: UsbLink over libusb-1.0's synchronous API, for a device found by bus:address or
// vendor:product.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "usb_link.h"

struct libusb_context;
struct libusb_device_handle;

namespace tinydrm {

/// Which device to open: by position on the bus, or the first with these ids.
struct UsbMatch {
	std::optional<uint8_t> bus;
	std::optional<uint8_t> address;
	std::optional<uint16_t> vendor;
	std::optional<uint16_t> product;
	/// The interface to claim is the first with this class, subclass 0, protocol 0 (0xFF:
	/// vendor-specific, as DisplayLink's); with vendor/product matching, devices without one
	/// are passed over.
	uint8_t interfaceClass = 0xff;
};

/**
 * LibusbLink - one opened USB device with one claimed interface.
 *
 * Threads: called by its one panel, from whichever thread calls that panel (a CUSE worker under
 * the device's modeset lock, or the daemon thread while creating it); it keeps no state that
 * changes after open(), and libusb's synchronous transfers are thread-safe, handling their own
 * events on the calling thread with a private context. No lock of its own.
 *
 * Lifetime (RAII): the destructor releases the interface (libusb gives it back to the kernel
 * driver it detached, if any), closes the handle and ends the private context, in that order.
 */
class LibusbLink final : public UsbLink
{
public:
	/**
	 * open - finds the device @p match names, opens it, claims its interface (detaching a
	 * kernel driver such as udl first).
	 * \return 0 and @p link, or -errno with a one-line reason in @p error: -ENODEV when no
	 * device matches, -EACCES without permission for /dev/bus/usb, -EBUSY when another
	 * program holds the interface.
	 * \context the daemon thread (probing); blocks for the USB requests it makes.
	 */
	static int open(const UsbMatch &match, std::unique_ptr<LibusbLink> &link,
			std::string &error);
	~LibusbLink() override;
	LibusbLink(const LibusbLink &) = delete;
	LibusbLink &operator=(const LibusbLink &) = delete;

	int control(const UsbSetup &setup, uint8_t *data, uint16_t length,
		    std::chrono::milliseconds timeout) override;
	int bulkOut(uint8_t endpoint, const uint8_t *data, size_t length,
		    std::chrono::milliseconds timeout) override;

	/// The claimed interface's first bulk OUT endpoint address.
	uint8_t bulkOutEndpoint() const { return bulkOut_; }
	/// "bus 1 address 4 (17e9:02a9)", for log lines.
	const std::string &description() const { return description_; }

private:
	LibusbLink() = default;

	libusb_context *context_ = nullptr;
	libusb_device_handle *handle_ = nullptr;
	int interface_ = -1;
	uint8_t bulkOut_ = 0x01;
	std::string description_;
};

/// libusb's error code as a -errno: NO_DEVICE → -ENODEV, PIPE → -EPIPE, TIMEOUT → -ETIMEDOUT...
int libusbErrno(int libusbError);

} // namespace tinydrm
