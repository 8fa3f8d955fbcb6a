// SPDX-License-Identifier: MIT
#include "control_client.h"

#include <cerrno>
#include <cstring>

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "unique_fd.h"

namespace tinydrm::gadget {

int request(const std::string &socket, const std::string &line, std::string &answer,
	    std::string &error)
{
	sockaddr_un address{};
	address.sun_family = AF_UNIX;
	if (socket.size() >= sizeof(address.sun_path)) {
		error = "control socket path too long: " + socket;
		return -ENAMETOOLONG;
	}
	std::memcpy(address.sun_path, socket.c_str(), socket.size() + 1);
	UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (!fd) {
		error = std::string("socket: ") + std::strerror(errno);
		return -errno;
	}
	// Generous: a PNG of a large mode takes a while in an emulated VM.
	const timeval timeout{60, 0};
	::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	if (::connect(fd.get(), reinterpret_cast<const sockaddr *>(&address), sizeof(address))) {
		error = "connecting to " + socket + ": " + std::strerror(errno);
		return -errno;
	}
	const std::string text = line + "\n";
	if (::send(fd.get(), text.data(), text.size(), MSG_NOSIGNAL) != ssize_t(text.size())) {
		error = std::string("sending the request: ") + std::strerror(errno);
		return -errno;
	}
	answer.clear();
	char c;
	for (;;) {
		const ssize_t n = ::read(fd.get(), &c, 1);
		if (n == 1 && c == '\n')
			return 0;
		if (n == 1) {
			answer.push_back(c);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		const int err = n == 0 ? EPIPE : errno == EAGAIN ? ETIMEDOUT : errno;
		error = "reading the answer: " +
			std::string(n == 0 ? "the server closed the connection" : std::strerror(err));
		return -err;
	}
}

} // namespace tinydrm::gadget
