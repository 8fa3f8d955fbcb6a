// SPDX-License-Identifier: MIT
#include "repaper_update.h"

#include <cerrno>
#include <cstdio>
#include <string>

#include "log.h"

namespace tinydrm::repaper {

namespace {

auto &log()
{
	static auto logger = subsystemLogger("panels");
	return logger;
}

/// Reads a thermal zone's temp file (millidegrees Celsius). \return 0 or -errno.
int readThermal(const std::string &path, int &celsius)
{
	FILE *file = std::fopen(path.c_str(), "re");
	if (!file)
		return -errno;
	long millidegrees = 0;
	const int items = std::fscanf(file, "%ld", &millidegrees);
	std::fclose(file);
	if (items != 1 || millidegrees < -273'150 || millidegrees > 1'000'000)
		return -EINVAL;
	celsius = int(millidegrees / 1000);
	return 0;
}

} // namespace

Updater::Updater(Cog &cog, const RepaperConfig &config, RepaperHooks hooks, std::string name)
	: cog_(cog), model_(cog.model()), config_(config), hooks_(std::move(hooks)),
	  name_(std::move(name)), current_(model_.frameBytes()), line_(model_.lineBytes())
{
	if (config_.temperature)
		factor_ = temperatureFactor(*config_.temperature);
}

std::chrono::milliseconds Updater::stageTime()
{
	if (!config_.thermalPath.empty()) {
		int celsius = 0;
		if (int ret = readThermal(config_.thermalPath, celsius)) {
			// Keep the last factor: one bad read should not make an update in the cold
			// too short (ghosting) or, the other way, needlessly long.
			if (!thermalFailed_)
				log()->warn("{}: repaper: cannot read {} ({}); keeping the last stage time",
					    name_, config_.thermalPath, -ret);
			thermalFailed_ = true;
		} else {
			thermalFailed_ = false;
			factor_ = temperatureFactor(celsius);
		}
	}
	return std::chrono::milliseconds(config_.stageTimeMs * factor_ / 10);
}

int Updater::runStage(Stage stage, const uint8_t *image, const uint8_t *mask, uint8_t fixed,
		      std::chrono::milliseconds time)
{
	if (hooks_.stageStarted)
		hooks_.stageStarted(updates_ + 1, stage);
	const Cog::Duration start = cog_.now();
	// At least one frame, then frames until the stage time has passed: a stage is only as
	// good as the number of times each line was driven.
	do {
		for (uint32_t y = 0; y < model_.height; y++) {
			LineSource source;
			source.fixed = fixed;
			if (image)
				source.image = image + y * model_.rowBytes();
			if (mask)
				source.mask = mask + y * model_.rowBytes();
			encodeLine(model_, y, source, stage, line_.data());
			if (int ret = cog_.sendLine(line_.data()))
				return ret;
		}
		if (int ret = cog_.pace())
			return ret;
	} while (cog_.now() - start < time);
	return 0;
}

int Updater::runStages(const std::vector<uint8_t> &next, std::chrono::milliseconds time)
{
	const uint8_t *now = current_.data();
	const uint8_t *image = next.data();
	int ret = 0;
	if (partial_) {
		ret = runStage(Stage::Normal, image, now, 0, time);
	} else if (cleared_) {
		const Stage stages[] = {Stage::Compensate, Stage::White, Stage::Inverse, Stage::Normal};
		for (Stage stage : stages) {
			const bool old = stage == Stage::Compensate || stage == Stage::White;
			if (!ret)
				ret = runStage(stage, old ? now : image, nullptr, 0, time);
		}
	} else {
		// The glass's state is unknown: drive everything black, then white, then draw
		// the image as if onto a white screen.
		struct Fixed {
			Stage stage;
			uint8_t fixed;
		};
		static constexpr Fixed kClear[] = {
			{Stage::Compensate, kFixedBlack}, {Stage::White, kFixedBlack},
			{Stage::Inverse, kFixedWhite},    {Stage::Normal, kFixedWhite},
			{Stage::Compensate, kFixedWhite}, {Stage::White, kFixedWhite},
		};
		for (const Fixed &step : kClear)
			if (!ret)
				ret = runStage(step.stage, nullptr, nullptr, step.fixed, time);
		if (!ret)
			ret = runStage(Stage::Inverse, image, nullptr, 0, time);
		if (!ret)
			ret = runStage(Stage::Normal, image, nullptr, 0, time);
	}
	if (ret)
		return ret;
	if (model_.preBorderByte &&
	    rowHasInk(image + (model_.height - 1) * model_.rowBytes(), model_.width))
		ret = runStage(Stage::Normal, image, nullptr, 0, time);
	return ret;
}

int Updater::update(const std::vector<uint8_t> &next)
{
	const std::chrono::milliseconds time = stageTime();
	log()->debug("{}: repaper: update {}: {} stage time {} ms", name_, updates_ + 1,
		     partial_ ? "partial" : cleared_ ? "full" : "clearing", time.count());
	const int ret = runStages(next, time);
	if (ret) {
		cleared_ = false;
		partial_ = false;
	} else {
		current_ = next;
		cleared_ = true;
		partial_ = true;
		updates_++;
		cog_.mark("update " + std::to_string(updates_));
	}
	if (hooks_.updateFinished)
		hooks_.updateFinished(ret ? updates_ + 1 : updates_, ret);
	return ret;
}

} // namespace tinydrm::repaper
