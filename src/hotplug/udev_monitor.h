// SPDX-License-Identifier: MIT
// UdevMonitor: udev's add/remove events of one subsystem ("spidev") as HotplugEvents.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hotplug_event.h"

struct udev;
struct udev_monitor;

namespace tinydrm {

/// Whether a udev daemon runs (its control socket exists). Without one, neither libusb nor
/// this monitor hears of devices that come later; those present are still enumerated.
bool udevRunning();

/**
 * UdevMonitor - a libudev monitor on the "udev" source (events after udevd ran its rules, so
 * the /dev node exists with its final permissions) for one subsystem.
 *
 * Threads: no thread of its own. The owner's thread (the daemon thread) polls fd() and calls
 * receive(); libudev objects must not be shared between threads, and none is.
 *
 * Lifetime (RAII): the destructor drops the monitor and the udev context.
 */
class UdevMonitor
{
public:
	/**
	 * open - starts receiving events of @p subsystem ("spidev").
	 * \return 0 and @p monitor, or -errno with a one-line reason in @p error.
	 */
	static int open(const std::string &subsystem, std::unique_ptr<UdevMonitor> &monitor,
			std::string &error);
	~UdevMonitor();
	UdevMonitor(const UdevMonitor &) = delete;
	UdevMonitor &operator=(const UdevMonitor &) = delete;

	/// Readable (POLLIN) when events wait.
	int fd() const;
	/// The devices of the subsystem present now, as "added" events. Called after open(),
	/// so a device that appears in between is reported twice rather than never.
	std::vector<HotplugEvent> present();
	/// The events waiting now (never blocks); actions other than add/remove are dropped.
	/// Events are of the Spidev kinds: spidev is the one subsystem tinydrmd watches.
	std::vector<HotplugEvent> receive();

private:
	UdevMonitor() = default;

	std::string subsystem_;
	udev *udev_ = nullptr;
	udev_monitor *monitor_ = nullptr;
};

} // namespace tinydrm
