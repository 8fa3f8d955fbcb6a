// SPDX-License-Identifier: MIT
// PLACEHOLDER: a helper is writing this decoder.
#include "st7586_panel.h"

namespace tinydrm {
std::unique_ptr<PanelDecoder> makeSt7586PanelDecoder(const PanelSpec &) { return nullptr; }
} // namespace tinydrm
