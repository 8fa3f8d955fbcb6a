// SPDX-License-Identifier: MIT
// PLACEHOLDER: a helper is writing this decoder.
#include "repaper_panel.h"

namespace tinydrm {
std::unique_ptr<PanelDecoder> makeRepaperPanelDecoder(const PanelSpec &) { return nullptr; }
} // namespace tinydrm
