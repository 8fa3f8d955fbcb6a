// SPDX-License-Identifier: MIT
// The repaper backend: Pervasive Displays e-paper panels (G2 COG) over spidev and GPIO lines,
// or a dry-run log. Options in repaper_options.h; the design at the top of repaper_panel.cpp.
#pragma once

#include "panel_registry.h"

namespace tinydrm {
extern const PanelBackend kRepaperBackend;
} // namespace tinydrm
