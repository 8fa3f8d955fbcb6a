// SPDX-License-Identifier: MIT
// BulkReader's thread over a pipe (standing in for a FunctionFS endpoint file): it reads only
// once enabled, marks short reads as transfer ends, goes back to waiting after a failed read,
// and its destructor ends a read that is blocked in the kernel.
#include <catch2/catch.hpp>

#include <mutex>
#include <vector>

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bulk_reader.h"
#include "unique_fd.h"
#include "wait_for.h"

using namespace tinydrm;
using namespace tinydrm::gadget;

namespace {

struct Received {
	std::mutex mutex;
	std::vector<uint8_t> bytes;
	std::vector<bool> ends;

	BulkReader::Sink sink()
	{
		return [this](std::span<const uint8_t> data, bool end) {
			std::lock_guard lock(mutex);
			bytes.insert(bytes.end(), data.begin(), data.end());
			ends.push_back(end);
		};
	}
	size_t reads()
	{
		std::lock_guard lock(mutex);
		return ends.size();
	}
};

struct Pipe {
	UniqueFd read, write;
	Pipe()
	{
		int fds[2];
		REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
		read.reset(fds[0]);
		write.reset(fds[1]);
	}
	void send(std::vector<uint8_t> bytes)
	{
		REQUIRE(::write(write.get(), bytes.data(), bytes.size()) == ssize_t(bytes.size()));
	}
};

} // namespace

TEST_CASE("bulk reader: data flows once enabled; full reads are not transfer ends", "[gadget]")
{
	Pipe pipe;
	Received got;
	{
		BulkReader reader(pipe.read.get(), 8, got.sink());
		reader.enabled();
		pipe.send({1, 2, 3});
		REQUIRE(test::waitFor([&] { return got.reads() == 1; }));
		pipe.send({4, 5, 6, 7, 8, 9, 10, 11});
		REQUIRE(test::waitFor([&] { return got.reads() == 2; }));
		// The reader is now blocked in read(); leaving the scope must end it.
	}
	CHECK(got.bytes == std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
	CHECK(got.ends == std::vector<bool>{true, false});
}

TEST_CASE("bulk reader: a failed read waits for the next enable", "[gadget]")
{
	// An eventfd refuses reads of fewer than 8 bytes (EINVAL): every read fails.
	UniqueFd fd(::eventfd(1, EFD_CLOEXEC));
	REQUIRE(fd);
	Received got;
	BulkReader reader(fd.get(), 4, got.sink());
	reader.enabled();
	REQUIRE(test::waitFor([&] { return reader.failures() >= 1; }));
	CHECK(reader.failures() == 1); // it did not retry on its own
	reader.enabled();
	REQUIRE(test::waitFor([&] { return reader.failures() >= 2; }));
	CHECK(reader.failures() == 2);
	CHECK(got.reads() == 0);
}

TEST_CASE("bulk reader: destroyed while never enabled, and while blocked, many times", "[gadget]")
{
	for (int i = 0; i < 50; i++) {
		Pipe pipe;
		Received got;
		BulkReader reader(pipe.read.get(), 16, got.sink());
		if (i % 2) {
			reader.enabled();
			pipe.send({uint8_t(i)});
			REQUIRE(test::waitFor([&] { return got.reads() == 1; }));
		}
	}
}
