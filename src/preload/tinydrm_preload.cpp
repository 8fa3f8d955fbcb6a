// SPDX-License-Identifier: MIT
/*
 * DOC: libtinydrm-preload.so, the mmap bridge
 *
 * Linux's CUSE does not forward mmap(2): mapping a /dev/tinydrm-N node fails with ENODEV, and
 * every dumb-buffer client (modetest, splash screens, simple compositors) draws through
 * mmap(fd, MAP_DUMB offset). Loaded with LD_PRELOAD (tinydrm-run does that), this library
 * replaces mmap() and mmap64(): for a tinydrm node it asks the daemon which file backs the
 * buffer at that offset (DRM_IOCTL_TINYDRM_MAP, include/tinydrm/tinydrm_drm.h: the daemon
 * checks, inside a gate section, that this open file holds a handle to it), opens that file
 * and maps it with the caller's address hint, length, protection and flags. The result is an
 * ordinary shared file mapping, so everything else needs no help:
 *  - munmap/mremap/mprotect/msync work on it directly; there is nothing to book-keep;
 *  - fork() shares it, exactly as a mapping of the DRM fd is shared;
 *  - close() of the DRM fd leaves it valid, as the kernel's GEM mappings stay valid;
 *  - unplug: the daemon truncates the file, so the next access faults with SIGBUS in the
 *    kernel, with no round trip (unless tinydrmd runs with --unplug-mappings=keep).
 * Everything else passes straight to the system call: anonymous mappings after one flag test,
 * file mappings after one fstat(); only character devices pay a readlink() of /proc/self/fd/N
 * to see whether the device is a tinydrm node (/dev/tinydrm-N, however it was opened).
 *
 * Threads: any; no state, no locks, nothing allocated. No constructors: the library works
 * from the first mmap a program's loader or libc makes.
 */
#include <cerrno>
#include <cstdint>
#include <cstring>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <tinydrm/tinydrm_drm.h>

namespace {

void *systemMmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	// The system call itself rather than dlsym(RTLD_NEXT): no loader lock, no allocation, and
	// glibc's mmap() is this very call on the 64-bit targets we build for.
	return reinterpret_cast<void *>(::syscall(SYS_mmap, addr, length, prot, flags, fd, offset));
}

bool isTinydrmNode(int fd)
{
	struct stat st;
	if (::fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode))
		return false;
	char link[64] = "/proc/self/fd/";
	char digits[16];
	int n = 0;
	for (unsigned v = unsigned(fd); n == 0 || v; v /= 10)
		digits[n++] = char('0' + v % 10);
	size_t at = std::strlen(link);
	while (n)
		link[at++] = digits[--n];
	link[at] = '\0';
	char target[64];
	const ssize_t len = ::readlink(link, target, sizeof(target) - 1);
	if (len <= 0)
		return false;
	target[len] = '\0';
	static constexpr char kPrefix[] = "/dev/tinydrm-";
	return std::strncmp(target, kPrefix, sizeof(kPrefix) - 1) == 0;
}

void *bridgeMmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	drm_tinydrm_map map;
	std::memset(&map, 0, sizeof(map));
	map.offset = uint64_t(offset);
	int rc;
	do
		rc = ::ioctl(fd, DRM_IOCTL_TINYDRM_MAP, &map);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return MAP_FAILED; // errno from the daemon: ENODEV, EACCES, EINVAL
	if (length == 0 || length > map.size || map.path[sizeof(map.path) - 1] != '\0') {
		errno = EINVAL; // drm_gem_mmap(): the mapping must fit inside the object
		return MAP_FAILED;
	}
	// A writable shared mapping needs a writable open; everything else can map a read-only one.
	const bool writable = (prot & PROT_WRITE) && (flags & MAP_TYPE) == MAP_SHARED;
	const int file = ::open(map.path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW);
	if (file < 0) {
		// The buffer went away between the answer and the open (its last handle closed by
		// another thread): what the kernel says for a vanished object.
		if (errno == ENOENT)
			errno = EINVAL;
		return MAP_FAILED;
	}
	void *result = systemMmap(addr, length, prot, flags, file, 0);
	const int saved = errno;
	::close(file);
	errno = saved;
	return result;
}

} // namespace

extern "C" {

__attribute__((visibility("default"))) void *mmap(void *addr, size_t length, int prot, int flags,
						   int fd, off_t offset)
{
	if ((flags & MAP_ANONYMOUS) || fd < 0 || !isTinydrmNode(fd))
		return systemMmap(addr, length, prot, flags, fd, offset);
	return bridgeMmap(addr, length, prot, flags, fd, offset);
}

__attribute__((visibility("default"))) void *mmap64(void *addr, size_t length, int prot,
						     int flags, int fd, off_t offset)
{
	return mmap(addr, length, prot, flags, fd, offset);
}

} // extern "C"
