// SPDX-License-Identifier: MIT
/*
 * DOC: the repaper backend
 *
 * Pervasive Displays' e-paper panels (Aurora Mb film on a G2 chip-on-glass controller, the
 * kernel's tiny/repaper.c) over spidev and GPIO lines, or a dry-run log.
 *
 * An e-paper update takes seconds (a few stages, each repeating whole frames for 0.3 to 10 s
 * depending on temperature), so flush() cannot wait for it: it converts the damage into the
 * panel's own 1 bpp "next frame" and returns, and the panel's worker thread runs the update.
 * Frames flushed while an update runs coalesce: when it is done the worker starts one update
 * of the latest next frame.
 *
 *   repaper_model     the panel models: sizes, line layout, channel select, stage times
 *   repaper_frame     one line on the wire: two-bit pixel codes, scan bytes, border bytes
 *   repaper_cog       the COG: SPI registers, power sequences, the stage clock
 *   repaper_update    the staged update (which stages, how long, what is on the glass)
 *   repaper_panel     this file: the Panel, the worker and what it is asked to do
 *   repaper_backend   the options and kRepaperBackend
 *
 * Jobs. All hardware access happens on the worker, in this order of priority:
 *   power-up      enable() asks and waits for the outcome (the modeset fails with it). When the
 *                 COG is still up (a disable whose power-down had not started yet) enable()
 *                 withdraws the power-down instead and returns at once.
 *   update        a next frame is pending and the COG is up.
 *   power-down    disable() asks and returns; it runs after the pending frame is drawn, so the
 *                 last image a client showed stays on the glass.
 * So enable() waits at most for a power-down and a power-up (about a second), never for an
 * update, and flush() and disable() never wait for the hardware.
 *
 * Destruction (unplug or release, never during a call): the worker is told to stop and
 * interrupted; a sleeping worker wakes at once and a sending one stops before its next line,
 * so a half-done update is abandoned within a line's time, not finished. The supply is then
 * cut without the power-down sequence.
 *
 * Hardware gone: -ENODEV from a transport makes the worker call PanelContext::hardwareGone
 * once and stop touching the hardware; later calls return -ENODEV.
 *
 * Threads and locks: enable/disable/flush/snapshot come from the owning device, one at a
 * time. mutex_ guards the requests, next_, shown_ and the power state; the worker holds it only
 * to pick a job or to publish its outcome, never while it talks to the hardware. The Cog,
 * Updater and transports belong to the worker.
 */
#include "repaper_panel.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <libdrm/drm_fourcc.h>
#include <libdrm/drm_mode.h>
#include <pthread.h>

#include "convert.h"
#include "log.h"

namespace tinydrm::repaper {

namespace {

auto &log()
{
	static auto logger = subsystemLogger("panels");
	return logger;
}

/// Where a 1 bpp frame's pixels turn white (the DRM mono helpers' threshold).
constexpr uint8_t kWhiteThreshold = 128;

/**
 * RepaperPanel - see the overview above for threads and locks.
 */
class RepaperPanel final : public Panel
{
public:
	RepaperPanel(const RepaperConfig &config, CogWiring wiring, const PanelContext &context,
		     RepaperHooks hooks)
		: config_(config), model_(*config.model), context_(context),
		  cog_(model_, std::move(wiring), interrupt_, context.name),
		  updater_(cog_, config_, std::move(hooks), context.name),
		  next_(model_.frameBytes(), 0xff), gray_(model_.width)
	{
		info_.name = "repaper";
		info_.connectorType = DRM_MODE_CONNECTOR_SPI;
		info_.widthMm = model_.widthMm;
		info_.heightMm = model_.heightMm;
		// The vblank clock ticks at 1 Hz: an update takes seconds, and a faster rate would
		// promise page flips the glass cannot show.
		info_.modes = {{model_.width, model_.height, 1}};
		info_.formats = {DRM_FORMAT_XRGB8888, DRM_FORMAT_RGB565};
		info_.asyncFlush = true;
		worker_ = std::thread([this] { run(); });
		pthread_setname_np(worker_.native_handle(), "tdrm-repaper");
	}

	~RepaperPanel() override
	{
		{
			std::lock_guard lock(mutex_);
			stop_ = true;
		}
		interrupt_.raise();
		work_.notify_all();
		worker_.join();
		// The worker is gone: the Cog is ours now.
		if (!gone_)
			cog_.powerOffNow();
	}

	const PanelInfo &info() const override { return info_; }

	int enable(const PanelMode &mode) override
	{
		if (mode.width != model_.width || mode.height != model_.height) {
			log()->error("{}: repaper: mode {}x{} is not the panel's {}x{}", context_.name,
				     mode.width, mode.height, model_.width, model_.height);
			return -EINVAL;
		}
		std::unique_lock lock(mutex_);
		if (gone_)
			return -ENODEV;
		powerDownRequested_ = false;
		if (power_ == Power::On)
			return 0;
		// A frame flushed while the panel was off is stale; the modeset flushes its own.
		frameDirty_ = false;
		powerUpRequested_ = true;
		work_.notify_all();
		done_.wait(lock, [this] { return !powerUpRequested_; });
		return powerUpResult_;
	}

	void disable() override
	{
		std::lock_guard lock(mutex_);
		if (gone_)
			return;
		powerDownRequested_ = true;
		work_.notify_all();
	}

	int flush(const FrameView &frame, const Rect &damage) override
	{
		const bool xrgb = frame.format == DRM_FORMAT_XRGB8888;
		if (!xrgb && frame.format != DRM_FORMAT_RGB565) {
			log()->error("{}: repaper: cannot show format 0x{:08x}", context_.name,
				     frame.format);
			return -EINVAL;
		}
		const int32_t x1 = std::max(damage.x1, 0);
		const int32_t y1 = std::max(damage.y1, 0);
		const int32_t x2 = std::min({damage.x2, int32_t(frame.width), int32_t(model_.width)});
		const int32_t y2 =
			std::min({damage.y2, int32_t(frame.height), int32_t(model_.height)});

		std::lock_guard lock(mutex_);
		if (gone_)
			return -ENODEV;
		if (x2 <= x1 || y2 <= y1)
			return 0;
		// Only the damage changes in the next frame; the update still redraws the whole
		// glass (the COG has no partial-area mode).
		for (int32_t y = y1; y < y2; y++) {
			const uint8_t *src = frame.data + size_t(y) * frame.pitch +
					     size_t(x1) * (xrgb ? 4 : 2);
			if (xrgb)
				convert::xrgb8888ToGray8(gray_.data(), src, size_t(x2 - x1));
			else
				convert::rgb565ToGray8(gray_.data(), src, size_t(x2 - x1));
			uint8_t *row = next_.data() + size_t(y) * model_.rowBytes();
			for (int32_t x = x1; x < x2; x++) {
				const uint8_t bit = uint8_t(1u << (x % 8));
				if (gray_[size_t(x - x1)] >= kWhiteThreshold)
					row[x / 8] |= bit;
				else
					row[x / 8] &= uint8_t(~bit);
			}
		}
		frameDirty_ = true;
		work_.notify_all();
		return 0;
	}

	int snapshot(std::vector<uint32_t> &pixels, uint32_t &width, uint32_t &height) override
	{
		std::lock_guard lock(mutex_);
		if (shown_.empty())
			return -ENODATA;
		width = model_.width;
		height = model_.height;
		pixels.resize(size_t(width) * height);
		for (uint32_t y = 0; y < height; y++)
			for (uint32_t x = 0; x < width; x++) {
				const bool white = (shown_[y * model_.rowBytes() + x / 8] >> (x % 8)) & 1;
				pixels[size_t(y) * width + x] = white ? 0x00ffffff : 0x00000000;
			}
		return 0;
	}

private:
	enum class Power { Off, On, GoingDown };

	void run();
	/// Worker, with @p lock held: logs the outcome of @p job, and when it found the hardware
	/// gone, says so to the daemon (once, with the lock dropped meanwhile).
	void finish(int ret, const char *job, std::unique_lock<std::mutex> &lock);

	const RepaperConfig config_;
	const Model &model_;
	const PanelContext context_;
	PanelInfo info_;

	Interrupt interrupt_;
	Cog cog_;         ///< worker only (the destructor's once the worker is joined)
	Updater updater_; ///< worker only
	std::vector<uint8_t> frame_; ///< worker only: the frame being drawn

	std::mutex mutex_;
	std::condition_variable work_; ///< the worker waits for a job
	std::condition_variable done_; ///< enable() waits for the power-up
	// Under mutex_:
	std::vector<uint8_t> next_; ///< 1 bpp, 1 = white; what the next update draws
	std::vector<uint8_t> shown_; ///< what the last completed update drew (empty: none yet)
	bool frameDirty_ = false;
	bool powerUpRequested_ = false;
	int powerUpResult_ = 0;
	bool powerDownRequested_ = false;
	Power power_ = Power::Off;
	bool gone_ = false;
	bool stop_ = false;

	std::vector<uint8_t> gray_; ///< flush() scratch: one row of gray
	std::thread worker_;        ///< last: starts once everything above exists
};

void RepaperPanel::finish(int ret, const char *job, std::unique_lock<std::mutex> &lock)
{
	if (!ret || ret == -ECANCELED)
		return;
	if (ret != -ENODEV) {
		log()->error("{}: repaper: {} failed ({})", context_.name, job, ret);
		return;
	}
	if (gone_)
		return;
	gone_ = true;
	power_ = Power::Off;
	log()->warn("{}: repaper: the hardware went away during {}", context_.name, job);
	if (context_.hardwareGone) {
		lock.unlock();
		context_.hardwareGone("repaper: the SPI device or a GPIO line went away");
		lock.lock();
	}
}

void RepaperPanel::run()
{
	std::unique_lock lock(mutex_);
	while (true) {
		work_.wait(lock, [this] {
			return stop_ || powerUpRequested_ || powerDownRequested_ ||
			       (frameDirty_ && power_ == Power::On);
		});
		if (stop_)
			return;

		if (powerUpRequested_) {
			// gone_ is only written by this thread, so reading it unlocked is fine.
			lock.unlock();
			int ret = -ENODEV;
			if (!gone_) {
				cog_.startJob();
				ret = cog_.powerUp();
				if (!ret) {
					updater_.poweredUp();
					cog_.mark("power-up");
				}
			}
			lock.lock();
			// The daemon hears of a gone device before enable() returns.
			finish(ret, "power-up", lock);
			power_ = ret ? Power::Off : Power::On;
			powerUpResult_ = ret;
			powerUpRequested_ = false;
			done_.notify_all();
		} else if (frameDirty_ && power_ == Power::On) {
			frame_ = next_;
			frameDirty_ = false;
			lock.unlock();
			cog_.startJob();
			const int ret = updater_.update(frame_);
			lock.lock();
			if (!ret)
				shown_ = frame_;
			finish(ret, "update", lock);
		} else {
			powerDownRequested_ = false;
			if (power_ != Power::On)
				continue;
			power_ = Power::GoingDown;
			lock.unlock();
			cog_.startJob();
			const int ret = cog_.powerDown();
			if (!ret)
				cog_.mark("power-down");
			lock.lock();
			power_ = Power::Off;
			finish(ret, "power-down", lock);
		}
	}
}

} // namespace

std::unique_ptr<Panel> makeRepaperPanel(const RepaperConfig &config, CogWiring wiring,
					const PanelContext &context, RepaperHooks hooks)
{
	return std::make_unique<RepaperPanel>(config, std::move(wiring), context,
					      std::move(hooks));
}

} // namespace tinydrm::repaper
