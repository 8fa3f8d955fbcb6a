// SPDX-License-Identifier: MIT
// PLACEHOLDER: a helper is writing this decoder.
#pragma once

#include "panel_decoder.h"

namespace tinydrm {
std::unique_ptr<PanelDecoder> makeUdlStreamDecoder(const PanelSpec &spec);
} // namespace tinydrm
