// SPDX-License-Identifier: MIT
// PLACEHOLDER: the panels helper replaces this with the real implementation.
#include "dry_run.h"

namespace tinydrm {
std::unique_ptr<SpiBus> makeDryRunSpi(WireLog &, uint32_t, SpiResponder) { return nullptr; }
std::unique_ptr<GpioLine> makeDryRunGpio(WireLog &, const std::string &, std::function<int()>) { return nullptr; }
std::unique_ptr<Delay> makeDryRunDelay(WireLog &, bool) { return nullptr; }
std::unique_ptr<UsbLink> makeDryRunUsb(WireLog &, UsbResponder) { return nullptr; }
} // namespace tinydrm
