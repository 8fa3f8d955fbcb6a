// SPDX-License-Identifier: MIT
// st7586: the Sitronix ST7586 2-bit grayscale LCD controller (LEGO EV3 display), on the MIPI
// DBI command layer (mipi_dbi/mipi_dbi.h).
#pragma once

#include <memory>

#include "mipi_dbi/mipi_dbi.h"
#include "panel_registry.h"

namespace tinydrm {

extern const PanelBackend kSt7586Backend;

/// The panel over @p wiring (already opened, or dry-run), as the backend's create() builds it;
/// tests and fuzzers call it with in-memory logs and fake buses.
std::unique_ptr<Panel> makeSt7586Panel(DbiWiring wiring, const PanelContext &context);

} // namespace tinydrm
