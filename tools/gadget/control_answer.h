// SPDX-License-Identifier: MIT
// How the device answers one control request: the contract between the device model (which
// decides) and the FunctionFS plumbing (which carries the decision out on ep0).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace tinydrm::gadget {

struct ControlAnswer {
	enum class Kind {
		Stall,   ///< halt ep0: the host sees -EPIPE, as for any request a device does not know
		Reply,   ///< IN request: send data (at most wLength bytes)
		Receive, ///< OUT request with a data stage: take wLength bytes, then received()
	};
	Kind kind = Kind::Stall;
	std::vector<uint8_t> data;

	static ControlAnswer stall() { return {}; }
	static ControlAnswer reply(std::vector<uint8_t> bytes) { return {Kind::Reply, std::move(bytes)}; }
	static ControlAnswer receive() { return {Kind::Receive, {}}; }
};

} // namespace tinydrm::gadget
