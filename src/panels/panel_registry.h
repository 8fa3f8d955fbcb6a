// SPDX-License-Identifier: MIT
// The panel backends tinydrmd knows, by name: one table, like a kernel driver list.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "panel.h"
#include "panel_spec.h"

namespace tinydrm {

/**
 * PanelBackend - one backend's entry in the table. Each backend folder defines one of these
 * (e.g. kMi0283qtBackend in mipi_dbi/) and panel_registry.cpp lists them.
 */
struct PanelBackend {
	std::string_view name;
	/// One line for --help, including the options it takes.
	std::string_view summary;
	/// Checks @p spec's positional argument and options without touching hardware.
	/// \return true, or false with a one-line reason in @p error.
	bool (*check)(const PanelSpec &spec, std::string &error);
	/// Opens the hardware (or the dry-run sink) and builds the panel.
	/// \return 0 and @p panel, or -errno with a one-line reason in @p error.
	int (*create)(const PanelSpec &spec, const PanelContext &context,
		      std::unique_ptr<Panel> &panel, std::string &error);
};

/// All backends, in the order --help lists them.
std::span<const PanelBackend> panelBackends();

/// The backend called @p name, or nullptr.
const PanelBackend *findPanelBackend(std::string_view name);

/// Creates the panel @p spec names (the spec must have passed parsePanelSpec()).
int createPanel(const PanelSpec &spec, const PanelContext &context, std::unique_ptr<Panel> &panel,
		std::string &error);

/// Checks that @p spec has no option outside @p keys. \return false with a reason otherwise.
bool checkOptionKeys(const PanelSpec &spec, std::span<const std::string_view> keys,
		     std::string &error);

} // namespace tinydrm
