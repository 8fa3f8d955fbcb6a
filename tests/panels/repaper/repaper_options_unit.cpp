// SPDX-License-Identifier: MIT
// The repaper options: what parsePanelSpec accepts and rejects (no hardware is touched), and
// what create() does with a dry-run file.
#include <cstdio>
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>
#include <unistd.h>

#include "panel_registry.h"
#include "panel_spec.h"
#include "repaper/repaper_options.h"
#include "repaper_panel.h"

using namespace tinydrm;

namespace {

const std::string kHardware = "spi=/dev/spidev0.0,panel-on=gpiochip0:23,discharge=gpiochip0:15,"
			      "reset=gpiochip0:24,busy=gpiochip0:25";

bool accepts(const std::string &text, std::string *reason = nullptr)
{
	std::string error;
	const bool ok = parsePanelSpec(text, error).has_value();
	if (reason)
		*reason = error;
	INFO(text << ": " << error);
	if (!ok)
		CHECK_FALSE(error.empty());
	return ok;
}

repaper::RepaperConfig config(const std::string &text)
{
	std::string error;
	auto spec = parsePanelSpec(text, error);
	INFO(error);
	REQUIRE(spec);
	repaper::RepaperConfig parsed;
	REQUIRE(repaper::parseRepaperConfig(*spec, parsed, error));
	return parsed;
}

} // namespace

TEST_CASE("repaper: good specs", "[repaper]")
{
	CHECK(accepts("repaper:model=e1144cs021,dry-run=/tmp/x"));
	CHECK(accepts("repaper:model=e2271cs021,dry-run=/tmp/x,realtime=1"));
	CHECK(accepts("repaper:model=e1190cs021," + kHardware));
	CHECK(accepts("repaper:model=e2200cs021," + kHardware + ",temperature=-12"));
	CHECK(accepts("repaper:model=e2271cs021," + kHardware + ",border=gpiochip0:14"));
	CHECK(accepts("repaper:model=e1144cs021,dry-run=/tmp/x,thermal-zone=0,stage-time=0"));

	const repaper::RepaperConfig c =
		config("repaper:model=e2271cs021,dry-run=/tmp/x,realtime=1,temperature=-12");
	CHECK(c.model->name == "e2271cs021");
	CHECK(c.dryRunMode());
	CHECK(c.realtime);
	REQUIRE(c.temperature);
	CHECK(*c.temperature == -12);
	CHECK(c.stageTimeMs == 630);

	const repaper::RepaperConfig z =
		config("repaper:model=e1144cs021,dry-run=/tmp/x,thermal-zone=3,stage-time=25");
	CHECK(z.thermalPath == "/sys/class/thermal/thermal_zone3/temp");
	CHECK(z.stageTimeMs == 25);
	CHECK_FALSE(z.temperature);
}

TEST_CASE("repaper: bad specs are rejected with a reason", "[repaper]")
{
	std::string why;
	CHECK_FALSE(accepts("repaper", &why));
	CHECK(why.find("model=") != std::string::npos);
	CHECK_FALSE(accepts("repaper:model=e9999,dry-run=/tmp/x", &why));
	CHECK(why.find("e2271cs021") != std::string::npos);
	CHECK_FALSE(accepts("repaper:e2271cs021,dry-run=/tmp/x"));
	CHECK_FALSE(accepts("repaper:model=e1144cs021,dry-run=/tmp/x,colour=red"));
	// Hardware needs every line; the border only on the 2.7".
	CHECK_FALSE(accepts("repaper:model=e1144cs021"));
	CHECK_FALSE(accepts("repaper:model=e1144cs021,spi=spidev0.0,panel-on=gpiochip0:1,"
			    "discharge=gpiochip0:2,reset=gpiochip0:3,busy=gpiochip0:4"));
	CHECK_FALSE(accepts("repaper:model=e1144cs021,spi=/dev/spidev0.0,panel-on=gpiochip0:1",
			    &why));
	CHECK(why.find("discharge") != std::string::npos);
	CHECK_FALSE(accepts("repaper:model=e2271cs021," + kHardware, &why));
	CHECK(why.find("border") != std::string::npos);
	CHECK_FALSE(accepts("repaper:model=e1144cs021," + kHardware + ",border=gpiochip0:14"));
	CHECK_FALSE(accepts("repaper:model=e1144cs021," + kHardware + ",busy2=gpiochip0:3"));
	CHECK_FALSE(accepts("repaper:model=e1144cs021,spi=/dev/spidev0.0,panel-on=nonsense,"
			    "discharge=gpiochip0:2,reset=gpiochip0:3,busy=gpiochip0:4"));
	// dry-run replaces the wiring; realtime only means something there.
	CHECK_FALSE(accepts("repaper:model=e1144cs021,dry-run=/tmp/x,spi=/dev/spidev0.0"));
	CHECK_FALSE(accepts("repaper:model=e1144cs021,dry-run=/tmp/x,reset=gpiochip0:3"));
	CHECK_FALSE(accepts("repaper:model=e1144cs021," + kHardware + ",realtime=1"));
	CHECK_FALSE(accepts("repaper:model=e1144cs021,dry-run=/tmp/x,realtime=2"));
	// Temperatures.
	CHECK_FALSE(accepts("repaper:model=e1144cs021,dry-run=/tmp/x,temperature=warm"));
	CHECK_FALSE(accepts("repaper:model=e1144cs021,dry-run=/tmp/x,temperature=-41"));
	CHECK_FALSE(accepts("repaper:model=e1144cs021,dry-run=/tmp/x,temperature=86"));
	CHECK_FALSE(accepts("repaper:model=e1144cs021,dry-run=/tmp/x,temperature=--1"));
	CHECK_FALSE(accepts("repaper:model=e1144cs021,dry-run=/tmp/x,temperature=-"));
	CHECK_FALSE(accepts("repaper:model=e1144cs021,dry-run=/tmp/x,temperature=20,"
			    "thermal-zone=0"));
	CHECK_FALSE(accepts("repaper:model=e1144cs021,dry-run=/tmp/x,thermal-zone=x"));
	CHECK_FALSE(accepts("repaper:model=e1144cs021,dry-run=/tmp/x,stage-time=10001"));
}

TEST_CASE("repaper: create opens the dry-run file; the decoder reads it back", "[repaper]")
{
	const std::filesystem::path dir = std::filesystem::temp_directory_path() /
					  ("repaper-options-" + std::to_string(getpid()));
	std::filesystem::create_directories(dir);
	const std::string path = (dir / "wire").string();
	const std::string text = "repaper:model=e1144cs021,dry-run=" + path + ",stage-time=0";
	std::string error;
	auto spec = parsePanelSpec(text, error);
	REQUIRE(spec);
	{
		std::unique_ptr<Panel> panel;
		REQUIRE(createPanel(*spec, {}, panel, error) == 0);
		REQUIRE(panel);
		CHECK(panel->info().asyncFlush);
		CHECK(panel->info().modes.at(0).width == 128);
		CHECK(panel->info().widthMm == 29);
		REQUIRE(panel->enable({128, 96, 1}) == 0);
		CHECK(panel->enable({96, 128, 1}) == -EINVAL);
		// Destroyed without an update: the log still holds the power-up.
	}
	std::vector<uint8_t> bytes;
	REQUIRE(WireReader::load(path, bytes, error) == 0);
	auto decoder = makePanelDecoder(*spec);
	REQUIRE(decoder);
	CHECK(decodeWireLog(*decoder, bytes, error));
	INFO(error);
	auto *repaper = dynamic_cast<RepaperPanelDecoder *>(decoder.get());
	REQUIRE(repaper);
	CHECK_FALSE(repaper->driving()); // the destructor cut the supply
	std::filesystem::remove_all(dir);

	// A thermal zone that cannot be read is a typo, found at create().
	auto zoned = parsePanelSpec("repaper:model=e1144cs021,dry-run=/tmp/x,thermal-zone=9999",
				    error);
	REQUIRE(zoned);
	std::unique_ptr<Panel> panel;
	CHECK(createPanel(*zoned, {}, panel, error) < 0);
	CHECK(error.find("thermal_zone9999") != std::string::npos);

	// A dry-run path that cannot be opened.
	auto nowhere = parsePanelSpec("repaper:model=e1144cs021,dry-run=/nonexistent/dir/wire",
				      error);
	REQUIRE(nowhere);
	CHECK(createPanel(*nowhere, {}, panel, error) < 0);
	CHECK_FALSE(error.empty());
}
