// SPDX-License-Identifier: MIT
// CuseNode's set-up and failure paths on the host, which has no /dev/cuse: every failure
// must come back as an errno, with the workers joined and nothing leaked (run under ASan).
#include <catch2/catch.hpp>

#include <cerrno>
#include <memory>

#include "cuse_node.h"
#include "drm_device.h"
#include "virtual_panel.h"

using namespace tinydrm;

namespace {

std::shared_ptr<DrmDevice> makeDevice()
{
	auto device = DrmDevice::create("tinydrm-test", makeVirtualPanel(64, 48, 60));
	REQUIRE(device);
	REQUIRE(device->publish() == 0);
	return device;
}

} // namespace

TEST_CASE("bad options are refused", "[cuse]")
{
	auto device = makeDevice();
	std::unique_ptr<CuseNode> node;
	CuseNode::Options options;
	CHECK(CuseNode::create(device, options, node) == -EINVAL); // no name
	options.name = "tinydrm-test";
	options.workers = 0;
	CHECK(CuseNode::create(device, options, node) == -EINVAL);
	CHECK(CuseNode::create(nullptr, options, node) == -EINVAL);
	CHECK_FALSE(node);
	device->unplug();
}

TEST_CASE("a missing CUSE device is reported, not fatal", "[cuse]")
{
	auto device = makeDevice();
	std::unique_ptr<CuseNode> node;
	CuseNode::Options options;
	options.name = "tinydrm-test";
	options.cuseDevice = "/nonexistent/cuse";
	CHECK(CuseNode::create(device, options, node) == -ENOENT);
	CHECK_FALSE(node);
	device->unplug();
}

TEST_CASE("a channel that is not CUSE ends the session at once", "[cuse]")
{
	// /dev/null opens and polls readable, but reads return nothing: libfuse reports a short
	// read, the workers stop, the last one tears the session down, and create() says so
	// instead of waiting for an init that never comes.
	auto device = makeDevice();
	std::unique_ptr<CuseNode> node;
	CuseNode::Options options;
	options.name = "tinydrm-test";
	options.cuseDevice = "/dev/null";
	options.workers = 3;
	bool endedCalled = false;
	options.onEnded = [&] { endedCalled = true; };
	CHECK(CuseNode::create(device, options, node) == -EIO);
	CHECK_FALSE(node);
	CHECK_FALSE(endedCalled); // only sessions that create() returned report their end
	device->unplug();
}

TEST_CASE("an unplugged device gets no node", "[cuse]")
{
	auto device = makeDevice();
	REQUIRE(device->unplug() == 0);
	std::unique_ptr<CuseNode> node;
	CuseNode::Options options;
	options.name = "tinydrm-test";
	options.cuseDevice = "/dev/null";
	CHECK(CuseNode::create(device, options, node) == -ENODEV);
	CHECK_FALSE(node);
}
