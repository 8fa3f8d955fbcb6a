// SPDX-License-Identifier: MIT
// The control socket's line protocol, shared by tinydrmd and tinydrmctl.
//
// A client sends one request per line (LF-terminated, at most kMaxLineLength bytes, printable
// ASCII). The daemon answers each with zero or more data lines followed by exactly one status
// line: "ok" or "error <reason>". Data lines start with a node name, never with "ok"/"error".
//
//   list                   one line per node:
//                          "<name> panel=<spec> mode=<WxH@HZ|off|-> files=<n> state=<state>"
//                          state: published | unplugged (files still open) | ended
//   plug <panel-spec>      creates a node; one data line: its name
//   unplug <node-name>     unplugs the node's device; the node goes away after its last close
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "panel_spec.h"

namespace tinydrm {

inline constexpr size_t kMaxLineLength = 1024;
inline constexpr std::string_view kNodePrefix = "tinydrm-";
/// Node numbers go up to this (exclusive): more nodes than that is a runaway client.
inline constexpr unsigned kMaxNodes = 64;

struct ControlRequest {
	enum class Verb { List, Plug, Unplug };
	Verb verb = Verb::List;
	PanelSpec panel;     ///< Plug
	unsigned node = 0;   ///< Unplug
};

/**
 * parseControlLine - parses one request line (without its LF; a trailing CR is tolerated).
 * \return the request, or nullopt with a one-line reason in @p error.
 * \context any thread; pure.
 */
std::optional<ControlRequest> parseControlLine(std::string_view line, std::string &error);

/// "tinydrm-<n>".
std::string nodeName(unsigned number);
/// Parses "tinydrm-<n>" with n < kMaxNodes, no leading zeros. \return n, or nullopt.
std::optional<unsigned> parseNodeName(std::string_view name);

/// The status lines.
std::string okLine();
std::string errorLine(std::string_view reason);
/// True for a status line ("ok" / "error ..."), i.e. the end of an answer.
bool isStatusLine(std::string_view line);

/**
 * LineBuffer - splits a byte stream into lines of at most kMaxLineLength bytes.
 * Thread-bound (one connection).
 */
class LineBuffer
{
public:
	/// Appends received bytes.
	void append(std::string_view bytes) { buffer_.append(bytes); }
	/// Takes the next complete line (without LF) into @p line. \return false when none is
	/// complete yet. Sets overflow() when the pending line exceeds the limit.
	bool next(std::string &line);
	bool overflow() const { return overflow_; }

private:
	std::string buffer_;
	bool overflow_ = false;
};

} // namespace tinydrm
