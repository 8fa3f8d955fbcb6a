// SPDX-License-Identifier: MIT
#include "dumb_buffer.h"

#include <cerrno>
#include <cstring>

#include <sys/mman.h>
#include <unistd.h>

#include "buffer_directory.h"
#include "log.h"
#include "mapping_guard.h"

namespace tinydrm {

namespace {

auto &log()
{
	static auto logger = subsystemLogger("ioctl");
	return logger;
}

} // namespace

int DumbBuffer::create(const std::string &device, uint32_t id, uint32_t uid, uint32_t width,
		       uint32_t height, uint32_t bpp, std::shared_ptr<DumbBuffer> &buffer)
{
	// The kernel's drm_mode_create_dumb checks, in 64-bit arithmetic so nothing wraps.
	if (!width || !height || !bpp)
		return -EINVAL;
	const uint64_t pitch = (uint64_t(width) * bpp + 7) / 8;
	const uint64_t pageSize = uint64_t(sysconf(_SC_PAGESIZE));
	const uint64_t size = (pitch * height + pageSize - 1) / pageSize * pageSize;
	if (pitch > UINT32_MAX || size > kMaxSize)
		return -EINVAL;

	// Unique within the process even across devices of the same name (tests make many).
	static std::atomic<uint64_t> serial;
	auto created = std::shared_ptr<DumbBuffer>(new DumbBuffer);
	created->name_ = device + ".buf" + std::to_string(id) + "." + std::to_string(serial++);
	BufferDirectory &directory = BufferDirectory::instance();
	if (int rc = directory.create(created->name_, uid, size, created->fd_, created->path_))
		return rc == -EEXIST ? -ENOMEM : rc;
	// From here on the destructor unlinks the file on every failure.
	void *addr = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, created->fd_.get(), 0);
	if (addr == MAP_FAILED)
		return -errno;
	created->id_ = id;
	created->width_ = width;
	created->height_ = height;
	created->bpp_ = bpp;
	created->pitch_ = uint32_t(pitch);
	created->size_ = size;
	created->mapping_ = Mapping(addr, size);
	created->guardSlot_ = mapping_guard::registerRange(addr, size);
	buffer = std::move(created);
	return 0;
}

DumbBuffer::~DumbBuffer()
{
	if (mapping_ && mapping_guard::unregisterRange(guardSlot_))
		log()->warn("{}: a client truncated the buffer's file; the daemon read zeros", name_);
	mapping_.reset();
	if (!name_.empty())
		BufferDirectory::instance().remove(name_);
}

bool DumbBuffer::truncatedByClient() const
{
	return mapping_guard::wasHit(guardSlot_);
}

void DumbBuffer::revoke(UnplugMappings policy)
{
	if (mapping_) {
		// The daemon's view goes first: truncating under it would fault the daemon itself.
		mapping_guard::unregisterRange(std::exchange(guardSlot_, -1));
		mapping_.reset();
	}
	if (policy == UnplugMappings::Sigbus && fd_ && ::ftruncate(fd_.get(), 0) < 0)
		log()->warn("{}: cannot truncate at unplug: {}", name_, std::strerror(errno));
}

} // namespace tinydrm
