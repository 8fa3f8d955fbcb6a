// SPDX-License-Identifier: MIT
// Device lifecycle: created → published → unplugged → released.
#include <atomic>
#include <cerrno>
#include <memory>

#include <catch2/catch.hpp>

#include "device.h"

using tinydrm::Device;

namespace {

/// A device whose "hardware" is released by a revoke action and whose software state is a
/// destructor side effect, so tests can see when each goes.
class TestDevice : public Device
{
public:
	TestDevice(std::atomic<int> &hardwareReleases, std::atomic<int> &softwareReleases)
		: Device("test"), softwareReleases_(softwareReleases)
	{
		gate().addRevokeAction([this, &hardwareReleases] {
			hardwareLive = false;
			hardwareReleases++;
		});
	}
	~TestDevice() override { softwareReleases_++; }

	bool hardwareLive = true;

private:
	std::atomic<int> &softwareReleases_;
};

} // namespace

TEST_CASE("open is refused before publish and after unplug, with ENODEV")
{
	std::atomic<int> hw = 0;
	std::atomic<int> sw = 0;
	auto device = std::make_shared<TestDevice>(hw, sw);
	std::shared_ptr<Device> file;
	CHECK(device->open(file) == -ENODEV);
	CHECK(device->state() == Device::State::Created);
	REQUIRE(device->publish() == 0);
	CHECK(device->publish() == -EBUSY);
	CHECK(device->state() == Device::State::Published);
	REQUIRE(device->open(file) == 0);
	CHECK(file == device);
	file.reset();
	REQUIRE(device->unplug() == 0);
	CHECK(device->state() == Device::State::Unplugged);
	CHECK(device->open(file) == -ENODEV);
	CHECK(device->publish() == -ENODEV);
	CHECK_FALSE(file);
}

TEST_CASE("hardware goes at unplug, software state at the last close, exactly once")
{
	std::atomic<int> hw = 0;
	std::atomic<int> sw = 0;
	auto registration = std::make_shared<TestDevice>(hw, sw);
	REQUIRE(registration->publish() == 0);
	std::shared_ptr<Device> fileA;
	std::shared_ptr<Device> fileB;
	REQUIRE(registration->open(fileA) == 0);
	REQUIRE(registration->open(fileB) == 0);

	TestDevice *raw = registration.get();
	REQUIRE(registration->unplug() == 0);
	CHECK(hw == 1);
	CHECK_FALSE(raw->hardwareLive);
	registration.reset(); // the node table lets go
	CHECK(sw == 0);       // open files still hold it
	CHECK(raw->name() == "test");
	CHECK_FALSE(raw->gate().enter());
	fileA.reset();
	CHECK(sw == 0);
	fileB.reset();
	CHECK(sw == 1);
	CHECK(hw == 1);
}

TEST_CASE("a device never published can be unplugged and released")
{
	std::atomic<int> hw = 0;
	std::atomic<int> sw = 0;
	{
		auto device = std::make_shared<TestDevice>(hw, sw);
		REQUIRE(device->unplug() == 0);
		REQUIRE(device->unplug() == 0);
	}
	CHECK(hw == 1);
	CHECK(sw == 1);
}
