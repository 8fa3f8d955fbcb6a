// SPDX-License-Identifier: MIT
// PanelSpec: the "NAME[:ARG][,key=value...]" text that names a panel on the command line and on
// the control socket, e.g. "virtual:640x480@60" or "mi0283qt:spi=/dev/spidev0.0,dc=gpiochip0:24".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tinydrm {

/**
 * PanelSpec - a backend name, an optional positional argument (the first item after ':' when it
 * has no '='; the virtual panel's geometry) and key=value options, in the order given.
 * Syntax only: what the keys mean is up to the backend (PanelBackend::check()).
 */
struct PanelSpec {
	std::string backend = "virtual";
	std::string positional;
	std::vector<std::pair<std::string, std::string>> options;

	/// Canonical text; parsePanelSpec() reads it back to an equal spec.
	std::string str() const;
	/// The value of @p key, or nullptr when it was not given.
	const std::string *option(std::string_view key) const;
	bool operator==(const PanelSpec &) const = default;
};

/// Limits of what the daemon accepts: DRM's own mode limits are far larger, but a userspace
/// panel buffer of more than 8192 pixels a side is a typo, not a display.
inline constexpr uint32_t kMaxPanelSide = 8192;
inline constexpr uint32_t kMaxRefreshHz = 240;
/// Longest spec text accepted (a control-socket line carries it).
inline constexpr size_t kMaxPanelSpecLength = 512;

/**
 * parsePanelSpec - parses @p text and has the named backend check the options (known keys,
 * well-formed values; no hardware is touched).
 * \return the spec, or nullopt with a one-line reason in @p error.
 * \context any thread; pure.
 */
std::optional<PanelSpec> parsePanelSpec(std::string_view text, std::string &error);

/**
 * parseNumberOption - reads option @p key of @p spec as a decimal in [min, max] into @p value;
 * leaves @p value alone when the key is absent.
 * \return false, with a reason in @p error, when the value is malformed or out of range.
 */
bool parseNumberOption(const PanelSpec &spec, std::string_view key, uint32_t min, uint32_t max,
		       uint32_t &value, std::string &error);

/// Parses all of @p text as a decimal in [min, max] (no sign, no spaces, at most 9 digits).
bool parseDecimal(std::string_view text, uint32_t min, uint32_t max, uint32_t &value);

/// Parses all of @p text as one to four hex digits, "0x" allowed ("17e9", "0x17e9"): USB ids
/// as lsusb prints them, for udl's vid=/pid= and tinydrmd's --usb-match.
bool parseHex16(std::string_view text, uint16_t &value);

} // namespace tinydrm
