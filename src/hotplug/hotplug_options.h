// SPDX-License-Identifier: MIT
// HotplugOptions: what tinydrmd's hotplug command-line options say (--usb-match,
// --usb-options, --spi-panel), parsed and checked before anything starts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "panel_spec.h"

namespace tinydrm {

/// A USB vendor and optionally a product, as --usb-match VID[:PID] gives it.
struct UsbMatchRule {
	uint16_t vendor = 0;
	std::optional<uint16_t> product;

	bool matches(uint16_t vid, uint16_t pid) const
	{
		return vid == vendor && (!product || pid == *product);
	}
	/// "17e9" or "17e9:02a9".
	std::string str() const;
	bool operator==(const UsbMatchRule &) const = default;
};

/// --spi-panel spidevB.C=SPEC: the panel to create when that spidev device appears.
struct SpiPanelRule {
	std::string sysname; ///< "spidev0.1"
	PanelSpec spec;	     ///< with spi=/dev/<sysname> added when SPEC had no spi=
};

struct HotplugOptions {
	/// Watch USB (libusb hotplug); --no-usb-hotplug turns it off.
	bool usb = true;
	/// Devices to drive; every one must also have a vendor-specific (0xFF) interface, as
	/// the udl backend claims one. The DisplayLink vendor is always in the list.
	std::vector<UsbMatchRule> usbMatches = {defaultUsbMatch()};
	/// Options appended to every hotplugged "udl:usb=BUS:ADDR" spec (mode=...).
	std::vector<std::pair<std::string, std::string>> usbOptions;
	std::vector<SpiPanelRule> spiPanels;

	static UsbMatchRule defaultUsbMatch();
	/// Whether anything is to be watched at all.
	bool watchesSpi() const { return !spiPanels.empty(); }
};

/**
 * parseUsbMatch - "VID" or "VID:PID", each one to four hex digits, "0x" allowed.
 * \return the rule, or nullopt with a one-line reason in @p error.
 */
std::optional<UsbMatchRule> parseUsbMatch(std::string_view text, std::string &error);

/**
 * parseUsbOptions - "K=V[,K=V...]" for the udl spec of hotplugged devices: checked by the udl
 * backend as part of "udl:usb=1:1,<text>"; usb=, vid=, pid= and dry-run= are refused (the
 * device is the one that arrived).
 * \return false with a one-line reason in @p error.
 */
bool parseUsbOptions(std::string_view text, std::vector<std::pair<std::string, std::string>> &options,
		     std::string &error);

/**
 * parseSpiPanel - "spidevB.C=SPEC"; SPEC is a panel spec whose backend takes spi=, added as
 * spi=/dev/spidevB.C when missing.
 * \return the rule, or nullopt with a one-line reason in @p error.
 */
std::optional<SpiPanelRule> parseSpiPanel(std::string_view text, std::string &error);

/// The spec a hotplugged USB device gets: "udl:usb=BUS:ADDR" and @p options.
PanelSpec usbPanelSpec(uint8_t bus, uint8_t address,
		       const std::vector<std::pair<std::string, std::string>> &options);

} // namespace tinydrm
