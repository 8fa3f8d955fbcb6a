// SPDX-License-Identifier: MIT
// Updater: the staged e-paper update. Which stages an update runs, for how long at the panel's
// temperature, and what the glass shows when it is done.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "repaper_cog.h"
#include "repaper_frame.h"
#include "repaper_options.h"

namespace tinydrm::repaper {

/// Test hooks. Called on the worker thread; a hook may block it (that is what they are for).
struct RepaperHooks {
	/// At the start of each stage of update @p update (1, 2, ...).
	std::function<void(uint32_t update, Stage stage)> stageStarted;
	/// When update @p update ends, with 0 or the -errno that ended it.
	std::function<void(uint32_t update, int result)> updateFinished;
};

/**
 * Updater - the update sequence over one Cog.
 *
 *   first update:  clear (black, black, white, white fixed frames through COMPENSATE, WHITE,
 *                  INVERSE, NORMAL), then draw onto white (white, white, new image INVERSE,
 *                  new image NORMAL)
 *   first update after a later power-up: COMPENSATE and WHITE of the image the glass shows,
 *                  INVERSE and NORMAL of the new one (as the reference drivers do after
 *                  every power-up)
 *   other updates: NORMAL of the new image, driving only pixels that change
 *   and, on panels with a pre-border byte, one more NORMAL pass when the bottom line has ink
 *   (without it grey streaks creep up from the bottom line's black pixels).
 * Each stage repeats whole frames until its stage time (the model's, scaled by temperature)
 * has passed.
 *
 * Threads: the panel's worker only. No locks.
 */
class Updater
{
public:
	Updater(Cog &cog, const RepaperConfig &config, RepaperHooks hooks, std::string name);

	/// Draws @p next (a whole 1 bpp frame). \return 0 or -errno; after a failure the glass
	/// is in an unknown state and the next update starts with the clear.
	int update(const std::vector<uint8_t> &next);
	/// The COG was powered up: its next update compensates the old image again.
	void poweredUp() { partial_ = false; }
	/// The stage time the next update would use, read from the thermal zone if configured.
	std::chrono::milliseconds stageTime();

private:
	int runStage(Stage stage, const uint8_t *image, const uint8_t *mask, uint8_t fixed,
		     std::chrono::milliseconds time);
	int runStages(const std::vector<uint8_t> &next, std::chrono::milliseconds time);

	Cog &cog_;
	const Model &model_;
	const RepaperConfig &config_;
	const RepaperHooks hooks_;
	const std::string name_;
	std::vector<uint8_t> current_; ///< what the glass shows (valid once cleared_)
	std::vector<uint8_t> line_;
	bool cleared_ = false; ///< the glass went through the clear sequence
	bool partial_ = false; ///< a NORMAL stage alone is enough for the next update
	uint32_t factor_ = 10; ///< the last temperature factor (kept when the zone cannot be read)
	bool thermalFailed_ = false;
	uint32_t updates_ = 0;
};

} // namespace tinydrm::repaper
