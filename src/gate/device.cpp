// SPDX-License-Identifier: MIT
#include "device.h"

#include <cerrno>

#include "log.h"

namespace tinydrm {

namespace {

auto &log()
{
	static auto logger = subsystemLogger("gate");
	return logger;
}

} // namespace

Device::Device(std::string name)
	: name_(std::move(name))
{
}

Device::~Device()
{
	log()->debug("{}: released", name_);
}

int Device::publish()
{
	auto section = gate_.enter();
	if (!section)
		return -ENODEV;
	State expected = State::Created;
	if (!state_.compare_exchange_strong(expected, State::Published))
		return -EBUSY;
	log()->debug("{}: published", name_);
	return 0;
}

int Device::open(std::shared_ptr<Device> &file)
{
	auto section = gate_.enter();
	// Checked inside the section: once we are in, unplug() cannot finish before we leave, so
	// a file opened here is one the unplug sees (its revoke step runs after this returns).
	if (!section || state() != State::Published)
		return -ENODEV;
	file = shared_from_this();
	return 0;
}

int Device::unplug()
{
	int ret = gate_.unplug();
	if (ret < 0)
		return ret;
	if (state_.exchange(State::Unplugged) != State::Unplugged)
		log()->info("{}: unplugged", name_);
	return 0;
}

} // namespace tinydrm
