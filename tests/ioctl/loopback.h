// SPDX-License-Identifier: MIT
// Loopback: the kernel's half of CUSE's unrestricted ioctl, in-process, for tests and fuzzing.
//
// It drives a DrmFile exactly as the CUSE frontend does (first attempt without data, then the
// retries the file asks for) and plays the kernel: it fetches the requested ranges of this
// process's memory with process_vm_readv and copies replies out with process_vm_writev, so a
// bad pointer gives EFAULT just as the kernel's copy would. It counts round trips.
#pragma once

#include <cerrno>
#include <cstdint>
#include <memory>
#include <vector>

#include <sys/uio.h>
#include <unistd.h>

#include "drm_file.h"

namespace tinydrm::test {

class Loopback
{
public:
	explicit Loopback(std::shared_ptr<DrmFile> file) : file_(std::move(file)) {}

	/// ioctl(2) on the node: >= 0, or -1 with errno set.
	int ioctl(unsigned long cmd, void *arg) { return ioctl(cmd, uint64_t(uintptr_t(arg))); }

	int ioctl(unsigned long cmd, uint64_t arg)
	{
		IoctlRequest request;
		request.cmd = uint32_t(cmd);
		request.arg = arg;
		request.caller = uint32_t(gettid());
		std::vector<uint8_t> in;
		std::vector<UserRange> out;
		roundTrips = 0;
		for (;;) {
			roundTrips++;
			IoctlReply reply = file_->ioctl(request);
			if (!reply.retry)
				return finish(reply, out);
			// The kernel's own limits on a retry (fs/fuse/ioctl.c).
			if (roundTrips > 16 || reply.in.size() > kMaxIoctlRanges ||
			    reply.out.size() > kMaxIoctlRanges)
				return fail(EIO);
			in.clear();
			for (const UserRange &r : reply.in) {
				const size_t at = in.size();
				in.resize(at + r.len);
				if (!copy(r, in.data() + at, false))
					return fail(EFAULT);
			}
			out = reply.out;
			request.in = in;
			request.outSize = 0;
			for (const UserRange &r : out)
				request.outSize += r.len;
		}
	}

	DrmFile &file() { return *file_; }
	std::shared_ptr<DrmFile> shared() { return file_; }
	unsigned roundTrips = 0;

private:
	static int fail(int err)
	{
		errno = err;
		return -1;
	}

	int finish(const IoctlReply &reply, const std::vector<UserRange> &out)
	{
		if (reply.result < 0)
			return fail(-reply.result);
		size_t offset = 0;
		for (const UserRange &r : out) {
			if (offset >= reply.outData.size())
				break;
			UserRange part{r.addr, std::min<uint64_t>(r.len, reply.outData.size() - offset)};
			if (!copy(part, const_cast<uint8_t *>(reply.outData.data() + offset), true))
				return fail(EFAULT);
			offset += part.len;
		}
		return reply.result;
	}

	/// Copies between this process's memory at @p range and @p buffer; false on a bad address.
	static bool copy(const UserRange &range, uint8_t *buffer, bool toUser)
	{
		if (range.len == 0)
			return true;
		iovec local{buffer, range.len};
		iovec remote{reinterpret_cast<void *>(uintptr_t(range.addr)), range.len};
		const ssize_t n = toUser ? process_vm_writev(getpid(), &local, 1, &remote, 1, 0)
					 : process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
		return n == ssize_t(range.len);
	}

	std::shared_ptr<DrmFile> file_;
};

} // namespace tinydrm::test
