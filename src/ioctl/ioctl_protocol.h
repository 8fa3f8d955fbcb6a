// SPDX-License-Identifier: MIT
// The transport-neutral ioctl exchange, shaped after CUSE's unrestricted-ioctl retry protocol.
//
// A transport (the CUSE frontend, or the in-process loopback of the tests) delivers an ioctl as
// a series of attempts. The first attempt carries no bytes. The answer is either a Reply (the
// return value, plus the bytes to copy back into the caller's out ranges) or a Retry naming the
// caller's memory ranges to fetch (in) and to make writable (out); the transport then delivers
// the same ioctl again with the in ranges' bytes concatenated. Round trips: 2 for a plain
// struct, 3 when the struct points at arrays. DrmFile keeps the per-caller state in between.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tinydrm {

/// A range of the caller's address space.
struct UserRange {
	uint64_t addr = 0;
	uint64_t len = 0;

	bool operator==(const UserRange &) const = default;
};

/// Bytes one ioctl may move in each direction. CUSE's own cap is 32 pages (128 KiB);
/// nothing in the DRM uAPI we serve needs more than a few KiB.
inline constexpr size_t kMaxIoctlTransfer = 64 * 1024;
/// Ranges one retry may name (the kernel's FUSE_IOCTL_MAX_IOV).
inline constexpr size_t kMaxIoctlRanges = 256;

struct IoctlRequest {
	uint32_t cmd = 0;
	uint64_t arg = 0;
	/// The previous Retry's in ranges, concatenated; empty on the first attempt.
	std::span<const uint8_t> in;
	/// Total size of the previous Retry's out ranges; 0 on the first attempt.
	size_t outSize = 0;
	/// Caller's thread id: at most one ioctl per thread is in flight, so it keys the state.
	uint32_t caller = 0;

	bool firstAttempt() const { return in.empty() && outSize == 0; }
};

struct IoctlReply {
	bool retry = false;
	/// Reply: the ioctl's return value, >= 0, or -errno.
	int result = 0;
	/// Retry: ranges to fetch and to make writable, in order.
	std::vector<UserRange> in;
	std::vector<UserRange> out;
	/// Reply: bytes for the previous Retry's out ranges, in order (may be shorter).
	std::vector<uint8_t> outData;

	static IoctlReply error(int err) { return IoctlReply{.result = err}; }
};

} // namespace tinydrm
