// SPDX-License-Identifier: MIT
/*
 * DOC: ili9341 - the Adafruit 2.4" "yx240qv29" module, 240x320 portrait, on an Ilitek ILI9341
 *
 * An RGB565 DbiPanel (dbi_panel.cpp explains enable, flush and disable); this file gives the
 * ILI9341 power-up that mi0283qt shares, this module's values for it, and its scan directions.
 * Rotation values mean what they mean to the kernel's ili9341 driver, so a device tree's
 * "rotation" carries over: the module is mounted turned that many degrees counter-clockwise.
 */
#include <chrono>

#include "dbi_panel.h"
#include "ili9341_init.h"
#include "mipi_dbi_backends.h"

namespace tinydrm {

using namespace std::chrono_literals;

int initIli9341(MipiDbi &dbi, const Ili9341Tuning &t)
{
	using namespace ili9341;
	const auto send = [&dbi](uint8_t cmd, const auto &params) {
		return dbi.command(cmd, params.data(), params.size());
	};
	// Each step depends on the previous one having reached the controller: stop at the first
	// error rather than program a half-powered panel.
	int ret = dbi.command(dcs::kSetDisplayOff);
	if (!ret)
		ret = send(kPowerControlB, t.powerControlB);
	if (!ret)
		ret = dbi.command(kPowerOnSequence, {0x64, 0x03, 0x12, 0x81});
	if (!ret)
		ret = send(kDriverTimingA, t.driverTimingA);
	if (!ret)
		ret = dbi.command(kPowerControlA, {0x39, 0x2c, 0x00, 0x34, 0x02});
	if (!ret)
		ret = dbi.command(kPumpRatio, {0x20});
	if (!ret)
		ret = dbi.command(kDriverTimingB, {0x00, 0x00});
	if (!ret)
		ret = dbi.command(kPowerControl1, {t.powerControl1});
	if (!ret)
		ret = dbi.command(kPowerControl2, {t.powerControl2});
	if (!ret)
		ret = send(kVcomControl1, t.vcomControl1);
	if (!ret)
		ret = dbi.command(kVcomControl2, {t.vcomControl2});
	if (!ret)
		ret = dbi.command(dcs::kSetPixelFormat, {dcs::kPixelFmt16Bit});
	if (!ret)
		ret = dbi.command(kFrameRateControl1, {0x00, 0x1b});
	if (!ret)
		ret = dbi.command(kEnable3Gamma, {t.enable3Gamma});
	if (!ret)
		ret = dbi.command(dcs::kSetGammaCurve, {0x01});
	if (!ret)
		ret = send(kPositiveGamma, t.positiveGamma);
	if (!ret)
		ret = send(kNegativeGamma, t.negativeGamma);
	if (!ret)
		ret = dbi.command(kEntryMode, {0x07});
	if (!ret)
		ret = send(kDisplayFunction, t.displayFunction);
	if (!ret)
		ret = dbi.command(dcs::kExitSleepMode);
	if (ret)
		return ret;
	dbi.sleep(100ms);
	if ((ret = dbi.command(dcs::kSetDisplayOn)))
		return ret;
	dbi.sleep(100ms);
	return 0;
}

namespace {

constexpr Ili9341Tuning kYx240qv29Tuning = {
	.powerControlB = {0x00, 0xc1, 0x30},
	.driverTimingA = {0x85, 0x00, 0x78},
	.powerControl1 = 0x23,
	.powerControl2 = 0x10,
	.vcomControl1 = {0x3e, 0x28},
	.vcomControl2 = 0x86,
	.enable3Gamma = 0x00,
	.positiveGamma = {0x0f, 0x31, 0x2b, 0x0c, 0x0e, 0x08, 0x4e, 0xf1, 0x37, 0x07, 0x10, 0x03,
			  0x0e, 0x09, 0x00},
	.negativeGamma = {0x00, 0x0e, 0x14, 0x03, 0x11, 0x07, 0x31, 0xc1, 0x48, 0x08, 0x0f, 0x0c,
			  0x31, 0x36, 0x0f},
	.displayFunction = {0x08, 0x82, 0x27, 0x00},
};

int initYx240qv29(MipiDbi &dbi)
{
	return initIli9341(dbi, kYx240qv29Tuning);
}

bool checkIli9341(const PanelSpec &spec, std::string &error)
{
	return checkDbiPanel(kIli9341Model, spec, error);
}

int createIli9341(const PanelSpec &spec, const PanelContext &context, std::unique_ptr<Panel> &panel,
		  std::string &error)
{
	return createDbiPanel(kIli9341Model, spec, context, panel, error);
}

} // namespace

const DbiModel kIli9341Model = {
	.name = "ili9341",
	.width = 240,
	.height = 320,
	.widthMm = 37,
	.heightMm = 49,
	.init = initYx240qv29,
	// The module's glass runs right to left against the controller's columns, hence MX at 0.
	.addressMode = {madctl::kMx, madctl::kMv, madctl::kMy,
			madctl::kMv | madctl::kMx | madctl::kMy},
	.defaultSpeedHz = 32000000,
};

const PanelBackend kIli9341Backend = {
	"ili9341",
	"ili9341:spi=/dev/spidevB.C,dc=CHIP:LINE[,reset=CHIP:LINE][,speed=HZ][,rotation=DEG]"
	"[,bgr=0|1][,dry-run=PATH[,realtime=1]]  240x320 ILI9341 (Adafruit yx240qv29), RGB565",
	checkIli9341,
	createIli9341,
};

} // namespace tinydrm
