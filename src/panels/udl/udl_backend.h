// SPDX-License-Identifier: MIT
#pragma once

#include "panel_registry.h"

namespace tinydrm {
/// "udl[:usb=BUS:ADDR|vid=0xVVVV[,pid=0xPPPP]|dry-run=PATH][,mode=WxH[@HZ]]": a DisplayLink
/// USB adapter (udl_panel.cpp).
extern const PanelBackend kUdlBackend;
} // namespace tinydrm
