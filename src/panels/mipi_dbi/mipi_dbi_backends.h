// SPDX-License-Identifier: MIT
// The MIPI DBI panel family: RGB565 panels on DCS controllers (dbi_panel.h), one model each.
#pragma once

#include "panel_registry.h"

namespace tinydrm {

struct DbiModel;

extern const PanelBackend kMi0283qtBackend;
extern const PanelBackend kIli9341Backend;

/// The models behind them, for makeDbiPanel() in tests and fuzzers.
extern const DbiModel kMi0283qtModel;
extern const DbiModel kIli9341Model;

} // namespace tinydrm
