// SPDX-License-Identifier: MIT
// The control protocol: request parsing, node names, panel specs, line framing.
#include <catch2/catch.hpp>

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
