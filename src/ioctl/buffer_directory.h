// SPDX-License-Identifier: MIT
// BufferDirectory: where dumb buffers' files live (one tmpfs directory per daemon process).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "unique_fd.h"

namespace tinydrm {

/**
 * BufferDirectory - the daemon's private directory of buffer files.
 *
 * Clients map a buffer by opening its file (CUSE cannot forward mmap; see
 * include/tinydrm/tinydrm_drm.h), so each buffer is a named file, and these rules keep that
 * safe: the directory is created by this process, mode 0711 (others may open a file whose name
 * they were told, but cannot list, create or replace anything), and an existing path is only
 * accepted when it is a real directory owned by us and writable by nobody else. Files are
 * created relative to the directory's fd with O_EXCL | O_NOFOLLOW, mode 0600, and chowned to
 * the user who opened the device, so another user cannot open them.
 *
 * Path: $TINYDRM_BUFFER_DIR if set, else /dev/shm/tinydrm-<pid>. Anything in it at first use
 * is left from an earlier process with our pid and is removed. The directory is removed at
 * exit when empty.
 *
 * Threads: any; create()/remove() are independent *at() system calls on a fixed fd; the
 * first use is serialised by a function-local static.
 */
class BufferDirectory
{
public:
	static BufferDirectory &instance();

	/// Creates file @p name of @p size bytes owned by @p uid (when we are root).
	/// \return 0 and @p fd, @p path; or -errno (the directory failed: -ENODEV... see log).
	int create(const std::string &name, uint32_t uid, uint64_t size, UniqueFd &fd,
		   std::string &path);
	/// Unlinks file @p name. Existing opens and mappings of it stay valid.
	void remove(const std::string &name);
	const std::string &path() const { return path_; }

	~BufferDirectory();
	BufferDirectory(const BufferDirectory &) = delete;
	BufferDirectory &operator=(const BufferDirectory &) = delete;

private:
	BufferDirectory();
	std::string path_;
	UniqueFd dir_;
	int error_ = 0; ///< -errno when the directory could not be set up
};

} // namespace tinydrm
