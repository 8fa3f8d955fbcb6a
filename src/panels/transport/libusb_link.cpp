// SPDX-License-Identifier: MIT
#include "libusb_link.h"

#include <algorithm>
#include <cerrno>
#include <climits>

#include <libusb-1.0/libusb.h>
#include <spdlog/fmt/fmt.h>

namespace tinydrm {

namespace {

struct DeviceListDeleter {
	void operator()(libusb_device **list) const { libusb_free_device_list(list, 1); }
};

struct ConfigDeleter {
	void operator()(libusb_config_descriptor *config) const
	{
		libusb_free_config_descriptor(config);
	}
};

/// libusb reads a timeout of 0 as "forever": every timeout we pass is at least 1 ms.
unsigned int timeoutMs(std::chrono::milliseconds timeout)
{
	return unsigned(std::clamp<int64_t>(timeout.count(), 1, UINT_MAX));
}

struct Claim {
	int interface = -1;
	uint8_t bulkOut = 0;
};

/// The first interface of @p device's active configuration with @p interfaceClass, subclass 0,
/// protocol 0 and a bulk OUT endpoint (in its first alternate setting).
std::optional<Claim> findInterface(libusb_device *device, uint8_t interfaceClass)
{
	libusb_config_descriptor *raw = nullptr;
	if (libusb_get_active_config_descriptor(device, &raw) != LIBUSB_SUCCESS)
		return std::nullopt; // unconfigured: nothing to claim
	std::unique_ptr<libusb_config_descriptor, ConfigDeleter> config(raw);
	for (int i = 0; i < config->bNumInterfaces; i++) {
		const libusb_interface &interface = config->interface[i];
		if (interface.num_altsetting < 1)
			continue;
		const libusb_interface_descriptor &alt = interface.altsetting[0];
		if (alt.bInterfaceClass != interfaceClass || alt.bInterfaceSubClass != 0 ||
		    alt.bInterfaceProtocol != 0)
			continue;
		for (int e = 0; e < alt.bNumEndpoints; e++) {
			const libusb_endpoint_descriptor &ep = alt.endpoint[e];
			if ((ep.bEndpointAddress & LIBUSB_ENDPOINT_DIR_MASK) == LIBUSB_ENDPOINT_OUT &&
			    (ep.bmAttributes & LIBUSB_TRANSFER_TYPE_MASK) == LIBUSB_TRANSFER_TYPE_BULK)
				return Claim{alt.bInterfaceNumber, ep.bEndpointAddress};
		}
	}
	return std::nullopt;
}

std::string describeMatch(const UsbMatch &match)
{
	if (match.bus)
		return fmt::format("bus {} address {}", *match.bus, match.address.value_or(0));
	std::string text = fmt::format("{:04x}", match.vendor.value_or(0));
	if (match.product)
		text += fmt::format(":{:04x}", *match.product);
	return text;
}

} // namespace

int libusbErrno(int libusbError)
{
	switch (libusbError) {
	case LIBUSB_SUCCESS:
		return 0;
	case LIBUSB_ERROR_INVALID_PARAM:
		return -EINVAL;
	case LIBUSB_ERROR_ACCESS:
		return -EACCES;
	case LIBUSB_ERROR_NO_DEVICE:
		return -ENODEV;
	case LIBUSB_ERROR_NOT_FOUND:
		return -ENOENT;
	case LIBUSB_ERROR_BUSY:
		return -EBUSY;
	case LIBUSB_ERROR_TIMEOUT:
		return -ETIMEDOUT;
	case LIBUSB_ERROR_OVERFLOW:
		return -EOVERFLOW;
	case LIBUSB_ERROR_PIPE:
		return -EPIPE;
	case LIBUSB_ERROR_INTERRUPTED:
		return -EINTR;
	case LIBUSB_ERROR_NO_MEM:
		return -ENOMEM;
	case LIBUSB_ERROR_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

int LibusbLink::open(const UsbMatch &match, std::unique_ptr<LibusbLink> &link, std::string &error)
{
	std::unique_ptr<LibusbLink> created(new LibusbLink);
	// A private context: the daemon's other users of libusb (hotplug) never share its state.
	if (int ret = libusb_init(&created->context_)) {
		created->context_ = nullptr;
		error = fmt::format("libusb init: {}", libusb_strerror(ret));
		return libusbErrno(ret);
	}

	libusb_device **raw = nullptr;
	const ssize_t count = libusb_get_device_list(created->context_, &raw);
	if (count < 0) {
		error = fmt::format("listing USB devices: {}", libusb_strerror(int(count)));
		return libusbErrno(int(count));
	}
	std::unique_ptr<libusb_device *, DeviceListDeleter> devices(raw);

	libusb_device *found = nullptr;
	libusb_device_descriptor descriptor{};
	Claim claim;
	for (ssize_t i = 0; i < count && !found; i++) {
		libusb_device *device = devices.get()[i];
		if (match.bus && (libusb_get_bus_number(device) != *match.bus ||
				  libusb_get_device_address(device) != match.address.value_or(0)))
			continue;
		if (libusb_get_device_descriptor(device, &descriptor) != LIBUSB_SUCCESS)
			continue;
		if ((match.vendor && descriptor.idVendor != *match.vendor) ||
		    (match.product && descriptor.idProduct != *match.product))
			continue;
		std::optional<Claim> interface = findInterface(device, match.interfaceClass);
		if (!interface) {
			if (match.bus) {
				error = fmt::format("USB device at {} ({:04x}:{:04x}) has no interface "
						    "of class {:#04x} with a bulk OUT endpoint",
						    describeMatch(match), descriptor.idVendor,
						    descriptor.idProduct, match.interfaceClass);
				return -ENODEV;
			}
			continue;
		}
		found = device;
		claim = *interface;
	}
	if (!found) {
		error = "no USB device matches " + describeMatch(match);
		return -ENODEV;
	}
	created->description_ = fmt::format("bus {} address {} ({:04x}:{:04x})",
					    libusb_get_bus_number(found),
					    libusb_get_device_address(found), descriptor.idVendor,
					    descriptor.idProduct);

	if (int ret = libusb_open(found, &created->handle_)) {
		created->handle_ = nullptr;
		error = fmt::format("opening USB {}: {}", created->description_, libusb_strerror(ret));
		return libusbErrno(ret);
	}
	// Detach a kernel driver (udl) on claim and give the interface back to it on release;
	// platforms without kernel drivers say NOT_SUPPORTED, which is fine.
	libusb_set_auto_detach_kernel_driver(created->handle_, 1);
	if (int ret = libusb_claim_interface(created->handle_, claim.interface)) {
		error = fmt::format("claiming interface {} of USB {}: {}", claim.interface,
				    created->description_, libusb_strerror(ret));
		return libusbErrno(ret);
	}
	created->interface_ = claim.interface;
	created->bulkOut_ = claim.bulkOut;
	link = std::move(created);
	return 0;
}

LibusbLink::~LibusbLink()
{
	if (handle_) {
		if (interface_ >= 0)
			libusb_release_interface(handle_, interface_);
		libusb_close(handle_);
	}
	if (context_)
		libusb_exit(context_);
}

int LibusbLink::control(const UsbSetup &setup, uint8_t *data, uint16_t length,
			std::chrono::milliseconds timeout)
{
	const int ret = libusb_control_transfer(handle_, setup.requestType, setup.request,
						setup.value, setup.index, data, length,
						timeoutMs(timeout));
	return ret < 0 ? libusbErrno(ret) : ret;
}

int LibusbLink::bulkOut(uint8_t endpoint, const uint8_t *data, size_t length,
			std::chrono::milliseconds timeout)
{
	// Callers send at most a transfer buffer (64 KiB); larger spans go in INT_MAX pieces only
	// because libusb counts in int.
	while (length) {
		const int chunk = int(std::min<size_t>(length, INT_MAX));
		int transferred = 0;
		// libusb never writes an OUT buffer; its API just is not const-correct.
		const int ret = libusb_bulk_transfer(handle_, endpoint, const_cast<uint8_t *>(data),
						     chunk, &transferred, timeoutMs(timeout));
		if (ret < 0)
			return libusbErrno(ret);
		if (transferred != chunk)
			return -EIO;
		data += chunk;
		length -= size_t(chunk);
	}
	return 0;
}

} // namespace tinydrm
