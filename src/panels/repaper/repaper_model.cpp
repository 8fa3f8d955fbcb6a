// SPDX-License-Identifier: MIT
#include "repaper_model.h"

namespace tinydrm::repaper {

namespace {

// Sizes, stage times and channel select bytes as the mainline repaper driver has them; the
// scan layout follows from how each glass's gate lines are bonded to the COG.
constexpr Model kModels[] = {
	{"e1144cs021", 128, 96, 29, 22, 480,
	 {0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0xff, 0x00},
	 96 / 4, true, false, BorderByte::Zero, false},
	{"e1190cs021", 144, 128, 36, 32, 480,
	 {0x00, 0x00, 0x00, 0x03, 0xfc, 0x00, 0x00, 0xff},
	 128 / 4 / 2, false, false, BorderByte::Set, false},
	{"e2200cs021", 200, 96, 46, 22, 480,
	 {0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0xe0, 0x00},
	 96 / 4, true, true, BorderByte::None, false},
	{"e2271cs021", 264, 176, 57, 38, 630,
	 {0x00, 0x00, 0x00, 0x7f, 0xff, 0xfe, 0x00, 0x00},
	 176 / 4, true, true, BorderByte::None, true},
};

} // namespace

size_t Model::lineBytes() const
{
	// Two bits per pixel; the scan blocks select one line out of height (two bits per line).
	size_t bytes = 2 * rowBytes() + (middleScan ? 1 : 2) * bytesPerScan;
	if (preBorderByte)
		bytes++;
	if (borderByte != BorderByte::None)
		bytes++;
	return bytes;
}

std::span<const Model> models()
{
	return kModels;
}

const Model *findModel(std::string_view name)
{
	for (const Model &model : kModels)
		if (model.name == name)
			return &model;
	return nullptr;
}

uint32_t temperatureFactor(int celsius)
{
	struct Step {
		int upTo;
		uint32_t factor;
	};
	static constexpr Step kSteps[] = {
		{-10, 170}, {-5, 120}, {5, 80}, {10, 40}, {15, 30}, {20, 20}, {40, 10},
	};
	for (const Step &step : kSteps)
		if (celsius <= step.upTo)
			return step.factor;
	return 7;
}

} // namespace tinydrm::repaper
