// SPDX-License-Identifier: MIT
// tinydrmctl snapshot against a fake daemon: the test listens on a control socket of its own,
// runs the real tinydrmctl binary ($TINYDRMCTL) and answers its request as tinydrmd would (or
// would not). This covers the client's half of the protocol without CUSE; the daemon's half
// over a real node is in the vm suite.
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <png.h>

#include "control_protocol.h"
#include "png_snapshot.h"

extern char **environ;

using namespace tinydrm;

namespace {

std::string slurp(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	std::ostringstream out;
	out << in.rdbuf();
	return out.str();
}

std::string contents(int fd)
{
	struct stat st {};
	REQUIRE(::fstat(fd, &st) == 0);
	std::string data(size_t(st.st_size), '\0');
	REQUIRE(::pread(fd, data.data(), data.size(), 0) == ssize_t(data.size()));
	return data;
}

/// A control socket in a private directory, and tinydrmctl runs against it.
struct FakeDaemon {
	std::string dir;
	std::string socketPath;
	UniqueFd listener;

	FakeDaemon()
	{
		char temp[] = "/tmp/tinydrmctl-test-XXXXXX";
		REQUIRE(::mkdtemp(temp));
		dir = temp;
		socketPath = dir + "/control";
		listener.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
		REQUIRE(listener);
		sockaddr_un addr{};
		addr.sun_family = AF_UNIX;
		REQUIRE(socketPath.size() < sizeof(addr.sun_path));
		std::memcpy(addr.sun_path, socketPath.c_str(), socketPath.size() + 1);
		REQUIRE(::bind(listener.get(), reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) == 0);
		REQUIRE(::listen(listener.get(), 1) == 0);
	}

	~FakeDaemon()
	{
		std::error_code ignored;
		std::filesystem::remove_all(dir, ignored);
	}

	/// Starts tinydrmctl with @p args; its stdout and stderr go to files in dir.
	pid_t start(const std::vector<std::string> &args)
	{
		const char *binary = std::getenv("TINYDRMCTL");
		REQUIRE(binary);
		std::vector<std::string> all = {binary, "--control", socketPath};
		all.insert(all.end(), args.begin(), args.end());
		std::vector<char *> argv;
		for (std::string &a : all)
			argv.push_back(a.data());
		argv.push_back(nullptr);
		posix_spawn_file_actions_t actions;
		posix_spawn_file_actions_init(&actions);
		const std::string out = dir + "/stdout", err = dir + "/stderr";
		posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
						 0600);
		posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
						 0600);
		pid_t pid = -1;
		const int rc = ::posix_spawn(&pid, binary, &actions, nullptr, argv.data(), environ);
		posix_spawn_file_actions_destroy(&actions);
		REQUIRE(rc == 0);
		return pid;
	}

	/// Accepts tinydrmctl's connection and reads its request line (bounded waits).
	UniqueFd accept(std::string &request)
	{
		pollfd pfd{listener.get(), POLLIN, 0};
		REQUIRE(::poll(&pfd, 1, 30000) == 1);
		UniqueFd conn(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
		REQUIRE(conn);
		request.clear();
		for (;;) {
			pollfd cp{conn.get(), POLLIN, 0};
			REQUIRE(::poll(&cp, 1, 30000) == 1);
			char ch;
			REQUIRE(::recv(conn.get(), &ch, 1, 0) == 1);
			if (ch == '\n')
				break;
			request += ch;
		}
		return conn;
	}

	/// Waits for tinydrmctl to exit. \return its exit status.
	static int wait(pid_t pid)
	{
		int status = 0;
		REQUIRE(::waitpid(pid, &status, 0) == pid);
		REQUIRE(WIFEXITED(status));
		return WEXITSTATUS(status);
	}

	std::string out() const { return slurp(dir + "/stdout"); }
	std::string err() const { return slurp(dir + "/stderr"); }
};

/// A small PNG as the daemon makes it, and its pixels.
struct Snapshot {
	static constexpr uint32_t kWidth = 8, kHeight = 5;
	std::vector<uint32_t> pixels;
	UniqueFd fd;
	size_t bytes = 0;

	Snapshot()
	{
		for (uint32_t i = 0; i < kWidth * kHeight; i++)
			pixels.push_back(0xff000000 | i * 0x050301);
		std::string error;
		REQUIRE(encodePngMemfd(pixels, kWidth, kHeight, "tinydrm-0.png", fd, bytes, error) == 0);
	}

	std::string line(unsigned node = 0, uint64_t announced = 0) const
	{
		return snapshotLine({node, kWidth, kHeight, announced ? announced : bytes}) + "\n";
	}
};

void send(int fd, const std::string &text, int passFd = -1)
{
	REQUIRE(sendWithFd(fd, text, passFd) == ssize_t(text.size()));
}

/// Decodes the PNG in @p data and compares it with @p shot's pixels.
void checkDecodes(const std::string &data, const Snapshot &shot)
{
	png_image image{};
	image.version = PNG_IMAGE_VERSION;
	REQUIRE(png_image_begin_read_from_memory(&image, data.data(), data.size()));
	CHECK(image.width == Snapshot::kWidth);
	CHECK(image.height == Snapshot::kHeight);
	image.format = PNG_FORMAT_RGB;
	std::vector<uint8_t> rgb(PNG_IMAGE_SIZE(image));
	REQUIRE(png_image_finish_read(&image, nullptr, rgb.data(), 0, nullptr));
	for (size_t i = 0; i < shot.pixels.size(); i++) {
		INFO("pixel " << i);
		CHECK(rgb[3 * i] == uint8_t(shot.pixels[i] >> 16));
		CHECK(rgb[3 * i + 1] == uint8_t(shot.pixels[i] >> 8));
		CHECK(rgb[3 * i + 2] == uint8_t(shot.pixels[i]));
	}
}

/// Sets the umask for one test (tinydrmctl inherits it) and puts it back.
struct Umask {
	mode_t old;
	explicit Umask(mode_t mask) : old(::umask(mask)) {}
	~Umask() { ::umask(old); }
};

} // namespace

TEST_CASE("snapshot writes the PNG the daemon passed, mode 0644", "[tinydrmctl]")
{
	FakeDaemon daemon;
	Snapshot shot;
	Umask mask(022);
	const std::string path = daemon.dir + "/out.png";
	// An older, longer file in its place is replaced whole.
	std::ofstream(path) << std::string(4 * shot.bytes, 'z');

	const pid_t pid = daemon.start({"snapshot", "tinydrm-0", path});
	std::string request;
	UniqueFd conn = daemon.accept(request);
	CHECK(request == "snapshot tinydrm-0");
	send(conn.get(), shot.line() + "ok\n", shot.fd.get());
	conn.reset();
	CHECK(FakeDaemon::wait(pid) == 0);
	CHECK(daemon.out().empty()); // the data line is not printed
	CHECK(daemon.err().empty());

	const std::string written = slurp(path);
	CHECK(written == contents(shot.fd.get()));
	checkDecodes(written, shot);
	struct stat st {};
	REQUIRE(::stat(path.c_str(), &st) == 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK(st.st_uid == ::getuid());

	// A new file: mode 0644 (less the umask, which is 022 here).
	const std::string fresh = daemon.dir + "/fresh.png";
	const pid_t again = daemon.start({"snapshot", "tinydrm-0", fresh});
	conn = daemon.accept(request);
	send(conn.get(), shot.line() + "ok\n", shot.fd.get());
	conn.reset();
	CHECK(FakeDaemon::wait(again) == 0);
	REQUIRE(::stat(fresh.c_str(), &st) == 0);
	CHECK((st.st_mode & 07777) == 0644);
	CHECK(slurp(fresh) == written);
}

TEST_CASE("snapshot to - writes the PNG to stdout and nothing else", "[tinydrmctl]")
{
	FakeDaemon daemon;
	Snapshot shot;
	const pid_t pid = daemon.start({"snapshot", "tinydrm-0", "-"});
	std::string request;
	UniqueFd conn = daemon.accept(request);
	send(conn.get(), shot.line() + "ok\n", shot.fd.get());
	conn.reset();
	CHECK(FakeDaemon::wait(pid) == 0);
	CHECK(daemon.out() == contents(shot.fd.get()));
	CHECK(daemon.err().empty());
}

TEST_CASE("snapshot copes with an answer split across sends", "[tinydrmctl]")
{
	// The daemon's send may be short: the descriptor goes with the first part, the rest
	// follows without one.
	FakeDaemon daemon;
	Snapshot shot;
	const std::string path = daemon.dir + "/out.png";
	const pid_t pid = daemon.start({"snapshot", "tinydrm-0", path});
	std::string request;
	UniqueFd conn = daemon.accept(request);
	const std::string answer = shot.line() + "ok\n";
	send(conn.get(), answer.substr(0, 5), shot.fd.get());
	send(conn.get(), answer.substr(5));
	conn.reset();
	CHECK(FakeDaemon::wait(pid) == 0);
	CHECK(slurp(path) == contents(shot.fd.get()));
}

TEST_CASE("a refused snapshot: exit 1, the reason, OUT untouched", "[tinydrmctl]")
{
	FakeDaemon daemon;
	const std::string path = daemon.dir + "/out.png";
	std::ofstream(path) << "keep me";
	const pid_t pid = daemon.start({"snapshot", "tinydrm-0", path});
	std::string request;
	UniqueFd conn = daemon.accept(request);
	send(conn.get(), errorLine("tinydrm-0 is unplugged (ENODEV)") + "\n");
	conn.reset();
	CHECK(FakeDaemon::wait(pid) == 1);
	CHECK(daemon.err() == "tinydrmctl: tinydrm-0 is unplugged (ENODEV)\n");
	CHECK(daemon.out().empty());
	CHECK(slurp(path) == "keep me");

	// Nothing there before: nothing there after.
	const std::string none = daemon.dir + "/none.png";
	const pid_t again = daemon.start({"snapshot", "tinydrm-0", none});
	conn = daemon.accept(request);
	send(conn.get(), errorLine("tinydrm-0 has shown nothing yet (ENODATA): no frame was "
				   "flushed to its panel") + "\n");
	conn.reset();
	CHECK(FakeDaemon::wait(again) == 1);
	CHECK(::access(none.c_str(), F_OK) < 0);
}

TEST_CASE("a broken snapshot answer: exit 2, no OUT", "[tinydrmctl]")
{
	FakeDaemon daemon;
	Snapshot shot;
	const std::string path = daemon.dir + "/out.png";
	UniqueFd unsealed(::memfd_create("unsealed", MFD_CLOEXEC));
	REQUIRE(unsealed);
	const std::string png = contents(shot.fd.get());
	REQUIRE(::write(unsealed.get(), png.data(), png.size()) == ssize_t(png.size()));

	struct Case {
		const char *what;
		std::string answer;
		int fd;
		const char *says; ///< in tinydrmctl's message
	};
	const char *unexpected = "unexpected answer to snapshot";
	const char *notSealed = "not a sealed file of";
	const std::vector<Case> cases = {
		{"ok without a descriptor", shot.line() + "ok\n", -1, "without exactly one descriptor"},
		{"a descriptor without the data line", "ok\n", shot.fd.get(), "without its data line"},
		{"a size that is not the file's", shot.line(0, shot.bytes + 1) + "ok\n", shot.fd.get(),
		 notSealed},
		{"another node's snapshot", shot.line(1) + "ok\n", shot.fd.get(), unexpected},
		{"a garbled data line", "tinydrm-0 size=8x5\nok\n", shot.fd.get(), unexpected},
		{"an unsealed file", shot.line() + "ok\n", unsealed.get(), notSealed},
		{"no answer at all", "", -1, "closed the connection without an answer"},
	};
	for (const Case &c : cases) {
		INFO(c.what);
		const pid_t pid = daemon.start({"snapshot", "tinydrm-0", path});
		std::string request;
		UniqueFd conn = daemon.accept(request);
		if (!c.answer.empty())
			send(conn.get(), c.answer, c.fd);
		conn.reset();
		CHECK(FakeDaemon::wait(pid) == 2);
		const std::string err = daemon.err();
		CHECK(err.starts_with("tinydrmctl: "));
		CHECK(err.find(c.says) != std::string::npos);
		CHECK(::access(path.c_str(), F_OK) < 0);
	}
}

TEST_CASE("an OUT that cannot be created: exit 2 with the reason", "[tinydrmctl]")
{
	FakeDaemon daemon;
	Snapshot shot;
	const std::string path = daemon.dir + "/missing/out.png";
	const pid_t pid = daemon.start({"snapshot", "tinydrm-0", path});
	std::string request;
	UniqueFd conn = daemon.accept(request);
	send(conn.get(), shot.line() + "ok\n", shot.fd.get());
	conn.reset();
	CHECK(FakeDaemon::wait(pid) == 2);
	CHECK(daemon.err() == "tinydrmctl: cannot create " + path + ": No such file or directory\n");
}
