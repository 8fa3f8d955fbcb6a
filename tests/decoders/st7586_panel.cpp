// SPDX-License-Identifier: MIT
/*
 * DOC: emulated ST7586 (LEGO EV3 display)
 *
 * The controller as its datasheet and the kernel's driver comment describe it, written without
 * looking at our backend:
 *  - display memory of 128 byte-columns x 160 rows; a byte holds three pixels, bits 7-5,
 *    4-2 and 1-0; a pixel's gray level is the top two bits of its field (the third pixel's
 *    field is those two bits): 11 black, 10 dark gray, 01 light gray, 00 white;
 *  - COLUMN ADDRESS SET counts bytes (0..127), ROW ADDRESS SET rows (0..159), both big-endian
 *    with inclusive ends; WRITE_MEMORY_START walks the window a byte at a time, columns then
 *    rows, wrapping to its start;
 *  - writes need ENABLE_DDRAM (0x3a) with 0x02 since the last reset; 0x38 selects 4-level
 *    gray, 0x39 black and white (a pixel is black from dark gray up);
 *  - the glass shows memory columns 0..59 (pixels 0..177) of rows 0..127, nothing (white)
 *    unless out of sleep and display on; inversion inverts;
 *  - the controller cannot be read over SPI; mirroring (MADCTL MX/MY) would move the picture
 *    off this glass, so memory writes with it are refused here.
 */
#include "st7586_panel.h"

#include "dcs_panel.h"

namespace tinydrm {

namespace {

constexpr uint32_t kColumns = 128; ///< bytes per memory row
constexpr uint32_t kRows = 160;
constexpr uint32_t kWidth = 178;
constexpr uint32_t kHeight = 128;

/**
 * St7586Decoder - the ST7586 controller behind the EV3 glass. Single-threaded.
 */
class St7586Decoder final : public DbiStreamDecoder
{
public:
	St7586Decoder() : memory_(size_t(kColumns) * kRows, 0) { reset(); }

	uint32_t width() const override { return kWidth; }
	uint32_t height() const override { return kHeight; }

	const std::vector<uint32_t> &image() const override
	{
		render();
		return image_;
	}

protected:
	bool shape(uint8_t cmd, Shape &s) const override
	{
		switch (cmd) {
		case 0x00: // NOP
		case 0x01: // soft reset
		case 0x10: // sleep in
		case 0x11: // sleep out
		case 0x12: // partial display on
		case 0x13: // partial display off
		case 0x20: // inversion off
		case 0x21: // inversion on
		case 0x22: // all pixels off
		case 0x23: // all pixels on
		case 0x28: // display off
		case 0x29: // display on
		case 0x38: // 4-level gray mode
		case 0x39: // monochrome mode
		case 0xe1: // OTP control out
		case 0xe3: // OTP read
			s = {0, 0};
			return true;
		case 0x36: // display control (MX, MY)
		case 0x37: // start line
		case 0x3a: // enable DDRAM
		case 0xb0: // display duty
		case 0xb1: // first output COM
		case 0xb3: // FOSC divider
		case 0xb4: // partial display
		case 0xb5: // N-line inversion
		case 0xc3: // bias system
		case 0xc4: // booster level
		case 0xc7: // VOP offset
		case 0xd0: // analog control
		case 0xd7: // auto read control
		case 0xe0: // OTP R/W control
			s = {1, 1};
			return true;
		case 0xc0: // VOP
			s = {2, 2};
			return true;
		case 0x2a: // column address set
		case 0x2b: // row address set
		case 0x30: // partial display area
			s = {4, 4};
			return true;
		case 0x2c: // write display data
			s = {0, 0, true};
			return true;
		}
		return false;
	}

	bool readable(uint8_t) const override { return false; }

	uint32_t busyAfter(uint8_t cmd) const override { return cmd == 0x01 ? 5000 : 0; }

	void reset() override
	{
		madctl_ = 0;
		ddram_ = false;
		gray_ = false;
		sleeping_ = true;
		displayOn_ = false;
		inverted_ = false;
		xs_ = 0;
		xe_ = kColumns - 1;
		ys_ = 0;
		ye_ = kRows - 1;
		col_ = 0;
		row_ = 0;
		dirty_ = true;
	}

	bool execute(uint8_t cmd, const std::vector<uint8_t> &p) override
	{
		dirty_ = true;
		switch (cmd) {
		case 0x01:
			reset();
			return true;
		case 0x10:
		case 0x11:
			sleeping_ = cmd == 0x10;
			return true;
		case 0x20:
		case 0x21:
			inverted_ = cmd == 0x21;
			return true;
		case 0x28:
		case 0x29:
			displayOn_ = cmd == 0x29;
			return true;
		case 0x38:
		case 0x39:
			gray_ = cmd == 0x38;
			return true;
		case 0x36:
			madctl_ = p[0];
			return true;
		case 0x3a:
			ddram_ = p[0] == 0x02;
			return true;
		case 0x2a:
		case 0x2b: {
			const uint32_t start = uint32_t(p[0]) << 8 | p[1];
			const uint32_t end = uint32_t(p[2]) << 8 | p[3];
			const uint32_t limit = cmd == 0x2a ? kColumns : kRows;
			const char *what = cmd == 0x2a ? "column" : "row";
			if (start > end || end >= limit)
				return fail(std::string(what) + " window " + std::to_string(start) + ".." +
					    std::to_string(end) + " (want start <= end < " +
					    std::to_string(limit) + ")");
			(cmd == 0x2a ? xs_ : ys_) = start;
			(cmd == 0x2a ? xe_ : ye_) = end;
			return true;
		}
		case 0x2c:
			if (!ddram_)
				return fail("memory write before ENABLE_DDRAM (0x3a 0x02)");
			if (madctl_ & 0xc0)
				return fail("memory write with MX/MY mirroring (display control " +
					    hex(madctl_) + "), which moves the picture off the glass");
			col_ = xs_;
			row_ = ys_;
			return true;
		}
		return true; // analog and OTP settings do not change the picture
	}

	bool stream(uint8_t, const uint8_t *data, size_t length) override
	{
		dirty_ = true;
		for (size_t i = 0; i < length; i++) {
			memory_[size_t(row_) * kColumns + col_] = data[i];
			if (++col_ > xe_) {
				col_ = xs_;
				if (++row_ > ye_)
					row_ = ys_;
			}
		}
		return true;
	}

	bool endStream(uint8_t) override { return true; }

private:
	void render() const
	{
		if (!dirty_)
			return;
		dirty_ = false;
		image_.assign(size_t(kWidth) * kHeight, 0x00ffffff);
		if (sleeping_ || !displayOn_)
			return;
		for (uint32_t y = 0; y < kHeight; y++) {
			for (uint32_t x = 0; x < kWidth; x++) {
				const uint8_t byte = memory_[size_t(y) * kColumns + x / 3];
				// The top two bits of the pixel's field: 3 black .. 0 white.
				const uint32_t dark = x % 3 == 0 ? byte >> 6
						      : x % 3 == 1 ? (byte >> 3) & 3
								   : byte & 3;
				uint32_t level = gray_ ? 3 - dark : (dark >= 2 ? 0 : 3);
				if (inverted_)
					level = 3 - level;
				const uint32_t v = level * 0x55;
				image_[size_t(y) * kWidth + x] = v << 16 | v << 8 | v;
			}
		}
	}

	std::vector<uint8_t> memory_;
	uint8_t madctl_ = 0;
	bool ddram_ = false;
	bool gray_ = false;
	bool sleeping_ = true;
	bool displayOn_ = false;
	bool inverted_ = false;
	uint32_t xs_ = 0, xe_ = 0, ys_ = 0, ye_ = 0;
	uint32_t col_ = 0, row_ = 0;
	mutable bool dirty_ = true;
	mutable std::vector<uint32_t> image_;
};

} // namespace

std::unique_ptr<PanelDecoder> makeSt7586PanelDecoder(const PanelSpec &spec)
{
	if (spec.backend != "st7586")
		return nullptr;
	return std::make_unique<St7586Decoder>();
}

} // namespace tinydrm
