// SPDX-License-Identifier: MIT
// Dry-run transports: what each call returns to the backend and the WireLog record it leaves.
#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <string>
#include <vector>

#include "dry_run.h"

using namespace tinydrm;
using namespace std::chrono_literals;

namespace {

std::vector<WireRecord> records(const WireLog &log)
{
	WireReader reader(log.bytes());
	std::vector<WireRecord> out;
	WireRecord record;
	while (reader.next(record))
		out.push_back(record);
	REQUIRE(reader.error().empty());
	return out;
}

std::string text(const std::vector<uint8_t> &bytes)
{
	return std::string(bytes.begin(), bytes.end());
}

} // namespace

TEST_CASE("dry-run SPI: a write is one record of tx bytes at the effective speed", "[dry_run]")
{
	auto log = WireLog::inMemory();
	auto spi = makeDryRunSpi(*log, 32000000);
	REQUIRE(spi);
	CHECK(spi->maxSpeedHz() == 32000000);

	const uint8_t cmd[3] = {0x2c, 0x12, 0x34};
	CHECK(spi->write(cmd, 3) == 0);
	CHECK(spi->write(cmd, 2, 1000000, 16) == 0);
	CHECK(spi->write(cmd, 1, 64000000) == 0); // above the bus maximum: clamped

	const auto r = records(*log);
	REQUIRE(r.size() == 3);
	CHECK(r[0].kind == WireKind::SpiTransfer);
	CHECK(r[0].arg0 == 8);
	CHECK(r[0].arg1 == 0);
	CHECK(r[0].arg2 == 32000000);
	CHECK(r[0].payload == std::vector<uint8_t>{0x2c, 0x12, 0x34});
	CHECK(r[1].arg0 == 16);
	CHECK(r[1].arg2 == 1000000);
	CHECK(r[2].arg2 == 32000000);
}

TEST_CASE("dry-run SPI: reads are answered by the responder and logged with rx", "[dry_run]")
{
	auto log = WireLog::inMemory();
	auto spi = makeDryRunSpi(*log, 1000000, [](const uint8_t *tx, uint8_t *rx, size_t n) {
		for (size_t i = 0; i < n; i++)
			rx[i] = uint8_t((tx ? tx[i] : 0) + 0x10 + i);
	});
	const uint8_t tx[2] = {0x04, 0x00};
	uint8_t rx[2] = {};
	CHECK(spi->transfer({tx, rx, 2}) == 0);
	CHECK(rx[0] == 0x14);
	CHECK(rx[1] == 0x11);

	uint8_t rx2[3] = {9, 9, 9};
	CHECK(spi->transfer({nullptr, rx2, 3}) == 0); // read only: zeros clocked out
	CHECK(rx2[2] == 0x12);

	const auto r = records(*log);
	REQUIRE(r.size() == 2);
	CHECK(r[0].arg1 == 1);
	CHECK(r[0].payload == std::vector<uint8_t>{0x04, 0x00, 0x14, 0x11});
	CHECK(r[1].arg1 == 1);
	CHECK(r[1].payload == std::vector<uint8_t>{0, 0, 0, 0x10, 0x11, 0x12});
}

TEST_CASE("dry-run SPI: without a responder reads get zeros", "[dry_run]")
{
	auto log = WireLog::inMemory();
	auto spi = makeDryRunSpi(*log, 1000000);
	uint8_t rx[2] = {0xaa, 0xbb};
	CHECK(spi->transfer({nullptr, rx, 2}) == 0);
	CHECK(rx[0] == 0);
	CHECK(rx[1] == 0);
}

TEST_CASE("dry-run SPI: bad transfers fail like spidev and leave no record", "[dry_run]")
{
	auto log = WireLog::inMemory();
	auto spi = makeDryRunSpi(*log, 1000000);
	const uint8_t tx[3] = {};
	CHECK(spi->write(tx, 3, 0, 16) == -EINVAL); // not a whole number of 16-bit words
	CHECK(spi->write(tx, 3, 0, 9) == -EINVAL);
	CHECK(spi->write(tx, 0) == 0);              // nothing to send
	CHECK(records(*log).empty());
}

TEST_CASE("dry-run GPIO: sets and reads are logged with the role", "[dry_run]")
{
	auto log = WireLog::inMemory();
	int level = 1;
	auto dc = makeDryRunGpio(*log, "dc");
	auto busy = makeDryRunGpio(*log, "busy", [&] { return level; });
	auto plain = makeDryRunGpio(*log, "border");
	CHECK(dc->role() == "dc");

	CHECK(dc->set(true) == 0);
	CHECK(dc->set(false) == 0);
	CHECK(busy->get() == 1);
	level = 7; // any non-zero level reads as 1
	CHECK(busy->get() == 1);
	level = 0;
	CHECK(busy->get() == 0);
	CHECK(plain->get() == 0);
	level = -EIO; // a responder can fail the read; nothing was on the wire then
	CHECK(busy->get() == -EIO);

	const auto r = records(*log);
	REQUIRE(r.size() == 6);
	CHECK((r[0].kind == WireKind::Gpio && r[0].arg0 == 0 && r[0].arg1 == 1));
	CHECK(text(r[0].payload) == "dc");
	CHECK((r[1].arg0 == 0 && r[1].arg1 == 0));
	CHECK((r[2].arg0 == 1 && r[2].arg1 == 1));
	CHECK(text(r[2].payload) == "busy");
	CHECK((r[3].arg0 == 1 && r[3].arg1 == 1));
	CHECK((r[4].arg0 == 1 && r[4].arg1 == 0));
	CHECK(text(r[5].payload) == "border");
}

TEST_CASE("dry-run delay: logged in microseconds; realtime also sleeps", "[dry_run]")
{
	auto log = WireLog::inMemory();
	auto fast = makeDryRunDelay(*log, false);
	auto real = makeDryRunDelay(*log, true);

	const auto start = std::chrono::steady_clock::now();
	fast->sleep(10s); // not slept
	fast->sleep(-5us);
	real->sleep(20ms);
	const auto took = std::chrono::steady_clock::now() - start;
	CHECK(took >= 20ms);
	CHECK(took < 10s);

	const auto r = records(*log);
	REQUIRE(r.size() == 3);
	CHECK((r[0].kind == WireKind::Delay && r[0].arg2 == 10000000));
	CHECK(r[1].arg2 == 0);
	CHECK(r[2].arg2 == 20000);
}

TEST_CASE("dry-run USB: control OUT logs setup and data", "[dry_run]")
{
	auto log = WireLog::inMemory();
	auto usb = makeDryRunUsb(*log);
	uint8_t key[4] = {0x57, 0xcd, 0xdc, 0xa7};
	CHECK(usb->control({0x40, 0x12, 0x0102, 0x0304}, key, 4, 1000ms) == 4);

	const auto r = records(*log);
	REQUIRE(r.size() == 1);
	CHECK(r[0].kind == WireKind::UsbControl);
	CHECK(r[0].arg0 == 0);
	CHECK(r[0].payload ==
	      std::vector<uint8_t>{0x40, 0x12, 0x02, 0x01, 0x04, 0x03, 4, 0, 0x57, 0xcd, 0xdc, 0xa7});
}

TEST_CASE("dry-run USB: control IN is answered by the responder, else stalls", "[dry_run]")
{
	auto log = WireLog::inMemory();
	auto answering = makeDryRunUsb(*log, [](const UsbSetup &setup, uint8_t *data, uint16_t) {
		if (setup.request != 0x02)
			return -EPIPE;
		data[0] = 0;
		data[1] = uint8_t(setup.value >> 8);
		return 2;
	});
	auto silent = makeDryRunUsb(*log);
	auto greedy = makeDryRunUsb(*log, [](const UsbSetup &, uint8_t *data, uint16_t length) {
		std::fill_n(data, length, uint8_t(0xee));
		return 1000;
	});

	uint8_t buf[4] = {};
	CHECK(answering->control({0xc0, 0x02, 0x0500, 0xa1}, buf, 2, 1000ms) == 2);
	CHECK(buf[1] == 0x05);
	CHECK(answering->control({0xc0, 0x03, 0, 0}, buf, 2, 1000ms) == -EPIPE);
	CHECK(silent->control({0xc0, 0x02, 0, 0xa1}, buf, 2, 1000ms) == -EPIPE);
	CHECK(greedy->control({0xc0, 0x06, 0, 0}, buf, 4, 1000ms) == 4); // clamped to wLength

	const auto r = records(*log);
	REQUIRE(r.size() == 4);
	CHECK(r[0].arg0 == 0);
	CHECK(r[0].payload == std::vector<uint8_t>{0xc0, 0x02, 0x00, 0x05, 0xa1, 0x00, 2, 0, 0, 5});
	CHECK(r[1].arg0 == 1);
	CHECK(r[1].payload.size() == 8);
	CHECK(r[2].arg0 == 1);
	CHECK(r[2].payload.size() == 8);
	CHECK(r[3].payload.size() == 12);
}

TEST_CASE("dry-run USB: bulk OUT is logged with its endpoint; IN endpoints refused", "[dry_run]")
{
	auto log = WireLog::inMemory();
	auto usb = makeDryRunUsb(*log);
	const uint8_t stream[3] = {0xaf, 0x20, 0xff};
	CHECK(usb->bulkOut(1, stream, 3, 1000ms) == 0);
	CHECK(usb->bulkOut(0x81, stream, 3, 1000ms) == -EINVAL);

	const auto r = records(*log);
	REQUIRE(r.size() == 1);
	CHECK(r[0].kind == WireKind::UsbBulk);
	CHECK(r[0].arg0 == 1);
	CHECK(r[0].payload == std::vector<uint8_t>{0xaf, 0x20, 0xff});
}
