// SPDX-License-Identifier: MIT
#include "dumb_buffer.h"

#include <cerrno>
#include <string>

#include <sys/mman.h>
#include <unistd.h>

namespace tinydrm {

int DumbBuffer::create(uint32_t id, uint32_t width, uint32_t height, uint32_t bpp,
		       std::shared_ptr<DumbBuffer> &buffer)
{
	// The kernel's drm_mode_create_dumb checks, in 64-bit arithmetic so nothing wraps.
	if (!width || !height || !bpp)
		return -EINVAL;
	const uint64_t pitch = (uint64_t(width) * bpp + 7) / 8;
	const uint64_t pageSize = uint64_t(sysconf(_SC_PAGESIZE));
	const uint64_t size = (pitch * height + pageSize - 1) / pageSize * pageSize;
	if (pitch > UINT32_MAX || size > kMaxSize)
		return -EINVAL;

	UniqueFd fd(memfd_create(("tinydrm-dumb-" + std::to_string(id)).c_str(), MFD_CLOEXEC));
	if (!fd)
		return -errno;
	if (ftruncate(fd.get(), off_t(size)) != 0)
		return -errno;
	void *addr = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
	if (addr == MAP_FAILED)
		return -errno;

	auto created = std::shared_ptr<DumbBuffer>(new DumbBuffer);
	created->id_ = id;
	created->width_ = width;
	created->height_ = height;
	created->bpp_ = bpp;
	created->pitch_ = uint32_t(pitch);
	created->size_ = size;
	created->fd_ = std::move(fd);
	created->mapping_ = Mapping(addr, size);
	buffer = std::move(created);
	return 0;
}

} // namespace tinydrm
