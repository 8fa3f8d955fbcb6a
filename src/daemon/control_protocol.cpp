// SPDX-License-Identifier: MIT
#include "control_protocol.h"

#include <charconv>

namespace tinydrm {

namespace {

/// Splits on runs of spaces/tabs.
std::vector<std::string_view> words(std::string_view line)
{
	std::vector<std::string_view> out;
	size_t i = 0;
	while (i < line.size()) {
		while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
			i++;
		size_t j = i;
		while (j < line.size() && line[j] != ' ' && line[j] != '\t')
			j++;
		if (j > i)
			out.push_back(line.substr(i, j - i));
		i = j;
	}
	return out;
}

} // namespace

std::string nodeName(unsigned number)
{
	return std::string(kNodePrefix) + std::to_string(number);
}

std::optional<unsigned> parseNodeName(std::string_view name)
{
	if (!name.starts_with(kNodePrefix))
		return std::nullopt;
	const std::string_view digits = name.substr(kNodePrefix.size());
	if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0'))
		return std::nullopt;
	for (char ch : digits)
		if (ch < '0' || ch > '9')
			return std::nullopt;
	unsigned n = 0;
	std::from_chars(digits.data(), digits.data() + digits.size(), n);
	if (n >= kMaxNodes)
		return std::nullopt;
	return n;
}

std::optional<ControlRequest> parseControlLine(std::string_view line, std::string &error)
{
	if (line.ends_with('\r'))
		line.remove_suffix(1);
	if (line.size() > kMaxLineLength) {
		error = "line too long";
		return std::nullopt;
	}
	for (char ch : line) {
		const auto u = static_cast<unsigned char>(ch);
		if ((u < 0x20 && ch != '\t') || u >= 0x7f) {
			error = "invalid character in request";
			return std::nullopt;
		}
	}
	const std::vector<std::string_view> w = words(line);
	if (w.empty()) {
		error = "empty request (verbs: list, plug, unplug)";
		return std::nullopt;
	}

	ControlRequest request;
	const std::string_view verb = w[0];
	auto wantArgs = [&](size_t n, const char *usage) {
		if (w.size() == n + 1)
			return true;
		error = std::string("usage: ") + usage;
		return false;
	};
	if (verb == "list") {
		if (!wantArgs(0, "list"))
			return std::nullopt;
		request.verb = ControlRequest::Verb::List;
	} else if (verb == "plug") {
		if (!wantArgs(1, "plug NAME[:ARG][,KEY=VALUE...]"))
			return std::nullopt;
		std::optional<PanelSpec> spec = parsePanelSpec(w[1], error);
		if (!spec)
			return std::nullopt;
		request.verb = ControlRequest::Verb::Plug;
		request.panel = *spec;
	} else if (verb == "unplug") {
		if (!wantArgs(1, "unplug tinydrm-N"))
			return std::nullopt;
		std::optional<unsigned> n = parseNodeName(w[1]);
		if (!n) {
			error = "bad node name '" + std::string(w[1]) + "' (want tinydrm-N)";
			return std::nullopt;
		}
		request.verb = ControlRequest::Verb::Unplug;
		request.node = *n;
	} else {
		error = "unknown verb '" + std::string(verb) + "' (verbs: list, plug, unplug)";
		return std::nullopt;
	}
	return request;
}

std::string okLine()
{
	return "ok";
}

std::string errorLine(std::string_view reason)
{
	return "error " + std::string(reason);
}

bool isStatusLine(std::string_view line)
{
	return line == "ok" || line.starts_with("error ") || line == "error";
}

bool LineBuffer::next(std::string &line)
{
	const size_t lf = buffer_.find('\n');
	if (lf == std::string::npos) {
		if (buffer_.size() > kMaxLineLength)
			overflow_ = true;
		return false;
	}
	if (lf > kMaxLineLength) {
		overflow_ = true;
		return false;
	}
	line.assign(buffer_, 0, lf);
	buffer_.erase(0, lf + 1);
	return true;
}

} // namespace tinydrm
