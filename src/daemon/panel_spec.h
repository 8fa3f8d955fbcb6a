// SPDX-License-Identifier: MIT
// PanelSpec: the "virtual[:WxH[@HZ]]" text that names a panel on the command line and on the
// control socket.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tinydrm {

/// A panel to create. Only the virtual backend exists so far; the kind keeps the syntax open.
struct PanelSpec {
	std::string kind = "virtual";
	uint32_t width = 320;
	uint32_t height = 240;
	uint32_t refreshHz = 60;

	/// Canonical text, e.g. "virtual:320x240@60" (parsePanelSpec() reads it back).
	std::string str() const;
	bool operator==(const PanelSpec &) const = default;
};

/// Limits of what the daemon accepts: DRM's own mode limits are far larger, but a userspace
/// panel buffer of more than 8192 pixels a side is a typo, not a display.
inline constexpr uint32_t kMaxPanelSide = 8192;
inline constexpr uint32_t kMaxRefreshHz = 240;

/**
 * parsePanelSpec - parses "virtual", "virtual:WxH" or "virtual:WxH@HZ" (decimal, no spaces).
 * \return the spec, or nullopt with a one-line reason in @p error.
 * \context any thread; pure.
 */
std::optional<PanelSpec> parsePanelSpec(std::string_view text, std::string &error);

} // namespace tinydrm
