// SPDX-License-Identifier: MIT
#include "ioctl_dispatch.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include <libdrm/drm.h>

#include "drm_device.h"
#include "drm_file.h"
#include "ioctl_table.h"
#include "log.h"
#include "user_memory.h"

namespace tinydrm {

namespace {

auto &log()
{
	static auto logger = subsystemLogger("ioctl");
	return logger;
}

/// Retry rounds one ioctl may take before we give up on a caller whose memory keeps changing.
constexpr unsigned kMaxRounds = 4;
/// In-flight entries per file (stale ones are left by callers killed mid-ioctl).
constexpr size_t kMaxInFlight = 64;

struct Sizes {
	size_t in = 0, out = 0, kernel = 0;
};

/// drm_ioctl()'s sizing: trust the table, take from the caller only what both agree to move.
Sizes sizesOf(uint32_t cmd, const IoctlDesc &desc)
{
	Sizes s;
	s.in = s.out = _IOC_SIZE(cmd);
	if (!(cmd & desc.cmd & IOC_IN))
		s.in = 0;
	if (!(cmd & desc.cmd & IOC_OUT))
		s.out = 0;
	s.kernel = std::max({s.in, s.out, size_t(_IOC_SIZE(desc.cmd))});
	return s;
}

uint64_t total(const std::vector<UserRange> &ranges);

} // namespace

/// Answers Retry and keeps the caller's state for its next attempt. The table is bounded:
/// callers killed mid-ioctl never come back, so the oldest entry makes room.
IoctlReply IoctlDispatcher::park(DrmFile &file, uint32_t caller, std::unique_ptr<IoctlInFlight> state,
				 std::vector<UserRange> in, std::vector<UserRange> out)
{
	state->in = in;
	state->out = out;
	state->rounds++;
	{
		std::lock_guard lock(file.inFlightMutex_);
		auto &table = file.inFlight_;
		if (table.size() >= kMaxInFlight && !table.count(caller)) {
			auto oldest = std::min_element(table.begin(), table.end(), [](auto &a, auto &b) {
				return a.second->age < b.second->age;
			});
			table.erase(oldest);
		}
		table[caller] = std::move(state);
	}
	IoctlReply reply;
	reply.retry = true;
	reply.in = std::move(in);
	reply.out = std::move(out);
	return reply;
}

namespace {

uint64_t total(const std::vector<UserRange> &ranges)
{
	uint64_t sum = 0;
	for (const auto &r : ranges)
		sum += r.len;
	return sum;
}

} // namespace

IoctlReply IoctlDispatcher::run(DrmFile &file, const IoctlRequest &request)
{
	const uint32_t cmd = request.cmd;
	if (_IOC_TYPE(cmd) != DRM_IOCTL_BASE) {
		log()->debug("{}: ioctl {:#x}: not a DRM ioctl", file.device().name(), cmd);
		return IoctlReply::error(-ENOTTY);
	}
	const IoctlDesc *desc = findIoctl(_IOC_NR(cmd));
	if (!desc || !desc->handler) {
		log()->debug("{}: ioctl {:#x} ({}): not supported", file.device().name(), cmd,
			     desc ? desc->name : "unknown");
		return IoctlReply::error(-EINVAL);
	}
	const Sizes sizes = sizesOf(cmd, *desc);

	// The caller's retry state leaves the table while its attempt runs, so that the file's
	// lock is never held across a handler (a thread parked in WAIT_VBLANK must not stall the
	// other threads sharing the fd); only this caller's own attempts ever touch it.
	std::unique_ptr<IoctlInFlight> state;
	if (request.firstAttempt()) {
		static std::atomic<uint64_t> ages;
		{
			// A state left by this caller's interrupted earlier ioctl is stale now.
			std::lock_guard lock(file.inFlightMutex_);
			file.inFlight_.erase(request.caller);
		}
		state = std::make_unique<IoctlInFlight>();
		state->cmd = cmd;
		state->arg = request.arg;
		state->age = ages++;
		if (sizes.in || sizes.out) {
			std::vector<UserRange> in, out;
			if (sizes.in)
				in.push_back({request.arg, sizes.in});
			if (sizes.out)
				out.push_back({request.arg, sizes.out});
			return park(file, request.caller, std::move(state), std::move(in), std::move(out));
		}
	} else {
		std::lock_guard lock(file.inFlightMutex_);
		auto it = file.inFlight_.find(request.caller);
		if (it == file.inFlight_.end() || it->second->cmd != cmd ||
		    it->second->arg != request.arg || total(it->second->in) != request.in.size() ||
		    total(it->second->out) != request.outSize) {
			log()->warn("{}: ioctl {} continued without matching state; refusing",
				    file.device().name(), desc->name);
			return IoctlReply::error(-EIO);
		}
		state = std::move(it->second);
		file.inFlight_.erase(it);
		if (state->answered) {
			IoctlReply reply{.result = state->result};
			reply.outData = std::move(state->stash);
			return reply;
		}
	}

	// Lay out what arrived: the struct first (if it comes in), then the arrays.
	std::vector<uint8_t> data(sizes.kernel, 0);
	std::vector<UserMemory::Fetched> fetched;
	size_t offset = 0;
	for (size_t i = 0; i < state->in.size(); i++) {
		std::span<const uint8_t> bytes = request.in.subspan(offset, state->in[i].len);
		offset += state->in[i].len;
		if (i == 0 && sizes.in)
			std::memcpy(data.data(), bytes.data(), sizes.in);
		else
			fetched.push_back({state->in[i], bytes});
	}

	UserMemory memory(std::move(fetched));
	DrmDevice &device = file.device();
	IoctlContext context{device, file, memory};
	int result;
	{
		std::unique_lock modeset(device.modesetMutex(), std::defer_lock);
		if (!(desc->flags & kIoctlUnlocked))
			modeset.lock();
		if ((desc->flags & kIoctlMaster) && device.master() != &file)
			result = -EACCES;
		else
			result = desc->handler(context, data.data());
	}

	if (result == kNeedUserMemory) {
		if (state->rounds >= kMaxRounds) {
			log()->warn("{}: ioctl {}: caller's arrays keep changing; giving up",
				    device.name(), desc->name);
			return IoctlReply::error(-EINVAL);
		}
		std::vector<UserRange> in, out;
		if (sizes.in)
			in.push_back({request.arg, sizes.in});
		for (size_t i = sizes.in ? 1 : 0; i < state->in.size(); i++)
			in.push_back(state->in[i]);
		for (const auto &wanted : memory.wanted())
			in.push_back(wanted);
		if (sizes.out)
			out.push_back({request.arg, sizes.out});
		if (in.size() > kMaxIoctlRanges || total(in) > kMaxIoctlTransfer + sizes.in)
			return IoctlReply::error(-ENOMEM);
		return park(file, request.caller, std::move(state), std::move(in), std::move(out));
	}
	if (result < 0) {
		log()->debug("{}: ioctl {} failed: {}", device.name(), desc->name, std::strerror(-result));
		return IoctlReply::error(result);
	}

	std::vector<uint8_t> outData(data.begin(), data.begin() + long(sizes.out));
	if (memory.written().empty()) {
		IoctlReply reply{.result = result};
		reply.outData = std::move(outData);
		return reply;
	}
	// The handler wrote arrays: make them writable in one more round trip, then answer from
	// the stash (the handler does not run twice).
	std::vector<UserRange> out;
	if (sizes.out)
		out.push_back({request.arg, sizes.out});
	for (const auto &w : memory.written()) {
		out.push_back(w.range);
		outData.insert(outData.end(), w.bytes.begin(), w.bytes.end());
	}
	state->answered = true;
	state->result = result;
	state->stash = std::move(outData);
	return park(file, request.caller, std::move(state), {}, std::move(out));
}

} // namespace tinydrm
