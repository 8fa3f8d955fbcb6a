// SPDX-License-Identifier: MIT
// HotplugEvent: one device arriving or leaving, as the watchers (UsbHotplug, UdevMonitor) saw
// it and the daemon thread routes it (HotplugRouter).
#pragma once

#include <cstdint>
#include <string>

namespace tinydrm {

/// A plain value: copied out of a libusb callback or a udev message, so that nothing the
/// daemon thread reads points into libusb's or libudev's memory.
struct HotplugEvent {
	enum class Kind {
		UsbArrived,
		UsbLeft,
		SpidevAdded,
		SpidevRemoved,
	};
	Kind kind = Kind::UsbArrived;

	// --- USB (UsbArrived, UsbLeft) ---
	uint8_t bus = 0;
	uint8_t address = 0;
	uint16_t vendor = 0;
	uint16_t product = 0;
	/// UsbArrived: the active configuration has an interface of class 0xFF (vendor-specific),
	/// subclass 0, protocol 0, as DisplayLink's video interface is. Unknown (false) on UsbLeft.
	bool vendorInterface = false;

	// --- spidev (SpidevAdded, SpidevRemoved) ---
	/// "spidev0.1": the kernel's name, what --spi-panel is keyed by.
	std::string sysname;
	/// "/dev/spidev0.1" as udev reports it; may be empty (then /dev/<sysname> is assumed).
	std::string devnode;

	bool isUsb() const { return kind == Kind::UsbArrived || kind == Kind::UsbLeft; }
	/// "usb 1:4 (17e9:02a9)" or "spidev0.1", for log lines.
	std::string describe() const;
};

} // namespace tinydrm
