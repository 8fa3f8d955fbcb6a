// SPDX-License-Identifier: MIT
#include "hotplug_router.h"

#include <algorithm>

#include <spdlog/fmt/fmt.h>

namespace tinydrm {

HotplugRouter::HotplugRouter(HotplugOptions options) : options_(std::move(options))
{
}

std::string HotplugRouter::keyOf(const HotplugEvent &event)
{
	if (event.isUsb())
		return fmt::format("usb:{}:{}", event.bus, event.address);
	return "spi:" + event.sysname;
}

HotplugRouter::Action HotplugRouter::route(const HotplugEvent &event)
{
	std::string key = keyOf(event);
	switch (event.kind) {
	case HotplugEvent::Kind::UsbArrived:
	case HotplugEvent::Kind::SpidevAdded:
		return arrived(event, std::move(key));
	case HotplugEvent::Kind::UsbLeft:
	case HotplugEvent::Kind::SpidevRemoved:
		return left(std::move(key));
	}
	return {};
}

HotplugRouter::Action HotplugRouter::arrived(const HotplugEvent &event, std::string key)
{
	Action action;
	action.key = std::move(key);
	if (auto it = nodes_.find(action.key); it != nodes_.end()) {
		action.why = fmt::format("{} already has node {}", event.describe(), it->second);
		return action;
	}
	if (event.isUsb()) {
		const auto &rules = options_.usbMatches;
		if (std::none_of(rules.begin(), rules.end(), [&event](const UsbMatchRule &r) {
			    return r.matches(event.vendor, event.product);
		    })) {
			action.why = event.describe() + " is not in the USB match list";
			return action;
		}
		if (!event.vendorInterface) {
			action.why = event.describe() + " has no vendor-specific interface to drive";
			return action;
		}
		action.kind = Action::Kind::Plug;
		action.spec = usbPanelSpec(event.bus, event.address, options_.usbOptions);
		return action;
	}
	const auto &rules = options_.spiPanels;
	auto rule = std::find_if(rules.begin(), rules.end(), [&event](const SpiPanelRule &r) {
		return r.sysname == event.sysname;
	});
	if (rule == rules.end()) {
		action.why = "no --spi-panel for " + event.sysname;
		return action;
	}
	action.kind = Action::Kind::Plug;
	action.spec = rule->spec;
	return action;
}

HotplugRouter::Action HotplugRouter::left(std::string key)
{
	Action action;
	action.key = std::move(key);
	auto it = nodes_.find(action.key);
	if (it == nodes_.end()) {
		action.why = action.key + " left and has no node";
		return action;
	}
	action.kind = Action::Kind::Unplug;
	action.node = it->second;
	nodes_.erase(it);
	return action;
}

void HotplugRouter::plugged(const std::string &key, unsigned node)
{
	nodes_[key] = node;
}

void HotplugRouter::forgetNode(unsigned node)
{
	std::erase_if(nodes_, [node](const auto &entry) { return entry.second == node; });
}

std::optional<unsigned> HotplugRouter::nodeOf(const std::string &key) const
{
	auto it = nodes_.find(key);
	return it == nodes_.end() ? std::nullopt : std::optional<unsigned>(it->second);
}

} // namespace tinydrm
