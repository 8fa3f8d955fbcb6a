// SPDX-License-Identifier: MIT
// The control protocol: request parsing, node names, panel specs, line framing.
#include <catch2/catch.hpp>

#include <cerrno>
#include <string>

#include "control_protocol.h"
#include "panel_spec.h"

using namespace tinydrm;

namespace {

std::optional<ControlRequest> parse(std::string_view line, std::string *errorOut = nullptr)
{
	std::string error;
	auto request = parseControlLine(line, error);
	if (errorOut)
		*errorOut = error;
	if (!request)
		CHECK_FALSE(error.empty()); // every refusal says why
	return request;
}

} // namespace

TEST_CASE("panel specs", "[control]")
{
	std::string error;
	auto spec = parsePanelSpec("virtual", error);
	REQUIRE(spec);
	CHECK(*spec == PanelSpec{"virtual", "", {}});
	CHECK(spec->str() == "virtual");

	spec = parsePanelSpec("virtual:640x480", error);
	REQUIRE(spec);
	CHECK(spec->positional == "640x480");

	spec = parsePanelSpec("virtual:128x64@30", error);
	REQUIRE(spec);
	CHECK(spec->str() == "virtual:128x64@30");
	CHECK(*parsePanelSpec(spec->str(), error) == *spec);

	for (const char *bad : {"", "virtual:", "virtual:640", "virtual:640x", "virtual:x480",
				"virtual:0x480", "virtual:640x480@", "virtual:640x480@0",
				"virtual:640x480@1000", "virtual:99999x10", "virtual:-1x10",
				"virtual:+1x10", "virtual:64x64x64", "virtual:64 x64", "spi:ili9341",
				"Virtual", "virtual:640x480@60@60", "virtual:0000000000640x480",
				"virtual:64x64,speed=1", "virtual:64x64,64x64", "virtual:,",
				"virtual:a=1,a=2", "virtual:=1"}) {
		INFO(bad);
		error.clear();
		CHECK_FALSE(parsePanelSpec(bad, error));
		CHECK_FALSE(error.empty());
	}
}

TEST_CASE("node names", "[control]")
{
	CHECK(nodeName(0) == "tinydrm-0");
	CHECK(nodeName(12) == "tinydrm-12");
	CHECK(parseNodeName("tinydrm-0") == 0u);
	CHECK(parseNodeName("tinydrm-63") == 63u);
	for (const char *bad : {"tinydrm-", "tinydrm-64", "tinydrm-01", "tinydrm--1", "tinydrm-1a",
				"tinydrm-1 ", "card0", "TINYDRM-0", "tinydrm-99999999999"}) {
		INFO(bad);
		CHECK_FALSE(parseNodeName(bad));
	}
}

TEST_CASE("requests", "[control]")
{
	auto r = parse("list");
	REQUIRE(r);
	CHECK(r->verb == ControlRequest::Verb::List);
	CHECK(parse("  list \t"));
	CHECK(parse("list\r")); // a telnet-style CRLF

	r = parse("plug virtual:640x480@75");
	REQUIRE(r);
	CHECK(r->verb == ControlRequest::Verb::Plug);
	CHECK(r->panel == PanelSpec{"virtual", "640x480@75", {}});

	r = parse("unplug tinydrm-3");
	REQUIRE(r);
	CHECK(r->verb == ControlRequest::Verb::Unplug);
	CHECK(r->node == 3);

	r = parse("snapshot tinydrm-0");
	REQUIRE(r);
	CHECK(r->verb == ControlRequest::Verb::Snapshot);
	CHECK(r->node == 0);
	r = parse("\tsnapshot  tinydrm-63\r");
	REQUIRE(r);
	CHECK(r->verb == ControlRequest::Verb::Snapshot);
	CHECK(r->node == 63);
}

TEST_CASE("bad requests get a reason, never a crash", "[control]")
{
	std::string error;
	CHECK_FALSE(parse("", &error));
	CHECK(error.find("empty") != std::string::npos);
	CHECK_FALSE(parse("frobnicate", &error));
	CHECK(error.find("unknown verb") != std::string::npos);
	CHECK_FALSE(parse("list extra", &error));
	CHECK(error.find("usage") != std::string::npos);
	CHECK_FALSE(parse("plug", &error));
	CHECK_FALSE(parse("plug virtual:1x1 extra"));
	CHECK_FALSE(parse("plug bogus:1x1", &error));
	CHECK(error.find("unknown panel kind") != std::string::npos);
	CHECK_FALSE(parse("unplug"));
	CHECK_FALSE(parse("unplug card0", &error));
	CHECK(error.find("bad node name") != std::string::npos);
	CHECK_FALSE(parse("snapshot", &error));
	CHECK(error == "usage: snapshot tinydrm-N");
	CHECK_FALSE(parse("snapshot tinydrm-0 out.png", &error));
	CHECK(error == "usage: snapshot tinydrm-N");
	CHECK_FALSE(parse("snapshot card0", &error));
	CHECK(error == "bad node name 'card0' (want tinydrm-N)");
	CHECK_FALSE(parse("snapshot tinydrm-64", &error));
	CHECK(error.find("bad node name") != std::string::npos);
	CHECK_FALSE(parse("snapshot tinydrm-01"));
	CHECK_FALSE(parse("Snapshot tinydrm-0", &error));
	CHECK(error.find("unknown verb") != std::string::npos);
	CHECK(error.find("snapshot") != std::string::npos); // the verb list names it
	CHECK_FALSE(parse(std::string("list\0", 5)));
	CHECK_FALSE(parse("list\x7f"));
	CHECK_FALSE(parse("pl\xc3\xbcg"));
	CHECK_FALSE(parse(std::string(kMaxLineLength + 1, 'a'), &error));
	CHECK(error == "line too long");
}

TEST_CASE("status lines", "[control]")
{
	CHECK(okLine() == "ok");
	CHECK(errorLine("no such node: tinydrm-4") == "error no such node: tinydrm-4");
	CHECK(isStatusLine(okLine()));
	CHECK(isStatusLine(errorLine("x")));
	CHECK_FALSE(isStatusLine("tinydrm-0 panel=virtual:320x240@60 mode=off files=0 state=published"));
	CHECK_FALSE(isStatusLine("okay"));
}

TEST_CASE("snapshot data lines", "[control]")
{
	const SnapshotInfo info{3, 320, 240, 1873};
	CHECK(snapshotLine(info) == "tinydrm-3 size=320x240 png=1873");
	CHECK(parseSnapshotLine(snapshotLine(info)) == info);
	const SnapshotInfo big{63, 16384, 16384, 18446744073709551615ull};
	CHECK(parseSnapshotLine(snapshotLine(big)) == big);
	// A data line, never a status line: clients tell them apart by that.
	CHECK_FALSE(isStatusLine(snapshotLine(info)));

	for (const char *bad : {"", "ok", "tinydrm-3", "tinydrm-3 size=320x240",
				"tinydrm-3 size=320x240 png=1873 extra", "tinydrm-3 png=1873 size=320x240",
				"card0 size=320x240 png=1873", "tinydrm-3 size=320 png=1873",
				"tinydrm-3 size=0x240 png=1873", "tinydrm-3 size=320x0 png=1873",
				"tinydrm-3 size=320x240 png=0", "tinydrm-3 size=320x240 png=-1",
				"tinydrm-3 size=0320x240 png=1873", "tinydrm-3 size=320x240x1 png=1873",
				"tinydrm-3 size=+320x240 png=1873", "tinydrm-3 size=4294967296x1 png=1",
				"tinydrm-3 size=320x240 png=18446744073709551616",
				"tinydrm-3 size=320x240 png=12ab", "tinydrm-3 size= png=1"}) {
		INFO(bad);
		CHECK_FALSE(parseSnapshotLine(bad));
	}
}

TEST_CASE("snapshot errors name the node and the cause", "[control]")
{
	CHECK(snapshotErrorReason(2, "virtual:320x240@60", -ENODEV) == "tinydrm-2 is unplugged (ENODEV)");
	CHECK(snapshotErrorReason(0, "virtual", -ENODATA) ==
	      "tinydrm-0 has shown nothing yet (ENODATA): no frame was flushed to its panel");
	CHECK(snapshotErrorReason(1, "st7586", -EOPNOTSUPP) ==
	      "tinydrm-1: panel st7586 cannot read back what it shows (EOPNOTSUPP)");
	const std::string other = snapshotErrorReason(1, "virtual", -ENOMEM);
	CHECK(other.starts_with("tinydrm-1: snapshot failed: "));
	CHECK(other.size() > std::string("tinydrm-1: snapshot failed: ").size());
	// Each is one line.
	for (int rc : {-ENODEV, -ENODATA, -EOPNOTSUPP, -EIO})
		CHECK(snapshotErrorReason(5, "virtual", rc).find('\n') == std::string::npos);
}

TEST_CASE("line framing", "[control]")
{
	LineBuffer in;
	std::string line;
	CHECK_FALSE(in.next(line));
	in.append("li");
	CHECK_FALSE(in.next(line));
	in.append("st\nplug virtual\nunpl");
	REQUIRE(in.next(line));
	CHECK(line == "list");
	REQUIRE(in.next(line));
	CHECK(line == "plug virtual");
	CHECK_FALSE(in.next(line));
	in.append("ug tinydrm-0\n\n");
	REQUIRE(in.next(line));
	CHECK(line == "unplug tinydrm-0");
	REQUIRE(in.next(line));
	CHECK(line.empty());
	CHECK_FALSE(in.overflow());

	LineBuffer flood;
	flood.append(std::string(kMaxLineLength + 1, 'x'));
	CHECK_FALSE(flood.next(line));
	CHECK(flood.overflow());

	LineBuffer longLine;
	longLine.append(std::string(kMaxLineLength + 5, 'x') + "\n");
	CHECK_FALSE(longLine.next(line));
	CHECK(longLine.overflow());
}
