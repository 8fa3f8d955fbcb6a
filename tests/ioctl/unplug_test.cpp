// SPDX-License-Identifier: MIT
// Unplug with files open: what every entry point answers afterwards, who wakes, what is freed.
#include <atomic>
#include <cerrno>
#include <thread>
#include <vector>

#include <poll.h>

#include <catch2/catch.hpp>

#include "fixture.h"
#include "wait_for.h"

using namespace tinydrm;
using namespace tinydrm::test;

namespace {

/// A virtual panel that records when it is released (the hardware handle going away).
class WatchedPanel : public Panel
{
public:
	WatchedPanel(std::atomic<bool> &released) : inner_(makeVirtualPanel(320, 240, 60)), released_(released) {}
	~WatchedPanel() override { released_ = true; }
	const PanelInfo &info() const override { return inner_->info(); }
	int enable(const PanelMode &m) override { return inner_->enable(m); }
	int flush(const FrameView &f, const Rect &d) override { return inner_->flush(f, d); }

private:
	std::unique_ptr<Panel> inner_;
	std::atomic<bool> &released_;
};

} // namespace

TEST_CASE("after unplug: ioctl and open ENODEV, queued events still read, then ENODEV; poll HUP")
{
	std::atomic<bool> panelReleased = false;
	auto device = DrmDevice::create("tinydrm-u", std::make_unique<WatchedPanel>(panelReleased));
	REQUIRE(device->publish() == 0);
	std::shared_ptr<DrmFile> file;
	REQUIRE(device->openFile(0, file) == 0);
	Loopback c(file);
	Ids ids = findIds(c);
	Scanout s, t;
	REQUIRE(makeScanout(c, 320, 240, DRM_FORMAT_XRGB8888, s) == 0);
	REQUIRE(makeScanout(c, 320, 240, DRM_FORMAT_XRGB8888, t) == 0);
	REQUIRE(setCrtc(c, ids, s.fb) == 0);
	drm_mode_crtc_page_flip flip{};
	flip.crtc_id = ids.crtc, flip.fb_id = t.fb, flip.flags = DRM_MODE_PAGE_FLIP_EVENT;
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_PAGE_FLIP, &flip) == 0);
	REQUIRE(waitFor([&] { return (file->poll() & POLLIN) != 0; }));

	std::atomic<int> wakeups = 0;
	file->setWakeup([&] { wakeups++; });
	std::weak_ptr<DrmDevice> watch = device;
	REQUIRE(device->unplug() == 0);
	CHECK(panelReleased);
	CHECK(wakeups > 0); // a blocked reader would be answered now

	drm_get_cap cap{DRM_CAP_DUMB_BUFFER, 0};
	CHECK(c.ioctl(DRM_IOCTL_GET_CAP, &cap) == -1);
	CHECK(errno == ENODEV);
	CHECK(file->poll() == (POLLIN | POLLRDNORM | POLLERR | POLLHUP));
	std::vector<uint8_t> out;
	CHECK(file->read(4096, out) == int(sizeof(drm_event_vblank))); // queued before unplug
	CHECK(file->read(4096, out) == -ENODEV);
	CHECK(file->poll() == (POLLERR | POLLHUP));
	std::shared_ptr<DrmFile> late;
	CHECK(device->openFile(0, late) == -ENODEV);

	device.reset(); // the registration lets go: the open file keeps the device
	CHECK_FALSE(watch.expired());
	file->release();
	c = Loopback(nullptr);
	file.reset();
	CHECK(watch.expired());
}

TEST_CASE("unplug while clients are inside ioctls and blocked waiting for vblank")
{
	Fixture f;
	auto master = f.open();
	Ids ids = findIds(master);
	Scanout s;
	REQUIRE(makeScanout(master, 320, 240, DRM_FORMAT_XRGB8888, s) == 0);
	REQUIRE(setCrtc(master, ids, s.fb) == 0);

	constexpr int kClients = 4;
	std::atomic<int> started = 0, badAnswers = 0, enodev = 0;
	std::atomic<bool> stop = false;
	std::vector<std::jthread> clients;
	for (int i = 0; i < kClients; i++) {
		clients.emplace_back([&, i] {
			auto c = f.open();
			started++;
			while (!stop) {
				int ret;
				if (i % 2) {
					drm_wait_vblank w{};
					w.request.type = _DRM_VBLANK_RELATIVE;
					w.request.sequence = 1000; // would block for long
					ret = c.ioctl(DRM_IOCTL_WAIT_VBLANK, &w);
				} else {
					drm_mode_card_res res{};
					ret = c.ioctl(DRM_IOCTL_MODE_GETRESOURCES, &res);
				}
				if (ret == -1 && errno == ENODEV) {
					enodev++;
					break;
				}
				if (ret != 0 && !(i % 2 && errno == EBUSY))
					badAnswers++;
			}
			c.file().release();
		});
	}
	REQUIRE(waitFor([&] { return started.load() == kClients; }));
	REQUIRE(f.device->unplug() == 0); // returns although waiters were blocked inside
	stop = true;
	clients.clear();
	CHECK(badAnswers == 0);
	CHECK(enodev == kClients);
}
