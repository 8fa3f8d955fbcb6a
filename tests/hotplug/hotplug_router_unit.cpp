// SPDX-License-Identifier: MIT
// What the daemon does about hotplug events (HotplugRouter) and how the hotplug options parse:
// no hardware, no libusb.
#include <catch2/catch.hpp>

#include "hotplug_options.h"
#include "hotplug_router.h"

using namespace tinydrm;
using Kind = HotplugRouter::Action::Kind;

namespace {

HotplugEvent usb(HotplugEvent::Kind kind, uint8_t bus, uint8_t address, uint16_t vendor = 0x17e9,
		 uint16_t product = 0x02a9, bool vendorInterface = true)
{
	HotplugEvent event;
	event.kind = kind;
	event.bus = bus;
	event.address = address;
	event.vendor = vendor;
	event.product = product;
	event.vendorInterface = vendorInterface;
	return event;
}

HotplugEvent arrived(uint8_t bus, uint8_t address, uint16_t vendor = 0x17e9,
		     uint16_t product = 0x02a9, bool vendorInterface = true)
{
	return usb(HotplugEvent::Kind::UsbArrived, bus, address, vendor, product, vendorInterface);
}

HotplugEvent left(uint8_t bus, uint8_t address)
{
	// libusb still knows the ids of a device that left; the router must not need them.
	return usb(HotplugEvent::Kind::UsbLeft, bus, address, 0, 0, false);
}

HotplugEvent spidev(HotplugEvent::Kind kind, const std::string &name)
{
	HotplugEvent event;
	event.kind = kind;
	event.sysname = name;
	event.devnode = "/dev/" + name;
	return event;
}

/// Routes @p event and, for a Plug, says the daemon made node @p node for it.
HotplugRouter::Action plugAs(HotplugRouter &router, const HotplugEvent &event, unsigned node)
{
	HotplugRouter::Action action = router.route(event);
	if (action.kind == Kind::Plug)
		router.plugged(action.key, node);
	return action;
}

} // namespace

TEST_CASE("a DisplayLink adapter that arrives is plugged as udl:usb=BUS:ADDR", "[hotplug][router]")
{
	HotplugRouter router{HotplugOptions{}};
	HotplugRouter::Action action = router.route(arrived(1, 4));
	REQUIRE(action.kind == Kind::Plug);
	CHECK(action.spec.str() == "udl:usb=1:4");
	// The spec is one the udl backend accepts.
	std::string error;
	CHECK(parsePanelSpec(action.spec.str(), error));
}

TEST_CASE("--usb-options are appended to the hotplugged spec", "[hotplug][router]")
{
	HotplugOptions options;
	std::string error;
	REQUIRE(parseUsbOptions("mode=1280x1024@60", options.usbOptions, error));
	HotplugRouter router(options);
	HotplugRouter::Action action = router.route(arrived(3, 17));
	REQUIRE(action.kind == Kind::Plug);
	CHECK(action.spec.str() == "udl:usb=3:17,mode=1280x1024@60");
}

TEST_CASE("devices that do not match, or have no vendor interface, are left alone", "[hotplug][router]")
{
	HotplugRouter router{HotplugOptions{}};
	HotplugRouter::Action other = router.route(arrived(1, 5, 0x046d, 0xc52b));
	CHECK(other.kind == Kind::None);
	CHECK(other.why.find("match list") != std::string::npos);
	// A 17e9 device without the vendor-specific interface (say, a dock's audio function).
	HotplugRouter::Action noInterface = router.route(arrived(1, 6, 0x17e9, 0x4301, false));
	CHECK(noInterface.kind == Kind::None);
	CHECK(noInterface.why.find("vendor-specific") != std::string::npos);
	CHECK_FALSE(router.nodeOf("usb:1:5"));
}

TEST_CASE("--usb-match adds devices; a product rule matches only that product", "[hotplug][router]")
{
	HotplugOptions options;
	std::string error;
	options.usbMatches.push_back(*parseUsbMatch("0x1d6b:0x0104", error));
	HotplugRouter router(options);
	CHECK(router.route(arrived(1, 2, 0x1d6b, 0x0104)).kind == Kind::Plug);
	CHECK(router.route(arrived(1, 3, 0x1d6b, 0x0105)).kind == Kind::None);
	CHECK(router.route(arrived(1, 4, 0x17e9, 0x0001)).kind == Kind::Plug); // default stays
}

TEST_CASE("a departure unplugs the node made for that device, and only it", "[hotplug][router]")
{
	HotplugRouter router{HotplugOptions{}};
	REQUIRE(plugAs(router, arrived(1, 4), 1).kind == Kind::Plug);
	REQUIRE(plugAs(router, arrived(2, 4), 2).kind == Kind::Plug);

	HotplugRouter::Action action = router.route(left(2, 4));
	REQUIRE(action.kind == Kind::Unplug);
	CHECK(action.node == 2);
	CHECK(router.nodeOf("usb:1:4") == 1u);

	// Said twice (libusb may), or for a device that never had a node: nothing.
	CHECK(router.route(left(2, 4)).kind == Kind::None);
	HotplugRouter::Action stranger = router.route(left(5, 9));
	CHECK(stranger.kind == Kind::None);
	CHECK(stranger.why.find("no node") != std::string::npos);
}

TEST_CASE("a duplicate arrival plugs nothing", "[hotplug][router]")
{
	HotplugRouter router{HotplugOptions{}};
	REQUIRE(plugAs(router, arrived(1, 4), 0).kind == Kind::Plug);
	HotplugRouter::Action again = router.route(arrived(1, 4));
	CHECK(again.kind == Kind::None);
	CHECK(again.why.find("already has node 0") != std::string::npos);
}

TEST_CASE("arrive, leave, arrive again: a fresh node each time", "[hotplug][router]")
{
	HotplugRouter router{HotplugOptions{}};
	REQUIRE(plugAs(router, arrived(1, 4), 0).kind == Kind::Plug);
	REQUIRE(router.route(left(1, 4)).node == 0);
	// Back at a new address (the usual case) ...
	HotplugRouter::Action back = plugAs(router, arrived(1, 5), 1);
	REQUIRE(back.kind == Kind::Plug);
	CHECK(back.spec.str() == "udl:usb=1:5");
	REQUIRE(router.route(left(1, 5)).node == 1);
	// ... or at the same one (addresses wrap).
	CHECK(plugAs(router, arrived(1, 4), 2).kind == Kind::Plug);
	CHECK(router.route(left(1, 4)).node == 2);
}

TEST_CASE("a probe that failed leaves nothing to unplug", "[hotplug][router]")
{
	HotplugRouter router{HotplugOptions{}};
	// The daemon's plug failed (the device left during the probe): plugged() never called.
	REQUIRE(router.route(arrived(1, 4)).kind == Kind::Plug);
	CHECK(router.route(left(1, 4)).kind == Kind::None);
	// It may come back and be tried again.
	CHECK(router.route(arrived(1, 4)).kind == Kind::Plug);
}

TEST_CASE("a reaped node is forgotten: its number may go to another device", "[hotplug][router]")
{
	HotplugRouter router{HotplugOptions{}};
	REQUIRE(plugAs(router, arrived(1, 4), 0).kind == Kind::Plug);
	// Unplugged by the control verb and reaped while the adapter stays plugged in.
	router.forgetNode(0);
	CHECK_FALSE(router.nodeOf("usb:1:4"));
	REQUIRE(plugAs(router, arrived(1, 7), 0).kind == Kind::Plug);
	// The first adapter leaving now must not take node 0, which is the second one's.
	CHECK(router.route(left(1, 4)).kind == Kind::None);
	CHECK(router.nodeOf("usb:1:7") == 0u);
}

TEST_CASE("spidev: the configured panel comes and goes with its device", "[hotplug][router]")
{
	HotplugOptions options;
	std::string error;
	std::optional<SpiPanelRule> rule =
		parseSpiPanel("spidev0.1=mi0283qt:dc=gpiochip0:24", error);
	INFO(error);
	REQUIRE(rule);
	options.spiPanels.push_back(*rule);
	HotplugRouter router(options);

	HotplugRouter::Action add = plugAs(router, spidev(HotplugEvent::Kind::SpidevAdded, "spidev0.1"), 3);
	REQUIRE(add.kind == Kind::Plug);
	CHECK(add.spec.backend == "mi0283qt");
	REQUIRE(add.spec.option("spi"));
	CHECK(*add.spec.option("spi") == "/dev/spidev0.1");
	CHECK(router.route(spidev(HotplugEvent::Kind::SpidevAdded, "spidev0.0")).kind == Kind::None);
	HotplugRouter::Action remove =
		router.route(spidev(HotplugEvent::Kind::SpidevRemoved, "spidev0.1"));
	REQUIRE(remove.kind == Kind::Unplug);
	CHECK(remove.node == 3);
}

TEST_CASE("--usb-match: good and bad input", "[hotplug][options]")
{
	std::string error;
	CHECK(parseUsbMatch("17e9", error) == UsbMatchRule{0x17e9, std::nullopt});
	CHECK(parseUsbMatch("0x17E9:0x02a9", error) == UsbMatchRule{0x17e9, 0x02a9});
	CHECK(parseUsbMatch("1d6b:104", error)->str() == "1d6b:0104");
	for (const char *bad : {"", "zz", "17e9:", ":02a9", "0x", "12345", "17e9:02a9:1", "-1",
				"17e9 "}) {
		INFO(bad);
		error.clear();
		CHECK_FALSE(parseUsbMatch(bad, error));
		CHECK(error.find("VID or VID:PID") != std::string::npos);
	}
}

TEST_CASE("--usb-options: udl options only, never the device", "[hotplug][options]")
{
	std::vector<std::pair<std::string, std::string>> options;
	std::string error;
	REQUIRE(parseUsbOptions("mode=1024x768", options, error));
	CHECK(options == decltype(options){{"mode", "1024x768"}});
	const std::pair<const char *, const char *> bad[] = {
		{"", "empty"},
		{"mode=1024", "bad mode"},
		{"speed=3", "no option 'speed'"},
		{"usb=1:2", "usb"},
		{"vid=0x17e9", "vid"},
		{"pid=0x0103", "pid"},
		{"dry-run=/tmp/x", "dry-run"},
	};
	for (const auto &[text, why] : bad) {
		INFO(text);
		error.clear();
		CHECK_FALSE(parseUsbOptions(text, options, error));
		CHECK(error.find(why) != std::string::npos);
	}
}

TEST_CASE("--spi-panel: spi= implied or kept; bad input says why", "[hotplug][options]")
{
	std::string error;
	std::optional<SpiPanelRule> kept =
		parseSpiPanel("spidev1.0=ili9341:spi=/dev/spidev1.0,dc=gpiochip0:25", error);
	REQUIRE(kept);
	CHECK(kept->sysname == "spidev1.0");
	CHECK(*kept->spec.option("spi") == "/dev/spidev1.0");

	const std::pair<const char *, const char *> bad[] = {
		{"spidev0.0", "spidevB.C=SPEC"},
		{"spi0=mi0283qt:dc=gpiochip0:24", "not a spidev name"},
		{"spidev0=mi0283qt:dc=gpiochip0:24", "not a spidev name"},
		{"spidev0.x=mi0283qt:dc=gpiochip0:24", "not a spidev name"},
		{"spidev0.0=virtual:320x240", "no option 'spi'"},
		{"spidev0.0=nosuch", "nosuch"},
		{"spidev0.0=mi0283qt", "dc"},
	};
	for (const auto &[text, why] : bad) {
		INFO(text);
		error.clear();
		CHECK_FALSE(parseSpiPanel(text, error));
		INFO(error);
		CHECK(error.find(why) != std::string::npos);
	}
}
