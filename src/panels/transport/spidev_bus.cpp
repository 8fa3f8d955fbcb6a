// SPDX-License-Identifier: MIT
// SpidevBus: SpiBus over the kernel's spidev character device.
//
// Mode, word size and maximum speed are set once at open (SPI_IOC_WR_*); each transfer() then
// overrides speed and word size per message, which spidev allows. A transfer larger than
// spidev's bufsiz goes out as several SPI_IOC_MESSAGE(1) calls of at most bufsiz bytes each.
// Chip select is released between those messages, as in the kernel's own tiny-DRM SPI helper
// (one spi_sync() per chunk): the panels we drive take DC, not CS, as the command/data marker
// and continue a memory write across a CS toggle.
//
// Unplug: when the SPI controller or device goes away, spidev answers ESHUTDOWN (its spi pointer
// is gone) and the controller may answer ENODEV; both become -ENODEV for the backend.
#include "spi_bus.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <linux/spi/spidev.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "panel_spec.h"
#include "spidev_chunks.h"

namespace tinydrm {

namespace {

auto &log()
{
	static auto logger = subsystemLogger("panels");
	return logger;
}

int mapErrno(int err)
{
	return err == ESHUTDOWN || err == ENODEV ? -ENODEV : -err;
}

/**
 * SpidevBus - called by its one panel under the panel's serialisation; no locking inside. Owns
 * the descriptor.
 */
class SpidevBus final : public SpiBus
{
public:
	SpidevBus(int fd, std::string path, uint32_t maxSpeedHz, size_t bufsiz)
		: fd_(fd), path_(std::move(path)), maxSpeedHz_(maxSpeedHz), bufsiz_(bufsiz)
	{
	}
	~SpidevBus() override { ::close(fd_); }
	SpidevBus(const SpidevBus &) = delete;
	SpidevBus &operator=(const SpidevBus &) = delete;

	int transfer(const SpiTransfer &t) override
	{
		if (t.bitsPerWord != 8 && t.bitsPerWord != 16) {
			log()->error("spidev {}: {} bits per word is not supported", path_,
				     t.bitsPerWord);
			return -EINVAL;
		}
		const size_t wordBytes = t.bitsPerWord / 8;
		if (t.length % wordBytes) {
			log()->error("spidev {}: length {} is not a whole number of {}-bit words",
				     path_, t.length, t.bitsPerWord);
			return -EINVAL;
		}
		const uint32_t speed = t.speedHz ? std::min(t.speedHz, maxSpeedHz_) : maxSpeedHz_;

		for (size_t offset = 0; offset < t.length;) {
			const size_t chunk = spidev::chunkLength(t.length - offset, bufsiz_, wordBytes);
			spi_ioc_transfer xfer{};
			xfer.tx_buf = t.tx ? uint64_t(uintptr_t(t.tx + offset)) : 0;
			xfer.rx_buf = t.rx ? uint64_t(uintptr_t(t.rx + offset)) : 0;
			xfer.len = uint32_t(chunk);
			xfer.speed_hz = speed;
			xfer.bits_per_word = t.bitsPerWord;
			xfer.cs_change = 0;
			if (::ioctl(fd_, SPI_IOC_MESSAGE(1), &xfer) < 0) {
				const int err = errno;
				const int ret = mapErrno(err);
				if (ret == -ENODEV)
					log()->warn("spidev {}: device gone ({})", path_,
						    std::strerror(err));
				else
					log()->error("spidev {}: SPI_IOC_MESSAGE of {} bytes: {}", path_,
						     chunk, std::strerror(err));
				return ret;
			}
			offset += chunk;
		}
		return 0;
	}

	uint32_t maxSpeedHz() const override { return maxSpeedHz_; }

private:
	const int fd_;
	const std::string path_;
	const uint32_t maxSpeedHz_;
	const size_t bufsiz_;
};

} // namespace

namespace spidev {

size_t readBufsiz(const std::string &path)
{
	const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kDefaultBufsiz;
	char text[32] = {};
	const ssize_t n = ::read(fd, text, sizeof(text) - 1);
	::close(fd);
	if (n <= 0)
		return kDefaultBufsiz;
	std::string_view value(text, size_t(n));
	while (!value.empty() && (value.back() == '\n' || value.back() == ' '))
		value.remove_suffix(1);
	uint32_t bufsiz = 0;
	if (!parseDecimal(value, 1, 1u << 30, bufsiz))
		return kDefaultBufsiz;
	return bufsiz;
}

} // namespace spidev

int openSpidev(const std::string &path, uint8_t mode, uint32_t maxSpeedHz,
	       std::unique_ptr<SpiBus> &bus, std::string &error)
{
	if (mode > 3) {
		error = "spidev " + path + ": SPI mode " + std::to_string(mode) + " is not 0..3";
		return -EINVAL;
	}
	if (maxSpeedHz == 0) {
		error = "spidev " + path + ": maximum speed 0 Hz";
		return -EINVAL;
	}
	const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		const int err = errno;
		error = "spidev " + path + ": " + std::strerror(err);
		return -err;
	}

	auto fail = [&](const char *what) {
		const int err = errno;
		::close(fd);
		error = "spidev " + path + ": " + what + ": " + std::strerror(err);
		return mapErrno(err);
	};
	// On a non-spidev file the first ioctl fails with ENOTTY: the message names it.
	uint8_t wireMode = mode;
	if (::ioctl(fd, SPI_IOC_WR_MODE, &wireMode) < 0)
		return fail("SPI_IOC_WR_MODE");
	uint8_t bits = 8;
	if (::ioctl(fd, SPI_IOC_WR_BITS_PER_WORD, &bits) < 0)
		return fail("SPI_IOC_WR_BITS_PER_WORD");
	uint32_t speed = maxSpeedHz;
	if (::ioctl(fd, SPI_IOC_WR_MAX_SPEED_HZ, &speed) < 0)
		return fail("SPI_IOC_WR_MAX_SPEED_HZ");

	const size_t bufsiz = spidev::readBufsiz();
	log()->info("spidev {}: mode {}, up to {} Hz, {}-byte messages", path, mode, maxSpeedHz,
		    bufsiz);
	bus = std::make_unique<SpidevBus>(fd, path, maxSpeedHz, bufsiz);
	return 0;
}

} // namespace tinydrm
