// SPDX-License-Identifier: MIT
#pragma once

#include "panel_registry.h"

namespace tinydrm {
extern const PanelBackend kSt7586Backend;
} // namespace tinydrm
