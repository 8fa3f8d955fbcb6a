// SPDX-License-Identifier: MIT
// Events: page-flip completion, vblank waits and events, CRTC sequences, read() and poll().
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include <poll.h>

#include <catch2/catch.hpp>

#include "fixture.h"
#include "wait_for.h"

using namespace tinydrm;
using namespace tinydrm::test;

namespace {

struct Shown {
	Fixture f;
	Loopback c = f.open();
	Ids ids = findIds(c);
	Scanout a, b;

	Shown()
	{
		REQUIRE(makeScanout(c, 320, 240, DRM_FORMAT_XRGB8888, a) == 0);
		REQUIRE(makeScanout(c, 320, 240, DRM_FORMAT_XRGB8888, b) == 0);
		REQUIRE(setCrtc(c, ids, a.fb) == 0);
	}

	/// Reads one event, waiting (by polling the file, never by sleeping) until one is queued.
	std::vector<uint8_t> readEvent(size_t size = 4096)
	{
		std::vector<uint8_t> out;
		REQUIRE(waitFor([&] { return (c.file().poll() & POLLIN) != 0; }));
		REQUIRE(c.file().read(size, out) > 0);
		return out;
	}
};

int flip(Loopback &c, const Ids &ids, uint32_t fb, uint64_t userData, uint32_t flags = DRM_MODE_PAGE_FLIP_EVENT)
{
	drm_mode_crtc_page_flip f{};
	f.crtc_id = ids.crtc;
	f.fb_id = fb;
	f.flags = flags;
	f.user_data = userData;
	return c.ioctl(DRM_IOCTL_MODE_PAGE_FLIP, &f) == 0 ? 0 : -errno;
}

} // namespace

TEST_CASE("PAGE_FLIP with an event: FLIP_COMPLETE arrives with user data, crtc and time")
{
	Shown s;
	CHECK(s.c.file().poll() == 0);
	std::vector<uint8_t> none;
	CHECK(s.c.file().read(4096, none) == -EAGAIN);

	REQUIRE(flip(s.c, s.ids, s.b.fb, 0xfeed) == 0);
	CHECK(flip(s.c, s.ids, s.a.fb, 1) == -EBUSY); // one flip at a time
	auto bytes = s.readEvent();
	REQUIRE(bytes.size() == sizeof(drm_event_vblank));
	drm_event_vblank e;
	std::memcpy(&e, bytes.data(), sizeof(e));
	CHECK(e.base.type == DRM_EVENT_FLIP_COMPLETE);
	CHECK(e.base.length == sizeof(e));
	CHECK(e.user_data == 0xfeed);
	CHECK(e.crtc_id == s.ids.crtc);
	CHECK((e.tv_sec || e.tv_usec));
	CHECK(s.f.device->pipe().fb == s.b.fb);

	// After completion the next flip is accepted.
	REQUIRE(waitFor([&] { return flip(s.c, s.ids, s.a.fb, 2) == 0; }));
	auto again = s.readEvent();
	drm_event_vblank e2;
	std::memcpy(&e2, again.data(), sizeof(e2));
	CHECK(e2.sequence > e.sequence);
}

TEST_CASE("PAGE_FLIP errors: bad flags, unknown objects, not master, format change, CRTC off")
{
	Shown s;
	CHECK(flip(s.c, s.ids, s.b.fb, 0, 0x1000) == -EINVAL);
	CHECK(flip(s.c, s.ids, s.b.fb, 0, DRM_MODE_PAGE_FLIP_ASYNC) == -EINVAL);
	CHECK(flip(s.c, s.ids, 4242, 0) == -ENOENT);
	Ids wrong = s.ids;
	wrong.crtc = s.ids.connector;
	CHECK(flip(s.c, wrong, s.b.fb, 0) == -ENOENT);
	Scanout rgb565;
	REQUIRE(makeScanout(s.c, 320, 240, DRM_FORMAT_RGB565, rgb565) == 0);
	CHECK(flip(s.c, s.ids, rgb565.fb, 0) == -EINVAL);
	auto other = s.f.open();
	CHECK(flip(other, s.ids, s.b.fb, 0) == -EACCES);
	drm_mode_crtc off{};
	off.crtc_id = s.ids.crtc;
	REQUIRE(s.c.ioctl(DRM_IOCTL_MODE_SETCRTC, &off) == 0);
	CHECK(flip(s.c, s.ids, s.b.fb, 0) == -EBUSY);
}

TEST_CASE("the event space is bounded like the kernel's: a client that never reads gets ENOMEM")
{
	Shown s;
	int queued = 0;
	int ret = 0;
	for (int i = 0; i < 1000 && ret == 0; i++) {
		drm_crtc_queue_sequence q{};
		q.crtc_id = s.ids.crtc;
		q.flags = DRM_CRTC_SEQUENCE_RELATIVE;
		q.sequence = 1'000'000; // far away: they stay pending
		ret = s.c.ioctl(DRM_IOCTL_CRTC_QUEUE_SEQUENCE, &q) == 0 ? 0 : -errno;
		queued += ret == 0;
	}
	CHECK(ret == -ENOMEM);
	CHECK(queued == int(EventQueue::kSpace / sizeof(drm_event_crtc_sequence)));
	// Turning the CRTC off completes them all (drm_crtc_vblank_off), freeing the space.
	drm_mode_crtc off{};
	off.crtc_id = s.ids.crtc;
	REQUIRE(s.c.ioctl(DRM_IOCTL_MODE_SETCRTC, &off) == 0);
	std::vector<uint8_t> out;
	CHECK(s.c.file().read(100000, out) == int(queued * sizeof(drm_event_crtc_sequence)));
}

TEST_CASE("read() returns whole events only; a too-small buffer gets 0 and keeps the event")
{
	Shown s;
	REQUIRE(flip(s.c, s.ids, s.b.fb, 7) == 0);
	REQUIRE(waitFor([&] { return (s.c.file().poll() & POLLIN) != 0; }));
	CHECK(s.c.file().poll() == (POLLIN | POLLRDNORM));
	std::vector<uint8_t> out;
	CHECK(s.c.file().read(sizeof(drm_event_vblank) - 1, out) == 0);
	CHECK(s.c.file().read(4096, out) == int(sizeof(drm_event_vblank)));
}

TEST_CASE("WAIT_VBLANK: relative and absolute waits, events, and the kernel's refusals")
{
	Shown s;
	drm_wait_vblank w{};
	w.request.type = _DRM_VBLANK_RELATIVE;
	w.request.sequence = 0;
	REQUIRE(s.c.ioctl(DRM_IOCTL_WAIT_VBLANK, &w) == 0); // a query
	const uint32_t now = w.reply.sequence;

	drm_wait_vblank next{};
	next.request.type = _DRM_VBLANK_RELATIVE;
	next.request.sequence = 2;
	REQUIRE(s.c.ioctl(DRM_IOCTL_WAIT_VBLANK, &next) == 0); // blocks ~2 frames
	CHECK(int32_t(next.reply.sequence - now) >= 2);

	drm_wait_vblank event{};
	event.request.type = drm_vblank_seq_type(_DRM_VBLANK_RELATIVE | _DRM_VBLANK_EVENT);
	event.request.sequence = 1;
	event.request.signal = 0xabc;
	REQUIRE(s.c.ioctl(DRM_IOCTL_WAIT_VBLANK, &event) == 0);
	auto bytes = s.readEvent();
	drm_event_vblank e;
	std::memcpy(&e, bytes.data(), sizeof(e));
	CHECK(e.base.type == DRM_EVENT_VBLANK);
	CHECK(e.user_data == 0xabc);
	CHECK(e.sequence == event.reply.sequence);

	drm_wait_vblank bad{};
	bad.request.type = _DRM_VBLANK_SIGNAL;
	CHECK(s.c.ioctl(DRM_IOCTL_WAIT_VBLANK, &bad) == -1);
	CHECK(errno == EINVAL);
	bad.request.type = drm_vblank_seq_type(1 << _DRM_VBLANK_HIGH_CRTC_SHIFT); // CRTC 1
	CHECK(s.c.ioctl(DRM_IOCTL_WAIT_VBLANK, &bad) == -1);
	CHECK(errno == EINVAL);

	drm_mode_crtc off{};
	off.crtc_id = s.ids.crtc;
	REQUIRE(s.c.ioctl(DRM_IOCTL_MODE_SETCRTC, &off) == 0);
	CHECK(s.c.ioctl(DRM_IOCTL_WAIT_VBLANK, &w) == -1);
	CHECK(errno == EINVAL);
}

TEST_CASE("CRTC_GET_SEQUENCE and CRTC_QUEUE_SEQUENCE")
{
	Shown s;
	drm_crtc_get_sequence g{};
	g.crtc_id = s.ids.crtc;
	REQUIRE(s.c.ioctl(DRM_IOCTL_CRTC_GET_SEQUENCE, &g) == 0);
	CHECK(g.active == 1);
	CHECK(g.sequence_ns > 0);

	drm_crtc_queue_sequence q{};
	q.crtc_id = s.ids.crtc;
	q.flags = DRM_CRTC_SEQUENCE_RELATIVE;
	q.sequence = 1;
	q.user_data = 99;
	REQUIRE(s.c.ioctl(DRM_IOCTL_CRTC_QUEUE_SEQUENCE, &q) == 0);
	CHECK(q.sequence >= g.sequence + 1);
	auto bytes = s.readEvent();
	drm_event_crtc_sequence e;
	REQUIRE(bytes.size() == sizeof(e));
	std::memcpy(&e, bytes.data(), sizeof(e));
	CHECK(e.base.type == DRM_EVENT_CRTC_SEQUENCE);
	CHECK(e.user_data == 99);
	CHECK(e.sequence == q.sequence);
	CHECK(e.time_ns >= g.sequence_ns);

	q.flags = 0x80;
	CHECK(s.c.ioctl(DRM_IOCTL_CRTC_QUEUE_SEQUENCE, &q) == -1);
	CHECK(errno == EINVAL);
	g.crtc_id = 4242;
	CHECK(s.c.ioctl(DRM_IOCTL_CRTC_GET_SEQUENCE, &g) == -1);
	CHECK(errno == ENOENT);
}

TEST_CASE("the wakeup fires when an event is queued")
{
	Shown s;
	std::atomic<int> wakeups = 0;
	s.c.file().setWakeup([&] { wakeups++; });
	REQUIRE(flip(s.c, s.ids, s.b.fb, 1) == 0);
	REQUIRE(waitFor([&] { return wakeups.load() > 0; }));
	CHECK((s.c.file().poll() & POLLIN));
}

TEST_CASE("a thread parked in WAIT_VBLANK does not stall other threads on the same file")
{
	Shown s;
	std::atomic<bool> waiterReturned = false;
	std::atomic<bool> waiterStarted = false;
	std::jthread waiter([&] {
		Loopback same(s.c.shared());
		drm_wait_vblank w{};
		w.request.type = _DRM_VBLANK_RELATIVE;
		w.request.sequence = 170; // ~2.8 s at 60 Hz, under the kernel's 3 s bound
		waiterStarted = true;
		same.ioctl(DRM_IOCTL_WAIT_VBLANK, &w);
		waiterReturned = true;
	});
	REQUIRE(waitFor([&] { return waiterStarted.load(); }));
	int completedWhileWaiting = 0;
	for (int i = 0; i < 50; i++) {
		drm_mode_card_res res{};
		REQUIRE(s.c.ioctl(DRM_IOCTL_MODE_GETRESOURCES, &res) == 0);
		completedWhileWaiting += !waiterReturned;
	}
	CHECK(completedWhileWaiting == 50);
}
