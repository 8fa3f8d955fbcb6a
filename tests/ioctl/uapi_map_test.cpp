// SPDX-License-Identifier: MIT
// DRM_IOCTL_TINYDRM_MAP and buffer files: who may map what, file privacy and lifetime, the
// panel reading the client's pixels, and what unplug does to mappings (SIGBUS or keep).
#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <tinydrm/tinydrm_drm.h>

#include "fixture.h"

using namespace tinydrm;
using namespace tinydrm::test;

namespace {

uint64_t mapDumb(Loopback &c, uint32_t handle)
{
	drm_mode_map_dumb map{};
	map.handle = handle;
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_MAP_DUMB, &map) == 0);
	return map.offset;
}

/// What tinydrm-run's library does for mmap(): ask, open, map.
void *mapBuffer(Loopback &c, uint64_t offset, size_t length, drm_tinydrm_map *out = nullptr)
{
	drm_tinydrm_map map{};
	map.offset = offset;
	if (c.ioctl(DRM_IOCTL_TINYDRM_MAP, &map))
		return MAP_FAILED;
	if (out)
		*out = map;
	const int fd = ::open(map.path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return MAP_FAILED;
	void *addr = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	::close(fd);
	return addr;
}

bool exists(const char *path)
{
	struct stat st {};
	return ::stat(path, &st) == 0;
}

} // namespace

TEST_CASE("TINYDRM_MAP names the buffer's file to a file holding a handle, and no one else")
{
	Fixture f;
	auto a = f.open();
	auto b = f.open();
	Scanout s;
	REQUIRE(makeScanout(a, 320, 240, DRM_FORMAT_XRGB8888, s) == 0);
	const uint64_t offset = mapDumb(a, s.handle);

	drm_tinydrm_map map{};
	map.offset = offset;
	REQUIRE(a.ioctl(DRM_IOCTL_TINYDRM_MAP, &map) == 0);
	CHECK(map.size == s.size);
	CHECK(map.path[0] == '/');
	struct stat st {};
	REQUIRE(::stat(map.path, &st) == 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK((st.st_mode & 07777) == 0600); // nobody but the owner
	CHECK(uint64_t(st.st_size) == s.size);
	struct stat dir {};
	const std::string path = map.path;
	REQUIRE(::stat(path.substr(0, path.rfind('/')).c_str(), &dir) == 0);
	CHECK((dir.st_mode & 07777) == 0711); // others can neither list nor create

	// Another file of the same device has no handle to it: EACCES, as drm_gem_mmap().
	drm_tinydrm_map other{};
	other.offset = offset;
	CHECK(b.ioctl(DRM_IOCTL_TINYDRM_MAP, &other) == -1);
	CHECK(errno == EACCES);
	// No buffer starts there: EINVAL.
	for (uint64_t bad : {uint64_t(0), offset + 4096, offset - 4096, ~uint64_t(0)}) {
		drm_tinydrm_map m{};
		m.offset = bad;
		CHECK(a.ioctl(DRM_IOCTL_TINYDRM_MAP, &m) == -1);
		CHECK(errno == EINVAL);
	}
	drm_tinydrm_map flags{};
	flags.offset = offset;
	flags.flags = 1;
	CHECK(a.ioctl(DRM_IOCTL_TINYDRM_MAP, &flags) == -1);
	CHECK(errno == EINVAL);
}

TEST_CASE("a buffer's file is unlinked when its last handle and framebuffer are gone")
{
	Fixture f;
	auto a = f.open();
	Scanout s;
	REQUIRE(makeScanout(a, 64, 64, DRM_FORMAT_XRGB8888, s) == 0);
	drm_tinydrm_map map{};
	void *pixels = mapBuffer(a, mapDumb(a, s.handle), s.size, &map);
	REQUIRE(pixels != MAP_FAILED);

	drm_gem_close close{};
	close.handle = s.handle;
	REQUIRE(a.ioctl(DRM_IOCTL_GEM_CLOSE, &close) == 0);
	CHECK(exists(map.path)); // the framebuffer still uses it
	REQUIRE(a.ioctl(DRM_IOCTL_MODE_RMFB, &s.fb) == 0);
	CHECK_FALSE(exists(map.path));
	// The mapping outlives the file's name, as a kernel GEM mapping outlives its handle.
	static_cast<volatile uint32_t *>(pixels)[0] = 0x00123456;
	::munmap(pixels, s.size);

	// And at close(2) of the file that held the handle.
	Scanout t;
	REQUIRE(makeScanout(a, 64, 64, DRM_FORMAT_XRGB8888, t) == 0);
	drm_tinydrm_map map2{};
	map2.offset = mapDumb(a, t.handle);
	REQUIRE(a.ioctl(DRM_IOCTL_TINYDRM_MAP, &map2) == 0);
	a.file().release();
	CHECK_FALSE(exists(map2.path));
}

TEST_CASE("the panel shows what the client wrote through its own mapping (no copy)")
{
	Fixture f;
	auto c = f.open();
	const Ids ids = findIds(c);
	Scanout s;
	REQUIRE(makeScanout(c, 320, 240, DRM_FORMAT_XRGB8888, s) == 0);
	auto *pixels = static_cast<uint32_t *>(mapBuffer(c, mapDumb(c, s.handle), s.size));
	REQUIRE(pixels != MAP_FAILED);
	for (uint32_t y = 0; y < 240; y++)
		for (uint32_t x = 0; x < 320; x++)
			pixels[y * s.pitch / 4 + x] = (x * 7) << 16 | (y * 3) << 8 | 0x5a;
	REQUIRE(setCrtc(c, ids, s.fb) == 0);

	std::vector<uint32_t> shown;
	uint32_t w = 0, h = 0;
	REQUIRE(f.device->snapshot(shown, w, h) == 0);
	REQUIRE(w == 320);
	for (uint32_t y : {0u, 17u, 239u})
		for (uint32_t x : {0u, 100u, 319u})
			CHECK(shown[y * w + x] == ((x * 7) << 16 | (y * 3) << 8 | 0x5a));
	::munmap(pixels, s.size);
}

TEST_CASE("a client cutting its buffer's file cannot take the daemon down")
{
	Fixture f;
	auto c = f.open();
	const Ids ids = findIds(c);
	Scanout s;
	REQUIRE(makeScanout(c, 320, 240, DRM_FORMAT_XRGB8888, s) == 0);
	drm_tinydrm_map map{};
	map.offset = mapDumb(c, s.handle);
	REQUIRE(c.ioctl(DRM_IOCTL_TINYDRM_MAP, &map) == 0);
	const int fd = ::open(map.path, O_RDWR | O_CLOEXEC);
	REQUIRE(fd >= 0);
	REQUIRE(::ftruncate(fd, 0) == 0); // the owner may; the daemon must survive it
	::close(fd);

	// The flush reads through the daemon's view: without the guard this is SIGBUS.
	REQUIRE(setCrtc(c, ids, s.fb) == 0);
	std::vector<uint32_t> shown;
	uint32_t w = 0, h = 0;
	REQUIRE(f.device->snapshot(shown, w, h) == 0);
	CHECK(shown[0] == 0);
	CHECK(shown[239 * 320 + 319] == 0);
}

namespace {

/// Forks a child that maps the buffer, then writes into it until told to stop or killed.
/// \return the child's wait status once the parent has unplugged and told it to check.
int childWritingAcrossUnplug(Fixture &f, Loopback &c, uint64_t size, uint64_t offset)
{
	void *pixels = mapBuffer(c, offset, size);
	REQUIRE(pixels != MAP_FAILED);
	int ready[2], go[2];
	REQUIRE(::pipe(ready) == 0);
	REQUIRE(::pipe(go) == 0);
	const pid_t pid = ::fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		// The child plays a client process, which has neither the daemon's guard nor a
		// sanitizer's handler (ASan turns SIGBUS into a report and exit 1).
		::signal(SIGBUS, SIG_DFL);
		auto *p = static_cast<volatile uint32_t *>(pixels);
		p[0] = 1;
		char byte = 0;
		(void)!::write(ready[1], &byte, 1);
		(void)!::read(go[0], &byte, 1); // the parent has unplugged
		for (size_t i = 0; i < size / 4; i += 1024)
			p[i] = 0xffffffff; // SIGBUS here under the sigbus policy
		::_exit(0);
	}
	char byte = 0;
	REQUIRE(::read(ready[0], &byte, 1) == 1);
	REQUIRE(f.device->unplug() == 0);
	REQUIRE(::write(go[1], &byte, 1) == 1);
	int status = 0;
	REQUIRE(::waitpid(pid, &status, 0) == pid);
	for (int fd : {ready[0], ready[1], go[0], go[1]})
		::close(fd);
	::munmap(pixels, size);
	return status;
}

} // namespace

TEST_CASE("unplug revokes mappings: the next access raises SIGBUS, new maps get ENODEV")
{
	Fixture f;
	auto c = f.open();
	Scanout s;
	REQUIRE(makeScanout(c, 320, 240, DRM_FORMAT_XRGB8888, s) == 0);
	const uint64_t offset = mapDumb(c, s.handle);
	const int status = childWritingAcrossUnplug(f, c, s.size, offset);
	CHECK(WIFSIGNALED(status));
	CHECK(WTERMSIG(status) == SIGBUS);

	drm_tinydrm_map map{};
	map.offset = offset;
	CHECK(c.ioctl(DRM_IOCTL_TINYDRM_MAP, &map) == -1);
	CHECK(errno == ENODEV);
}

TEST_CASE("with the keep policy, mappings stay usable after unplug")
{
	Fixture f;
	f.device->setUnplugMappings(UnplugMappings::Keep);
	auto c = f.open();
	Scanout s;
	REQUIRE(makeScanout(c, 320, 240, DRM_FORMAT_XRGB8888, s) == 0);
	const int status = childWritingAcrossUnplug(f, c, s.size, mapDumb(c, s.handle));
	CHECK(WIFEXITED(status));
	CHECK(WEXITSTATUS(status) == 0);
}
