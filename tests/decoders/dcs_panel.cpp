// SPDX-License-Identifier: MIT
// PLACEHOLDER: a helper is writing this decoder.
#include "dcs_panel.h"

namespace tinydrm {
std::unique_ptr<PanelDecoder> makeDcsPanelDecoder(const PanelSpec &) { return nullptr; }
} // namespace tinydrm
