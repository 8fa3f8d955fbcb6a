// SPDX-License-Identifier: MIT
#include "control_protocol.h"

#include <cerrno>
#include <charconv>
#include <cstring>

#include <sys/socket.h>

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
		error = "empty request (verbs: list, plug, unplug, snapshot)";
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
	} else if (verb == "snapshot") {
		if (!wantArgs(1, "snapshot tinydrm-N"))
			return std::nullopt;
		std::optional<unsigned> n = parseNodeName(w[1]);
		if (!n) {
			error = "bad node name '" + std::string(w[1]) + "' (want tinydrm-N)";
			return std::nullopt;
		}
		request.verb = ControlRequest::Verb::Snapshot;
		request.node = *n;
	} else {
		error = "unknown verb '" + std::string(verb) + "' (verbs: list, plug, unplug, snapshot)";
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

namespace {

/// Parses a decimal number without sign or leading zeros that fits @p T. \return false else.
template<typename T>
bool parseNumber(std::string_view text, T &value)
{
	if (text.empty() || (text.size() > 1 && text[0] == '0'))
		return false;
	for (char ch : text)
		if (ch < '0' || ch > '9')
			return false;
	const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
	return ec == std::errc() && end == text.data() + text.size();
}

} // namespace

std::string snapshotLine(const SnapshotInfo &info)
{
	return nodeName(info.node) + " size=" + std::to_string(info.width) + "x" +
	       std::to_string(info.height) + " png=" + std::to_string(info.bytes);
}

std::optional<SnapshotInfo> parseSnapshotLine(std::string_view line)
{
	const std::vector<std::string_view> w = words(line);
	if (w.size() != 3 || !w[1].starts_with("size=") || !w[2].starts_with("png="))
		return std::nullopt;
	SnapshotInfo info;
	std::optional<unsigned> node = parseNodeName(w[0]);
	if (!node)
		return std::nullopt;
	info.node = *node;
	const std::string_view size = w[1].substr(5);
	const size_t x = size.find('x');
	if (x == std::string_view::npos || !parseNumber(size.substr(0, x), info.width) ||
	    !parseNumber(size.substr(x + 1), info.height) || !info.width || !info.height)
		return std::nullopt;
	if (!parseNumber(w[2].substr(4), info.bytes) || !info.bytes)
		return std::nullopt;
	return info;
}

std::string snapshotErrorReason(unsigned node, std::string_view panelSpec, int rc)
{
	const std::string name = nodeName(node);
	switch (rc) {
	case -ENODEV:
		return name + " is unplugged (ENODEV)";
	case -ENODATA:
		return name + " has shown nothing yet (ENODATA): no frame was flushed to its panel";
	case -EOPNOTSUPP:
		return name + ": panel " + std::string(panelSpec) +
		       " cannot read back what it shows (EOPNOTSUPP)";
	default:
		return name + ": snapshot failed: " + std::strerror(-rc);
	}
}

ssize_t sendWithFd(int socket, std::string_view text, int fd)
{
	iovec iov{const_cast<char *>(text.data()), text.size()};
	msghdr msg{};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	// Aligned for cmsghdr, sized for exactly one descriptor.
	alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
	if (fd >= 0) {
		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		std::memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	for (;;) {
		const ssize_t n = ::sendmsg(socket, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return -errno;
	}
}

ssize_t recvWithFds(int socket, char *buffer, size_t size, std::vector<UniqueFd> &fds, int flags)
{
	iovec iov{buffer, size};
	msghdr msg{};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	alignas(cmsghdr) char control[CMSG_SPACE(kMaxFdsPerRecv * sizeof(int))];
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	const ssize_t n = ::recvmsg(socket, &msg, flags | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	std::vector<UniqueFd> received;
	for (cmsghdr *cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		const size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; i++) {
			int fd;
			std::memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
			received.emplace_back(fd);
		}
	}
	// The kernel installed what fitted and dropped the rest: a peer that sends more than we
	// allow is broken, and half a set of descriptors is no use.
	if (msg.msg_flags & MSG_CTRUNC)
		return -EBADMSG;
	for (UniqueFd &fd : received)
		fds.push_back(std::move(fd));
	return n;
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
