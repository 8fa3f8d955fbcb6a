// SPDX-License-Identifier: MIT
// A DisplayLink adapter pulled out under a flush: whether the transfer fails with NO_DEVICE or
// with a stall (PIPE) cut by the disconnect, the panel calls hardwareGone once (one unplug) and
// stays quiet after; a stall from a device that is still there is not taken for a departure.
#include <catch2/catch.hpp>

#include "udl/udl_panel.h"
#include "udl_test_support.h"

using namespace tinydrm;
using namespace udl_test;

namespace {

struct Fixture {
	std::shared_ptr<LinkState> state = std::make_shared<LinkState>();
	std::unique_ptr<Panel> panel;
	int goneCalls = 0;

	Fixture()
	{
		PanelContext context;
		context.name = "tinydrm-hotplug";
		context.hardwareGone = [this](const std::string &) { goneCalls++; };
		std::string error;
		const int ret = udl::createUdlPanel(std::make_unique<FakeLink>(state),
						    udl::kBulkEndpoint, {}, context, nullptr, panel,
						    error);
		INFO(error);
		REQUIRE(ret == 0);
		REQUIRE(panel->enable({1024, 768, 60}) == 0);
	}

	size_t controlRecords() const
	{
		return size_t(std::count_if(state->records.begin(), state->records.end(),
					    [](const WireRecord &r) { return r.kind == WireKind::UsbControl; }));
	}
};

} // namespace

TEST_CASE("PIPE after a disconnect: one hardwareGone, then ENODEV without I/O", "[udl][hotplug]")
{
	Fixture f;
	Frame frame(1024, 768);
	frame.fill(3);
	// The bulk stream stalls and the device no longer answers anything: it is gone.
	f.state->failBulkAt = f.state->bulkCalls + 1;
	f.state->failWith = -EPIPE;
	f.state->failControl = -ENODEV;
	CHECK(f.panel->flush(frame.view(), {0, 0, 1024, 768}) == -ENODEV);
	CHECK(f.goneCalls == 1);

	const size_t bulk = f.state->bulkCalls;
	for (int i = 0; i < 5; i++)
		CHECK(f.panel->flush(frame.view(), {0, 0, 1024, 768}) == -ENODEV);
	CHECK(f.state->bulkCalls == bulk);
	CHECK(f.goneCalls == 1);
}

TEST_CASE("a stall from a device that is still there is an error, not a departure", "[udl][hotplug]")
{
	Fixture f;
	Frame frame(1024, 768);
	frame.fill(4);
	const size_t controlBefore = f.controlRecords();
	f.state->failBulkAt = f.state->bulkCalls;
	f.state->failWith = -EPIPE;
	CHECK(f.panel->flush(frame.view(), {0, 0, 1024, 768}) == -EPIPE);
	CHECK(f.goneCalls == 0);
	// One status request asked whether it is there ...
	CHECK(f.controlRecords() == controlBefore + 1);
	// ... and a stall that persists is not asked about again every frame.
	for (int i = 0; i < 3; i++)
		CHECK(f.panel->flush(frame.view(), {0, 0, 1024, 768}) == -EPIPE);
	CHECK(f.controlRecords() == controlBefore + 1);
	CHECK(f.goneCalls == 0);

	// It recovers.
	f.state->failBulkAt = SIZE_MAX;
	CHECK(f.panel->flush(frame.view(), {0, 0, 1024, 768}) == 0);
}

TEST_CASE("NO_DEVICE: one hardwareGone for any number of flushes", "[udl][hotplug]")
{
	Fixture f;
	Frame frame(1024, 768);
	frame.fill(5);
	f.state->failBulkAt = f.state->bulkCalls;
	f.state->failWith = -ENODEV;
	for (int i = 0; i < 4; i++)
		CHECK(f.panel->flush(frame.view(), {0, 0, 1024, 768}) == -ENODEV);
	CHECK(f.goneCalls == 1);
}
