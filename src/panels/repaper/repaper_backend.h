// SPDX-License-Identifier: MIT
#pragma once

#include "panel_registry.h"

namespace tinydrm {
extern const PanelBackend kRepaperBackend;
} // namespace tinydrm
