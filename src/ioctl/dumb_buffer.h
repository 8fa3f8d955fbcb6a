// SPDX-License-Identifier: MIT
// DumbBuffer: a CREATE_DUMB buffer, backed by one private file in the BufferDirectory.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "unique_fd.h"

namespace tinydrm {

/// What unplug does to clients' mappings of a device's buffers (tinydrmd --unplug-mappings).
enum class UnplugMappings {
	/// Truncate the files: the next access through any mapping raises SIGBUS (the default).
	Sigbus,
	/// Leave them: mappings stay usable until unmapped (the kernel's shmem GEM behaviour).
	Keep,
};

/**
 * DumbBuffer - one file of the BufferDirectory (named, so a client can open and map it: see
 * include/tinydrm/tinydrm_drm.h), sized and pitched as the kernel's shmem helpers compute
 * (pitch = ceil(width * bpp / 8), size = page-aligned pitch * height), and the daemon's own
 * shared mapping of it (panels read pixels from there, no copy), guarded against a client
 * truncating the file (mapping_guard.h).
 *
 * Lifetime: shared by the GEM handles that name it and the framebuffers that use it; freed,
 * and its file unlinked, when the last of those goes. Geometry is immutable. The daemon's view
 * is dropped by revoke() (the device's revoke step, after the gate drained: no section reads
 * pixels any more) or the destructor.
 */
class DumbBuffer
{
public:
	/// Largest buffer we hand out; beyond it CREATE_DUMB answers EINVAL before allocating.
	static constexpr uint64_t kMaxSize = 256ull << 20;

	/// \return 0 and @p buffer, or -EINVAL (bad geometry), or -ENOMEM/-errno (allocation).
	/// The file is owned by @p uid; @p device names it for people reading the directory.
	static int create(const std::string &device, uint32_t id, uint32_t uid, uint32_t width,
			  uint32_t height, uint32_t bpp, std::shared_ptr<DumbBuffer> &buffer);
	~DumbBuffer();

	uint32_t id() const { return id_; }
	uint32_t width() const { return width_; }
	uint32_t height() const { return height_; }
	uint32_t bpp() const { return bpp_; }
	uint32_t pitch() const { return pitch_; }
	uint64_t size() const { return size_; }
	/// The fake offset MAP_DUMB answers: unique per device, page aligned, like the kernel's.
	uint64_t mapOffset() const { return (1ull << 32) + (uint64_t(id_) << 28); }
	/// The daemon's view; null after revoke(). Read inside gate sections only.
	const uint8_t *pixels() const { return mapping_.data(); }
	int fd() const { return fd_.get(); }
	/// The file clients open to map it.
	const std::string &path() const { return path_; }
	/// True once a client cut the file under the daemon's view (reads then see zeros).
	bool truncatedByClient() const;

	/// Unplug: drop the daemon's view, then (Sigbus) truncate the file to zero bytes, so any
	/// client mapping faults on its next access. Idempotent.
	void revoke(UnplugMappings policy);

private:
	DumbBuffer() = default;

	uint32_t id_ = 0, width_ = 0, height_ = 0, bpp_ = 0, pitch_ = 0;
	uint64_t size_ = 0;
	UniqueFd fd_;
	Mapping mapping_;
	int guardSlot_ = -1;
	std::string name_;
	std::string path_;
};

} // namespace tinydrm
