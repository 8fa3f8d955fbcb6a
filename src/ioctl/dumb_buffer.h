// SPDX-License-Identifier: MIT
// DumbBuffer: a CREATE_DUMB buffer, backed by one shared-memory file.
#pragma once

#include <cstdint>
#include <memory>

#include "unique_fd.h"

namespace tinydrm {

/**
 * DumbBuffer - one shared-memory file, sized and pitched as the kernel's shmem helpers compute
 * (pitch = ceil(width * bpp / 8), size = page-aligned pitch * height), and the daemon's own
 * shared mapping of it (panels read pixels from there, no copy).
 *
 * Lifetime: shared by the GEM handles that name it and the framebuffers that use it; freed
 * when the last of those goes. Immutable after creation, so any thread may read it.
 */
class DumbBuffer
{
public:
	/// Largest buffer we hand out; beyond it CREATE_DUMB answers EINVAL before allocating.
	static constexpr uint64_t kMaxSize = 256ull << 20;

	/// \return 0 and @p buffer, or -EINVAL (bad geometry), or -ENOMEM/-errno (allocation).
	static int create(uint32_t id, uint32_t width, uint32_t height, uint32_t bpp,
			  std::shared_ptr<DumbBuffer> &buffer);

	uint32_t id() const { return id_; }
	uint32_t width() const { return width_; }
	uint32_t height() const { return height_; }
	uint32_t bpp() const { return bpp_; }
	uint32_t pitch() const { return pitch_; }
	uint64_t size() const { return size_; }
	/// The fake offset MAP_DUMB answers: unique per device, page aligned, like the kernel's.
	uint64_t mapOffset() const { return (1ull << 32) + (uint64_t(id_) << 28); }
	const uint8_t *pixels() const { return mapping_.data(); }
	int fd() const { return fd_.get(); }

private:
	DumbBuffer() = default;

	uint32_t id_ = 0, width_ = 0, height_ = 0, bpp_ = 0, pitch_ = 0;
	uint64_t size_ = 0;
	UniqueFd fd_;
	Mapping mapping_;
};

} // namespace tinydrm
