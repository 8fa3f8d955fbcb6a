// SPDX-License-Identifier: MIT
// An emulated ST7586 behind the LEGO EV3's 178x128 glass, on the DBI bus decoder (dcs_panel.h).
#pragma once

#include "panel_decoder.h"

namespace tinydrm {

/// The ST7586 decoder; @p spec's options do not change it (the backend takes rotation 0 only).
std::unique_ptr<PanelDecoder> makeSt7586PanelDecoder(const PanelSpec &spec);

} // namespace tinydrm
