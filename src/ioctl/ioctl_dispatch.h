// SPDX-License-Identifier: MIT
// IoctlDispatcher: decodes one ioctl attempt, runs the retry protocol, calls the handler.
#pragma once

#include <memory>

#include "ioctl_protocol.h"

namespace tinydrm {

class DrmFile;

/**
 * IoctlDispatcher - what drm_ioctl() does, over the retry protocol of ioctl_protocol.h.
 * Sizes come from the table and the caller's cmd exactly as drm_ioctl() computes them (short
 * input zero-extended, only the caller's IOC_OUT part copied back); unknown types get ENOTTY,
 * unknown numbers EINVAL, an unplugged device ENODEV.
 * \context a transport worker thread, inside a gate section of the file's device.
 */
struct IoctlInFlight;

class IoctlDispatcher
{
public:
	static IoctlReply run(DrmFile &file, const IoctlRequest &request);

private:
	static IoctlReply park(DrmFile &file, uint32_t caller, std::unique_ptr<IoctlInFlight> state,
			       std::vector<UserRange> in, std::vector<UserRange> out);
};

/// Per-caller state of an ioctl between attempts.
struct IoctlInFlight {
	uint32_t cmd = 0;
	uint64_t arg = 0;
	std::vector<UserRange> in;  ///< what the last Retry asked to fetch
	std::vector<UserRange> out; ///< what the last Retry made writable
	bool answered = false;      ///< the handler ran; reply with the stash
	int result = 0;
	std::vector<uint8_t> stash; ///< bytes for `out`, in order
	unsigned rounds = 0;
	uint64_t age = 0;
};

} // namespace tinydrm
