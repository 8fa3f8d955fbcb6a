// SPDX-License-Identifier: MIT
#include "user_memory.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tinydrm {

int UserMemory::check(uint64_t addr, uint64_t len) const
{
	if (addr + len < addr)
		return -EFAULT;
	// Checked before anything is allocated: a client asking for a billion entries gets an
	// error, not an allocation of that size.
	if (len > kMaxIoctlTransfer)
		return -ENOMEM;
	return 0;
}

int UserMemory::need(uint64_t addr, uint64_t len)
{
	if (len == 0)
		return 0;
	if (int ret = check(addr, len))
		return ret;
	for (const auto &f : fetched_)
		if (addr >= f.range.addr && addr + len <= f.range.addr + f.range.len)
			return 0;
	if (std::find(wanted_.begin(), wanted_.end(), UserRange{addr, len}) != wanted_.end())
		return 0;
	if (wantedBytes_ + len > kMaxIoctlTransfer || wanted_.size() + 1 >= kMaxIoctlRanges)
		return -ENOMEM;
	wanted_.push_back({addr, len});
	wantedBytes_ += len;
	return 0;
}

int UserMemory::read(uint64_t addr, void *dst, uint64_t len)
{
	if (len == 0)
		return 0;
	if (int ret = check(addr, len))
		return ret;
	for (const auto &f : fetched_) {
		if (addr >= f.range.addr && addr + len <= f.range.addr + f.range.len) {
			std::memcpy(dst, f.bytes.data() + (addr - f.range.addr), len);
			return 0;
		}
	}
	if (int ret = need(addr, len))
		return ret;
	return kNeedUserMemory;
}

int UserMemory::write(uint64_t addr, const void *src, uint64_t len)
{
	if (len == 0)
		return 0;
	if (int ret = check(addr, len))
		return ret;
	if (writtenBytes_ + len > kMaxIoctlTransfer || written_.size() + 1 >= kMaxIoctlRanges)
		return -ENOMEM;
	const auto *bytes = static_cast<const uint8_t *>(src);
	written_.push_back({{addr, len}, std::vector<uint8_t>(bytes, bytes + len)});
	writtenBytes_ += len;
	return 0;
}

} // namespace tinydrm
