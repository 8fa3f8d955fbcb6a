// SPDX-License-Identifier: MIT
#include "ffs_function.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include <endian.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include "log.h"
#include "udl/udl_protocol.h"

namespace tinydrm::gadget {

namespace {

std::shared_ptr<spdlog::logger> log()
{
	static const auto logger = subsystemLogger("ffs");
	return logger;
}

/// Max packet sizes of a bulk endpoint at full and high speed (USB 2.0, 5.8.3).
constexpr uint16_t kFullSpeedBulk = 64;
constexpr uint16_t kHighSpeedBulk = 512;

template<typename T>
void append(std::vector<uint8_t> &out, const T &value)
{
	const auto *p = reinterpret_cast<const uint8_t *>(&value);
	out.insert(out.end(), p, p + sizeof(value));
}

void appendInterface(std::vector<uint8_t> &out)
{
	usb_interface_descriptor intf{};
	intf.bLength = USB_DT_INTERFACE_SIZE;
	intf.bDescriptorType = USB_DT_INTERFACE;
	intf.bInterfaceNumber = 0; // FunctionFS renumbers interfaces within the configuration
	intf.bNumEndpoints = 1;
	intf.bInterfaceClass = udl::kInterfaceClass;
	intf.bInterfaceSubClass = 0;
	intf.bInterfaceProtocol = 0;
	intf.iInterface = 1; // the one string written below
	append(out, intf);
}

void appendBulkOut(std::vector<uint8_t> &out, uint16_t maxPacket)
{
	usb_endpoint_descriptor_no_audio ep{};
	ep.bLength = USB_DT_ENDPOINT_SIZE;
	ep.bDescriptorType = USB_DT_ENDPOINT;
	ep.bEndpointAddress = USB_DIR_OUT | udl::kBulkEndpoint; // FunctionFS maps it to a real one
	ep.bmAttributes = USB_ENDPOINT_XFER_BULK;
	ep.wMaxPacketSize = htole16(maxPacket);
	ep.bInterval = 0;
	append(out, ep);
}

std::vector<uint8_t> descriptors()
{
	std::vector<uint8_t> out;
	usb_functionfs_descs_head_v2 head{};
	head.magic = htole32(FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
	head.flags = htole32(FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC |
			     FUNCTIONFS_ALL_CTRL_RECIP);
	append(out, head);
	const uint32_t count = htole32(2); // interface + endpoint, per speed
	append(out, count);                // fs_count
	append(out, count);                // hs_count
	appendInterface(out);
	appendBulkOut(out, kFullSpeedBulk);
	appendInterface(out);
	appendBulkOut(out, kHighSpeedBulk);
	const uint32_t length = htole32(uint32_t(out.size()));
	std::memcpy(out.data() + offsetof(usb_functionfs_descs_head_v2, length), &length,
		    sizeof(length));
	return out;
}

std::vector<uint8_t> strings()
{
	static const char kInterfaceName[] = "DisplayLink-like display (tinydrm udl-gadget)";
	std::vector<uint8_t> out;
	usb_functionfs_strings_head head{};
	head.magic = htole32(FUNCTIONFS_STRINGS_MAGIC);
	head.str_count = htole32(1);
	head.lang_count = htole32(1);
	append(out, head);
	const uint16_t english = htole16(0x0409);
	append(out, english);
	out.insert(out.end(), kInterfaceName, kInterfaceName + sizeof(kInterfaceName)); // with NUL
	const uint32_t length = htole32(uint32_t(out.size()));
	std::memcpy(out.data() + offsetof(usb_functionfs_strings_head, length), &length,
		    sizeof(length));
	return out;
}

int writeAll(int fd, const std::vector<uint8_t> &bytes, const char *what, std::string &error)
{
	const ssize_t n = ::write(fd, bytes.data(), bytes.size());
	if (n == ssize_t(bytes.size()))
		return 0;
	const int err = n < 0 ? errno : EIO;
	error = std::string("writing the ") + what + " to ep0: " + std::strerror(err);
	return -err;
}

} // namespace

const char *eventName(usb_functionfs_event_type type)
{
	switch (type) {
	case FUNCTIONFS_BIND: return "BIND";
	case FUNCTIONFS_UNBIND: return "UNBIND";
	case FUNCTIONFS_ENABLE: return "ENABLE";
	case FUNCTIONFS_DISABLE: return "DISABLE";
	case FUNCTIONFS_SETUP: return "SETUP";
	case FUNCTIONFS_SUSPEND: return "SUSPEND";
	case FUNCTIONFS_RESUME: return "RESUME";
	}
	return "unknown";
}

int FfsFunction::open(const std::string &instance, std::unique_ptr<FfsFunction> &function,
		      std::string &error)
{
	std::unique_ptr<FfsFunction> created(new FfsFunction());
	char dir[] = "/tmp/udl-gadget-ffs-XXXXXX";
	if (!::mkdtemp(dir)) {
		error = std::string("mkdtemp: ") + std::strerror(errno);
		return -errno;
	}
	created->mountDir_ = dir;
	if (::mount(instance.c_str(), dir, "functionfs", 0, nullptr)) {
		const int err = errno;
		error = "mounting functionfs '" + instance + "' on " + dir + ": " +
			std::strerror(err) +
			(err == ENODEV ? " (no usb_f_fs, or no configfs function ffs." + instance + ")"
				       : "");
		return -err;
	}
	created->mounted_ = true;

	const std::string ep0 = created->mountDir_ + "/ep0";
	created->ep0_.reset(::open(ep0.c_str(), O_RDWR | O_CLOEXEC));
	if (!created->ep0_) {
		error = "opening " + ep0 + ": " + std::strerror(errno);
		return -errno;
	}
	if (int ret = writeAll(created->ep0_.get(), descriptors(), "descriptors", error))
		return ret;
	if (int ret = writeAll(created->ep0_.get(), strings(), "strings", error))
		return ret;

	// The endpoint files appear once the descriptors are in, numbered in descriptor order.
	const std::string ep1 = created->mountDir_ + "/ep1";
	created->bulk_.reset(::open(ep1.c_str(), O_RDWR | O_CLOEXEC));
	if (!created->bulk_) {
		error = "opening " + ep1 + ": " + std::strerror(errno);
		return -errno;
	}
	log()->info("functionfs '{}' ready on {}", instance, created->mountDir_);
	function = std::move(created);
	return 0;
}

FfsFunction::~FfsFunction()
{
	bulk_.reset();
	ep0_.reset();
	if (mounted_ && ::umount(mountDir_.c_str())) {
		// Busy only if some file is still open (a leaked fd elsewhere): detach so the mount
		// goes away with its last user instead of staying behind.
		log()->warn("umount {}: {}; detaching it", mountDir_, std::strerror(errno));
		::umount2(mountDir_.c_str(), MNT_DETACH);
	}
	if (!mountDir_.empty() && ::rmdir(mountDir_.c_str()))
		log()->warn("rmdir {}: {}", mountDir_, std::strerror(errno));
}

int FfsFunction::dispatch(FfsListener &listener)
{
	std::array<usb_functionfs_event, 8> events;
	const ssize_t n = ::read(ep0_.get(), events.data(), sizeof(events));
	if (n < 0) {
		const int err = errno;
		if (err == EINTR || err == EAGAIN)
			return 0;
		log()->error("reading ep0 events: {}", std::strerror(err));
		return -err;
	}
	for (size_t i = 0; i < size_t(n) / sizeof(usb_functionfs_event); i++) {
		const auto type = usb_functionfs_event_type(events[i].type);
		if (type == FUNCTIONFS_SETUP)
			answer(listener, events[i].u.setup);
		else
			listener.event(type);
	}
	return 0;
}

void FfsFunction::answer(FfsListener &listener, const usb_ctrlrequest &request)
{
	const bool in = request.bRequestType & USB_DIR_IN;
	const uint16_t length = le16toh(request.wLength);
	ControlAnswer reply = listener.setup(request);
	if (reply.kind == ControlAnswer::Kind::Receive && (in || !length))
		reply = ControlAnswer::stall(); // nothing to receive: a model bug, refuse safely
	// A reply needs an IN data stage to travel in; the model never means one otherwise.
	if (reply.kind == ControlAnswer::Kind::Reply && (!in || !length))
		reply = ControlAnswer::stall();

	ssize_t ret = 0;
	uint8_t dummy = 0;
	std::vector<uint8_t> data;
	switch (reply.kind) {
	case ControlAnswer::Kind::Reply:
		if (reply.data.size() > length)
			reply.data.resize(length);
		ret = ::write(ep0_.get(), reply.data.data(), reply.data.size());
		break;
	case ControlAnswer::Kind::Receive:
		data.resize(length);
		ret = ::read(ep0_.get(), data.data(), data.size());
		if (ret >= 0) {
			data.resize(size_t(ret));
			listener.received(request, data);
		}
		break;
	case ControlAnswer::Kind::Stall:
		// FunctionFS halts ep0 when the data stage is attempted in the wrong direction: a
		// read for an IN request, a write for an OUT one. It then fails with EL2HLT.
		ret = in ? ::read(ep0_.get(), &dummy, 1) : ::write(ep0_.get(), &dummy, 1);
		if (ret < 0 && errno == EL2HLT)
			ret = 0;
		break;
	}
	if (ret < 0) {
		// EIDRM: the host gave up on this request (a newer SETUP or a reset replaced it).
		const int err = errno;
		if (err == EIDRM)
			log()->debug("control request {:#04x} cancelled by the host", request.bRequest);
		else
			log()->warn("answering control request {:#04x}: {}", request.bRequest,
				    std::strerror(err));
	}
}

} // namespace tinydrm::gadget
