// SPDX-License-Identifier: MIT
// NodeTable: lowest free number first, and a number stays taken until its session ended.
#include <catch2/catch.hpp>

#include <cerrno>
#include <memory>

#include "node_table.h"

using tinydrm::NodeTable;

namespace {

/// A node whose session "ends" when the test says so (a node with files still open does not).
struct FakeNode final : NodeTable::Node {
	explicit FakeNode(bool *endedFlag) : endedFlag_(endedFlag) {}
	bool ended() const override { return *endedFlag_; }
	bool *endedFlag_;
};

} // namespace

TEST_CASE("reserve hands out the lowest free number", "[node_table]")
{
	NodeTable table(8);
	CHECK(table.reserve() == 0);
	CHECK(table.reserve() == 1);
	CHECK(table.reserve() == 2);
	table.cancel(1);
	CHECK(table.reserve() == 1);
	table.cancel(0);
	CHECK(table.reserve() == 0);
	CHECK(table.reserve() == 3);
	CHECK(table.taken() == 4);
}

TEST_CASE("a reserved number is not a node yet", "[node_table]")
{
	NodeTable table(4);
	const int n = table.reserve();
	CHECK(table.find(unsigned(n)) == nullptr);
	CHECK(table.nodes().empty());
	CHECK(table.reapEnded().empty()); // reserved slots are never reaped
	CHECK(table.taken() == 1);
}

TEST_CASE("an unplugged node with open files keeps its number", "[node_table]")
{
	NodeTable table(8);
	bool ended0 = false, ended1 = false;
	table.install(unsigned(table.reserve()), std::make_unique<FakeNode>(&ended0));
	table.install(unsigned(table.reserve()), std::make_unique<FakeNode>(&ended1));
	REQUIRE(table.nodes().size() == 2);

	// tinydrm-0 is unplugged but a client still holds it open: its session runs on.
	CHECK(table.reapEnded().empty());
	CHECK(table.reserve() == 2);
	table.cancel(2);

	// The client closes: the session ends, the number is free again, and it is the lowest.
	ended0 = true;
	auto reaped = table.reapEnded();
	REQUIRE(reaped.size() == 1);
	CHECK(table.find(0) == nullptr);
	CHECK(table.find(1) != nullptr);
	CHECK(table.reserve() == 0);
}

TEST_CASE("nodes() lists installed nodes in number order", "[node_table]")
{
	NodeTable table(8);
	bool never = false;
	for (int i = 0; i < 3; i++)
		table.install(unsigned(table.reserve()), std::make_unique<FakeNode>(&never));
	const int reserved = table.reserve();
	CHECK(reserved == 3);
	auto nodes = table.nodes();
	REQUIRE(nodes.size() == 3);
	CHECK(nodes[0].first == 0);
	CHECK(nodes[1].first == 1);
	CHECK(nodes[2].first == 2);
}

TEST_CASE("the table is bounded", "[node_table]")
{
	NodeTable table(2);
	CHECK(table.reserve() == 0);
	CHECK(table.reserve() == 1);
	CHECK(table.reserve() == -ENOSPC);
	table.cancel(0);
	CHECK(table.reserve() == 0);
}
