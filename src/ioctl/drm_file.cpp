// SPDX-License-Identifier: MIT
#include "drm_file.h"

#include <algorithm>
#include <cerrno>

#include <poll.h>

#include "drm_device.h"
#include "dumb_buffer.h"
#include "ioctl_dispatch.h"

namespace tinydrm {

DrmFile::DrmFile(std::shared_ptr<DrmDevice> device, uint32_t uid, uint64_t serial)
	: device_(std::move(device)), uid_(uid), serial_(serial)
{
}

DrmFile::~DrmFile()
{
	// A transport that forgot to release still must not leave dangling pointers behind.
	release();
}

IoctlReply DrmFile::ioctl(const IoctlRequest &request)
{
	auto section = device_->gate().enter();
	if (!section)
		return IoctlReply::error(-ENODEV);
	if (released_)
		return IoctlReply::error(-EBADF);
	return IoctlDispatcher::run(*this, request);
}

int DrmFile::read(size_t size, std::vector<uint8_t> &out)
{
	auto section = device_->gate().enter();
	// Events queued before the unplug are still delivered; then the device is gone.
	const int n = events_.pop(size, out);
	if (n > 0)
		return n;
	if (!section)
		return -ENODEV;
	return events_.empty() ? -EAGAIN : 0;
}

unsigned DrmFile::poll()
{
	auto section = device_->gate().enter();
	unsigned mask = 0;
	if (!events_.empty())
		mask |= POLLIN | POLLRDNORM;
	if (!section)
		mask |= POLLERR | POLLHUP;
	return mask;
}

void DrmFile::setWakeup(std::function<void()> wakeup)
{
	events_.setWakeup(std::move(wakeup));
}

void DrmFile::release()
{
	if (released_.exchange(true))
		return;
	// Inside a section the panel may be switched off with the file's framebuffer; after
	// unplug only software state is freed (drm_release() works on an unplugged device too).
	auto section = device_->gate().enter();
	{
		std::lock_guard lock(device_->modesetMutex());
		for (uint32_t fb : framebuffers)
			device_->removeFramebuffer(fb, bool(section));
		framebuffers.clear();
		handles.clear();
		if (device_->master() == this)
			device_->setMaster(nullptr);
		std::erase(device_->files(), this);
	}
	events_.clear();
	events_.setWakeup(nullptr);
	std::lock_guard lock(inFlightMutex_);
	inFlight_.clear();
}

} // namespace tinydrm
