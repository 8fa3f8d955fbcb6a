// SPDX-License-Identifier: MIT
#include "buffer_directory.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

namespace tinydrm {

namespace {

auto &log()
{
	static auto logger = subsystemLogger("ioctl");
	return logger;
}

/// Removes every entry of the directory open at @p fd (files only: we never create others).
void emptyDirectory(int fd)
{
	const int copy = ::dup(fd);
	if (copy < 0)
		return;
	DIR *dir = ::fdopendir(copy);
	if (!dir) {
		::close(copy);
		return;
	}
	unsigned removed = 0;
	while (dirent *entry = ::readdir(dir)) {
		if (!std::strcmp(entry->d_name, ".") || !std::strcmp(entry->d_name, ".."))
			continue;
		if (::unlinkat(fd, entry->d_name, 0) == 0)
			removed++;
	}
	::closedir(dir);
	if (removed)
		log()->info("removed {} buffer file(s) left by an earlier process", removed);
}

} // namespace

BufferDirectory &BufferDirectory::instance()
{
	static BufferDirectory directory;
	return directory;
}

BufferDirectory::BufferDirectory()
{
	const char *env = std::getenv("TINYDRM_BUFFER_DIR");
	path_ = env && *env ? env : "/dev/shm/tinydrm-" + std::to_string(::getpid());

	if (::mkdir(path_.c_str(), 0711) == 0) {
		::chmod(path_.c_str(), 0711); // the umask may have cut it
	} else if (errno != EEXIST) {
		error_ = -errno;
		log()->error("cannot create the buffer directory {}: {}", path_, std::strerror(errno));
		return;
	}
	// O_NOFOLLOW: a symlink planted at the path is refused; fstat then checks what we got.
	dir_ = UniqueFd(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	struct stat st {};
	if (!dir_ || ::fstat(dir_.get(), &st) < 0) {
		error_ = -errno;
		log()->error("cannot open the buffer directory {}: {}", path_, std::strerror(errno));
		dir_.reset();
		return;
	}
	if (st.st_uid != ::geteuid() || (st.st_mode & 022)) {
		error_ = -EACCES;
		log()->error("buffer directory {} is not ours alone (uid {}, mode {:o}); refusing it",
			     path_, st.st_uid, st.st_mode & 07777);
		dir_.reset();
		return;
	}
	if ((st.st_mode & 07777) != 0711)
		::fchmod(dir_.get(), 0711);
	emptyDirectory(dir_.get());
	log()->debug("buffer files in {}", path_);
}

BufferDirectory::~BufferDirectory()
{
	if (dir_)
		::rmdir(path_.c_str()); // fails harmlessly while files remain
}

int BufferDirectory::create(const std::string &name, uint32_t uid, uint64_t size, UniqueFd &fd,
			    std::string &path)
{
	if (!dir_)
		return error_ ? error_ : -ENODEV;
	UniqueFd file(::openat(dir_.get(), name.c_str(),
			       O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
	if (!file) {
		const int err = errno;
		log()->warn("cannot create buffer file {}/{}: {}", path_, name, std::strerror(err));
		return -err;
	}
	// The client opens the file by name as itself: it must own it. Only root can give a file
	// away; a daemon run by the client's own user needs no chown.
	if (::geteuid() == 0 && uid != 0 && ::fchown(file.get(), uid, uid_t(-1)) < 0) {
		const int err = errno;
		log()->warn("cannot chown buffer file {} to uid {}: {}", name, uid, std::strerror(err));
		::unlinkat(dir_.get(), name.c_str(), 0);
		return -err;
	}
	if (::ftruncate(file.get(), off_t(size)) < 0) {
		const int err = errno;
		::unlinkat(dir_.get(), name.c_str(), 0);
		return -err;
	}
	fd = std::move(file);
	path = path_ + "/" + name;
	return 0;
}

void BufferDirectory::remove(const std::string &name)
{
	if (dir_ && ::unlinkat(dir_.get(), name.c_str(), 0) < 0 && errno != ENOENT)
		log()->warn("cannot remove buffer file {}/{}: {}", path_, name, std::strerror(errno));
}

} // namespace tinydrm
