// SPDX-License-Identifier: MIT
// The udl entry of the backend table: options, and which UsbLink a spec gets.
#include "udl_backend.h"

#include <array>
#include <charconv>

#include "dry_run.h"
#include "libusb_link.h"
#include "panel_spec.h"
#include "udl_panel.h"
#include "udl_probe.h"
#include "udl_protocol.h"

namespace tinydrm {

namespace {

using udl::ModeRequest;

struct UdlOptions {
	UsbMatch match;
	std::string dryRun; ///< WireLog path; empty: real hardware
	ModeRequest mode;
};

bool parseMode(std::string_view text, ModeRequest &mode, std::string &error)
{
	std::string_view size = text;
	bool ok = true;
	if (const size_t at = size.find('@'); at != std::string_view::npos) {
		ok = parseDecimal(size.substr(at + 1), 1, kMaxRefreshHz, mode.refreshHz);
		size = size.substr(0, at);
	}
	const size_t x = size.find('x');
	ok = ok && x != std::string_view::npos &&
	     parseDecimal(size.substr(0, x), 1, kMaxPanelSide, mode.width) &&
	     parseDecimal(size.substr(x + 1), 1, kMaxPanelSide, mode.height);
	if (!ok)
		error = "bad mode '" + std::string(text) + "' (want WxH or WxH@HZ, sides 1.." +
			std::to_string(kMaxPanelSide) + ")";
	return ok;
}

bool parseOptions(const PanelSpec &spec, UdlOptions &options, std::string &error)
{
	static constexpr std::array<std::string_view, 5> keys = {"usb", "vid", "pid", "dry-run",
								 "mode"};
	if (!checkOptionKeys(spec, keys, error))
		return false;
	if (!spec.positional.empty()) {
		error = "udl takes no bare argument '" + spec.positional + "' (a mode is mode=WxH)";
		return false;
	}
	const std::string *usb = spec.option("usb");
	const std::string *vid = spec.option("vid");
	const std::string *pid = spec.option("pid");
	const std::string *dryRun = spec.option("dry-run");
	const std::string *mode = spec.option("mode");
	if (dryRun && (usb || vid || pid)) {
		error = "udl: dry-run= replaces the device; drop usb=/vid=/pid=";
		return false;
	}
	if (usb && (vid || pid)) {
		error = "udl: usb=BUS:ADDR names one device; drop vid=/pid=";
		return false;
	}
	if (usb) {
		const size_t colon = usb->find(':');
		uint32_t bus = 0, address = 0;
		if (colon == std::string::npos ||
		    !parseDecimal(std::string_view(*usb).substr(0, colon), 1, 255, bus) ||
		    !parseDecimal(std::string_view(*usb).substr(colon + 1), 1, 127, address)) {
			error = "bad usb '" + *usb + "' (want BUS:ADDRESS as lsusb prints, e.g. 1:4)";
			return false;
		}
		options.match.bus = uint8_t(bus);
		options.match.address = uint8_t(address);
	} else if (!dryRun) {
		// Every DisplayLink product has its own product id (the kernel matches the vendor
		// and the interface class), so the vendor alone finds the first adapter.
		uint16_t value = udl::kVendorId;
		if (vid && !parseHex16(*vid, value)) {
			error = "bad vid '" + *vid + "' (want hex, e.g. 0x17e9)";
			return false;
		}
		options.match.vendor = value;
		if (pid) {
			if (!parseHex16(*pid, value)) {
				error = "bad pid '" + *pid + "' (want hex, e.g. 0x0103)";
				return false;
			}
			options.match.product = value;
		}
	}
	options.match.interfaceClass = udl::kInterfaceClass;
	if (dryRun)
		options.dryRun = *dryRun;
	return !mode || parseMode(*mode, options.mode, error);
}

bool checkUdl(const PanelSpec &spec, std::string &error)
{
	UdlOptions options;
	return parseOptions(spec, options, error);
}

int createUdl(const PanelSpec &spec, const PanelContext &context, std::unique_ptr<Panel> &panel,
	      std::string &error)
{
	UdlOptions options;
	if (!parseOptions(spec, options, error))
		return -EINVAL;

	std::unique_ptr<WireLog> wireLog;
	std::unique_ptr<UsbLink> link;
	uint8_t endpoint = udl::kBulkEndpoint;
	if (!options.dryRun.empty()) {
		if (int ret = WireLog::open(options.dryRun, wireLog, error))
			return ret;
		link = makeDryRunUsb(*wireLog, udl::dryRunResponder());
		if (!link) {
			error = "udl: no dry-run USB link";
			return -ENOSYS;
		}
	} else {
		std::unique_ptr<LibusbLink> usb;
		if (int ret = LibusbLink::open(options.match, usb, error))
			return ret;
		endpoint = usb->bulkOutEndpoint();
		link = std::move(usb);
	}
	return udl::createUdlPanel(std::move(link), endpoint, options.mode, context,
				   std::move(wireLog), panel, error);
}

} // namespace

const PanelBackend kUdlBackend = {
	"udl",
	"udl[:usb=BUS:ADDR|vid=0xVVVV[,pid=0xPPPP]|dry-run=PATH][,mode=WxH[@HZ]]  DisplayLink USB "
	"adapter (default: the first 17e9 device; mode: the monitor's preferred)",
	checkUdl,
	createUdl,
};

} // namespace tinydrm
