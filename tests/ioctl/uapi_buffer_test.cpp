// SPDX-License-Identifier: MIT
// Dumb buffers, GEM handles and framebuffers: sizes, validation, per-file namespaces, release,
// and pixels reaching the panel.
#include <cerrno>
#include <cstring>
#include <vector>

#include <sys/mman.h>

#include <catch2/catch.hpp>

#include "dumb_buffer.h"
#include "fixture.h"

using namespace tinydrm;
using namespace tinydrm::test;

TEST_CASE("CREATE_DUMB pitches and sizes buffers as the kernel's shmem helpers do")
{
	Fixture f;
	auto c = f.open();
	drm_mode_create_dumb d{};
	d.width = 321;
	d.height = 240;
	d.bpp = 16;
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_CREATE_DUMB, &d) == 0);
	CHECK(d.handle != 0);
	CHECK(d.pitch == 642);
	CHECK(d.size == (642u * 240 + 4095) / 4096 * 4096);

	for (auto [w, h, bpp, flags] : {std::tuple{0u, 10u, 32u, 0u}, {10u, 0u, 32u, 0u},
				       {10u, 10u, 0u, 0u}, {10u, 10u, 32u, 1u},
				       {0xffffffffu, 0xffffffffu, 32u, 0u}}) {
		drm_mode_create_dumb bad{};
		bad.width = w, bad.height = h, bad.bpp = bpp, bad.flags = flags;
		CHECK(c.ioctl(DRM_IOCTL_MODE_CREATE_DUMB, &bad) == -1);
		CHECK(errno == EINVAL);
	}
}

TEST_CASE("handles are per file; MAP_DUMB, DESTROY_DUMB and GEM_CLOSE answer as the kernel")
{
	Fixture f;
	auto a = f.open();
	auto b = f.open();
	drm_mode_create_dumb d{};
	d.width = 64, d.height = 64, d.bpp = 32;
	REQUIRE(a.ioctl(DRM_IOCTL_MODE_CREATE_DUMB, &d) == 0);

	drm_mode_map_dumb map{};
	map.handle = d.handle;
	REQUIRE(a.ioctl(DRM_IOCTL_MODE_MAP_DUMB, &map) == 0);
	CHECK(map.offset % 4096 == 0);
	CHECK(map.offset != 0);
	CHECK(b.ioctl(DRM_IOCTL_MODE_MAP_DUMB, &map) == -1);
	CHECK(errno == ENOENT);

	drm_mode_fb_cmd2 fb{};
	fb.width = 64, fb.height = 64, fb.pixel_format = DRM_FORMAT_XRGB8888;
	fb.handles[0] = d.handle, fb.pitches[0] = d.pitch;
	CHECK(b.ioctl(DRM_IOCTL_MODE_ADDFB2, &fb) == -1);
	CHECK(errno == ENOENT);

	drm_gem_close close{d.handle, 0};
	CHECK(b.ioctl(DRM_IOCTL_GEM_CLOSE, &close) == -1);
	CHECK(errno == EINVAL);
	CHECK(a.ioctl(DRM_IOCTL_GEM_CLOSE, &close) == 0);
	CHECK(a.ioctl(DRM_IOCTL_GEM_CLOSE, &close) == -1);
	CHECK(errno == EINVAL);
	drm_mode_destroy_dumb destroy{d.handle};
	CHECK(a.ioctl(DRM_IOCTL_MODE_DESTROY_DUMB, &destroy) == -1);
	CHECK(errno == EINVAL);
}

TEST_CASE("ADDFB2 and ADDFB validate format, geometry, handle and buffer size")
{
	Fixture f;
	auto c = f.open();
	drm_mode_create_dumb d{};
	d.width = 320, d.height = 240, d.bpp = 32;
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_CREATE_DUMB, &d) == 0);

	auto addfb2 = [&](auto tweak) {
		drm_mode_fb_cmd2 fb{};
		fb.width = 320, fb.height = 240, fb.pixel_format = DRM_FORMAT_XRGB8888;
		fb.handles[0] = d.handle, fb.pitches[0] = d.pitch;
		tweak(fb);
		return c.ioctl(DRM_IOCTL_MODE_ADDFB2, &fb) == 0 ? 0 : -errno;
	};
	CHECK(addfb2([](auto &) {}) == 0);
	CHECK(addfb2([](auto &fb) { fb.pixel_format = DRM_FORMAT_NV12; }) == -EINVAL);
	CHECK(addfb2([](auto &fb) { fb.pixel_format = DRM_FORMAT_ABGR8888; }) == -EINVAL);
	CHECK(addfb2([](auto &fb) { fb.pitches[0] = 100; }) == -EINVAL);
	CHECK(addfb2([](auto &fb) { fb.height = 241; }) == -EINVAL); // beyond the buffer
	CHECK(addfb2([](auto &fb) { fb.width = 0; }) == -EINVAL);
	CHECK(addfb2([](auto &fb) { fb.handles[0] = 999; }) == -ENOENT);
	CHECK(addfb2([](auto &fb) { fb.handles[0] = 0; }) == -EINVAL);
	CHECK(addfb2([](auto &fb) { fb.flags = 0x80; }) == -EINVAL);
	CHECK(addfb2([](auto &fb) {
		      fb.flags = DRM_MODE_FB_MODIFIERS;
		      fb.modifier[0] = I915_FORMAT_MOD_X_TILED;
	      }) == -EINVAL);
	CHECK(addfb2([](auto &fb) {
		      fb.flags = DRM_MODE_FB_MODIFIERS;
		      fb.modifier[0] = DRM_FORMAT_MOD_LINEAR;
	      }) == 0);
	// RGB565 in half the pitch of the same buffer.
	CHECK(addfb2([](auto &fb) { fb.pixel_format = DRM_FORMAT_RGB565; fb.pitches[0] = 640; }) == 0);

	drm_mode_fb_cmd legacy{};
	legacy.width = 320, legacy.height = 240, legacy.pitch = d.pitch;
	legacy.bpp = 32, legacy.depth = 24, legacy.handle = d.handle;
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_ADDFB, &legacy) == 0);
	CHECK(legacy.fb_id != 0);
	legacy.depth = 13;
	CHECK(c.ioctl(DRM_IOCTL_MODE_ADDFB, &legacy) == -1);
	CHECK(errno == EINVAL);
}

TEST_CASE("RMFB and GETFB: only the owner removes; only the master gets a handle")
{
	Fixture f;
	auto master = f.open();
	auto other = f.open(1000);
	Scanout s;
	REQUIRE(makeScanout(master, 320, 240, DRM_FORMAT_XRGB8888, s) == 0);

	drm_mode_fb_cmd get{};
	get.fb_id = s.fb;
	REQUIRE(other.ioctl(DRM_IOCTL_MODE_GETFB, &get) == 0);
	CHECK(get.width == 320);
	CHECK(get.depth == 24);
	CHECK(get.bpp == 32);
	CHECK(get.pitch == s.pitch);
	CHECK(get.handle == 0);
	REQUIRE(master.ioctl(DRM_IOCTL_MODE_GETFB, &get) == 0);
	CHECK(get.handle != 0);
	CHECK(get.handle != s.handle); // a new handle to the same buffer

	uint32_t id = s.fb;
	CHECK(other.ioctl(DRM_IOCTL_MODE_RMFB, &id) == -1);
	CHECK(errno == ENOENT);
	CHECK(master.ioctl(DRM_IOCTL_MODE_RMFB, &id) == 0);
	CHECK(master.ioctl(DRM_IOCTL_MODE_RMFB, &id) == -1);
	CHECK(errno == ENOENT);
	get.fb_id = s.fb;
	CHECK(other.ioctl(DRM_IOCTL_MODE_GETFB, &get) == -1);
	CHECK(errno == ENOENT);
}

TEST_CASE("closing a file frees its framebuffers and handles, and turns off what it showed")
{
	Fixture f;
	auto c = f.open();
	Ids ids = findIds(c);
	Scanout s;
	REQUIRE(makeScanout(c, 320, 240, DRM_FORMAT_XRGB8888, s) == 0);
	REQUIRE(setCrtc(c, ids, s.fb) == 0);
	std::weak_ptr<DumbBuffer> buffer = c.file().handles.at(s.handle);
	CHECK(f.device->framebuffers().count(s.fb));

	c.file().release();
	CHECK_FALSE(f.device->framebuffers().count(s.fb));
	CHECK(buffer.expired());
	CHECK_FALSE(f.device->pipe().active);
	CHECK(f.device->openFiles() == 0);
}

TEST_CASE("pixels drawn into a dumb buffer reach the panel on SETCRTC and DIRTYFB")
{
	Fixture f;
	auto c = f.open();
	Ids ids = findIds(c);
	Scanout s;
	REQUIRE(makeScanout(c, 320, 240, DRM_FORMAT_XRGB8888, s) == 0);
	// Draw through the buffer's own file, as a client mapping would.
	const auto &buffer = c.file().handles.at(s.handle);
	auto *pixels = static_cast<uint32_t *>(
		mmap(nullptr, s.size, PROT_READ | PROT_WRITE, MAP_SHARED, buffer->fd(), 0));
	REQUIRE(pixels != MAP_FAILED);
	for (uint32_t y = 0; y < 240; y++)
		for (uint32_t x = 0; x < 320; x++)
			pixels[y * s.pitch / 4 + x] = x < 160 ? 0x00ff0000 : 0x000000ff;

	std::vector<uint32_t> shown;
	uint32_t w = 0, h = 0;
	CHECK(f.device->snapshot(shown, w, h) == -ENODATA);
	REQUIRE(setCrtc(c, ids, s.fb) == 0);
	REQUIRE(f.device->snapshot(shown, w, h) == 0);
	CHECK(w == 320);
	CHECK(h == 240);
	CHECK(shown[10 * 320 + 10] == 0x00ff0000);
	CHECK(shown[10 * 320 + 300] == 0x000000ff);

	// A damaged rectangle is updated, the rest keeps the old image.
	pixels[5 * s.pitch / 4 + 5] = 0x0000ff00;
	pixels[200 * s.pitch / 4 + 200] = 0x0000ff00;
	drm_clip_rect clip{0, 0, 16, 16};
	drm_mode_fb_dirty_cmd dirty{};
	dirty.fb_id = s.fb;
	dirty.num_clips = 1;
	dirty.clips_ptr = uint64_t(uintptr_t(&clip));
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_DIRTYFB, &dirty) == 0);
	REQUIRE(f.device->snapshot(shown, w, h) == 0);
	CHECK(shown[5 * 320 + 5] == 0x0000ff00);
	CHECK(shown[200 * 320 + 200] == 0x000000ff);

	dirty.num_clips = 0;
	dirty.clips_ptr = 0;
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_DIRTYFB, &dirty) == 0);
	REQUIRE(f.device->snapshot(shown, w, h) == 0);
	CHECK(shown[200 * 320 + 200] == 0x0000ff00);

	dirty.fb_id = 4242;
	CHECK(c.ioctl(DRM_IOCTL_MODE_DIRTYFB, &dirty) == -1);
	CHECK(errno == ENOENT);
	dirty.fb_id = s.fb;
	dirty.flags = 0x80;
	CHECK(c.ioctl(DRM_IOCTL_MODE_DIRTYFB, &dirty) == -1);
	CHECK(errno == EINVAL);
	munmap(pixels, s.size);
}

TEST_CASE("RGB565 framebuffers are shown converted")
{
	Fixture f;
	auto c = f.open();
	Ids ids = findIds(c);
	Scanout s;
	REQUIRE(makeScanout(c, 320, 240, DRM_FORMAT_RGB565, s) == 0);
	const auto &buffer = c.file().handles.at(s.handle);
	auto *pixels = static_cast<uint16_t *>(
		mmap(nullptr, s.size, PROT_READ | PROT_WRITE, MAP_SHARED, buffer->fd(), 0));
	REQUIRE(pixels != MAP_FAILED);
	pixels[0] = 0xf800; // full red
	pixels[1] = 0x07e0; // full green
	pixels[2] = 0x001f; // full blue
	REQUIRE(setCrtc(c, ids, s.fb) == 0);
	std::vector<uint32_t> shown;
	uint32_t w, h;
	REQUIRE(f.device->snapshot(shown, w, h) == 0);
	CHECK(shown[0] == 0x00ff0000);
	CHECK(shown[1] == 0x0000ff00);
	CHECK(shown[2] == 0x000000ff);
	munmap(pixels, s.size);
}
