// SPDX-License-Identifier: MIT
// spidev's message size limit and how SpidevBus splits a transfer to fit it; pure functions,
// apart from reading one sysfs file, so the tests can check them without an SPI controller.
#pragma once

#include <cstddef>
#include <string>

namespace tinydrm::spidev {

/// spidev's default bufsiz (drivers/spi/spidev.c), used when the parameter cannot be read.
inline constexpr size_t kDefaultBufsiz = 4096;
inline constexpr const char *kBufsizPath = "/sys/module/spidev/parameters/bufsiz";

/**
 * readBufsiz - spidev's "bufsiz" module parameter: the most bytes one SPI_IOC_MESSAGE may move
 * in each direction (more fails with EMSGSIZE). \return the value in @p path, or
 * kDefaultBufsiz when it is missing (spidev built in without sysfs, tests) or not a number > 0.
 */
size_t readBufsiz(const std::string &path = kBufsizPath);

/**
 * chunkLength - the length of the next chunk when @p remaining bytes of a transfer of
 * @p wordBytes-byte words are left: at most @p bufsiz, and a whole number of words so no word
 * is split across two messages. \return 0 only when @p remaining is 0.
 */
inline size_t chunkLength(size_t remaining, size_t bufsiz, size_t wordBytes)
{
	size_t limit = bufsiz - bufsiz % wordBytes;
	if (limit == 0)
		limit = wordBytes; // a bufsiz below one word: spidev would refuse any size anyway
	return remaining < limit ? remaining : limit;
}

} // namespace tinydrm::spidev
