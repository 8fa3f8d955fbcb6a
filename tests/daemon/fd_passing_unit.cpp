// SPDX-License-Identifier: MIT
// Descriptor passing on the control connection: sendWithFd() / recvWithFds() over a socketpair,
// as the daemon and tinydrmctl use them for snapshots.
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control_protocol.h"

using namespace tinydrm;

namespace {

struct Pair {
	UniqueFd a, b;
	Pair()
	{
		int fds[2];
		REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
		a.reset(fds[0]);
		b.reset(fds[1]);
	}
};

UniqueFd memfdWith(const std::string &text)
{
	UniqueFd fd(::memfd_create("fd-passing-test", MFD_CLOEXEC));
	REQUIRE(fd);
	REQUIRE(::write(fd.get(), text.data(), text.size()) == ssize_t(text.size()));
	return fd;
}

std::string contents(int fd)
{
	char buffer[256];
	const ssize_t n = ::pread(fd, buffer, sizeof(buffer), 0);
	REQUIRE(n >= 0);
	return std::string(buffer, size_t(n));
}

bool sameFile(int a, int b)
{
	struct stat sa {}, sb {};
	REQUIRE(::fstat(a, &sa) == 0);
	REQUIRE(::fstat(b, &sb) == 0);
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

size_t openFds()
{
	size_t n = 0;
	for ([[maybe_unused]] const auto &entry : std::filesystem::directory_iterator("/proc/self/fd"))
		n++;
	return n;
}

} // namespace

TEST_CASE("a descriptor travels with its answer", "[fd]")
{
	Pair p;
	UniqueFd file = memfdWith("png bytes");
	const std::string answer = "tinydrm-0 size=1x1 png=9\nok\n";
	REQUIRE(sendWithFd(p.a.get(), answer, file.get()) == ssize_t(answer.size()));
	// The sender keeps its own descriptor: the peer got a duplicate.
	CHECK(::fcntl(file.get(), F_GETFD) >= 0);

	char buffer[4096];
	std::vector<UniqueFd> fds;
	REQUIRE(recvWithFds(p.b.get(), buffer, sizeof(buffer), fds) == ssize_t(answer.size()));
	CHECK(std::string(buffer, answer.size()) == answer);
	REQUIRE(fds.size() == 1);
	CHECK(fds[0].get() != file.get());
	CHECK(sameFile(fds[0].get(), file.get()));
	CHECK(contents(fds[0].get()) == "png bytes");
	// Received close-on-exec: a program tinydrmctl runs must not inherit it.
	CHECK((::fcntl(fds[0].get(), F_GETFD) & FD_CLOEXEC) != 0);
}

TEST_CASE("the descriptor arrives with the first byte of its message", "[fd]")
{
	Pair p;
	UniqueFd file = memfdWith("x");
	const std::string before = "tinydrm-1 panel=virtual mode=off files=0 state=published\nok\n";
	const std::string with = "tinydrm-0 size=1x1 png=1\nok\n";
	REQUIRE(sendWithFd(p.a.get(), before, -1) == ssize_t(before.size()));
	REQUIRE(sendWithFd(p.a.get(), with, file.get()) == ssize_t(with.size()));

	// Byte by byte, as a client with a tiny buffer would: no descriptor before the second
	// message starts, exactly one with its first byte, none after.
	std::string got;
	std::vector<UniqueFd> fds;
	size_t arrivedAt = SIZE_MAX;
	while (got.size() < before.size() + with.size()) {
		char ch;
		const size_t had = fds.size();
		REQUIRE(recvWithFds(p.b.get(), &ch, 1, fds) == 1);
		if (fds.size() != had) {
			CHECK(arrivedAt == SIZE_MAX);
			arrivedAt = got.size();
		}
		got += ch;
	}
	CHECK(got == before + with);
	CHECK(arrivedAt == before.size());
	REQUIRE(fds.size() == 1);
	CHECK(sameFile(fds[0].get(), file.get()));
}

TEST_CASE("answers without a descriptor, and the end of the stream", "[fd]")
{
	Pair p;
	REQUIRE(sendWithFd(p.a.get(), "ok\n", -1) == 3);
	char buffer[16];
	std::vector<UniqueFd> fds;
	REQUIRE(recvWithFds(p.b.get(), buffer, sizeof(buffer), fds) == 3);
	CHECK(fds.empty());
	REQUIRE(::shutdown(p.a.get(), SHUT_WR) == 0);
	CHECK(recvWithFds(p.b.get(), buffer, sizeof(buffer), fds) == 0);
	CHECK(fds.empty());
}

TEST_CASE("a peer that does not read never blocks the sender", "[fd]")
{
	Pair p;
	const int small = 4096;
	::setsockopt(p.a.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	const std::string chunk(1024, 'x');
	// Bounded: the buffer is a few KiB, the loop may send MiBs before it gives up.
	ssize_t rc = 0;
	for (int i = 0; i < 10000 && rc >= 0; i++)
		rc = sendWithFd(p.a.get(), chunk, -1);
	CHECK(rc == -EAGAIN);
	// Still full: the answer with its descriptor is refused at once, not queued, not waited for.
	UniqueFd file = memfdWith("x");
	CHECK(sendWithFd(p.a.get(), "tinydrm-0 size=1x1 png=1\nok\n", file.get()) == -EAGAIN);
}

TEST_CASE("a peer that is gone: EPIPE, no SIGPIPE", "[fd]")
{
	Pair p;
	p.b.reset();
	UniqueFd file = memfdWith("x");
	CHECK(sendWithFd(p.a.get(), "ok\n", file.get()) == -EPIPE); // and the test is still alive
}

TEST_CASE("more descriptors than allowed: an error, and none of them leaks", "[fd]")
{
	Pair p;
	constexpr size_t kCount = 2 * kMaxFdsPerRecv + 1;
	std::vector<UniqueFd> files;
	for (size_t i = 0; i < kCount; i++)
		files.push_back(memfdWith("x"));

	char byte = 'x';
	iovec iov{&byte, 1};
	alignas(cmsghdr) char control[CMSG_SPACE(kCount * sizeof(int))] = {};
	msghdr msg{};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(kCount * sizeof(int));
	for (size_t i = 0; i < kCount; i++) {
		const int fd = files[i].get();
		std::memcpy(CMSG_DATA(cmsg) + i * sizeof(int), &fd, sizeof(int));
	}
	REQUIRE(::sendmsg(p.a.get(), &msg, MSG_NOSIGNAL) == 1);

	const size_t before = openFds();
	char buffer[16];
	std::vector<UniqueFd> fds;
	CHECK(recvWithFds(p.b.get(), buffer, sizeof(buffer), fds) == -EBADMSG);
	CHECK(fds.empty());
	CHECK(openFds() == before);
}
