// SPDX-License-Identifier: MIT
// Daemon: tinydrmd's main loop: the nodes, the control socket, the signals.
// The model, threads and lifetimes are described at the top of daemon.cpp.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "dumb_buffer.h"
#include "hotplug_options.h"
#include "panel_spec.h"

namespace tinydrm {

/**
 * Daemon - creates a node per configured panel and per hotplugged device, serves the control
 * socket, and on SIGINT or SIGTERM unplugs everything and waits (bounded) for the nodes' sessions to end.
 *
 * Thread-bound: everything runs on the thread that calls run(), which must have SIGINT and
 * SIGTERM blocked, as must every other thread (block them before any thread starts; the
 * daemon receives them through a signalfd).
 */
class Daemon
{
public:
	struct Config {
		/// Panels to create at start (in order: tinydrm-0, tinydrm-1, ...).
		std::vector<PanelSpec> panels;
		std::string controlPath = "/run/tinydrm/control";
		/// How long shutdown waits for clients to close unplugged nodes before it forces
		/// their sessions to end.
		std::chrono::milliseconds shutdownGrace{5000};
		std::string cuseDevice = "/dev/cuse";
		unsigned workersPerNode = 4;
		/// What unplug does to clients' buffer mappings (--unplug-mappings).
		UnplugMappings unplugMappings = UnplugMappings::Sigbus;
		/// Nodes for devices that come and go (USB DisplayLink adapters, spidev panels).
		HotplugOptions hotplug;
	};

	explicit Daemon(Config config);
	~Daemon();
	Daemon(const Daemon &) = delete;
	Daemon &operator=(const Daemon &) = delete;

	/// Runs until SIGINT/SIGTERM. \return the process exit status (0 on a clean shutdown,
	/// 1 when start-up failed).
	int run();

	struct Impl;

private:
	std::unique_ptr<Impl> impl_;
};

} // namespace tinydrm
