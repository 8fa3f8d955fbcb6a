// SPDX-License-Identifier: MIT
// Dry-run transports: they do what the real ones do to the caller, but write every byte, level
// and delay to a WireLog instead of hardware. Reads are answered by a responder the backend
// supplies (what a healthy panel would answer), so init sequences run exactly as on hardware.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "delay.h"
#include "gpio_line.h"
#include "spi_bus.h"
#include "usb_link.h"
#include "wire_log.h"

namespace tinydrm {

/// Fills @p rx (length bytes) for a transfer that sent @p tx (may be null).
using SpiResponder = std::function<void(const uint8_t *tx, uint8_t *rx, size_t length)>;
/// Fills an IN control transfer's data stage; \return bytes answered, or -EPIPE to stall.
using UsbResponder = std::function<int(const UsbSetup &setup, uint8_t *data, uint16_t length)>;

/// @p log is borrowed and must outlive the bus. Without a responder reads get zeros.
std::unique_ptr<SpiBus> makeDryRunSpi(WireLog &log, uint32_t maxSpeedHz,
				      SpiResponder responder = {});
/// An input line reads @p inputLevel() (or 0 without it).
std::unique_ptr<GpioLine> makeDryRunGpio(WireLog &log, const std::string &role,
					 std::function<int()> inputLevel = {});
/// Logs the delay; sleeps for real too when @p realtime (so a dry-run e-paper takes as long).
std::unique_ptr<Delay> makeDryRunDelay(WireLog &log, bool realtime);
/// Control IN requests are answered by @p responder (stall without one); OUT and bulk logged.
std::unique_ptr<UsbLink> makeDryRunUsb(WireLog &log, UsbResponder responder = {});

} // namespace tinydrm
