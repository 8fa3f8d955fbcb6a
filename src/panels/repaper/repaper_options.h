// SPDX-License-Identifier: MIT
// RepaperConfig: what a "repaper:..." panel spec asks for, parsed and checked without touching
// hardware.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "panel_spec.h"
#include "repaper_model.h"

namespace tinydrm::repaper {

/// The SPI clock the bus is opened at; the dry-run clock also counts wire time at it.
inline constexpr uint32_t kSpiSpeedHz = 8'000'000;
/// Temperatures accepted by temperature= (what the film's datasheet range could ever need).
inline constexpr int kMinTemperature = -40;
inline constexpr int kMaxTemperature = 85;
inline constexpr uint32_t kMaxStageTimeMs = 10'000;

/**
 * RepaperConfig - one panel's options.
 *
 *   model=e1144cs021|e1190cs021|e2200cs021|e2271cs021     (required)
 *   spi=/dev/spidevB.C  panel-on=  discharge=  reset=  busy=  CHIP:LINE each
 *   border=CHIP:LINE    (e2271cs021 only, and required there)
 *   dry-run=PATH        instead of spi= and the GPIOs: the wire bytes go to PATH
 *   realtime=0|1        dry-run only: waits and stage times pass for real
 *   temperature=C       fixed temperature, or
 *   thermal-zone=N      /sys/class/thermal/thermal_zoneN/temp, read at each update
 *                       (neither: stage times as at room temperature)
 *   stage-time=MS       overrides the model's base stage time (0: one frame per stage)
 */
struct RepaperConfig {
	const Model *model = nullptr;
	std::string spi;
	std::string panelOn;
	std::string border;
	std::string discharge;
	std::string reset;
	std::string busy;
	std::string dryRun;
	bool realtime = false;
	std::optional<int> temperature;
	/// The thermal zone's temp file (millidegrees Celsius), or empty.
	std::string thermalPath;
	uint32_t stageTimeMs = 0;

	bool dryRunMode() const { return !dryRun.empty(); }
};

/// Parses and checks @p spec. \return false with a one-line reason in @p error.
bool parseRepaperConfig(const PanelSpec &spec, RepaperConfig &config, std::string &error);

} // namespace tinydrm::repaper
