// SPDX-License-Identifier: MIT
/*
 * DOC: mi0283qt - the Multi-Inno MI0283QT, 320x240 landscape, on an ILI9341
 *
 * An RGB565 DbiPanel (dbi_panel.cpp explains enable, flush and disable) with the ILI9341
 * power-up (ili9341.cpp) in this module's values. Rotation values mean what they mean to the
 * kernel's mi0283qt driver, so a device tree's "rotation" carries over; note that its table
 * turns the other way from the ili9341 driver's (90 here is the module turned clockwise).
 */
#include "dbi_panel.h"
#include "ili9341_init.h"
#include "mipi_dbi_backends.h"

namespace tinydrm {

namespace {

constexpr Ili9341Tuning kMi0283qtTuning = {
	.powerControlB = {0x00, 0x83, 0x30},
	.driverTimingA = {0x85, 0x01, 0x79},
	.powerControl1 = 0x26,
	.powerControl2 = 0x11,
	.vcomControl1 = {0x35, 0x3e},
	.vcomControl2 = 0xbe,
	.enable3Gamma = 0x08,
	.positiveGamma = {0x1f, 0x1a, 0x18, 0x0a, 0x0f, 0x06, 0x45, 0x87, 0x32, 0x0a, 0x07, 0x02,
			  0x07, 0x05, 0x00},
	.negativeGamma = {0x00, 0x25, 0x27, 0x05, 0x10, 0x09, 0x3a, 0x78, 0x4d, 0x05, 0x18, 0x0d,
			  0x38, 0x3a, 0x1f},
	.displayFunction = {0x0a, 0x82, 0x27, 0x00},
};

int initMi0283qt(MipiDbi &dbi)
{
	return initIli9341(dbi, kMi0283qtTuning);
}

bool checkMi0283qt(const PanelSpec &spec, std::string &error)
{
	return checkDbiPanel(kMi0283qtModel, spec, error);
}

int createMi0283qt(const PanelSpec &spec, const PanelContext &context,
		   std::unique_ptr<Panel> &panel, std::string &error)
{
	return createDbiPanel(kMi0283qtModel, spec, context, panel, error);
}

} // namespace

const DbiModel kMi0283qtModel = {
	.name = "mi0283qt",
	.width = 320,
	.height = 240,
	.widthMm = 58,
	.heightMm = 43,
	.init = initMi0283qt,
	// The controller's portrait memory is turned to landscape on this module: rows and
	// columns exchanged at 0 and 180.
	.addressMode = {madctl::kMv | madctl::kMx | madctl::kMy, madctl::kMy, madctl::kMv,
			madctl::kMx},
	.defaultSpeedHz = 32000000,
};

const PanelBackend kMi0283qtBackend = {
	"mi0283qt",
	"mi0283qt:spi=/dev/spidevB.C,dc=CHIP:LINE[,reset=CHIP:LINE][,speed=HZ][,rotation=DEG]"
	"[,bgr=0|1][,dry-run=PATH[,realtime=1]]  320x240 Multi-Inno MI0283QT (ILI9341), RGB565",
	checkMi0283qt,
	createMi0283qt,
};

} // namespace tinydrm
