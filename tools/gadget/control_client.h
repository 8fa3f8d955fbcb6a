// SPDX-License-Identifier: MIT
// The client side of udl-gadget's control socket: one request line, one answer line.
#pragma once

#include <string>

namespace tinydrm::gadget {

/**
 * request - connects to the server at @p socket, sends @p line and reads the one-line answer
 * (without its newline) into @p answer.
 * \return 0, or -errno with @p error set (-ETIMEDOUT when no answer came within a minute).
 */
int request(const std::string &socket, const std::string &line, std::string &answer,
	    std::string &error);

} // namespace tinydrm::gadget
