// SPDX-License-Identifier: MIT
// Real transports without hardware: spidev's chunking and bufsiz, open errors that name the file
// and the errno, and the GPIO spec syntax.
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <unistd.h>

#include "gpio_line.h"
#include "spi_bus.h"
#include "spidev_chunks.h"

using namespace tinydrm;

namespace {

/// A temporary file holding @p text, removed at scope exit.
struct TempFile {
	explicit TempFile(const std::string &text)
	{
		const char *base = std::getenv("TMPDIR");
		path = std::string(base ? base : "/tmp") + "/hwtransport-XXXXXX";
		const int fd = mkstemp(path.data());
		REQUIRE(fd >= 0);
		REQUIRE(::write(fd, text.data(), text.size()) == ssize_t(text.size()));
		::close(fd);
	}
	~TempFile() { ::unlink(path.c_str()); }
	std::string path;
};

bool contains(const std::string &text, const std::string &part)
{
	return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("spidev chunks: at most bufsiz, whole words, covering the transfer", "[spidev]")
{
	CHECK(spidev::chunkLength(0, 4096, 1) == 0);
	CHECK(spidev::chunkLength(3, 4096, 1) == 3);
	CHECK(spidev::chunkLength(4096, 4096, 1) == 4096);
	CHECK(spidev::chunkLength(4097, 4096, 1) == 4096);
	CHECK(spidev::chunkLength(10000, 4095, 2) == 4094); // never half a 16-bit word
	CHECK(spidev::chunkLength(10000, 1, 2) == 2);

	// 320x240 RGB565 in 16-bit words through a 4095-byte bufsiz.
	const size_t length = 320 * 240 * 2;
	size_t sent = 0, chunks = 0;
	while (size_t chunk = spidev::chunkLength(length - sent, 4095, 2)) {
		CHECK(chunk <= 4095);
		CHECK(chunk % 2 == 0);
		sent += chunk;
		chunks++;
	}
	CHECK(sent == length);
	CHECK(chunks == (length + 4093) / 4094);
}

TEST_CASE("spidev bufsiz: read from the module parameter, else 4096", "[spidev]")
{
	TempFile big("65536\n");
	CHECK(spidev::readBufsiz(big.path) == 65536);
	TempFile garbage("lots\n");
	CHECK(spidev::readBufsiz(garbage.path) == spidev::kDefaultBufsiz);
	TempFile zero("0\n");
	CHECK(spidev::readBufsiz(zero.path) == spidev::kDefaultBufsiz);
	TempFile empty("");
	CHECK(spidev::readBufsiz(empty.path) == spidev::kDefaultBufsiz);
	CHECK(spidev::readBufsiz("/nonexistent/bufsiz") == spidev::kDefaultBufsiz);
	CHECK(spidev::kDefaultBufsiz == 4096);
}

TEST_CASE("openSpidev: bad arguments and paths fail with -errno and a clear reason", "[spidev]")
{
	std::unique_ptr<SpiBus> bus;
	std::string error;
	CHECK(openSpidev("/nonexistent/spidev0.0", 0, 1000000, bus, error) == -ENOENT);
	CHECK(!bus);
	CHECK(contains(error, "/nonexistent/spidev0.0"));
	CHECK(contains(error, std::strerror(ENOENT)));

	// Not a spidev: the first ioctl fails and the message says which.
	error.clear();
	CHECK(openSpidev("/dev/null", 0, 1000000, bus, error) == -ENOTTY);
	CHECK(!bus);
	CHECK(contains(error, "SPI_IOC_WR_MODE"));

	CHECK(openSpidev("/dev/null", 4, 1000000, bus, error) == -EINVAL);
	CHECK(contains(error, "mode"));
	CHECK(openSpidev("/dev/null", 0, 0, bus, error) == -EINVAL);
}

TEST_CASE("GPIO specs: gpiochipN:LINE or /dev/gpiochipN:LINE", "[gpio]")
{
	std::string error;
	for (const char *good : {"gpiochip0:24", "/dev/gpiochip0:0", "gpiochip12:65535"}) {
		INFO(good);
		CHECK(checkGpioSpec(good, error));
	}
	for (const char *bad : {"", "gpiochip0", ":24", "gpiochip:1", "gpiochipx:1", "chip0:1",
				"gpiochip0:", "gpiochip0:-1", "gpiochip0:abc", "gpiochip0:65536",
				"gpiochip0:24:1", "/sys/gpiochip0:1", "/dev/gpiochip0 :1",
				"gpiochip0:1 ", "gpiochip99999:1"}) {
		INFO(bad);
		error.clear();
		CHECK(!checkGpioSpec(bad, error));
		CHECK(!error.empty());
	}
}

TEST_CASE("openGpioLine: syntax errors and missing chips fail with a clear reason", "[gpio]")
{
	std::unique_ptr<GpioLine> line;
	std::string error;
	CHECK(openGpioLine("gpiochip0", "dc", true, false, line, error) == -EINVAL);
	CHECK(!line);
	CHECK(contains(error, "gpiochipN:LINE"));

	error.clear();
	CHECK(openGpioLine("gpiochip9999:3", "reset", true, true, line, error) == -ENOENT);
	CHECK(!line);
	CHECK(contains(error, "/dev/gpiochip9999"));
	CHECK(contains(error, "reset"));
	CHECK(contains(error, std::strerror(ENOENT)));
}
