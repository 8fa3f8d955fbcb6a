// SPDX-License-Identifier: MIT
// tinydrmctl: talks to a running tinydrmd over its control socket.
//
//   tinydrmctl [--control PATH] list
//   tinydrmctl [--control PATH] plug NAME[:ARG][,KEY=VALUE...]  prints the new node's name
//   tinydrmctl [--control PATH] unplug tinydrm-N
//   tinydrmctl [--control PATH] snapshot tinydrm-N OUT  writes what the panel shows now as a PNG
//                                                       to OUT ("-": standard output)
//
// Exit status: 0 ok, 1 the daemon answered an error, 2 cannot talk to the daemon (or its
// answer is malformed), or snapshot cannot write OUT.
//
// snapshot creates OUT (mode 0644 less the umask, owned by the caller, who needs the right to
// write there: the daemon never touches the path) only once the daemon said ok, so a refused
// snapshot leaves an existing OUT as it was. The PNG arrives as a sealed memfd with the
// answer (control_protocol.h); copying it takes as long as OUT needs, the daemon does not wait.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

/// Copies @p size bytes from offset 0 of @p in to @p out (pread: the memfd's file offset is
/// shared and means nothing). \return 0, or -errno with the reason in @p error.
int copyOut(int in, uint64_t size, int out, std::string &error)
{
	char buffer[64 * 1024];
	uint64_t done = 0;
	while (done < size) {
		const size_t want = size - done < sizeof(buffer) ? size_t(size - done) : sizeof(buffer);
		const ssize_t n = ::pread(in, buffer, want, off_t(done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			error = n == 0 ? "the snapshot is shorter than announced"
				       : std::string("reading the snapshot: ") + std::strerror(errno);
			return n == 0 ? -EIO : -errno;
		}
		for (ssize_t written = 0; written < n;) {
			const ssize_t w = ::write(out, buffer + written, size_t(n - written));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				const int err = errno;
				error = std::string("write: ") + std::strerror(err);
				return -err;
			}
			written += w;
		}
		done += uint64_t(n);
	}
	return 0;
}

/// Writes the snapshot in @p png, announced by @p info, to @p path ("-": stdout).
/// \return the exit status.
int writeSnapshot(const tinydrm::SnapshotInfo &info, int png, const std::string &path)
{
	// The daemon promises a sealed file of exactly the announced size: check, so that a short
	// or changing file is reported rather than copied half.
	struct stat st {};
	if (::fstat(png, &st) < 0)
		return fail(std::string("fstat on the snapshot: ") + std::strerror(errno));
	const int seals = ::fcntl(png, F_GET_SEALS);
	constexpr int kNeeded = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
	if (!S_ISREG(st.st_mode) || uint64_t(st.st_size) != info.bytes || seals < 0 ||
	    (seals & kNeeded) != kNeeded)
		return fail("the daemon passed a snapshot that is not a sealed file of " +
			    std::to_string(info.bytes) + " bytes");

	const bool toStdout = path == "-";
	int out = STDOUT_FILENO;
	if (!toStdout) {
		out = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out < 0)
			return fail("cannot create " + path + ": " + std::strerror(errno));
	}
	std::string error;
	int rc = copyOut(png, info.bytes, out, error);
	if (!toStdout && ::close(out) < 0 && rc == 0) {
		rc = -errno;
		error = std::string("close: ") + std::strerror(-rc);
	}
	if (rc < 0)
		return fail((toStdout ? std::string("standard output") : path) + ": " + error);
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	using namespace tinydrm;

	CLI::App app{"tinydrmctl - control a running tinydrmd"};
	std::string controlPath = "/run/tinydrm/control";
	std::string panel, node, output;
	app.add_option("--control", controlPath, "the daemon's control socket")->capture_default_str();
	app.require_subcommand(1);
	CLI::App *list = app.add_subcommand("list", "list nodes: name, panel, mode, open files, state");
	CLI::App *plug = app.add_subcommand("plug", "create a node; prints its name");
	plug->add_option("panel", panel, "panel spec, as tinydrmd --panel (e.g. virtual:640x480@60)")->required();
	CLI::App *unplug =
		app.add_subcommand("unplug", "unplug a node (it goes away after its last close)");
	unplug->add_option("node", node, "tinydrm-N")->required();
	CLI::App *snapshot =
		app.add_subcommand("snapshot", "write what a node's panel shows now as a PNG file");
	snapshot->add_option("node", node, "tinydrm-N")->required();
	snapshot->add_option("output", output, "the PNG file to write; - for standard output")
		->required();
	CLI11_PARSE(app, argc, argv);

	std::string request;
	if (list->parsed())
		request = "list";
	else if (plug->parsed())
		request = "plug " + panel;
	else if (unplug->parsed())
		request = "unplug " + node;
	else if (snapshot->parsed())
		request = "snapshot " + node;
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
	// snapshot: the data line and the descriptor(s) that came with the answer. Descriptors for
	// other verbs are not expected and are closed unread.
	std::optional<SnapshotInfo> shot;
	std::vector<UniqueFd> fds;
	while (status < 0) {
		while (status < 0 && in.next(line)) {
			if (isStatusLine(line)) {
				status = line == "ok" ? 0 : 1;
				if (status)
					std::fprintf(stderr, "tinydrmctl: %s\n",
						     line.size() > 6 ? line.c_str() + 6 : "error");
			} else if (snapshot->parsed()) {
				// Not printed: with "-" stdout carries the PNG.
				shot = parseSnapshotLine(line);
				if (!shot || nodeName(shot->node) != node) {
					::close(fd);
					return fail("unexpected answer to snapshot: " + line);
				}
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
		const ssize_t n = recvWithFds(fd, buffer, sizeof(buffer), fds);
		if (n == -EINTR)
			continue;
		if (n <= 0) {
			::close(fd);
			return fail(n == 0 ? "the daemon closed the connection without an answer"
					   : std::string("recv: ") + std::strerror(int(-n)));
		}
		in.append(std::string_view(buffer, size_t(n)));
	}
	::close(fd);
	if (status != 0 || !snapshot->parsed())
		return status;
	if (!shot || fds.size() != 1)
		return fail("the daemon's snapshot answer came without " +
			    std::string(shot ? "exactly one descriptor" : "its data line"));
	return writeSnapshot(*shot, fds[0].get(), output);
}
