// SPDX-License-Identifier: MIT
// The COG side of the repaper wire format, written from the protocol description rather than
// from the backend's encoder, so that the two check each other.
#include "repaper_panel.h"

#include <cstdio>

namespace tinydrm {

namespace {

constexpr uint32_t kUnknown = 0x00808080;
constexpr uint32_t kBlack = 0x00000000;
constexpr uint32_t kWhite = 0x00ffffff;

constexpr int kBorderNone = 0;
constexpr int kBorderZero = 1;
constexpr int kBorderSet = 2;

const RepaperPanelDecoder::Glass kGlasses[] = {
	{"e1144cs021", 128, 96, true, false, kBorderZero,
	 {0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0xff, 0x00}},
	{"e1190cs021", 144, 128, false, false, kBorderSet,
	 {0x00, 0x00, 0x00, 0x03, 0xfc, 0x00, 0x00, 0xff}},
	{"e2200cs021", 200, 96, true, true, kBorderNone,
	 {0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0xe0, 0x00}},
	{"e2271cs021", 264, 176, true, true, kBorderNone,
	 {0x00, 0x00, 0x00, 0x7f, 0xff, 0xfe, 0x00, 0x00}},
};

/// Two-bit group @p index (0 = the high bits of byte 0) of @p bytes.
inline uint8_t pairAt(const uint8_t *bytes, uint32_t index)
{
	return (bytes[index / 4] >> (6 - 2 * (index % 4))) & 3;
}

std::string hex(unsigned value)
{
	char text[8];
	std::snprintf(text, sizeof(text), "0x%02x", value & 0xff);
	return text;
}

} // namespace

std::unique_ptr<RepaperPanelDecoder> RepaperPanelDecoder::create(std::string_view model)
{
	for (const Glass &glass : kGlasses)
		if (glass.name == model)
			return std::unique_ptr<RepaperPanelDecoder>(new RepaperPanelDecoder(glass));
	return nullptr;
}

RepaperPanelDecoder::RepaperPanelDecoder(const Glass &glass)
	: glass_(glass), film_(size_t(glass.width) * glass.height, kUnknown),
	  lineLatches_(glass.height, 0), codes_(glass.width)
{
}

size_t RepaperPanelDecoder::lineBytes() const
{
	// Two bits per column and per gate line, plus the optional border bytes.
	return (glass_.preBorder ? 1 : 0) + glass_.width / 4 + glass_.height / 4 +
	       (glass_.border != kBorderNone ? 1 : 0);
}

bool RepaperPanelDecoder::driving() const
{
	return supply_ && resetReleased_ && chargePump_ == 0x0f && outputEnabled_;
}

bool RepaperPanelDecoder::fail(std::string why)
{
	if (error_.empty())
		error_ = "repaper: " + std::move(why);
	return false;
}

void RepaperPanelDecoder::resetCog()
{
	selected_ = -1;
	channelsSet_ = false;
	chargePump_ = 0;
	outputEnabled_ = false;
	lineData_.clear();
}

bool RepaperPanelDecoder::feed(const WireRecord &record)
{
	if (!error_.empty())
		return false;
	switch (record.kind) {
	case WireKind::SpiTransfer:
		return spi(record);
	case WireKind::Gpio:
		return gpio(record);
	case WireKind::Delay:
		waitedUs_ += record.arg2;
		return true;
	case WireKind::Mark: {
		const std::string text(record.payload.begin(), record.payload.end());
		if (text.rfind("update ", 0) == 0)
			updates_++;
		return true;
	}
	case WireKind::UsbControl:
	case WireKind::UsbBulk:
		return fail("USB record in an SPI panel's stream");
	}
	return fail("unknown record kind");
}

bool RepaperPanelDecoder::gpio(const WireRecord &record)
{
	const std::string role(record.payload.begin(), record.payload.end());
	if (record.arg0 == 1) {
		if (role != "busy")
			return fail("read of output line '" + role + "'");
		return true;
	}
	const bool level = record.arg1 != 0;
	if (role == "panel-on") {
		if (level && discharge_)
			return fail("supply switched on while the discharge line is high");
		if (!level)
			resetCog();
		supply_ = level;
	} else if (role == "discharge") {
		if (level && supply_)
			return fail("discharge raised while the supply is on");
		discharge_ = level;
	} else if (role == "reset") {
		// The line is the COG's active-low reset: low holds it in reset.
		if (!level)
			resetCog();
		resetReleased_ = level;
	} else if (role == "border") {
		// The 2.7" border: its low pulse at power-down whitens the border; not modelled.
	} else if (role == "busy") {
		return fail("the backend drove the busy line, an input");
	} else {
		return fail("unknown GPIO role '" + role + "'");
	}
	return true;
}

bool RepaperPanelDecoder::spi(const WireRecord &record)
{
	if (record.arg0 != 8)
		return fail("the COG takes 8-bit words, got " + std::to_string(record.arg0));
	const size_t length = record.arg1 ? record.payload.size() / 2 : record.payload.size();
	const uint8_t *tx = record.payload.data();
	if (length == 0)
		return fail("empty SPI transfer");
	if (length == 1 && tx[0] == 0x00)
		return true; // MOSI low between commands: no chip-select cycle the COG acts on
	if (!supply_ || !resetReleased_)
		return fail("SPI command " + hex(tx[0]) + " while the COG is " +
			    (supply_ ? "held in reset" : "unpowered"));
	switch (tx[0]) {
	case 0x70:
		if (length != 2)
			return fail("register index transfer of " + std::to_string(length) +
				    " bytes");
		selected_ = tx[1];
		return true;
	case 0x72:
		if (selected_ < 0)
			return fail("data without a register index");
		if (length < 2)
			return fail("data transfer without data");
		return writeRegister(tx + 1, length - 1);
	case 0x71:
	case 0x73:
		if (length != 2 || !record.arg1)
			return fail("read " + hex(tx[0]) + " must clock out one byte and capture it");
		if (tx[0] == 0x73 && selected_ < 0)
			return fail("register read without a register index");
		return true;
	default:
		return fail("unknown SPI header " + hex(tx[0]));
	}
}

bool RepaperPanelDecoder::writeRegister(const uint8_t *data, size_t length)
{
	const uint8_t reg = uint8_t(selected_);
	if (reg == 0x0a) {
		if (length != lineBytes())
			return fail("line data of " + std::to_string(length) + " bytes, the " +
				    std::string(glass_.name) + " takes " +
				    std::to_string(lineBytes()));
		lineData_.assign(data, data + length);
		return true;
	}
	if (reg == 0x01) {
		if (length != 8)
			return fail("channel select of " + std::to_string(length) + " bytes");
		for (size_t i = 0; i < 8; i++)
			if (data[i] != glass_.channels[i])
				return fail("channel select for another glass than the " +
					    std::string(glass_.name));
		channelsSet_ = true;
		return true;
	}
	if (length != 1)
		return fail("register " + hex(reg) + " takes one byte, got " +
			    std::to_string(length));
	const uint8_t value = data[0];
	switch (reg) {
	case 0x02:
		if (value == 0x07)
			return latch();
		if (value == 0x04) {
			if (!channelsSet_ || chargePump_ != 0x0f)
				return fail("output enabled before channel select and the charge "
					    "pump");
			outputEnabled_ = true;
		} else if (value == 0x40) {
			outputEnabled_ = false;
		} else {
			return fail("register 0x02 value " + hex(value));
		}
		return true;
	case 0x05:
		chargePump_ = value;
		if (value != 0x0f)
			outputEnabled_ = false;
		return true;
	case 0x03: // driver latch
	case 0x04: // power setting / internal discharge
	case 0x07: // oscillator
	case 0x08: // power setting
	case 0x09: // Vcom level
	case 0x0b: // power saving
		return true;
	default:
		return fail("write to register " + hex(reg) + ", which the COG does not have");
	}
}

bool RepaperPanelDecoder::latch()
{
	if (!driving())
		return fail("line latched before the charge pump and output were enabled");
	if (lineData_.empty())
		return fail("line latched before any line data");
	const uint32_t w = glass_.width;
	const uint32_t h = glass_.height;
	const uint8_t *p = lineData_.data();
	if (glass_.preBorder && *p++ != 0x00)
		return fail("pre-border byte " + hex(p[-1]));

	int32_t selected = -1;
	bool badScan = false;
	auto scan = [&](const uint8_t *bytes, uint32_t count, auto lineOf) {
		for (uint32_t k = 0; k < count; k++) {
			const uint8_t code = pairAt(bytes, k);
			if (code == 0)
				continue;
			if (code != 3 || selected >= 0)
				badScan = true;
			selected = int32_t(lineOf(k));
		}
	};
	// Columns: group k of a data block is column columnOf(k).
	auto columns = [&](const uint8_t *bytes, uint32_t count, auto columnOf) {
		for (uint32_t k = 0; k < count; k++)
			codes_[columnOf(k)] = pairAt(bytes, k);
	};
	if (glass_.middleScan) {
		columns(p, w / 2, [&](uint32_t k) { return w - 2 - 2 * k; });
		p += w / 8;
		scan(p, h, [&](uint32_t k) { return h - 1 - k; });
		p += h / 4;
		columns(p, w / 2, [&](uint32_t k) { return 1 + 2 * k; });
		p += w / 8;
	} else {
		scan(p, h / 2, [&](uint32_t k) { return 1 + 2 * k; });
		p += h / 8;
		columns(p, w, [&](uint32_t k) { return w - 1 - k; });
		p += w / 4;
		scan(p, h / 2, [&](uint32_t k) { return h - 2 - 2 * k; });
		p += h / 8;
	}
	if (badScan)
		return fail("scan bytes select more than one line or hold a code other than 00/11");
	if (glass_.border == kBorderZero && *p != 0x00)
		return fail("border byte " + hex(*p) + " where the glass wants 0x00");
	if (glass_.border == kBorderSet && *p != 0x00 && *p != 0xaa && *p != 0xff)
		return fail("border byte " + hex(*p));

	if (observer_)
		observer_(selected, codes_);
	if (selected < 0) {
		dummyLatches_++;
		return true;
	}
	lineLatches_[size_t(selected)]++;
	uint32_t *row = film_.data() + size_t(selected) * w;
	for (uint32_t x = 0; x < w; x++) {
		if (codes_[x] == 0b11)
			row[x] = kBlack;
		else if (codes_[x] == 0b10)
			row[x] = kWhite;
	}
	return true;
}

std::unique_ptr<PanelDecoder> makeRepaperPanelDecoder(const PanelSpec &spec)
{
	const std::string *model = spec.option("model");
	if (!model)
		return nullptr;
	return RepaperPanelDecoder::create(*model);
}

} // namespace tinydrm
