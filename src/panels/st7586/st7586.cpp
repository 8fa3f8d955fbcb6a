// SPDX-License-Identifier: MIT
/*
 * DOC: st7586 - the Sitronix ST7586 on the LEGO EV3 display, 178x128, 4 gray levels
 *
 * Wire: the MIPI DBI command layer (8-bit SPI plus a D/C line, called "a0" on the EV3), with
 * no read-back. Only XRGB8888 is taken: each pixel becomes 8-bit gray (3R + 6G + B) / 10, then
 * one of 4 levels (gray >> 6), and three pixels share a byte: 3 bits each for the first two,
 * the top 2 of the same code for the third (convert::gray8ToSt7586).
 *
 * flush(): because a byte holds three pixels, the damage's x range is widened to multiples of
 * 3 and the column address counts bytes (x / 3, inclusive end); the page address counts rows.
 * The 178-pixel rows end in a byte whose last two pixels have no glass; they, like anything
 * right of the frame, are sent white. Synchronous; a dry-run log gets "flush N" after each.
 *
 * enable(): an unconditional reset (the controller cannot be asked whether it is on), the OTP
 * read-out and analog setup, gray mode, then DISPLAY_ON after the first flush so the glass
 * never shows what the memory held before. disable(): DISPLAY_OFF.
 *
 * Rotation: only 0. The controller can mirror rows and columns but not exchange them, so 90
 * and 270 cannot be shown; a mirror also moves the image to the other end of the controller's
 * 384 columns, of which the glass shows 178, so 180 would need an offset we cannot check
 * without the hardware.
 */
#include "st7586_backend.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include <libdrm/drm_fourcc.h>
#include <libdrm/drm_mode.h>

#include "convert.h"
#include "log.h"

namespace tinydrm {

namespace {

using namespace std::chrono_literals;

auto &log()
{
	static auto logger = subsystemLogger("panels");
	return logger;
}

// ST7586 commands beyond MIPI DCS (names as in the Sitronix datasheet).
constexpr uint8_t kDisplayModeGray = 0x38;
constexpr uint8_t kEnableDdram = 0x3a;
constexpr uint8_t kSetDisplayDuty = 0xb0;
constexpr uint8_t kSetPartialDisplay = 0xb4;
constexpr uint8_t kSetNLineInversion = 0xb5;
constexpr uint8_t kSetVop = 0xc0;
constexpr uint8_t kSetBiasSystem = 0xc3;
constexpr uint8_t kSetBoostLevel = 0xc4;
constexpr uint8_t kSetVopOffset = 0xc7;
constexpr uint8_t kEnableAnalog = 0xd0;
constexpr uint8_t kAutoReadControl = 0xd7;
constexpr uint8_t kOtpRwControl = 0xe0;
constexpr uint8_t kOtpControlOut = 0xe1;
constexpr uint8_t kOtpRead = 0xe3;

constexpr uint32_t kWidth = 178;
constexpr uint32_t kHeight = 128;
/// The EV3 clocks its display at 10 MHz.
constexpr uint32_t kDefaultSpeedHz = 10000000;
constexpr uint32_t kRefreshHz = 30;

DbiOptionRules rules()
{
	DbiOptionRules r;
	r.defaultSpeedHz = kDefaultSpeedHz;
	r.quarterTurns = false;
	r.halfTurn = false;
	r.bgrOption = false;
	return r;
}

/**
 * St7586Panel - called by its DrmDevice only (under its modeset lock, in a gate section), so
 * it has no lock of its own; MipiDbi calls PanelContext::hardwareGone from that same thread.
 */
class St7586Panel final : public Panel
{
public:
	St7586Panel(DbiWiring wiring, const PanelContext &context)
		: dbi_(std::move(wiring), context.name.empty() ? std::string("st7586") : context.name,
		       context.hardwareGone)
	{
		info_.name = "st7586";
		info_.connectorType = DRM_MODE_CONNECTOR_SPI;
		info_.widthMm = 37;
		info_.heightMm = 27;
		info_.modes = {{kWidth, kHeight, kRefreshHz}};
		info_.formats = {DRM_FORMAT_XRGB8888};
		info_.asyncFlush = false;
	}

	const PanelInfo &info() const override { return info_; }

	int enable(const PanelMode &mode) override
	{
		if (mode.width != kWidth || mode.height != kHeight) {
			log()->error("{}: mode {}x{} is not the panel's {}x{}", dbi_.name(), mode.width,
				     mode.height, kWidth, kHeight);
			return -EINVAL;
		}
		int ret = dbi_.powerOnReset(false);
		if (!ret)
			ret = init();
		if (ret)
			return ret;
		enabled_ = true;
		displayOnPending_ = true;
		return 0;
	}

	void disable() override
	{
		if (!enabled_ || dbi_.gone())
			return;
		enabled_ = false;
		dbi_.command(dcs::kSetDisplayOff);
	}

	int flush(const FrameView &frame, const Rect &damage) override
	{
		if (dbi_.gone())
			return -ENODEV;
		if (!enabled_)
			return 0;
		if (frame.format != DRM_FORMAT_XRGB8888) {
			log()->error("{}: cannot show format {:#010x} (XRGB8888 only)", dbi_.name(),
				     frame.format);
			return -EINVAL;
		}
		if (!frame.data || frame.pitch < uint64_t(frame.width) * 4) {
			log()->error("{}: bad frame (pitch {} for width {})", dbi_.name(), frame.pitch,
				     frame.width);
			return -EINVAL;
		}

		// What the frame has of the glass; the damage is clipped to it.
		const int32_t haveX = int32_t(std::min(frame.width, kWidth));
		const int32_t haveY = int32_t(std::min(frame.height, kHeight));
		const int32_t y1 = std::max(damage.y1, 0);
		const int32_t y2 = std::min(damage.y2, haveY);
		int32_t x1 = std::max(damage.x1, 0);
		int32_t x2 = std::min(damage.x2, haveX);
		if (x2 <= x1 || y2 <= y1)
			return 0;
		// Three pixels a byte: whole bytes only.
		x1 = x1 / 3 * 3;
		x2 = (x2 + 2) / 3 * 3;

		const size_t pixels = size_t(x2 - x1);
		const size_t pitch = pixels / 3;
		const size_t fromFrame = size_t(std::min(x2, haveX) - x1);
		gray_.resize(pixels);
		std::fill(gray_.begin() + ptrdiff_t(fromFrame), gray_.end(), uint8_t(0xff));
		tx_.resize(pitch * size_t(y2 - y1));
		for (int32_t y = y1; y < y2; y++) {
			const uint8_t *src = frame.data + size_t(y) * frame.pitch + size_t(x1) * 4;
			convert::xrgb8888ToGray8(gray_.data(), src, fromFrame);
			convert::gray8ToSt7586(tx_.data() + size_t(y - y1) * pitch, gray_.data(),
					       pixels);
		}

		int ret = dbi_.writeWindow(uint16_t(x1 / 3), uint16_t(y1), uint16_t(x2 / 3 - 1),
					   uint16_t(y2 - 1), tx_.data(), tx_.size());
		if (!ret && displayOnPending_) {
			ret = dbi_.command(dcs::kSetDisplayOn);
			displayOnPending_ = ret != 0;
		}
		if (ret)
			return ret;
		dbi_.mark("flush " + std::to_string(++flushes_));
		return 0;
	}

private:
	/// The EV3 power-up: OTP values into the registers, analog circuits on, gray mode.
	int init()
	{
		int ret = dbi_.command(kAutoReadControl, {0x9f});
		if (!ret)
			ret = dbi_.command(kOtpRwControl, {0x00});
		if (ret)
			return ret;
		dbi_.sleep(10ms);
		if ((ret = dbi_.command(kOtpRead)))
			return ret;
		dbi_.sleep(20ms);
		ret = dbi_.command(kOtpControlOut);
		if (!ret)
			ret = dbi_.command(dcs::kExitSleepMode);
		if (!ret)
			ret = dbi_.command(dcs::kSetDisplayOff);
		if (ret)
			return ret;
		dbi_.sleep(50ms);
		ret = dbi_.command(kSetVopOffset, {0x00});
		if (!ret)
			ret = dbi_.command(kSetVop, {0xe3, 0x00});
		if (!ret)
			ret = dbi_.command(kSetBiasSystem, {0x02});
		if (!ret)
			ret = dbi_.command(kSetBoostLevel, {0x04});
		if (!ret)
			ret = dbi_.command(kEnableAnalog, {0x1d});
		if (!ret)
			ret = dbi_.command(kSetNLineInversion, {0x00});
		if (!ret)
			ret = dbi_.command(kDisplayModeGray);
		if (!ret)
			ret = dbi_.command(kEnableDdram, {0x02});
		// Scan direction: rotation 0 is the controller's own (no MX, no MY).
		if (!ret)
			ret = dbi_.command(dcs::kSetAddressMode, {0x00});
		if (!ret)
			ret = dbi_.command(kSetDisplayDuty, {0x7f});
		if (!ret)
			ret = dbi_.command(kSetPartialDisplay, {0xa0});
		if (!ret)
			ret = dbi_.command(dcs::kSetPartialRows, {0x00, 0x00, 0x00, 0x77});
		if (!ret)
			ret = dbi_.command(dcs::kExitInvertMode);
		if (ret)
			return ret;
		dbi_.sleep(100ms);
		return 0;
	}

	MipiDbi dbi_;
	PanelInfo info_;
	bool enabled_ = false;
	bool displayOnPending_ = false;
	uint32_t flushes_ = 0;
	std::vector<uint8_t> gray_; ///< one widened row as gray8
	std::vector<uint8_t> tx_;   ///< the window's packed bytes
};

bool checkSt7586(const PanelSpec &spec, std::string &error)
{
	DbiOptions options;
	return parseDbiOptions(spec, rules(), options, error);
}

int createSt7586(const PanelSpec &spec, const PanelContext &context, std::unique_ptr<Panel> &panel,
		 std::string &error)
{
	DbiOptions options;
	if (!parseDbiOptions(spec, rules(), options, error))
		return -EINVAL;
	DbiWiring wiring;
	if (int ret = openDbiWiring(options, wiring, error))
		return ret;
	panel = makeSt7586Panel(std::move(wiring), context);
	return 0;
}

} // namespace

std::unique_ptr<Panel> makeSt7586Panel(DbiWiring wiring, const PanelContext &context)
{
	return std::make_unique<St7586Panel>(std::move(wiring), context);
}

const PanelBackend kSt7586Backend = {
	"st7586",
	"st7586:spi=/dev/spidevB.C,dc=CHIP:LINE[,reset=CHIP:LINE][,speed=HZ]"
	"[,dry-run=PATH[,realtime=1]]  178x128 Sitronix ST7586 (LEGO EV3), 4 gray levels",
	checkSt7586,
	createSt7586,
};

} // namespace tinydrm
