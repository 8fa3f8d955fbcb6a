// SPDX-License-Identifier: MIT
#include "panel_spec.h"

#include <charconv>

namespace tinydrm {

namespace {

/// Parses all of @p text as a decimal in [1, max]. \return false on anything else.
bool parseNumber(std::string_view text, uint32_t max, uint32_t &value)
{
	if (text.empty() || text.size() > 9)
		return false;
	for (char ch : text)
		if (ch < '0' || ch > '9')
			return false;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
	return ec == std::errc() && end == text.data() + text.size() && value >= 1 && value <= max;
}

} // namespace

std::string PanelSpec::str() const
{
	return kind + ":" + std::to_string(width) + "x" + std::to_string(height) + "@" +
	       std::to_string(refreshHz);
}

std::optional<PanelSpec> parsePanelSpec(std::string_view text, std::string &error)
{
	PanelSpec spec;
	const size_t colon = text.find(':');
	const std::string_view kind = text.substr(0, colon);
	if (kind != "virtual") {
		error = "unknown panel kind '" + std::string(kind) + "' (known: virtual)";
		return std::nullopt;
	}
	if (colon == std::string_view::npos)
		return spec;

	std::string_view geometry = text.substr(colon + 1);
	std::string_view rate;
	if (const size_t at = geometry.find('@'); at != std::string_view::npos) {
		rate = geometry.substr(at + 1);
		geometry = geometry.substr(0, at);
		if (!parseNumber(rate, kMaxRefreshHz, spec.refreshHz)) {
			error = "bad refresh rate '" + std::string(rate) + "' (1.." +
				std::to_string(kMaxRefreshHz) + " Hz)";
			return std::nullopt;
		}
	}
	const size_t x = geometry.find('x');
	if (x == std::string_view::npos ||
	    !parseNumber(geometry.substr(0, x), kMaxPanelSide, spec.width) ||
	    !parseNumber(geometry.substr(x + 1), kMaxPanelSide, spec.height)) {
		error = "bad size '" + std::string(geometry) + "' (want WxH, each 1.." +
			std::to_string(kMaxPanelSide) + ")";
		return std::nullopt;
	}
	return spec;
}

} // namespace tinydrm
