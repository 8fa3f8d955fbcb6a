// SPDX-License-Identifier: MIT
// DbiPanel: an RGB565 panel behind a MIPI DCS controller (ILI9341 and kin): what mi0283qt and
// ili9341 share, each giving only its model (size, init sequence, MADCTL per rotation).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "mipi_dbi.h"
#include "panel.h"

namespace tinydrm {

/**
 * DbiModel - one panel model on a DCS controller with full frame memory (MIPI "Type 1").
 */
struct DbiModel {
	std::string_view name;
	/// Size and physical size at rotation 0; 90 and 270 swap them.
	uint32_t width = 0;
	uint32_t height = 0;
	uint32_t widthMm = 0;
	uint32_t heightMm = 0;
	/// Programs the controller after a reset, up to and including DISPLAY_ON (not MADCTL,
	/// which enable() sends every time). \return 0 or -errno.
	int (*init)(MipiDbi &dbi) = nullptr;
	/// SET_ADDRESS_MODE (MADCTL) without the BGR bit, for rotation 0, 90, 180 and 270: the
	/// scan direction that makes the glass show the framebuffer upright when mounted so.
	std::array<uint8_t, 4> addressMode{};
	uint32_t defaultSpeedHz = 32000000;
};

/// MADCTL bits (MIPI DCS set_address_mode).
namespace madctl {
inline constexpr uint8_t kBgr = 0x08;
inline constexpr uint8_t kMv = 0x20; ///< exchange rows and columns
inline constexpr uint8_t kMx = 0x40; ///< columns right to left
inline constexpr uint8_t kMy = 0x80; ///< rows bottom to top
} // namespace madctl

/// The panel of @p model over @p wiring (already opened, or dry-run), as createDbiPanel()
/// builds it; tests and fuzzers call it with in-memory logs and fake buses.
std::unique_ptr<Panel> makeDbiPanel(const DbiModel &model, const DbiOptions &options,
				    DbiWiring wiring, const PanelContext &context);

/// PanelBackend::check and ::create for @p model.
bool checkDbiPanel(const DbiModel &model, const PanelSpec &spec, std::string &error);
int createDbiPanel(const DbiModel &model, const PanelSpec &spec, const PanelContext &context,
		   std::unique_ptr<Panel> &panel, std::string &error);

} // namespace tinydrm
