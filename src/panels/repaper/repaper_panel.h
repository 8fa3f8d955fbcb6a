// SPDX-License-Identifier: MIT
// The repaper panel: a Pervasive Displays e-paper panel as a tinydrm Panel with an asynchronous
// flush. Built by kRepaperBackend from the options, or by tests over wiring they supply.
#pragma once

#include <memory>
#include <string>

#include "dry_run.h"
#include "panel.h"
#include "repaper_cog.h"
#include "repaper_options.h"
#include "repaper_update.h"

namespace tinydrm::repaper {

/**
 * makeRepaperPanel - a panel for @p config over @p wiring; it starts its worker thread and does
 * not touch the hardware before enable().
 */
std::unique_ptr<Panel> makeRepaperPanel(const RepaperConfig &config, CogWiring wiring,
					const PanelContext &context, RepaperHooks hooks = {});

/// Dry-run SPI answers of a healthy COG: ID 0x12, status "glass ok, DC/DC ok".
SpiResponder healthyCogResponder();

/// Dry-run transports on @p log (borrowed; it must outlive the panel), busy reading low.
CogWiring dryRunWiring(const Model &model, WireLog &log, bool realtime);

/// Opens what @p config names: the dry-run log and transports, or spidev and the GPIO lines.
/// \return 0 or -errno with a one-line reason in @p error.
int openWiring(const RepaperConfig &config, CogWiring &wiring, std::string &error);

} // namespace tinydrm::repaper
