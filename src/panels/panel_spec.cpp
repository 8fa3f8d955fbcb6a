// SPDX-License-Identifier: MIT
#include "panel_spec.h"

#include <charconv>

#include "panel_registry.h"

namespace tinydrm {

namespace {

bool isNameChar(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

bool isName(std::string_view text)
{
	if (text.empty() || text.size() > 32)
		return false;
	for (char ch : text)
		if (!isNameChar(ch))
			return false;
	return true;
}

/// Values are paths, numbers and "chip:line" pairs: printable, no spaces, no separators.
bool isValue(std::string_view text)
{
	if (text.empty())
		return false;
	for (char ch : text)
		if (ch <= ' ' || ch > '~' || ch == ',' || ch == '=')
			return false;
	return true;
}

} // namespace

bool parseDecimal(std::string_view text, uint32_t min, uint32_t max, uint32_t &value)
{
	if (text.empty() || text.size() > 9)
		return false;
	for (char ch : text)
		if (ch < '0' || ch > '9')
			return false;
	uint32_t parsed = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
	if (ec != std::errc() || end != text.data() + text.size() || parsed < min || parsed > max)
		return false;
	value = parsed;
	return true;
}

std::string PanelSpec::str() const
{
	std::string text = backend;
	char sep = ':';
	if (!positional.empty()) {
		text += sep + positional;
		sep = ',';
	}
	for (const auto &[key, value] : options) {
		text += sep + key + '=' + value;
		sep = ',';
	}
	return text;
}

const std::string *PanelSpec::option(std::string_view key) const
{
	for (const auto &[k, v] : options)
		if (k == key)
			return &v;
	return nullptr;
}

std::optional<PanelSpec> parsePanelSpec(std::string_view text, std::string &error)
{
	if (text.size() > kMaxPanelSpecLength) {
		error = "panel spec longer than " + std::to_string(kMaxPanelSpecLength) + " bytes";
		return std::nullopt;
	}
	PanelSpec spec;
	const size_t colon = text.find(':');
	spec.backend = std::string(text.substr(0, colon));
	const PanelBackend *backend = isName(spec.backend) ? findPanelBackend(spec.backend) : nullptr;
	if (!backend) {
		error = "unknown panel kind '" + spec.backend + "' (known:";
		for (const PanelBackend &b : panelBackends())
			error += " " + std::string(b.name);
		error += ")";
		return std::nullopt;
	}
	if (colon != std::string_view::npos) {
		std::string_view rest = text.substr(colon + 1);
		if (rest.empty()) {
			error = "nothing after ':' in '" + std::string(text) + "'";
			return std::nullopt;
		}
		bool first = true;
		while (true) {
			const size_t comma = rest.find(',');
			const std::string_view item = rest.substr(0, comma);
			const size_t eq = item.find('=');
			if (eq == std::string_view::npos) {
				if (!first || !isValue(item)) {
					error = "bad item '" + std::string(item) +
						"' (want key=value; only the first item may be bare)";
					return std::nullopt;
				}
				spec.positional = std::string(item);
			} else {
				const std::string_view key = item.substr(0, eq);
				const std::string_view value = item.substr(eq + 1);
				if (!isName(key) || !isValue(value)) {
					error = "bad option '" + std::string(item) + "'";
					return std::nullopt;
				}
				if (spec.option(key)) {
					error = "option '" + std::string(key) + "' given twice";
					return std::nullopt;
				}
				spec.options.emplace_back(key, value);
			}
			first = false;
			if (comma == std::string_view::npos)
				break;
			rest = rest.substr(comma + 1);
		}
	}
	if (!backend->check(spec, error))
		return std::nullopt;
	return spec;
}

bool parseNumberOption(const PanelSpec &spec, std::string_view key, uint32_t min, uint32_t max,
		       uint32_t &value, std::string &error)
{
	const std::string *text = spec.option(key);
	if (!text)
		return true;
	if (!parseDecimal(*text, min, max, value)) {
		error = "bad " + std::string(key) + " '" + *text + "' (want " + std::to_string(min) +
			".." + std::to_string(max) + ")";
		return false;
	}
	return true;
}

bool parseHex16(std::string_view text, uint16_t &value)
{
	if (text.starts_with("0x") || text.starts_with("0X"))
		text.remove_prefix(2);
	if (text.empty() || text.size() > 4)
		return false;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
	return ec == std::errc() && end == text.data() + text.size();
}

} // namespace tinydrm
