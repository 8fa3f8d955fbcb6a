// SPDX-License-Identifier: MIT
#include "hotplug_event.h"

#include <spdlog/fmt/fmt.h>

namespace tinydrm {

std::string HotplugEvent::describe() const
{
	if (isUsb())
		return fmt::format("usb {}:{} ({:04x}:{:04x})", bus, address, vendor, product);
	return sysname;
}

} // namespace tinydrm
