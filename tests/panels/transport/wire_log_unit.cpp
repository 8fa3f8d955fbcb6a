// SPDX-License-Identifier: MIT
// WireLog and WireReader: records round-trip through memory and files, the file is written at
// marks (not before), a FIFO whose reader left never kills the writer, and the reader survives
// every truncation and garbage input with an error instead of a crash.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wire_log.h"

using namespace tinydrm;

namespace {

/// A fresh directory under $TMPDIR, removed (with its files) at scope exit.
struct TempDir {
	TempDir()
	{
		const char *base = std::getenv("TMPDIR");
		std::string pattern = std::string(base ? base : "/tmp") + "/wirelog-XXXXXX";
		std::vector<char> buf(pattern.begin(), pattern.end());
		buf.push_back('\0');
		REQUIRE(mkdtemp(buf.data()));
		path = buf.data();
	}
	~TempDir()
	{
		for (const auto &file : files)
			::unlink(file.c_str());
		::rmdir(path.c_str());
	}
	std::string file(const std::string &name)
	{
		files.push_back(path + "/" + name);
		return files.back();
	}
	std::string path;
	std::vector<std::string> files;
};

std::vector<WireRecord> readAll(std::vector<uint8_t> bytes, std::string *error = nullptr)
{
	WireReader reader(std::move(bytes));
	std::vector<WireRecord> records;
	WireRecord record;
	while (reader.next(record))
		records.push_back(record);
	if (error)
		*error = reader.error();
	return records;
}

const std::vector<uint8_t> kTx = {0x2a, 0x00, 0x00, 0x01, 0x3f};
const std::vector<uint8_t> kRx = {0xde, 0xad, 0xbe, 0xef, 0x00};

/// One record of every kind, as a backend would write them.
void writeSample(WireLog &log)
{
	log.append(WireKind::SpiTransfer, 8, 1, 32000000, kTx.data(), kTx.size(), kRx.data(),
		   kRx.size());
	log.append(WireKind::Gpio, 0, 1, 0, reinterpret_cast<const uint8_t *>("dc"), 2);
	log.append(WireKind::Delay, 0, 0, 120000, nullptr, 0);
	const uint8_t setup[8] = {0x40, 0x12, 0, 0, 0, 0, 2, 0};
	const uint8_t data[2] = {0x57, 0xcd};
	log.append(WireKind::UsbControl, 0, 0, 0, setup, 8, data, 2);
	log.append(WireKind::UsbBulk, 1, 0, 0, kTx.data(), kTx.size());
	log.mark("flush 0");
}

void checkSample(const std::vector<WireRecord> &records)
{
	REQUIRE(records.size() == 6);
	CHECK(records[0].kind == WireKind::SpiTransfer);
	CHECK(records[0].arg0 == 8);
	CHECK(records[0].arg1 == 1);
	CHECK(records[0].arg2 == 32000000);
	std::vector<uint8_t> both = kTx;
	both.insert(both.end(), kRx.begin(), kRx.end());
	CHECK(records[0].payload == both);

	CHECK(records[1].kind == WireKind::Gpio);
	CHECK(records[1].arg0 == 0);
	CHECK(records[1].arg1 == 1);
	CHECK(std::string(records[1].payload.begin(), records[1].payload.end()) == "dc");

	CHECK(records[2].kind == WireKind::Delay);
	CHECK(records[2].arg2 == 120000);
	CHECK(records[2].payload.empty());

	CHECK(records[3].kind == WireKind::UsbControl);
	CHECK(records[3].payload == std::vector<uint8_t>{0x40, 0x12, 0, 0, 0, 0, 2, 0, 0x57, 0xcd});

	CHECK(records[4].kind == WireKind::UsbBulk);
	CHECK(records[4].arg0 == 1);
	CHECK(records[4].payload == kTx);

	CHECK(records[5].kind == WireKind::Mark);
	CHECK(records[5].arg2 == 0);
	CHECK(std::string(records[5].payload.begin(), records[5].payload.end()) == "flush 0");
}

std::vector<uint8_t> fileBytes(const std::string &path)
{
	std::vector<uint8_t> bytes;
	std::string error;
	REQUIRE(WireReader::load(path, bytes, error) == 0);
	return bytes;
}

/// A little-endian 16-byte record header, for hand-made (bad) files.
std::vector<uint8_t> header(uint8_t kind, uint8_t arg0, uint16_t arg1, uint32_t length,
			    uint32_t reserved = 0)
{
	std::vector<uint8_t> h(16, 0);
	h[0] = kind;
	h[1] = arg0;
	h[2] = uint8_t(arg1);
	h[3] = uint8_t(arg1 >> 8);
	for (int i = 0; i < 4; i++) {
		h[8 + i] = uint8_t(length >> (8 * i));
		h[12 + i] = uint8_t(reserved >> (8 * i));
	}
	return h;
}

std::vector<uint8_t> withMagic(const std::vector<uint8_t> &body)
{
	std::vector<uint8_t> bytes(kWireMagic, kWireMagic + sizeof(kWireMagic));
	bytes.insert(bytes.end(), body.begin(), body.end());
	return bytes;
}

} // namespace

TEST_CASE("an in-memory log starts with the magic and round-trips every kind", "[wire_log]")
{
	auto log = WireLog::inMemory();
	const auto empty = log->bytes();
	REQUIRE(empty.size() == sizeof(kWireMagic));
	CHECK(std::memcmp(empty.data(), kWireMagic, sizeof(kWireMagic)) == 0);

	writeSample(*log);
	std::string error;
	checkSample(readAll(log->bytes(), &error));
	CHECK(error.empty());
}

TEST_CASE("header fields are little-endian at their documented offsets", "[wire_log]")
{
	auto log = WireLog::inMemory();
	const uint8_t payload[3] = {1, 2, 3};
	log->append(WireKind::SpiTransfer, 16, 0, 0x01020304, payload, 3);
	const auto bytes = log->bytes();
	REQUIRE(bytes.size() == 8 + 16 + 3);
	const std::vector<uint8_t> expected = {1, 16, 0, 0, 4, 3, 2, 1, 3, 0, 0, 0, 0, 0, 0, 0,
					       1, 2, 3};
	CHECK(std::vector<uint8_t>(bytes.begin() + 8, bytes.end()) == expected);
}

TEST_CASE("a null payload is written as zeros; two payloads are concatenated", "[wire_log]")
{
	auto log = WireLog::inMemory();
	const uint8_t second[2] = {7, 8};
	log->append(WireKind::SpiTransfer, 8, 1, 0, nullptr, 2, second, 2);
	const auto records = readAll(log->bytes());
	REQUIRE(records.size() == 1);
	CHECK(records[0].payload == std::vector<uint8_t>{0, 0, 7, 8});
}

TEST_CASE("marks are numbered 0, 1, 2 ...", "[wire_log]")
{
	auto log = WireLog::inMemory();
	for (int i = 0; i < 3; i++)
		log->mark("flush " + std::to_string(i));
	const auto records = readAll(log->bytes());
	REQUIRE(records.size() == 3);
	for (uint32_t i = 0; i < 3; i++) {
		CHECK(records[i].kind == WireKind::Mark);
		CHECK(records[i].arg2 == i);
	}
}

TEST_CASE("a file log holds records back until a mark, then matches the in-memory bytes",
	  "[wire_log]")
{
	TempDir dir;
	const std::string path = dir.file("wire.bin");
	std::unique_ptr<WireLog> log;
	std::string error;
	REQUIRE(WireLog::open(path, log, error) == 0);
	CHECK(log->bytes().empty()); // file logs keep nothing in memory for callers

	log->append(WireKind::Delay, 0, 0, 5, nullptr, 0);
	// Buffered: only the magic (written at open, so a reader sees a valid file at once).
	CHECK(fileBytes(path).size() == sizeof(kWireMagic));

	log->mark("first");
	CHECK(readAll(fileBytes(path)).size() == 2);

	auto memory = WireLog::inMemory();
	memory->append(WireKind::Delay, 0, 0, 5, nullptr, 0);
	memory->mark("first");
	writeSample(*memory);
	writeSample(*log);
	log->append(WireKind::Delay, 0, 0, 9, nullptr, 0); // after the last mark: synced by ~WireLog
	memory->append(WireKind::Delay, 0, 0, 9, nullptr, 0);
	log.reset();
	CHECK(fileBytes(path) == memory->bytes());
}

TEST_CASE("sync() writes buffered records without a mark", "[wire_log]")
{
	TempDir dir;
	const std::string path = dir.file("wire.bin");
	std::unique_ptr<WireLog> log;
	std::string error;
	REQUIRE(WireLog::open(path, log, error) == 0);
	log->append(WireKind::Delay, 0, 0, 5, nullptr, 0);
	log->sync();
	CHECK(readAll(fileBytes(path)).size() == 1);
}

TEST_CASE("open truncates an existing file", "[wire_log]")
{
	TempDir dir;
	const std::string path = dir.file("wire.bin");
	std::string error;
	{
		std::unique_ptr<WireLog> log;
		REQUIRE(WireLog::open(path, log, error) == 0);
		writeSample(*log);
	}
	std::unique_ptr<WireLog> log;
	REQUIRE(WireLog::open(path, log, error) == 0);
	log.reset();
	CHECK(fileBytes(path).size() == sizeof(kWireMagic));
}

TEST_CASE("open and load report a bad path with its errno and the path", "[wire_log]")
{
	std::unique_ptr<WireLog> log;
	std::string error;
	CHECK(WireLog::open("/nonexistent-dir/wire.bin", log, error) == -ENOENT);
	CHECK(!log);
	CHECK(error.find("/nonexistent-dir/wire.bin") != std::string::npos);
	CHECK(error.find(std::strerror(ENOENT)) != std::string::npos);

	std::vector<uint8_t> bytes;
	error.clear();
	CHECK(WireReader::load("/nonexistent-dir/wire.bin", bytes, error) == -ENOENT);
	CHECK(!error.empty());
}

TEST_CASE("a FIFO without a reader fails open with ENXIO instead of blocking", "[wire_log]")
{
	TempDir dir;
	const std::string path = dir.file("fifo");
	REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
	std::unique_ptr<WireLog> log;
	std::string error;
	CHECK(WireLog::open(path, log, error) == -ENXIO);
	CHECK(error.find("reader") != std::string::npos);
}

TEST_CASE("a FIFO whose reader left: the write error is swallowed, no SIGPIPE, records dropped",
	  "[wire_log]")
{
	TempDir dir;
	const std::string path = dir.file("fifo");
	REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
	const int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
	REQUIRE(reader >= 0);

	std::unique_ptr<WireLog> log;
	std::string error;
	REQUIRE(WireLog::open(path, log, error) == 0);
	log->mark("one");
	uint8_t buf[256];
	const ssize_t n = ::read(reader, buf, sizeof(buf));
	CHECK(n == ssize_t(sizeof(kWireMagic) + 16 + 3));
	::close(reader);

	// Default SIGPIPE disposition would kill this test process here.
	log->mark("two");
	log->append(WireKind::Delay, 0, 0, 1, nullptr, 0);
	log->mark("three");
	log.reset();
	SUCCEED("still alive");
}

TEST_CASE("the reader: clean end only at record boundaries, an error at every other cut",
	  "[wire_log]")
{
	auto log = WireLog::inMemory();
	writeSample(*log);
	const auto full = log->bytes();

	// Record boundaries of the sample.
	std::vector<size_t> boundaries = {sizeof(kWireMagic)};
	{
		WireReader reader(full);
		WireRecord record;
		size_t at = sizeof(kWireMagic);
		while (reader.next(record)) {
			at += kWireHeaderSize + record.payload.size();
			boundaries.push_back(at);
		}
	}
	REQUIRE(boundaries.back() == full.size());

	for (size_t cut = 0; cut < full.size(); cut++) {
		std::string error;
		const auto records = readAll(std::vector<uint8_t>(full.begin(), full.begin() + cut),
					     &error);
		const bool boundary = std::find(boundaries.begin(), boundaries.end(), cut) !=
				      boundaries.end();
		INFO("cut at " << cut);
		CHECK(error.empty() == boundary);
	}
}

TEST_CASE("the reader rejects bad files with a reason", "[wire_log]")
{
	struct Case {
		const char *what;
		std::vector<uint8_t> bytes;
		const char *reason;
	};
	auto bad = [](std::vector<uint8_t> body) { return withMagic(body); };
	auto payload = [](std::vector<uint8_t> h, size_t n) {
		h.resize(h.size() + n, 0);
		return h;
	};
	const std::vector<Case> cases = {
		{"empty", {}, "truncated magic"},
		{"bad magic", {'t', 'd', 'w', 'i', 'r', 'e', '2', '\n'}, "bad magic"},
		{"kind 0", bad(header(0, 0, 0, 0)), "unknown record kind"},
		{"kind 7", bad(header(7, 0, 0, 0)), "unknown record kind"},
		{"reserved", bad(header(3, 0, 0, 0, 1)), "reserved"},
		{"oversized", bad(header(5, 1, 0, kWireMaxPayload + 1)), "oversized"},
		{"past the end", bad(payload(header(5, 1, 0, 100), 99)), "truncated record payload"},
		{"short header", bad({1, 8, 0}), "truncated record header"},
		{"spi rx odd", bad(payload(header(1, 8, 1, 3), 3)), "malformed SPI"},
		{"spi rx flag 2", bad(header(1, 8, 2, 0)), "malformed SPI"},
		{"gpio level 2", bad(header(2, 0, 2, 0)), "malformed GPIO"},
		{"gpio op 2", bad(header(2, 2, 0, 0)), "malformed GPIO"},
		{"delay payload", bad(payload(header(3, 0, 0, 1), 1)), "delay record"},
		{"usb short", bad(payload(header(4, 0, 0, 7), 7)), "malformed USB"},
	};
	for (const auto &c : cases) {
		INFO(c.what);
		std::string error;
		readAll(c.bytes, &error);
		CHECK(error.find(c.reason) != std::string::npos);
	}
}

TEST_CASE("the reader stops for good after an error", "[wire_log]")
{
	auto body = header(0, 0, 0, 0);
	const auto good = header(3, 0, 0, 0);
	body.insert(body.end(), good.begin(), good.end());
	WireReader reader(withMagic(body));
	WireRecord record;
	CHECK(!reader.next(record));
	CHECK(!reader.error().empty());
	CHECK(!reader.next(record));
}

TEST_CASE("the reader survives random garbage and random corruption", "[wire_log]")
{
	std::mt19937 rng(1234);
	auto log = WireLog::inMemory();
	writeSample(*log);
	writeSample(*log);
	const auto good = log->bytes();

	for (int round = 0; round < 2000; round++) {
		std::vector<uint8_t> bytes;
		if (round % 2) {
			bytes.resize(rng() % 200);
			for (auto &b : bytes)
				b = uint8_t(rng());
			if (round % 4 == 1 && !bytes.empty())
				std::memcpy(bytes.data(), kWireMagic,
					    std::min(bytes.size(), sizeof(kWireMagic)));
		} else {
			bytes = good;
			for (int flips = 0; flips < 4; flips++)
				bytes[sizeof(kWireMagic) + rng() % (bytes.size() - 8)] = uint8_t(rng());
		}
		WireReader reader(bytes);
		WireRecord record;
		size_t consumed = 0;
		while (reader.next(record)) {
			consumed += kWireHeaderSize + record.payload.size();
			REQUIRE(consumed <= bytes.size());
		}
	}
	SUCCEED("no crash");
}
