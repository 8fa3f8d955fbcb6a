// SPDX-License-Identifier: MIT
#pragma once

#include "panel_registry.h"

namespace tinydrm {
extern const PanelBackend kMi0283qtBackend;
extern const PanelBackend kIli9341Backend;
} // namespace tinydrm
