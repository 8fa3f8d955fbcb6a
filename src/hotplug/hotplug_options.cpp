// SPDX-License-Identifier: MIT
#include "hotplug_options.h"

#include <algorithm>
#include <charconv>

#include <spdlog/fmt/fmt.h>

#include "udl/udl_protocol.h"

namespace tinydrm {

namespace {

/// "spidevB.C" with decimal B and C: the only names a spidev char device gets.
bool isSpidevName(std::string_view name)
{
	constexpr std::string_view prefix = "spidev";
	if (!name.starts_with(prefix))
		return false;
	name.remove_prefix(prefix.size());
	const size_t dot = name.find('.');
	uint32_t bus = 0, cs = 0;
	return dot != std::string_view::npos && parseDecimal(name.substr(0, dot), 0, 65535, bus) &&
	       parseDecimal(name.substr(dot + 1), 0, 65535, cs);
}

} // namespace

std::string UsbMatchRule::str() const
{
	return product ? fmt::format("{:04x}:{:04x}", vendor, *product) : fmt::format("{:04x}", vendor);
}

UsbMatchRule HotplugOptions::defaultUsbMatch()
{
	return UsbMatchRule{udl::kVendorId, std::nullopt};
}

std::optional<UsbMatchRule> parseUsbMatch(std::string_view text, std::string &error)
{
	UsbMatchRule rule;
	const size_t colon = text.find(':');
	const std::string_view vid = text.substr(0, colon);
	bool ok = parseHex16(vid, rule.vendor);
	if (ok && colon != std::string_view::npos) {
		uint16_t pid = 0;
		ok = parseHex16(text.substr(colon + 1), pid);
		rule.product = pid;
	}
	if (!ok) {
		error = "bad USB match '" + std::string(text) +
			"' (want VID or VID:PID in hex, e.g. 17e9 or 0x17e9:0x02a9)";
		return std::nullopt;
	}
	return rule;
}

bool parseUsbOptions(std::string_view text, std::vector<std::pair<std::string, std::string>> &options,
		     std::string &error)
{
	if (text.empty()) {
		error = "empty USB options (want KEY=VALUE[,KEY=VALUE...], e.g. mode=1024x768)";
		return false;
	}
	std::string why;
	std::optional<PanelSpec> spec = parsePanelSpec("udl:usb=1:1," + std::string(text), why);
	if (!spec) {
		error = "bad USB options '" + std::string(text) + "': " + why;
		return false;
	}
	// The first option is the usb= placed above; the backend already refused a second one
	// together with vid=/pid=, but a repeated key may be taken silently: say it plainly.
	for (size_t i = 1; i < spec->options.size(); i++) {
		const std::string &key = spec->options[i].first;
		if (key == "usb" || key == "vid" || key == "pid" || key == "dry-run") {
			error = "bad USB options '" + std::string(text) + "': " + key +
				"= is not an option here (hotplug names the device that arrived)";
			return false;
		}
	}
	options.assign(spec->options.begin() + 1, spec->options.end());
	return true;
}

std::optional<SpiPanelRule> parseSpiPanel(std::string_view text, std::string &error)
{
	const size_t eq = text.find('=');
	if (eq == std::string_view::npos) {
		error = "bad SPI panel '" + std::string(text) + "' (want spidevB.C=SPEC)";
		return std::nullopt;
	}
	SpiPanelRule rule;
	rule.sysname = std::string(text.substr(0, eq));
	if (!isSpidevName(rule.sysname)) {
		error = "bad SPI panel '" + std::string(text) + "': '" + rule.sysname +
			"' is not a spidev name (want spidevB.C, e.g. spidev0.0)";
		return std::nullopt;
	}
	const std::string spec(text.substr(eq + 1));
	const std::string spi = "spi=/dev/" + rule.sysname;
	std::string why;
	if (std::optional<PanelSpec> given = parsePanelSpec(spec, why); given && given->option("spi")) {
		rule.spec = *given;
		return rule;
	}
	// No spi= (or a backend that insists on one): imply the device that appeared. A spec
	// with spi= that still failed keeps the first reason, which is about something else.
	const bool hadSpi = spec.find("spi=") != std::string::npos;
	const std::string implied = spec + (spec.find(':') == std::string::npos ? ":" : ",") + spi;
	std::string impliedWhy;
	std::optional<PanelSpec> withSpi;
	if (!hadSpi)
		withSpi = parsePanelSpec(implied, impliedWhy);
	if (!withSpi) {
		error = "bad SPI panel '" + std::string(text) + "': " + (hadSpi ? why : impliedWhy);
		return std::nullopt;
	}
	rule.spec = *withSpi;
	return rule;
}

PanelSpec usbPanelSpec(uint8_t bus, uint8_t address,
		       const std::vector<std::pair<std::string, std::string>> &options)
{
	PanelSpec spec;
	spec.backend = "udl";
	spec.options.emplace_back("usb", fmt::format("{}:{}", bus, address));
	spec.options.insert(spec.options.end(), options.begin(), options.end());
	return spec;
}

} // namespace tinydrm
