// SPDX-License-Identifier: MIT
// HotplugRouter: what the daemon does about one hotplug event (plug a spec, unplug a node,
// nothing), and which node belongs to which device.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "hotplug_event.h"
#include "hotplug_options.h"
#include "panel_spec.h"

namespace tinydrm {

/**
 * HotplugRouter - the pure decision part of hotplug: no I/O, no libusb, no node of its own.
 *
 * A device is known by a key ("usb:1:4", "spi:spidev0.1"); the router remembers the node the
 * daemon created for each key (plugged()) until the device leaves (route() of its departure,
 * which answers with that node to unplug) or the node is reaped (forgetNode(): the node was
 * unplugged some other way, e.g. by the control verb, and its number may be reused). So a
 * departure unplugs only the node made for that very arrival, a duplicate arrival (libusb may
 * report a device twice, see UsbHotplug) plugs nothing, and a device that comes back, at the
 * same address or another, gets a fresh node.
 *
 * Thread-bound: the daemon thread. No lock.
 */
class HotplugRouter
{
public:
	struct Action {
		enum class Kind {
			None,	///< ignore; why says why (worth a debug line)
			Plug,	///< create a node for spec; then call plugged(key, number)
			Unplug, ///< unplug node (the device of key left)
		};
		Kind kind = Kind::None;
		std::string key;
		PanelSpec spec;
		unsigned node = 0;
		std::string why;
	};

	explicit HotplugRouter(HotplugOptions options);

	Action route(const HotplugEvent &event);
	/// The node created for the Plug action of @p key.
	void plugged(const std::string &key, unsigned node);
	/// @p node is gone (reaped): no departure will unplug it any more.
	void forgetNode(unsigned node);

	/// The node of @p key, if the router knows one.
	std::optional<unsigned> nodeOf(const std::string &key) const;
	const HotplugOptions &options() const { return options_; }

	/// The key of @p event's device.
	static std::string keyOf(const HotplugEvent &event);

private:
	Action arrived(const HotplugEvent &event, std::string key);
	Action left(std::string key);

	const HotplugOptions options_;
	std::map<std::string, unsigned> nodes_;
};

} // namespace tinydrm
