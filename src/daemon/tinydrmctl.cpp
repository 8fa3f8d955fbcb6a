// SPDX-License-Identifier: MIT
// tinydrmctl: talks to a running tinydrmd over its control socket.
//
//   tinydrmctl [--control PATH] list
//   tinydrmctl [--control PATH] plug NAME[:ARG][,KEY=VALUE...]  prints the new node's name
//   tinydrmctl [--control PATH] unplug tinydrm-N
//
// Exit status: 0 ok, 1 the daemon answered an error, 2 cannot talk to the daemon.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "control_protocol.h"

namespace {

int fail(const std::string &what)
{
	std::fprintf(stderr, "tinydrmctl: %s\n", what.c_str());
	return 2;
}

} // namespace

int main(int argc, char **argv)
{
	using namespace tinydrm;

	CLI::App app{"tinydrmctl - control a running tinydrmd"};
	std::string controlPath = "/run/tinydrm/control";
	std::string panel, node;
	app.add_option("--control", controlPath, "the daemon's control socket")->capture_default_str();
	app.require_subcommand(1);
	CLI::App *list = app.add_subcommand("list", "list nodes: name, panel, mode, open files, state");
	CLI::App *plug = app.add_subcommand("plug", "create a node; prints its name");
	plug->add_option("panel", panel, "panel spec, as tinydrmd --panel (e.g. virtual:640x480@60)")->required();
	CLI::App *unplug =
		app.add_subcommand("unplug", "unplug a node (it goes away after its last close)");
	unplug->add_option("node", node, "tinydrm-N")->required();
	CLI11_PARSE(app, argc, argv);

	std::string request;
	if (list->parsed())
		request = "list";
	else if (plug->parsed())
		request = "plug " + panel;
	else if (unplug->parsed())
		request = "unplug " + node;
	if (request.find('\n') != std::string::npos)
		return fail("arguments must not contain newlines");

	sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	if (controlPath.size() >= sizeof(addr.sun_path))
		return fail("control socket path too long");
	std::memcpy(addr.sun_path, controlPath.c_str(), controlPath.size() + 1);
	const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(std::string("socket: ") + std::strerror(errno));
	// Unplug waits for in-flight calls to leave the device; that is short, but bound it.
	const timeval timeout{30, 0};
	::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0) {
		const int err = errno;
		::close(fd);
		return fail("cannot connect to " + controlPath + ": " + std::strerror(err));
	}
	request += "\n";
	if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != ssize_t(request.size())) {
		const int err = errno;
		::close(fd);
		return fail(std::string("send: ") + std::strerror(err));
	}

	LineBuffer in;
	std::string line;
	int status = -1;
	while (status < 0) {
		while (status < 0 && in.next(line)) {
			if (isStatusLine(line)) {
				status = line == "ok" ? 0 : 1;
				if (status)
					std::fprintf(stderr, "tinydrmctl: %s\n",
						     line.size() > 6 ? line.c_str() + 6 : "error");
			} else {
				std::printf("%s\n", line.c_str());
			}
		}
		if (status >= 0)
			break;
		if (in.overflow()) {
			::close(fd);
			return fail("answer line too long");
		}
		char buffer[4096];
		const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			const int err = errno;
			::close(fd);
			return fail(n == 0 ? "the daemon closed the connection without an answer"
					   : std::string("recv: ") + std::strerror(err));
		}
		in.append(std::string_view(buffer, size_t(n)));
	}
	::close(fd);
	return status;
}
