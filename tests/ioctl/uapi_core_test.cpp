// SPDX-License-Identifier: MIT
// Identity, capabilities, master rules, ioctl decoding and the retry protocol's costs.
#include <cerrno>
#include <cstring>
#include <string>

#include <catch2/catch.hpp>

#include "fixture.h"

using namespace tinydrm;
using namespace tinydrm::test;

TEST_CASE("VERSION names the driver, copies at most the caller's lengths, in 3 round trips")
{
	Fixture f;
	auto c = f.open();
	char name[64] = {}, date[64] = {}, desc[128] = {};
	drm_version v{};
	v.name = name, v.name_len = sizeof(name);
	v.date = date, v.date_len = sizeof(date);
	v.desc = desc, v.desc_len = sizeof(desc);
	REQUIRE(c.ioctl(DRM_IOCTL_VERSION, &v) == 0);
	CHECK(std::string(name) == "tinydrm");
	CHECK(v.name_len == 7);
	CHECK(v.date_len == 8);
	CHECK(std::string(desc).find("tinydrm") == 0);
	CHECK(c.roundTrips == 3); // struct out, then the strings it points to

	// Lengths only (libdrm's first call): nothing is written, the sizes come back.
	drm_version sizes{};
	REQUIRE(c.ioctl(DRM_IOCTL_VERSION, &sizes) == 0);
	CHECK(sizes.name_len == 7);
	CHECK(c.roundTrips == 2);

	// A short buffer gets a prefix and the full length.
	char shortName[3] = {};
	drm_version partial{};
	partial.name = shortName, partial.name_len = sizeof(shortName);
	REQUIRE(c.ioctl(DRM_IOCTL_VERSION, &partial) == 0);
	CHECK(std::string(shortName, 3) == "tin");
	CHECK(partial.name_len == 7);
}

TEST_CASE("GET_CAP answers what the kernel answers for a dumb-buffer KMS driver")
{
	Fixture f;
	auto c = f.open();
	auto cap = [&](uint64_t which) {
		drm_get_cap g{which, 12345};
		int ret = c.ioctl(DRM_IOCTL_GET_CAP, &g);
		return ret == 0 ? int64_t(g.value) : -int64_t(errno);
	};
	CHECK(cap(DRM_CAP_DUMB_BUFFER) == 1);
	CHECK(cap(DRM_CAP_DUMB_PREFERRED_DEPTH) == 24);
	CHECK(cap(DRM_CAP_DUMB_PREFER_SHADOW) == 0);
	CHECK(cap(DRM_CAP_VBLANK_HIGH_CRTC) == 1);
	CHECK(cap(DRM_CAP_TIMESTAMP_MONOTONIC) == 1);
	CHECK(cap(DRM_CAP_CRTC_IN_VBLANK_EVENT) == 1);
	CHECK(cap(DRM_CAP_ADDFB2_MODIFIERS) == 1);
	CHECK(cap(DRM_CAP_CURSOR_WIDTH) == 64);
	CHECK(cap(DRM_CAP_CURSOR_HEIGHT) == 64);
	CHECK(cap(DRM_CAP_ASYNC_PAGE_FLIP) == 0);
	CHECK(cap(0xdead) == -EINVAL);
	CHECK(c.roundTrips == 2); // a plain struct: fetch it, answer
}

TEST_CASE("SET_CLIENT_CAP: universal planes yes, atomic not yet, bad values EINVAL")
{
	Fixture f;
	auto c = f.open();
	drm_set_client_cap universal{DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1};
	CHECK(c.ioctl(DRM_IOCTL_SET_CLIENT_CAP, &universal) == 0);
	CHECK(c.file().universalPlanes);
	drm_set_client_cap atomic{DRM_CLIENT_CAP_ATOMIC, 1};
	CHECK(c.ioctl(DRM_IOCTL_SET_CLIENT_CAP, &atomic) == -1);
	CHECK(errno == EOPNOTSUPP);
	drm_set_client_cap bad{DRM_CLIENT_CAP_UNIVERSAL_PLANES, 2};
	CHECK(c.ioctl(DRM_IOCTL_SET_CLIENT_CAP, &bad) == -1);
	CHECK(errno == EINVAL);
	drm_set_client_cap unknown{999, 1};
	CHECK(c.ioctl(DRM_IOCTL_SET_CLIENT_CAP, &unknown) == -1);
	CHECK(errno == EINVAL);
}

TEST_CASE("GET_UNIQUE copies the bus id only when it fits whole")
{
	Fixture f;
	auto c = f.open();
	drm_unique u{};
	REQUIRE(c.ioctl(DRM_IOCTL_GET_UNIQUE, &u) == 0);
	CHECK(u.unique_len == std::string("tinydrm-test").size());
	std::string buffer(u.unique_len, '\0');
	u.unique = buffer.data();
	REQUIRE(c.ioctl(DRM_IOCTL_GET_UNIQUE, &u) == 0);
	CHECK(buffer == "tinydrm-test");
}

TEST_CASE("SET_VERSION accepts interface 1.0-1.4 and our driver version, as drm_setversion()")
{
	Fixture f;
	auto master = f.open();
	// What libdrm's drmOpenByBusid() asks first: interface 1.4, driver unchecked.
	drm_set_version sv{1, 4, -1, -1};
	REQUIRE(master.ioctl(DRM_IOCTL_SET_VERSION, &sv) == 0);
	CHECK(sv.drm_di_major == 1);
	CHECK(sv.drm_di_minor == 4);
	drm_version v{};
	REQUIRE(master.ioctl(DRM_IOCTL_VERSION, &v) == 0);
	CHECK(sv.drm_dd_major == v.version_major);
	CHECK(sv.drm_dd_minor == v.version_minor);

	drm_set_version both{1, 1, v.version_major, v.version_minor};
	CHECK(master.ioctl(DRM_IOCTL_SET_VERSION, &both) == 0);
	drm_set_version neither{-1, 0, -1, 0};
	CHECK(master.ioctl(DRM_IOCTL_SET_VERSION, &neither) == 0);

	for (drm_set_version bad : {drm_set_version{1, 5, -1, -1}, drm_set_version{2, 0, -1, -1},
				    drm_set_version{1, -1, -1, -1},
				    drm_set_version{-1, 0, v.version_major + 1, 0},
				    drm_set_version{-1, 0, v.version_major, v.version_minor + 1},
				    drm_set_version{1, 4, v.version_major, -1}}) {
		INFO("asked " << bad.drm_di_major << "." << bad.drm_di_minor << " / "
			      << bad.drm_dd_major << "." << bad.drm_dd_minor);
		CHECK(master.ioctl(DRM_IOCTL_SET_VERSION, &bad) == -1);
		CHECK(errno == EINVAL);
	}

	// DRM_MASTER, as in the kernel's table.
	auto peer = f.open(1000);
	drm_set_version again{1, 4, -1, -1};
	CHECK(peer.ioctl(DRM_IOCTL_SET_VERSION, &again) == -1);
	CHECK(errno == EACCES);
}

TEST_CASE("the first opener is master; master rules follow the kernel")
{
	Fixture f;
	auto first = f.open(1000);
	auto second = f.open(1000);
	CHECK(f.device->master() == &first.file());

	// Unprivileged, never master: may not take it, even when it is free.
	CHECK(second.ioctl(DRM_IOCTL_SET_MASTER, nullptr) == -1);
	CHECK(errno == EACCES);
	CHECK(second.ioctl(DRM_IOCTL_DROP_MASTER, nullptr) == -1);
	CHECK(errno == EACCES);

	// The master drops and takes it back (it was master before).
	CHECK(first.ioctl(DRM_IOCTL_DROP_MASTER, nullptr) == 0);
	CHECK(f.device->master() == nullptr);
	CHECK(first.ioctl(DRM_IOCTL_DROP_MASTER, nullptr) == -1);
	CHECK(errno == EINVAL);
	CHECK(first.ioctl(DRM_IOCTL_SET_MASTER, nullptr) == 0);
	CHECK(first.roundTrips == 1); // no argument struct: answered at once

	// Root may take it when free, but not steal it.
	auto root = f.open(0);
	CHECK(root.ioctl(DRM_IOCTL_SET_MASTER, nullptr) == -1);
	CHECK(errno == EBUSY);

	// Closing the master frees the seat; the next opener gets it.
	first.file().release();
	auto third = f.open(1000);
	CHECK(f.device->master() == &third.file());
}

TEST_CASE("GET_MAGIC / AUTH_MAGIC authenticate a client; only the master may")
{
	Fixture f;
	auto master = f.open(0);
	auto client = f.open(1000);
	drm_auth auth{};
	REQUIRE(client.ioctl(DRM_IOCTL_GET_MAGIC, &auth) == 0);
	CHECK(auth.magic != 0);
	CHECK_FALSE(client.file().authenticated);

	CHECK(client.ioctl(DRM_IOCTL_AUTH_MAGIC, &auth) == -1);
	CHECK(errno == EACCES);
	drm_auth wrong{auth.magic + 1000};
	CHECK(master.ioctl(DRM_IOCTL_AUTH_MAGIC, &wrong) == -1);
	CHECK(errno == EINVAL);
	CHECK(master.ioctl(DRM_IOCTL_AUTH_MAGIC, &auth) == 0);
	CHECK(client.file().authenticated);
}

TEST_CASE("ioctl decoding: foreign type ENOTTY, unknown or unprovided number EINVAL")
{
	Fixture f;
	auto c = f.open();
	int dummy = 0;
	CHECK(c.ioctl(_IOWR('T', 0x01, int), &dummy) == -1);
	CHECK(errno == ENOTTY);
	CHECK(c.ioctl(DRM_IO(0xFE), nullptr) == -1);
	CHECK(errno == EINVAL);
	drm_mode_cursor cursor{};
	CHECK(c.ioctl(DRM_IOCTL_MODE_CURSOR, &cursor) == -1);
	CHECK(errno == EINVAL);
	CHECK(c.roundTrips == 1); // refused before any memory is fetched
}

TEST_CASE("sizes come from the table: a short caller struct is zero-extended")
{
	Fixture f;
	auto c = f.open();
	// GET_CAP with only the first 8 bytes (capability) declared: value is not copied back.
	struct {
		uint64_t capability;
		uint64_t value;
	} shortCap{DRM_CAP_DUMB_BUFFER, 777};
	const unsigned long cmd = DRM_IOWR(_IOC_NR(DRM_IOCTL_GET_CAP), uint64_t);
	REQUIRE(c.ioctl(cmd, &shortCap) == 0);
	CHECK(shortCap.value == 777);
}

TEST_CASE("bad pointers give EFAULT, as the kernel's copy would")
{
	Fixture f;
	auto c = f.open();
	CHECK(c.ioctl(DRM_IOCTL_GET_CAP, uint64_t(8)) == -1);
	CHECK(errno == EFAULT);
	char name[16];
	drm_version v{};
	v.name = reinterpret_cast<char *>(uintptr_t(16)), v.name_len = sizeof(name);
	CHECK(c.ioctl(DRM_IOCTL_VERSION, &v) == -1);
	CHECK(errno == EFAULT);
}

TEST_CASE("a huge array count never becomes a huge allocation")
{
	Fixture f;
	auto c = f.open();
	Ids ids = findIds(c);
	// The kernel's own check answers first: more connectors than exist.
	drm_mode_crtc crtc{};
	crtc.crtc_id = ids.crtc;
	crtc.mode_valid = 1;
	crtc.count_connectors = 1'000'000'000;
	crtc.set_connectors_ptr = 0x1000;
	crtc.fb_id = 1;
	Scanout s;
	REQUIRE(makeScanout(c, 320, 240, DRM_FORMAT_XRGB8888, s) == 0);
	crtc.fb_id = s.fb;
	drm_mode_modeinfo mode = f.device->modes()[0];
	crtc.mode = mode;
	CHECK(c.ioctl(DRM_IOCTL_MODE_SETCRTC, &crtc) == -1);
	CHECK(errno == EINVAL);
	// A read past the transfer limit is refused before anything is allocated.
	drm_mode_fb_dirty_cmd dirty{};
	dirty.fb_id = s.fb;
	dirty.num_clips = DRM_MODE_FB_DIRTY_MAX_CLIPS + 1;
	dirty.clips_ptr = 0x1000;
	CHECK(c.ioctl(DRM_IOCTL_MODE_DIRTYFB, &dirty) == -1);
	CHECK(errno == EINVAL);
	// Output arrays larger than the truth are filled with the truth only.
	drm_mode_card_res res{};
	uint32_t crtcs[4] = {};
	res.count_crtcs = 1'000'000'000;
	res.crtc_id_ptr = uint64_t(uintptr_t(crtcs));
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETRESOURCES, &res) == 0);
	CHECK(res.count_crtcs == 1);
	CHECK(crtcs[0] == ids.crtc);
}
