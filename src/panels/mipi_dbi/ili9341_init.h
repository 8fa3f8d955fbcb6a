// SPDX-License-Identifier: MIT
// The ILI9341 power-up sequence its panel modules share, with the values that differ per
// module (power, VCOM, gamma and display-function settings) given by each model.
#pragma once

#include <array>
#include <cstdint>

namespace tinydrm {

class MipiDbi;

/// ILI9341 registers beyond MIPI DCS (names as in the Ilitek datasheet).
namespace ili9341 {
inline constexpr uint8_t kFrameRateControl1 = 0xb1; ///< FRMCTR1: division ratio, frame rate
inline constexpr uint8_t kDisplayFunction = 0xb6;   ///< DISCTRL: scan mode, lines
inline constexpr uint8_t kEntryMode = 0xb7;         ///< ETMOD: low-voltage detect, gate output
inline constexpr uint8_t kPowerControl1 = 0xc0;     ///< PWCTRL1: GVDD level
inline constexpr uint8_t kPowerControl2 = 0xc1;     ///< PWCTRL2: step-up factor
inline constexpr uint8_t kVcomControl1 = 0xc5;      ///< VMCTRL1: VCOMH, VCOML
inline constexpr uint8_t kVcomControl2 = 0xc7;      ///< VMCTRL2: VCOM offset
inline constexpr uint8_t kPowerControlA = 0xcb;     ///< PWCTRLA: core voltage, VBC
inline constexpr uint8_t kPowerControlB = 0xcf;     ///< PWCTRLB: power control, discharge
inline constexpr uint8_t kPositiveGamma = 0xe0;     ///< PGAMCTRL: 15 bytes
inline constexpr uint8_t kNegativeGamma = 0xe1;     ///< NGAMCTRL: 15 bytes
inline constexpr uint8_t kDriverTimingA = 0xe8;     ///< DTCTRLA
inline constexpr uint8_t kDriverTimingB = 0xea;     ///< DTCTRLB
inline constexpr uint8_t kPowerOnSequence = 0xed;   ///< PWRSEQ
inline constexpr uint8_t kEnable3Gamma = 0xf2;      ///< EN3GAM: 3-gamma function
inline constexpr uint8_t kPumpRatio = 0xf7;         ///< PUMPCTRL
} // namespace ili9341

/// The module-specific values of the ILI9341 power-up.
struct Ili9341Tuning {
	std::array<uint8_t, 3> powerControlB;
	std::array<uint8_t, 3> driverTimingA;
	uint8_t powerControl1;
	uint8_t powerControl2;
	std::array<uint8_t, 2> vcomControl1;
	uint8_t vcomControl2;
	uint8_t enable3Gamma;
	std::array<uint8_t, 15> positiveGamma;
	std::array<uint8_t, 15> negativeGamma;
	std::array<uint8_t, 4> displayFunction;
};

/**
 * initIli9341 - display off, the power, timing and gamma registers, RGB565, sleep out and
 * display on (100 ms after each, for the charge pumps to settle). \return 0 or -errno.
 */
int initIli9341(MipiDbi &dbi, const Ili9341Tuning &tuning);

} // namespace tinydrm
