// SPDX-License-Identifier: MIT
// `udl-gadget serve`: the emulated device, plugged and unplugged through a control socket.
#pragma once

#include <cstdint>
#include <string>

namespace tinydrm::gadget {

struct ServeOptions {
	std::string control;  ///< AF_UNIX socket path for plug/unplug/stats/png/quit
	std::string name = "udl";
	std::string udc;      ///< empty: the first in /sys/class/udc, looked up at each plug
	uint16_t product = 0x02a9;
};

/**
 * serve - sets the gadget up (created, not bound), prints "ready" on stdout, then serves the
 * control socket until "quit", SIGTERM or SIGINT; unbinds and removes everything it made.
 * \return the process exit status: 0 after a clean shutdown, 1 when set-up failed (logged).
 * \context the main thread, before any other thread exists (it blocks SIGTERM/SIGINT for
 * the whole process to read them from a signalfd).
 */
int serve(const ServeOptions &options);

} // namespace tinydrm::gadget
