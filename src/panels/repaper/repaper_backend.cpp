// SPDX-License-Identifier: MIT
// The repaper backend's options (repaper_options.h lists them) and its entry in the backend
// table. Checking never touches hardware; create() opens the bus, the lines or the dry-run log.
#include "repaper_backend.h"

#include <array>
#include <cerrno>
#include <cstdio>

#include "log.h"
#include "repaper_panel.h"

namespace tinydrm {

namespace repaper {

namespace {

auto &log()
{
	static auto logger = subsystemLogger("panels");
	return logger;
}

constexpr std::array<std::string_view, 12> kKeys = {
	"model", "spi", "panel-on", "border", "discharge", "reset", "busy", "dry-run", "realtime",
	"temperature", "thermal-zone", "stage-time",
};

/// A signed decimal in [kMinTemperature, kMaxTemperature].
bool parseTemperature(std::string_view text, int &celsius)
{
	const bool negative = !text.empty() && text.front() == '-';
	uint32_t magnitude = 0;
	const uint32_t limit = uint32_t(negative ? -kMinTemperature : kMaxTemperature);
	if (!parseDecimal(negative ? text.substr(1) : text, 0, limit, magnitude))
		return false;
	celsius = negative ? -int(magnitude) : int(magnitude);
	return true;
}

std::string modelNames()
{
	std::string names;
	for (const Model &model : models())
		names += (names.empty() ? "" : "|") + std::string(model.name);
	return names;
}

} // namespace

bool parseRepaperConfig(const PanelSpec &spec, RepaperConfig &config, std::string &error)
{
	config = RepaperConfig{};
	if (!checkOptionKeys(spec, kKeys, error))
		return false;
	if (!spec.positional.empty()) {
		error = "repaper takes no positional argument ('" + spec.positional +
			"'); name the panel with model=" + modelNames();
		return false;
	}
	const std::string *model = spec.option("model");
	config.model = model ? findModel(*model) : nullptr;
	if (!config.model) {
		error = model ? "unknown repaper model '" + *model + "'" : "repaper needs model=";
		error += " (one of " + modelNames() + ")";
		return false;
	}
	config.stageTimeMs = config.model->stageTimeMs;

	auto text = [&](std::string_view key) -> std::string {
		const std::string *value = spec.option(key);
		return value ? *value : std::string();
	};
	config.spi = text("spi");
	config.panelOn = text("panel-on");
	config.border = text("border");
	config.discharge = text("discharge");
	config.reset = text("reset");
	config.busy = text("busy");
	config.dryRun = text("dry-run");

	struct Line {
		std::string_view key;
		const std::string &spec;
	};
	const Line lines[] = {
		{"panel-on", config.panelOn}, {"border", config.border},
		{"discharge", config.discharge}, {"reset", config.reset}, {"busy", config.busy},
	};
	if (config.dryRunMode()) {
		for (const Line &line : lines)
			if (!line.spec.empty()) {
				error = "repaper: dry-run= replaces the GPIOs; drop " +
					std::string(line.key) + "=";
				return false;
			}
		if (!config.spi.empty()) {
			error = "repaper: dry-run= replaces the SPI device; drop spi=";
			return false;
		}
	} else {
		if (config.spi.empty() || config.spi.front() != '/') {
			error = config.spi.empty() ? "repaper needs spi=/dev/spidevB.C (or dry-run=PATH)"
						   : "repaper: spi= wants a device path, not '" +
							     config.spi + "'";
			return false;
		}
		for (const Line &line : lines) {
			if (line.key == "border" && !config.model->borderGpio)
				continue;
			if (line.spec.empty()) {
				error = "repaper " + std::string(config.model->name) + " needs " +
					std::string(line.key) + "=CHIP:LINE";
				return false;
			}
			std::string why;
			if (!checkGpioSpec(line.spec, why)) {
				error = "repaper: bad " + std::string(line.key) + "= (" + why + ")";
				return false;
			}
		}
	}
	if (!config.border.empty() && !config.model->borderGpio) {
		error = "repaper " + std::string(config.model->name) +
			" has no border line (only e2271cs021 does); drop border=";
		return false;
	}

	uint32_t realtime = 0;
	if (!parseNumberOption(spec, "realtime", 0, 1, realtime, error))
		return false;
	config.realtime = realtime;
	if (config.realtime && !config.dryRunMode()) {
		error = "repaper: realtime= only applies to dry-run= (hardware always takes its time)";
		return false;
	}

	const std::string *temperature = spec.option("temperature");
	const std::string *zone = spec.option("thermal-zone");
	if (temperature && zone) {
		error = "repaper: give temperature= or thermal-zone=, not both";
		return false;
	}
	if (temperature) {
		int celsius = 0;
		if (!parseTemperature(*temperature, celsius)) {
			error = "repaper: bad temperature '" + *temperature + "' (want " +
				std::to_string(kMinTemperature) + ".." +
				std::to_string(kMaxTemperature) + " °C)";
			return false;
		}
		config.temperature = celsius;
	}
	if (zone) {
		uint32_t index = 0;
		if (!parseNumberOption(spec, "thermal-zone", 0, 9999, index, error))
			return false;
		config.thermalPath =
			"/sys/class/thermal/thermal_zone" + std::to_string(index) + "/temp";
	}
	return parseNumberOption(spec, "stage-time", 0, kMaxStageTimeMs, config.stageTimeMs, error);
}

SpiResponder healthyCogResponder()
{
	return [](const uint8_t *tx, uint8_t *rx, size_t length) {
		// Reads are a header and one clocked-out byte; the answer comes in the second.
		if (!tx || length < 2)
			return;
		if (tx[0] == 0x71)
			rx[1] = 0x12; // the G2 COG's ID
		else if (tx[0] == 0x73)
			rx[1] = 0xc0; // status (the only register read): glass ok, DC/DC ok
	};
}

CogWiring dryRunWiring(const Model &model, WireLog &log, bool realtime)
{
	CogWiring wiring;
	wiring.log = &log;
	wiring.realtime = realtime;
	wiring.spi = makeDryRunSpi(log, kSpiSpeedHz, healthyCogResponder());
	wiring.panelOn = makeDryRunGpio(log, "panel-on");
	if (model.borderGpio)
		wiring.border = makeDryRunGpio(log, "border");
	wiring.discharge = makeDryRunGpio(log, "discharge");
	wiring.reset = makeDryRunGpio(log, "reset");
	wiring.busy = makeDryRunGpio(log, "busy", [] { return 0; });
	return wiring;
}

int openWiring(const RepaperConfig &config, CogWiring &wiring, std::string &error)
{
	if (config.dryRunMode()) {
		std::unique_ptr<WireLog> log;
		if (int ret = WireLog::open(config.dryRun, log, error))
			return ret;
		wiring = dryRunWiring(*config.model, *log, config.realtime);
		wiring.ownedLog = std::move(log);
		return 0;
	}
	wiring = CogWiring{};
	// SPI mode 0: clock idle low, data sampled on the rising edge (the kernel's binding for
	// these panels sets neither CPOL nor CPHA).
	if (int ret = openSpidev(config.spi, 0, kSpiSpeedHz, wiring.spi, error))
		return ret;
	struct Line {
		const std::string &spec;
		const char *role;
		bool output;
		std::unique_ptr<GpioLine> &line;
	};
	Line lines[] = {
		{config.panelOn, "panel-on", true, wiring.panelOn},
		{config.border, "border", true, wiring.border},
		{config.discharge, "discharge", true, wiring.discharge},
		{config.reset, "reset", true, wiring.reset},
		{config.busy, "busy", false, wiring.busy},
	};
	for (Line &line : lines) {
		if (line.spec.empty())
			continue;
		if (int ret = openGpioLine(line.spec, line.role, line.output, false, line.line, error))
			return ret;
	}
	return 0;
}

} // namespace repaper

namespace {

bool checkRepaper(const PanelSpec &spec, std::string &error)
{
	repaper::RepaperConfig config;
	return repaper::parseRepaperConfig(spec, config, error);
}

int createRepaper(const PanelSpec &spec, const PanelContext &context,
		  std::unique_ptr<Panel> &panel, std::string &error)
{
	repaper::RepaperConfig config;
	if (!repaper::parseRepaperConfig(spec, config, error))
		return -EINVAL;
	if (!config.thermalPath.empty()) {
		// The zone is read at every update; one that cannot be read now is a typo.
		FILE *file = std::fopen(config.thermalPath.c_str(), "re");
		if (!file) {
			const int ret = -errno;
			error = "repaper: cannot read " + config.thermalPath;
			return ret;
		}
		std::fclose(file);
	}
	repaper::CogWiring wiring;
	if (int ret = repaper::openWiring(config, wiring, error))
		return ret;
	panel = repaper::makeRepaperPanel(config, std::move(wiring), context);
	repaper::log()->info("{}: repaper {} ({}x{}) on {}", context.name, config.model->name,
			     config.model->width, config.model->height,
			     config.dryRunMode() ? "dry-run " + config.dryRun : config.spi);
	return 0;
}

} // namespace

const PanelBackend kRepaperBackend = {
	"repaper",
	"repaper:model=e1144cs021|e1190cs021|e2200cs021|e2271cs021,spi=/dev/spidevB.C,"
	"panel-on=,discharge=,reset=,busy=[,border=] (CHIP:LINE; border for e2271cs021) | "
	"dry-run=PATH[,realtime=1] [,temperature=C|thermal-zone=N][,stage-time=MS]  "
	"Pervasive Displays e-paper (G2 COG); updates take seconds and run in the background",
	checkRepaper,
	createRepaper,
};

} // namespace tinydrm
