// SPDX-License-Identifier: MIT
// PLACEHOLDER: the panels helper replaces this with the real implementation.
#include "spi_bus.h"

#include <cerrno>

namespace tinydrm {
int openSpidev(const std::string &, uint8_t, uint32_t, std::unique_ptr<SpiBus> &, std::string &error) { error = "spidev: not implemented yet"; return -ENOSYS; }
} // namespace tinydrm
