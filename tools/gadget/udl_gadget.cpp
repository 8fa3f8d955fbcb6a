// SPDX-License-Identifier: MIT
/*
 * udl-gadget: a DisplayLink-class USB device emulated with the Linux gadget stack (configfs +
 * FunctionFS), for testing tinydrm's udl backend against a real USB host stack: in the microVM,
 * dummy_hcd connects the gadget's UDC to a host controller on the same machine, so the device
 * shows up in /sys/bus/usb/devices and /dev/bus/usb like a plugged-in adapter.
 *
 *   udl-gadget serve --control SOCK [--name NAME] [--udc UDC] [--product 0xNNNN]
 *   udl-gadget plug|unplug|stats|quit --control SOCK
 *   udl-gadget png PATH --control SOCK
 *
 * Model and threads (gadget_server.cpp): `serve` creates usb_gadget/NAME in configfs
 * (configfs_gadget.cpp), mounts FunctionFS instance NAME and writes its descriptors
 * (ffs_function.cpp), prints "ready" and serves the control socket. `plug` writes the UDC name,
 * `unplug` clears it. The main thread polls the control socket, SIGTERM/SIGINT (signalfd) and
 * ep0, where it answers each SETUP at once from the device model (udl_device.cpp); a
 * BulkReader thread (bulk_reader.cpp) feeds the bulk OUT endpoint into tests/decoders'
 * UdlStream, under the model's mutex. Lifetimes: everything is owned by the server and torn
 * down in reverse (unbind, stop the reader, unmount, remove the configfs entries), also after
 * SIGTERM or a failed set-up.
 *
 * Implemented, as the real DL-1x5 does it (facts: ../shared/facts-drm-panels-usb.md section 3):
 *   - vendor 0x17e9 (product 0x02a9 by default), one configuration, one interface of class
 *     0xFF/0/0 with one bulk OUT endpoint (full and high speed);
 *   - vendor OUT 0x12 channel select with the 16-byte key (bulk bytes before it are dropped);
 *   - vendor IN 0x02 EDID reads, wIndex 0xA1, one byte per request ({status 0, byte}) of the
 *     EDID udl::dryRunEdid() builds (1024x768@60 preferred, 1280x1024@60);
 *   - the bulk command stream as far as UdlStream decodes it: register writes (modesets with
 *     LFSR timings, blanking, plane base), RAW16/RL16/COPY16/RLX16 into a 16-bpp memory;
 *   - power cycle on plug: memory, registers, channel and counters reset.
 * Not implemented:
 *   - the vendor descriptor (GET_DESCRIPTOR 0x5F): the model answers it (udl_device.cpp), but
 *     the kernel's composite layer stalls standard GET_DESCRIPTORs of unknown types before a
 *     FunctionFS function sees them, so the host reads a stall and goes without a max area;
 *   - 8-bpp and 24-bpp planes (the host never sends them), any decompression beyond
 *     UdlStream's, HDCP, the firmware's other vendor requests, the interrupt endpoint, status
 *     reads, suspend semantics (SUSPEND/RESUME are only logged); every unknown request stalls;
 *   - a real monitor's timing: nothing is "scanned out", the PNG shows the memory the
 *     registers point at.
 */
#include <cstdio>
#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "control_client.h"
#include "gadget_server.h"

namespace {

/// Sends one command and prints the answer; exit status 0 for "ok ...", 1 otherwise.
int client(const std::string &socket, const std::string &line)
{
	std::string answer, error;
	if (tinydrm::gadget::request(socket, line, answer, error)) {
		std::printf("error %s\n", error.c_str());
		return 1;
	}
	std::printf("%s\n", answer.c_str());
	return answer.starts_with("ok") ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
	using namespace tinydrm::gadget;

	CLI::App app{"udl-gadget - a DisplayLink-like USB device over configfs + FunctionFS"};
	app.require_subcommand(1);
	std::string control;
	std::string level = "info";
	app.add_option("--log-level", level, "log threshold (serve)")
		->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
		->capture_default_str();

	ServeOptions options;
	std::string product = "0x02a9";
	CLI::App *serveCmd = app.add_subcommand("serve", "set the gadget up and serve the control socket");
	serveCmd->add_option("--control", options.control, "control socket path")->required();
	serveCmd->add_option("--name", options.name, "configfs gadget and FunctionFS instance name")
		->capture_default_str();
	serveCmd->add_option("--udc", options.udc, "UDC to plug into (default: the first in /sys/class/udc)");
	serveCmd->add_option("--product", product, "USB product id")->capture_default_str();

	std::string pngPath;
	for (const char *name : {"plug", "unplug", "stats", "quit", "png"}) {
		CLI::App *cmd = app.add_subcommand(name, std::string(name) == "png"
								 ? "write the screen as a PNG"
								 : std::string("send '") + name + "'");
		cmd->add_option("--control", control, "control socket path")->required();
		if (std::string(name) == "png")
			cmd->add_option("path", pngPath, "PNG file to write")->required();
	}

	CLI11_PARSE(app, argc, argv);
	spdlog::set_level(spdlog::level::from_str(level));

	CLI::App *chosen = app.get_subcommands().front();
	if (chosen == serveCmd) {
		size_t used = 0;
		unsigned long value = 0;
		try {
			value = std::stoul(product, &used, 0);
		} catch (const std::exception &) {
			used = 0;
		}
		if (!used || used != product.size() || value > 0xffff) {
			std::fprintf(stderr, "udl-gadget: bad --product '%s' (want e.g. 0x02a9)\n",
				     product.c_str());
			return 2;
		}
		options.product = uint16_t(value);
		return serve(options);
	}
	if (chosen->get_name() == "png")
		return client(control, "png " + std::filesystem::absolute(pngPath).string());
	return client(control, chosen->get_name());
}
