// SPDX-License-Identifier: MIT
// tinydrmd: DRM-like display devices in userspace, served as /dev/tinydrm-N over CUSE.
//
// tinydrmd always stays in the foreground (run it under systemd as Type=simple, or with & in
// a shell); --foreground is accepted for compatibility with scripts written for daemons that
// fork, and changes nothing. Logs go to stderr.
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <malloc.h>
#include <sys/prctl.h>

#include "daemon.h"
#include "hotplug_options.h"
#include "panel_registry.h"

int main(int argc, char **argv)
{
	using namespace tinydrm;

	CLI::App app{"tinydrmd - DRM-like display devices in userspace (/dev/tinydrm-N over CUSE)"};
	std::vector<std::string> panelTexts;
	bool foreground = false;
	std::string level = "info";
	Daemon::Config config;
	double graceSeconds = 5.0;

	const CLI::Validator panelCheck(
		[](std::string &text) {
			std::string error;
			return parsePanelSpec(text, error) ? std::string() : error;
		},
		"");
	std::string panelHelp = "a panel to create, repeatable; default: none with hotplug on, else "
				"one virtual:320x240@60. Kinds:";
	for (const PanelBackend &backend : panelBackends())
		panelHelp += "\n  " + std::string(backend.summary);
	app.add_option("--panel", panelTexts, panelHelp)
		->type_name("NAME[:ARG][,KEY=VALUE...]")
		->check(panelCheck);
	app.add_flag("-f,--foreground", foreground,
		     "accepted for compatibility: tinydrmd never forks (use systemd Type=simple)");
	app.add_option("--log-level", level, "log threshold")
		->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
		->capture_default_str();
	app.add_option("--control", config.controlPath, "control socket path")->capture_default_str();
	app.add_option("--shutdown-timeout", graceSeconds,
		       "seconds to wait after SIGINT/SIGTERM for clients to close unplugged nodes")
		->check(CLI::Range(0.0, 600.0))
		->capture_default_str();
	app.add_option("--workers", config.workersPerNode, "CUSE worker threads per node")
		->check(CLI::Range(1u, 64u))
		->capture_default_str();
	app.add_option("--cuse-device", config.cuseDevice, "the CUSE control device")
		->capture_default_str();
	std::string mappings = "sigbus";
	app.add_option("--unplug-mappings", mappings,
		       "clients' buffer mappings at unplug: sigbus (cut: the next access faults) or "
		       "keep (usable until unmapped, like the kernel's shmem GEM)")
		->check(CLI::IsMember({"sigbus", "keep"}))
		->capture_default_str();

	// Hotplug: nodes for devices that come and go (src/hotplug).
	std::vector<std::string> usbMatchTexts, spiPanelTexts;
	std::string usbOptionsText;
	app.add_flag("--usb-hotplug,!--no-usb-hotplug", config.hotplug.usb,
		     "plug a udl node for every DisplayLink-class USB adapter that arrives, unplug it "
		     "when the adapter leaves (on by default; a machine without USB just logs it)");
	app.add_option("--usb-match", usbMatchTexts,
		       "another USB device to drive as DisplayLink (it needs a vendor-specific "
		       "interface), repeatable; vendor 17e9 is always matched")
		->type_name("VID[:PID]")
		->check(CLI::Validator(
			[](std::string &text) {
				std::string error;
				return parseUsbMatch(text, error) ? std::string() : error;
			},
			""));
	app.add_option("--usb-options", usbOptionsText,
		       "udl options for hotplugged adapters, appended to udl:usb=BUS:ADDR "
		       "(e.g. mode=1024x768@60)")
		->type_name("KEY=VALUE[,...]")
		->check(CLI::Validator(
			[](std::string &text) {
				std::vector<std::pair<std::string, std::string>> options;
				std::string error;
				return parseUsbOptions(text, options, error) ? std::string() : error;
			},
			""));
	app.add_option("--spi-panel", spiPanelTexts,
		       "a panel to create when spidevB.C appears (udev) and to unplug when it goes, "
		       "repeatable; spi=/dev/spidevB.C is implied when SPEC has no spi=")
		->type_name("spidevB.C=SPEC")
		->check(CLI::Validator(
			[](std::string &text) {
				std::string error;
				return parseSpiPanel(text, error) ? std::string() : error;
			},
			""));
	CLI11_PARSE(app, argc, argv);
	(void)foreground;
	config.unplugMappings = mappings == "keep" ? UnplugMappings::Keep : UnplugMappings::Sigbus;

	// libfuse allocates a ~1 MiB buffer per CUSE worker and session; with glibc's dynamic mmap
	// threshold those end up in per-thread arenas after the first free, which never shrink
	// (measured: +10 MB of VmRSS over 500 plug/unplug cycles). A fixed threshold keeps big
	// buffers in their own mappings, returned to the system when freed.
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	// No transparent huge pages: the daemon's heap is small and churns (nodes come and go), and
	// 2 MB pages make its resident size move in 2 MB steps that say nothing about leaks (the
	// storm test measures it).
	prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);

	for (const std::string &text : panelTexts) {
		std::string error;
		config.panels.push_back(*parsePanelSpec(text, error)); // validated by panelCheck
	}
	// Validated by the checks above; only a repeated spidev is left to refuse.
	for (const std::string &text : usbMatchTexts) {
		std::string error;
		config.hotplug.usbMatches.push_back(*parseUsbMatch(text, error));
	}
	if (!usbOptionsText.empty()) {
		std::string error;
		parseUsbOptions(usbOptionsText, config.hotplug.usbOptions, error);
	}
	for (const std::string &text : spiPanelTexts) {
		std::string error;
		SpiPanelRule rule = *parseSpiPanel(text, error);
		for (const SpiPanelRule &other : config.hotplug.spiPanels) {
			if (other.sysname == rule.sysname) {
				std::fprintf(stderr, "--spi-panel: %s given twice\n", rule.sysname.c_str());
				return 2;
			}
		}
		config.hotplug.spiPanels.push_back(std::move(rule));
	}
	// A daemon that can make nodes for devices as they come starts with none; one that cannot
	// gets a virtual panel so that it serves something.
	if (config.panels.empty() && !config.hotplug.usb && config.hotplug.spiPanels.empty())
		config.panels.push_back(PanelSpec{"virtual", "320x240@60", {}});
	config.shutdownGrace = std::chrono::milliseconds(static_cast<long>(graceSeconds * 1000));

	spdlog::set_level(spdlog::level::from_str(level));

	// Blocked before any thread exists, so that every thread inherits the mask and the
	// daemon's signalfd is the only receiver.
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, nullptr) < 0) {
		std::perror("tinydrmd: sigprocmask");
		return 1;
	}

	Daemon daemon(std::move(config));
	return daemon.run();
}
