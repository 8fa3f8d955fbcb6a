// SPDX-License-Identifier: MIT
#include "repaper_frame.h"

#include <cstring>

namespace tinydrm::repaper {

namespace {

/// Packs two-bit codes into bytes, the first code of a byte in its high bits (the bit order
/// SPI clocks them out in).
class CodeWriter
{
public:
	explicit CodeWriter(uint8_t *out) : out_(out) {}

	void put(uint8_t code)
	{
		byte_ = uint8_t(byte_ << 2 | code);
		if (++count_ == 4) {
			*out_++ = byte_;
			byte_ = 0;
			count_ = 0;
		}
	}

	/// Whole bytes; only between groups of four codes (every block is whole bytes).
	void fill(uint8_t value, size_t bytes)
	{
		std::memset(out_, value, bytes);
		out_ += bytes;
	}

	void byte(uint8_t value) { *out_++ = value; }

private:
	uint8_t *out_;
	uint8_t byte_ = 0;
	unsigned count_ = 0;
};

inline bool isWhite(const uint8_t *row, uint32_t x)
{
	return (row[x / 8] >> (x % 8)) & 1;
}

/// Data codes for @p count columns starting at @p first, @p step apart (step may be negative).
void putColumns(CodeWriter &writer, const LineSource &source, Stage stage, int32_t first,
		int32_t step, uint32_t count)
{
	if (!source.image) {
		writer.fill(source.fixed, count / 4);
		return;
	}
	for (uint32_t i = 0; i < count; i++) {
		const uint32_t x = uint32_t(first + step * int32_t(i));
		const bool white = isWhite(source.image, x);
		// Unchanged pixels are left alone: driving them again would only wear the film and,
		// in a single NORMAL stage, show as flicker.
		if (source.mask && isWhite(source.mask, x) == white)
			writer.put(kCodeNothing);
		else
			writer.put(pixelCode(stage, white));
	}
}

/// Scan codes for @p count lines starting at @p first, @p step apart: 0b11 selects @p line.
void putScan(CodeWriter &writer, uint32_t line, int32_t first, int32_t step, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++)
		writer.put(uint32_t(first + step * int32_t(i)) == line ? 0b11 : 0b00);
}

} // namespace

const char *stageName(Stage stage)
{
	switch (stage) {
	case Stage::Compensate:
		return "compensate";
	case Stage::White:
		return "white";
	case Stage::Inverse:
		return "inverse";
	case Stage::Normal:
		return "normal";
	}
	return "?";
}

uint8_t pixelCode(Stage stage, bool white)
{
	switch (stage) {
	case Stage::Compensate:
		return white ? kCodeBlack : kCodeWhite;
	case Stage::White:
		return white ? kCodeWhite : kCodeNothing;
	case Stage::Inverse:
		return white ? kCodeBlack : kCodeNothing;
	case Stage::Normal:
		return white ? kCodeWhite : kCodeBlack;
	}
	return kCodeNothing;
}

void encodeLine(const Model &model, uint32_t line, const LineSource &source, Stage stage,
		uint8_t *out)
{
	const int32_t w = int32_t(model.width);
	const int32_t h = int32_t(model.height);
	CodeWriter writer(out);

	if (model.preBorderByte)
		writer.byte(0x00);

	if (model.middleScan) {
		putColumns(writer, source, stage, w - 2, -2, model.width / 2);
		putScan(writer, line, h - 1, -1, model.height);
		putColumns(writer, source, stage, 1, 2, model.width / 2);
	} else {
		putScan(writer, line, 1, 2, model.height / 2);
		putColumns(writer, source, stage, w - 1, -1, model.width);
		putScan(writer, line, h - 2, -2, model.height / 2);
	}

	switch (model.borderByte) {
	case BorderByte::None:
		break;
	case BorderByte::Zero:
		writer.byte(0x00);
		break;
	case BorderByte::Set:
		// The border follows the image's last stage: white once the new image is driven.
		writer.byte(stage == Stage::Normal ? kFixedWhite : kFixedNothing);
		break;
	}
}

bool rowHasInk(const uint8_t *row, uint32_t width)
{
	for (uint32_t x = 0; x < width; x++)
		if (!isWhite(row, x))
			return true;
	return false;
}

} // namespace tinydrm::repaper
