// SPDX-License-Identifier: MIT
// SpiBus: one SPI device as the kernel's spidev exposes it (SPI_IOC_MESSAGE), or a dry-run sink.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace tinydrm {

class WireLog;

/// One half- or full-duplex transfer. @p rx may be null (write only); @p tx may be null (read
/// only: the bus clocks out zeros).
struct SpiTransfer {
	const uint8_t *tx = nullptr;
	uint8_t *rx = nullptr;
	size_t length = 0;
	uint32_t speedHz = 0;    ///< 0: the bus maximum
	uint8_t bitsPerWord = 8; ///< 8, or 16 for controllers that take 16-bit words
};

/**
 * SpiBus - called by its one panel (under that panel's own serialisation); no locking inside.
 * Large transfers are split into chunks the controller accepts (spidev's bufsiz, 4096 by
 * default), one message each. Chip select is released between those chunks, as in the kernel's
 * tiny-DRM SPI helper (one spi_sync() per chunk): MIPI DBI controllers take DC, not CS, as the
 * command/data marker, so a backend must not rely on CS framing across more than bufsiz bytes.
 */
class SpiBus
{
public:
	virtual ~SpiBus() = default;
	/// \return 0, -ENODEV when the device is gone, or another -errno.
	virtual int transfer(const SpiTransfer &transfer) = 0;
	/// Highest speed the bus was opened with, in Hz.
	virtual uint32_t maxSpeedHz() const = 0;

	int write(const uint8_t *data, size_t length, uint32_t speedHz = 0, uint8_t bitsPerWord = 8)
	{
		return transfer({data, nullptr, length, speedHz, bitsPerWord});
	}
};

/**
 * openSpidev - opens @p path (e.g. /dev/spidev0.0) in SPI @p mode (0..3) and at most
 * @p maxSpeedHz. \return 0 and @p bus, or -errno with a one-line reason in @p error.
 */
int openSpidev(const std::string &path, uint8_t mode, uint32_t maxSpeedHz,
	       std::unique_ptr<SpiBus> &bus, std::string &error);

} // namespace tinydrm
