// SPDX-License-Identifier: MIT
// UserMemory: the caller's memory as an ioctl handler may touch it (copy_from/to_user).
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <span>
#include <vector>

#include "ioctl_protocol.h"

namespace tinydrm {

/// A handler's read of memory not fetched yet: it must return this unchanged, before any side
/// effect, and the transport fetches what was asked and runs the handler again. Never reaches
/// a client (the kernel's -ERESTARTSYS is the same idea).
inline constexpr int kNeedUserMemory = -512;

/**
 * UserMemory - serves reads from the ranges the transport fetched and collects writes, which
 * the transport copies out after the handler returns.
 *
 * Handlers call need() for every array they will read before reading any, so that one retry
 * fetches them all; read() of an unfetched range returns kNeedUserMemory. Writes go to arrays
 * the struct points at (the struct itself is the handler's data argument).
 * Single-threaded: one per ioctl attempt.
 */
class UserMemory
{
public:
	struct Fetched {
		UserRange range;
		std::span<const uint8_t> bytes;
	};
	struct Written {
		UserRange range;
		std::vector<uint8_t> bytes;
	};

	explicit UserMemory(std::vector<Fetched> fetched = {}) : fetched_(std::move(fetched)) {}

	/// Declares a read to come. \return 0, -EFAULT (range wraps), -ENOMEM (over the limits).
	int need(uint64_t addr, uint64_t len);
	/// \return 0, -EFAULT, -ENOMEM, or kNeedUserMemory.
	int read(uint64_t addr, void *dst, uint64_t len);
	/// \return 0, -EFAULT, or -ENOMEM (over kMaxIoctlTransfer / kMaxIoctlRanges).
	int write(uint64_t addr, const void *src, uint64_t len);

	template<typename T>
	int readArray(uint64_t addr, uint32_t count, std::vector<T> &out)
	{
		// Bound first: the count is the caller's, the allocation would be ours.
		if (uint64_t(count) * sizeof(T) > kMaxIoctlTransfer)
			return -ENOMEM;
		out.resize(count);
		return read(addr, out.data(), uint64_t(count) * sizeof(T));
	}
	template<typename T>
	int writeArray(uint64_t addr, const std::vector<T> &values, uint32_t maxCount)
	{
		const size_t n = std::min<size_t>(values.size(), maxCount);
		return write(addr, values.data(), uint64_t(n) * sizeof(T));
	}

	const std::vector<UserRange> &wanted() const { return wanted_; }
	const std::vector<Written> &written() const { return written_; }

private:
	int check(uint64_t addr, uint64_t len) const;

	std::vector<Fetched> fetched_;
	std::vector<UserRange> wanted_;
	std::vector<Written> written_;
	uint64_t wantedBytes_ = 0;
	uint64_t writtenBytes_ = 0;
};

} // namespace tinydrm
