// SPDX-License-Identifier: MIT
/*
 * DOC: hotplug
 *
 * Devices that come and go get nodes that come and go. Two watchers report what happens:
 *
 *   UsbHotplug    libusb's hotplug callbacks, one registration per --usb-match rule (default:
 *                 DisplayLink's vendor 0x17e9, any product), on a libusb context of its own.
 *   UdevMonitor   libudev's monitor of the "spidev" subsystem (--spi-panel), for panels on
 *                 SPI buses that appear with an overlay or a module.
 *
 * Both turn what they see into HotplugEvents, plain values; HotplugRouter (pure, on the daemon
 * thread) decides what each means: plug a spec ("udl:usb=BUS:ADDR" plus --usb-options, or the
 * --spi-panel spec), unplug the node made for that device, or nothing. The daemon does it
 * through the same plug/unplug it runs for the control verbs, so a hotplugged node is like
 * any other: an unplug gates the device (every client call fails with ENODEV from then on),
 * and the node goes after its last file is closed.
 *
 * Threads:
 *   - libusb's event thread (UsbHotplug::run) handles libusb's events with a 1 s timeout, which
 *     runs the callbacks. libusb allows only descriptor look-ups in a hotplug callback - no
 *     synchronous transfer, nothing that blocks - so the callback reads the ids and the cached
 *     configuration descriptor (the interface class check), pushes an event on HotplugQueue
 *     and returns. The queue's eventfd wakes the daemon thread.
 *   - The daemon thread drains the queue and probes: opening the device and the udl probe's
 *     control requests (1 s timeouts each) run there, never on a CUSE worker and never inside
 *     a libusb callback. A device that leaves during the probe makes it fail with ENODEV: one
 *     info line, no node, and the LibusbLink that was opened closes on the way out.
 *   - UdevMonitor has no thread: its netlink socket is non-blocking and the daemon thread
 *     polls it with everything else (libudev objects are not thread-safe, so one thread it is).
 *
 * Departures: libusb's LEFT (or udev's remove) unplugs the node of that device. A panel that
 * sees the device vanish first (a transfer fails with NO_DEVICE) calls hardwareGone, which
 * unplugs it too; whichever comes second finds the node already unplugged and says nothing.
 * libusb may report an arrival twice (once from the ENUMERATE registration, once from its
 * event list) and a departure with no arrival: the router ignores both.
 *
 * Lifetimes: the daemon owns the queue, the watchers and the router; UsbHotplug is stopped
 * (callbacks deregistered, event thread joined, context ended) before the queue goes.
 */
#include "usb_hotplug.h"

#include <cerrno>
#include <memory>

#include <libusb-1.0/libusb.h>
#include <sys/time.h>

#include "libusb_link.h"
#include "log.h"
#include "udl/udl_protocol.h"

namespace tinydrm {

namespace {

auto &log()
{
	static auto logger = subsystemLogger("hotplug");
	return logger;
}

struct ConfigDeleter {
	void operator()(libusb_config_descriptor *config) const
	{
		libusb_free_config_descriptor(config);
	}
};

/// Whether @p device's active configuration has an interface of class 0xFF, subclass 0,
/// protocol 0 (what the kernel's udl matches). libusb serves the configuration from the
/// descriptors it read at enumeration: no transfer, so it may be called in the callback.
bool hasVendorInterface(libusb_device *device)
{
	libusb_config_descriptor *raw = nullptr;
	if (libusb_get_active_config_descriptor(device, &raw) != LIBUSB_SUCCESS)
		return false;
	std::unique_ptr<libusb_config_descriptor, ConfigDeleter> config(raw);
	for (int i = 0; i < config->bNumInterfaces; i++) {
		const libusb_interface &interface = config->interface[i];
		for (int a = 0; a < interface.num_altsetting; a++) {
			const libusb_interface_descriptor &alt = interface.altsetting[a];
			if (alt.bInterfaceClass == udl::kInterfaceClass &&
			    alt.bInterfaceSubClass == 0 && alt.bInterfaceProtocol == 0)
				return true;
		}
	}
	return false;
}

/// @p rules without those another rule already covers (a vendor-only rule covers every
/// product rule of that vendor), so that no device is reported twice per event.
std::vector<UsbMatchRule> coveringRules(const std::vector<UsbMatchRule> &rules)
{
	std::vector<UsbMatchRule> kept;
	for (const UsbMatchRule &rule : rules) {
		bool covered = false;
		for (const UsbMatchRule &other : rules)
			covered = covered || (other.vendor == rule.vendor && !other.product && rule.product);
		for (const UsbMatchRule &k : kept)
			covered = covered || k == rule;
		if (!covered)
			kept.push_back(rule);
	}
	return kept;
}

} // namespace

struct UsbHotplug::Callback {
	static int LIBUSB_CALL onEvent(libusb_context *, libusb_device *device,
				       libusb_hotplug_event kind, void *user)
	{
		auto *self = static_cast<UsbHotplug *>(user);
		// Called from C: nothing may escape. An event lost to an allocation failure costs a
		// node; its device still fails with NO_DEVICE, so a departure is not lost with it.
		try {
			HotplugEvent event;
			event.kind = kind == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED
					     ? HotplugEvent::Kind::UsbArrived
					     : HotplugEvent::Kind::UsbLeft;
			// Bus and address are fields libusb fixed when it enumerated the device; the
			// device descriptor is cached: neither touches the device, which may be gone.
			event.bus = libusb_get_bus_number(device);
			event.address = libusb_get_device_address(device);
			libusb_device_descriptor descriptor{};
			if (libusb_get_device_descriptor(device, &descriptor) == LIBUSB_SUCCESS) {
				event.vendor = descriptor.idVendor;
				event.product = descriptor.idProduct;
			}
			if (event.kind == HotplugEvent::Kind::UsbArrived)
				event.vendorInterface = hasVendorInterface(device);
			log()->debug("libusb: {} {}",
				     event.kind == HotplugEvent::Kind::UsbArrived ? "arrived" : "left",
				     event.describe());
			self->queue_.push(std::move(event));
			self->reported_.fetch_add(1, std::memory_order_relaxed);
		} catch (...) {
		}
		return 0; // stay registered
	}
};

int UsbHotplug::start(const std::vector<UsbMatchRule> &rules, HotplugQueue &queue,
		      std::unique_ptr<UsbHotplug> &hotplug, std::string &error)
{
	if (!libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG)) {
		error = "this libusb cannot report hotplug events";
		return -EOPNOTSUPP;
	}
	std::unique_ptr<UsbHotplug> created(new UsbHotplug(queue));
	if (int ret = libusb_init(&created->context_)) {
		created->context_ = nullptr;
		error = std::string("libusb init: ") + libusb_strerror(ret);
		return libusbErrno(ret);
	}
	for (const UsbMatchRule &rule : coveringRules(rules)) {
		libusb_hotplug_callback_handle handle = 0;
		const int ret = libusb_hotplug_register_callback(
			created->context_,
			LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
			LIBUSB_HOTPLUG_ENUMERATE, rule.vendor,
			rule.product ? int(*rule.product) : LIBUSB_HOTPLUG_MATCH_ANY,
			LIBUSB_HOTPLUG_MATCH_ANY, &Callback::onEvent, created.get(), &handle);
		if (ret != LIBUSB_SUCCESS) {
			error = "registering USB hotplug for " + rule.str() + ": " + libusb_strerror(ret);
			return libusbErrno(ret); // the destructor deregisters the earlier ones
		}
		created->handles_.push_back(handle);
	}
	// After the registrations: until now the callbacks ran on this thread only.
	created->thread_ = std::thread([self = created.get()] { self->run(); });
	hotplug = std::move(created);
	return 0;
}

void UsbHotplug::run()
{
	while (!stopping_.load(std::memory_order_acquire)) {
		// The timeout only bounds a lost wake-up; stop() interrupts the wait.
		timeval timeout{1, 0};
		const int ret = libusb_handle_events_timeout_completed(context_, &timeout, nullptr);
		if (ret < 0 && ret != LIBUSB_ERROR_INTERRUPTED) {
			log()->warn("USB hotplug stopped: handling libusb events failed: {}",
				    libusb_strerror(ret));
			return;
		}
	}
}

void UsbHotplug::stop()
{
	if (!context_)
		return;
	// No new callback starts after the deregistrations; one already running finishes on
	// the event thread, which the join below waits for.
	for (int handle : handles_)
		libusb_hotplug_deregister_callback(context_, handle);
	handles_.clear();
	stopping_.store(true, std::memory_order_release);
	// libusb keeps the interruption pending in the context until an event handler consumes
	// it, so it also ends a wait entered just after the thread checked stopping_; the 1 s
	// timeout in run() bounds the wait even if it did not.
	libusb_interrupt_event_handler(context_);
	if (thread_.joinable())
		thread_.join();
	libusb_exit(context_);
	context_ = nullptr;
}

UsbHotplug::~UsbHotplug()
{
	stop();
}

} // namespace tinydrm
