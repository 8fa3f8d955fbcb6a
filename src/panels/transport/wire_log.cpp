// SPDX-License-Identifier: MIT
// PLACEHOLDER: the panels helper replaces this with the real implementation.
#include "wire_log.h"

namespace tinydrm {
int WireLog::open(const std::string &, std::unique_ptr<WireLog> &, std::string &error) { error = "wire log: not implemented yet"; return -ENOSYS; }
std::unique_ptr<WireLog> WireLog::inMemory() { auto log = std::unique_ptr<WireLog>(new WireLog); log->memory_ = true; return log; }
WireLog::~WireLog() = default;
void WireLog::append(WireKind, uint8_t, uint16_t, uint32_t, const uint8_t *, size_t, const uint8_t *, size_t) {}
void WireLog::mark(const std::string &) {}
void WireLog::sync() {}
std::vector<uint8_t> WireLog::bytes() const { return {}; }
int WireReader::load(const std::string &, std::vector<uint8_t> &, std::string &error) { error = "not implemented yet"; return -ENOSYS; }
bool WireReader::next(WireRecord &) { return false; }
} // namespace tinydrm
