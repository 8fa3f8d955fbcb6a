// SPDX-License-Identifier: MIT
// WireLog under concurrent writers (an async backend's thread appends while the daemon marks):
// every record arrives whole, each writer's records keep their order, marks keep their numbers.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "wire_log.h"

using namespace tinydrm;

namespace {

constexpr int kWriters = 3;
constexpr uint32_t kPerWriter = 2000;
constexpr uint32_t kMarks = 300;

void hammer(WireLog &log)
{
	std::vector<std::thread> threads;
	for (int w = 0; w < kWriters; w++) {
		threads.emplace_back([&log, w] {
			// Payload sizes vary so a torn record would misalign everything after it.
			std::vector<uint8_t> payload;
			for (uint32_t i = 0; i < kPerWriter; i++) {
				payload.assign(1 + i % 97, uint8_t(w));
				log.append(WireKind::UsbBulk, uint8_t(w), 0, i, payload.data(),
					   payload.size());
			}
		});
	}
	threads.emplace_back([&log] {
		for (uint32_t i = 0; i < kMarks; i++)
			log.mark("flush " + std::to_string(i));
	});
	for (auto &t : threads)
		t.join();
}

void check(std::vector<uint8_t> bytes)
{
	WireReader reader(std::move(bytes));
	WireRecord record;
	uint32_t next[kWriters] = {};
	uint32_t marks = 0;
	while (reader.next(record)) {
		if (record.kind == WireKind::Mark) {
			REQUIRE(record.arg2 == marks);
			REQUIRE(std::string(record.payload.begin(), record.payload.end()) ==
				"flush " + std::to_string(marks));
			marks++;
			continue;
		}
		REQUIRE(record.kind == WireKind::UsbBulk);
		REQUIRE(record.arg0 < kWriters);
		const int w = record.arg0;
		REQUIRE(record.arg2 == next[w]);
		REQUIRE(record.payload == std::vector<uint8_t>(1 + next[w] % 97, uint8_t(w)));
		next[w]++;
	}
	CHECK(reader.error().empty());
	CHECK(marks == kMarks);
	for (int w = 0; w < kWriters; w++)
		CHECK(next[w] == kPerWriter);
}

} // namespace

TEST_CASE("concurrent appends and marks to an in-memory log", "[wire_log][threads]")
{
	auto log = WireLog::inMemory();
	hammer(*log);
	check(log->bytes());
}

TEST_CASE("concurrent appends and marks to a file log", "[wire_log][threads]")
{
	const char *base = std::getenv("TMPDIR");
	std::string path = std::string(base ? base : "/tmp") + "/wirelog-threads-XXXXXX";
	const int fd = mkstemp(path.data());
	REQUIRE(fd >= 0);
	::close(fd);

	std::unique_ptr<WireLog> log;
	std::string error;
	REQUIRE(WireLog::open(path, log, error) == 0);
	hammer(*log);
	log.reset();

	std::vector<uint8_t> bytes;
	REQUIRE(WireReader::load(path, bytes, error) == 0);
	::unlink(path.c_str());
	check(std::move(bytes));
}
