// SPDX-License-Identifier: MIT
#include "udev_monitor.h"

#include <cerrno>
#include <cstring>
#include <string_view>

#include <libudev.h>
#include <unistd.h>

namespace tinydrm {

namespace {

struct DeviceDeleter {
	void operator()(udev_device *device) const { udev_device_unref(device); }
};
using Device = std::unique_ptr<udev_device, DeviceDeleter>;

struct EnumerateDeleter {
	void operator()(udev_enumerate *e) const { udev_enumerate_unref(e); }
};

HotplugEvent eventOf(udev_device *device, HotplugEvent::Kind kind)
{
	HotplugEvent event;
	event.kind = kind;
	if (const char *name = udev_device_get_sysname(device))
		event.sysname = name;
	if (const char *node = udev_device_get_devnode(device))
		event.devnode = node;
	return event;
}

} // namespace

bool udevRunning()
{
	return ::access("/run/udev/control", F_OK) == 0;
}

int UdevMonitor::open(const std::string &subsystem, std::unique_ptr<UdevMonitor> &monitor,
		      std::string &error)
{
	std::unique_ptr<UdevMonitor> created(new UdevMonitor);
	created->udev_ = udev_new();
	if (!created->udev_) {
		error = std::string("udev_new: ") + std::strerror(errno ? errno : ENOMEM);
		return -(errno ? errno : ENOMEM);
	}
	created->monitor_ = udev_monitor_new_from_netlink(created->udev_, "udev");
	if (!created->monitor_) {
		error = std::string("udev monitor: ") + std::strerror(errno ? errno : ENOMEM);
		return -(errno ? errno : ENOMEM);
	}
	if (int ret = udev_monitor_filter_add_match_subsystem_devtype(created->monitor_,
								      subsystem.c_str(), nullptr);
	    ret < 0) {
		error = "udev monitor filter: " + std::string(std::strerror(-ret));
		return ret;
	}
	if (int ret = udev_monitor_enable_receiving(created->monitor_); ret < 0) {
		error = "udev monitor: " + std::string(std::strerror(-ret));
		return ret;
	}
	created->subsystem_ = subsystem;
	monitor = std::move(created);
	return 0;
}

UdevMonitor::~UdevMonitor()
{
	if (monitor_)
		udev_monitor_unref(monitor_);
	if (udev_)
		udev_unref(udev_);
}

int UdevMonitor::fd() const
{
	return udev_monitor_get_fd(monitor_);
}

std::vector<HotplugEvent> UdevMonitor::present()
{
	std::vector<HotplugEvent> events;
	std::unique_ptr<udev_enumerate, EnumerateDeleter> enumerate(udev_enumerate_new(udev_));
	if (!enumerate)
		return events;
	udev_enumerate_add_match_subsystem(enumerate.get(), subsystem_.c_str());
	udev_enumerate_scan_devices(enumerate.get());
	udev_list_entry *entry = nullptr;
	udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(enumerate.get()))
	{
		Device device(udev_device_new_from_syspath(udev_, udev_list_entry_get_name(entry)));
		if (device)
			events.push_back(eventOf(device.get(), HotplugEvent::Kind::SpidevAdded));
	}
	return events;
}

std::vector<HotplugEvent> UdevMonitor::receive()
{
	std::vector<HotplugEvent> events;
	// The socket is non-blocking (libudev makes it so): NULL means nothing more waits.
	while (Device device{udev_monitor_receive_device(monitor_)}) {
		const char *action = udev_device_get_action(device.get());
		const std::string_view what = action ? action : "";
		if (what == "add")
			events.push_back(eventOf(device.get(), HotplugEvent::Kind::SpidevAdded));
		else if (what == "remove")
			events.push_back(eventOf(device.get(), HotplugEvent::Kind::SpidevRemoved));
	}
	return events;
}

} // namespace tinydrm
