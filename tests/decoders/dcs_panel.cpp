// SPDX-License-Identifier: MIT
/*
 * DOC: emulated DCS controllers
 *
 * DbiStreamDecoder is the bus (see dcs_panel.h). Ili9341Decoder is the controller from its
 * datasheet, written without looking at our backend:
 *  - frame memory 240 columns x 320 rows of RGB565, kept across resets (only power-up clears
 *    it, to black here);
 *  - COLUMN/PAGE ADDRESS SET take big-endian start and inclusive end; at a memory write the
 *    window must lie in 0..239 x 0..319, or 0..319 x 0..239 with MADCTL MV;
 *  - WRITE_MEMORY_START restarts at the window's top-left, WRITE_MEMORY_CONTINUE goes on; each
 *    pixel is two bytes, high byte first; the pointer walks columns, then pages, and wraps to
 *    the window's start after its last pixel;
 *  - MADCTL maps the column/page pointer to memory: MV exchanges them, then MX mirrors memory
 *    columns and MY memory rows (the Sitronix/Ilitek "memory data write direction" tables);
 *  - memory writes need COLMOD's DBI field at 16 bits (reset leaves 18);
 *  - the glass shows nothing (white, a normally-white TFT) unless out of sleep and display
 *    on; inversion inverts; MADCTL BGR must match the module's colour filter or red and blue
 *    swap.
 * The module is what the decoder knows of the board: how its glass sits on the controller's
 * memory and which way its rotation values turn it. Those two facts are fitted to the kernel
 * drivers' rotation-0 scan direction and to their rotation tables (mi0283qt turns clockwise,
 * ili9341 counter-clockwise), so image() is what a user of the kernel driver would see.
 */
#include "dcs_panel.h"

#include <cstdio>

namespace tinydrm {

namespace {

constexpr uint32_t kMaxCommandSpeedHz = 10000000;
constexpr uint64_t kMinResetPulseUs = 10;

} // namespace

std::string DbiStreamDecoder::hex(uint32_t value)
{
	char text[16];
	std::snprintf(text, sizeof(text), "0x%02x", value);
	return text;
}

bool DbiStreamDecoder::fail(const std::string &message)
{
	if (error_.empty())
		error_ = message;
	return false;
}

bool DbiStreamDecoder::feed(const WireRecord &record)
{
	if (!error_.empty())
		return false;
	switch (record.kind) {
	case WireKind::SpiTransfer:
		return spi(record);
	case WireKind::Gpio:
		return gpio(record);
	case WireKind::Delay:
		now_ += record.arg2;
		return true;
	case WireKind::Mark:
		// The sender says a frame ends here: whatever command was open is complete.
		return finishCommand();
	case WireKind::UsbControl:
	case WireKind::UsbBulk:
		return fail("USB record on a DBI wire");
	}
	return fail("unknown record kind");
}

bool DbiStreamDecoder::gpio(const WireRecord &record)
{
	if (record.arg0 != 0)
		return true; // a read of a line changes nothing
	const std::string role(record.payload.begin(), record.payload.end());
	const bool high = record.arg1 != 0;
	if (role == "dc") {
		dc_ = high;
		return true;
	}
	if (role != "reset")
		return true; // backlight, power: not the controller's business
	if (!high) {
		if (!finishCommand())
			return false;
		if (!inReset_)
			resetAt_ = now_;
		inReset_ = true;
		return true;
	}
	if (!inReset_)
		return true;
	inReset_ = false;
	if (now_ - resetAt_ < kMinResetPulseUs)
		return fail("reset pulse of " + std::to_string(now_ - resetAt_) +
			    " us (RESX must stay low at least 10 us)");
	reset();
	readyAt_ = now_ + 5000;
	return true;
}

bool DbiStreamDecoder::spi(const WireRecord &record)
{
	if (record.arg0 != 8)
		return fail(std::to_string(record.arg0) + "-bit SPI words (the interface takes 8)");
	if (inReset_)
		return fail("SPI traffic while RESX holds the controller in reset");
	if (dc_ < 0)
		return fail("SPI bytes before the D/C line was set");
	const uint8_t *data = record.payload.data();
	size_t length = record.payload.size();
	const uint32_t speed = record.arg2;

	if (record.arg1) {
		// A read: the first byte is the command, the rest clock the answer in.
		length /= 2;
		if (length == 0)
			return fail("empty SPI read");
		if (dc_ != 0)
			return fail("SPI read with D/C high (reads start with a command byte)");
		if (!finishCommand())
			return false;
		if (!readable(data[0]))
			return fail("read of command " + hex(data[0]) +
				    ", which the controller does not answer over SPI");
		if (now_ < readyAt_)
			return fail("read " + hex(data[0]) + " " + std::to_string(readyAt_ - now_) +
				    " us too early after a reset or sleep-out");
		return true;
	}

	if (dc_ == 0) {
		for (size_t i = 0; i < length; i++)
			if (!beginCommand(data[i], speed))
				return false;
		return true;
	}
	return parameters(data, length, speed);
}

bool DbiStreamDecoder::beginCommand(uint8_t cmd, uint32_t speedHz)
{
	if (!finishCommand())
		return false;
	if (speedHz > kMaxCommandSpeedHz)
		return fail("command " + hex(cmd) + " clocked at " + std::to_string(speedHz) +
			    " Hz (the controller takes commands at up to 10 MHz)");
	if (now_ < readyAt_)
		return fail("command " + hex(cmd) + " " + std::to_string(readyAt_ - now_) +
			    " us too early after a reset or sleep-out");
	Shape shape;
	if (!this->shape(cmd, shape))
		return fail("unknown command " + hex(cmd));
	pending_ = true;
	executed_ = false;
	cmd_ = cmd;
	shape_ = shape;
	params_.clear();
	if (shape.stream)
		return execute(cmd, params_);
	if (shape.max == 0)
		return finishCommand();
	return true;
}

bool DbiStreamDecoder::parameters(const uint8_t *data, size_t length, uint32_t speedHz)
{
	if (!pending_)
		return fail("data bytes without a command");
	if (shape_.stream)
		return stream(cmd_, data, length);
	if (speedHz > kMaxCommandSpeedHz)
		return fail("parameters of " + hex(cmd_) + " clocked at " + std::to_string(speedHz) +
			    " Hz (the controller takes them at up to 10 MHz)");
	if (executed_ || params_.size() + length > shape_.max)
		return fail("command " + hex(cmd_) + " got " +
			    std::to_string(params_.size() + length) + " parameter bytes (takes " +
			    std::to_string(shape_.max) + ")");
	params_.insert(params_.end(), data, data + length);
	if (params_.size() == shape_.max) {
		executed_ = true;
		if (!execute(cmd_, params_))
			return false;
		readyAt_ = now_ + busyAfter(cmd_);
	}
	return true;
}

bool DbiStreamDecoder::finishCommand()
{
	if (!pending_)
		return true;
	pending_ = false;
	if (shape_.stream)
		return endStream(cmd_);
	if (executed_)
		return true;
	if (params_.size() < shape_.min)
		return fail("command " + hex(cmd_) + " got " + std::to_string(params_.size()) +
			    " parameter bytes (takes " + std::to_string(shape_.min) +
			    (shape_.max > shape_.min ? " to " + std::to_string(shape_.max) : "") + ")");
	if (!execute(cmd_, params_))
		return false;
	readyAt_ = now_ + busyAfter(cmd_);
	return true;
}

namespace {

/**
 * Module - how a board puts its glass on the ILI9341's 240x320 memory: the glass's own
 * orientation (@p width x @p height), the memory pixel behind each glass pixel, and which way
 * the spec's rotation turns the glass.
 */
struct Module {
	uint32_t width;
	uint32_t height;
	void (*memoryAt)(uint32_t x, uint32_t y, uint32_t &gx, uint32_t &gy);
	bool clockwise;
};

constexpr uint32_t kMemWidth = 240;
constexpr uint32_t kMemHeight = 320;

// Adafruit yx240qv29: portrait, the glass's columns run against the memory's.
const Module kYx240qv29 = {240, 320,
			   [](uint32_t x, uint32_t y, uint32_t &gx, uint32_t &gy) {
				   gx = kMemWidth - 1 - x;
				   gy = y;
			   },
			   false};

// MI0283QT: landscape, the memory's rows run along the glass's columns, both reversed.
const Module kMi0283qt = {320, 240,
			  [](uint32_t x, uint32_t y, uint32_t &gx, uint32_t &gy) {
				  gx = kMemWidth - 1 - y;
				  gy = kMemHeight - 1 - x;
			  },
			  true};

constexpr uint8_t kMadctlMy = 0x80;
constexpr uint8_t kMadctlMx = 0x40;
constexpr uint8_t kMadctlMv = 0x20;
constexpr uint8_t kMadctlBgr = 0x08;

/**
 * Ili9341Decoder - the ILI9341 controller (dcs_panel.cpp's overview lists what it models)
 * behind one module. Single-threaded.
 */
class Ili9341Decoder final : public DbiStreamDecoder
{
public:
	Ili9341Decoder(const Module &module, uint32_t rotation, bool bgrFilter)
		: module_(module), quarterTurns_(rotation / 90), bgrFilter_(bgrFilter),
		  memory_(size_t(kMemWidth) * kMemHeight, 0)
	{
		const bool swap = quarterTurns_ % 2;
		width_ = swap ? module.height : module.width;
		height_ = swap ? module.width : module.height;
		reset();
	}

	uint32_t width() const override { return width_; }
	uint32_t height() const override { return height_; }

	const std::vector<uint32_t> &image() const override
	{
		render();
		return image_;
	}

protected:
	bool shape(uint8_t cmd, Shape &s) const override
	{
		// The ILI9341 command set (level 1 and 2) as far as writes go: parameter counts.
		switch (cmd) {
		case 0x00: // NOP
		case 0x01: // SWRESET
		case 0x10: // SLPIN
		case 0x11: // SLPOUT
		case 0x12: // PTLON
		case 0x13: // NORON
		case 0x20: // INVOFF
		case 0x21: // INVON
		case 0x28: // DISPOFF
		case 0x29: // DISPON
		case 0x34: // TEOFF
		case 0x38: // IDMOFF
		case 0x39: // IDMON
			s = {0, 0};
			return true;
		case 0x26: // GAMSET
		case 0x35: // TEON
		case 0x36: // MADCTL
		case 0x3a: // COLMOD
		case 0x51: // WRDISBV
		case 0x53: // WRCTRLD
		case 0x55: // WRCABC
		case 0x5e: // WRCABCMB
		case 0xb0: // IFMODE
		case 0xb4: // INVTR
		case 0xb7: // ETMOD
		case 0xc0: // PWCTRL1
		case 0xc1: // PWCTRL2
		case 0xc7: // VMCTRL2
		case 0xf2: // enable 3 gamma
		case 0xf7: // pump ratio
			s = {1, 1};
			return true;
		case 0x37: // VSCRSADD
		case 0x44: // set tear scanline
		case 0xb1: // FRMCTR1
		case 0xb2: // FRMCTR2
		case 0xb3: // FRMCTR3
		case 0xc5: // VMCTRL1
		case 0xea: // driver timing B
			s = {2, 2};
			return true;
		case 0xcf: // power control B
		case 0xe8: // driver timing A
		case 0xf6: // IFCTL
			s = {3, 3};
			return true;
		case 0x2a: // CASET
		case 0x2b: // PASET
		case 0x30: // PTLAR
		case 0xb5: // PRCTR
		case 0xed: // power on sequence
			s = {4, 4};
			return true;
		case 0xb6: // DISCTRL: the fourth (PCDIV) is optional
			s = {3, 4};
			return true;
		case 0xcb: // power control A
			s = {5, 5};
			return true;
		case 0x33: // VSCRDEF
			s = {6, 6};
			return true;
		case 0xe0: // PGAMCTRL
		case 0xe1: // NGAMCTRL
			s = {15, 15};
			return true;
		case 0xe2: // DGAMCTRL1
			s = {16, 16};
			return true;
		case 0xe3: // DGAMCTRL2
			s = {64, 64};
			return true;
		case 0x2c: // RAMWR
		case 0x3c: // RAMWRC
			s = {0, 0, true};
			return true;
		}
		return false;
	}

	bool readable(uint8_t cmd) const override
	{
		return cmd == 0x04 || (cmd >= 0x09 && cmd <= 0x0f) || (cmd >= 0xda && cmd <= 0xdc);
	}

	uint32_t busyAfter(uint8_t cmd) const override
	{
		// SWRESET and SLPOUT: 5 ms before the next command.
		return cmd == 0x01 || cmd == 0x11 ? 5000 : 0;
	}

	void reset() override
	{
		madctl_ = 0;
		colmod_ = 0x66;
		sleeping_ = true;
		displayOn_ = false;
		inverted_ = false;
		xs_ = 0;
		xe_ = kMemWidth - 1;
		ys_ = 0;
		ye_ = kMemHeight - 1;
		col_ = 0;
		page_ = 0;
		half_ = -1;
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
			sleeping_ = true;
			return true;
		case 0x11:
			sleeping_ = false;
			return true;
		case 0x20:
		case 0x21:
			inverted_ = cmd == 0x21;
			return true;
		case 0x28:
		case 0x29:
			displayOn_ = cmd == 0x29;
			return true;
		case 0x2a:
		case 0x2b: {
			const uint32_t start = uint32_t(p[0]) << 8 | p[1];
			const uint32_t end = uint32_t(p[2]) << 8 | p[3];
			const char *what = cmd == 0x2a ? "column" : "page";
			if (start > end)
				return fail(std::string(what) + " window " + std::to_string(start) + ".." +
					    std::to_string(end) + " starts after its end");
			if (end >= kMemHeight)
				return fail(std::string(what) + " window " + std::to_string(start) + ".." +
					    std::to_string(end) + " beyond the memory (320 at most)");
			(cmd == 0x2a ? xs_ : ys_) = start;
			(cmd == 0x2a ? xe_ : ye_) = end;
			return true;
		}
		case 0x36:
			madctl_ = p[0];
			return true;
		case 0x3a:
			colmod_ = p[0];
			return true;
		case 0x2c:
		case 0x3c:
			return beginWrite(cmd == 0x2c);
		}
		return true; // the power, timing and gamma registers do not change the picture
	}

	bool stream(uint8_t, const uint8_t *data, size_t length) override
	{
		dirty_ = true;
		size_t i = 0;
		if (half_ >= 0 && length) {
			store(uint16_t(half_ << 8 | data[0]));
			half_ = -1;
			i = 1;
		}
		for (; i + 1 < length; i += 2)
			store(uint16_t(data[i] << 8 | data[i + 1]));
		if (i < length)
			half_ = data[i];
		return true;
	}

	bool endStream(uint8_t) override
	{
		const bool split = half_ >= 0;
		half_ = -1;
		if (split)
			return fail("memory write ended inside a pixel (odd byte count)");
		return true;
	}

private:
	/// A memory write begins: check the state it writes in; START goes to the window's start.
	bool beginWrite(bool start)
	{
		if ((colmod_ & 0x07) != 0x05)
			return fail("memory write with COLMOD " + hex(colmod_) +
				    " (this decoder takes 16-bit pixels, DBI field 5)");
		const bool mv = madctl_ & kMadctlMv;
		const uint32_t colLimit = mv ? kMemHeight : kMemWidth;
		const uint32_t pageLimit = mv ? kMemWidth : kMemHeight;
		if (xe_ >= colLimit || ye_ >= pageLimit)
			return fail("memory write into window " + std::to_string(xs_) + ".." +
				    std::to_string(xe_) + " x " + std::to_string(ys_) + ".." +
				    std::to_string(ye_) + " outside " + std::to_string(colLimit) + "x" +
				    std::to_string(pageLimit) + (mv ? " (MADCTL MV)" : ""));
		// CONTINUE goes on from the pointer, unless the window moved away from it since.
		if (start || col_ < xs_ || col_ > xe_ || page_ < ys_ || page_ > ye_) {
			col_ = xs_;
			page_ = ys_;
		}
		half_ = -1;
		return true;
	}

	void store(uint16_t pixel)
	{
		uint32_t gx = (madctl_ & kMadctlMv) ? page_ : col_;
		uint32_t gy = (madctl_ & kMadctlMv) ? col_ : page_;
		if (madctl_ & kMadctlMx)
			gx = kMemWidth - 1 - gx;
		if (madctl_ & kMadctlMy)
			gy = kMemHeight - 1 - gy;
		memory_[size_t(gy) * kMemWidth + gx] = pixel;
		advance();
	}

	void advance()
	{
		if (++col_ <= xe_)
			return;
		col_ = xs_;
		if (++page_ > ye_)
			page_ = ys_;
	}

	static uint32_t expand(uint32_t value, int bits)
	{
		return (value << (8 - bits)) | (value >> (2 * bits - 8));
	}

	void render() const
	{
		if (!dirty_)
			return;
		dirty_ = false;
		image_.assign(size_t(width_) * height_, 0x00ffffff);
		if (sleeping_ || !displayOn_)
			return;
		// Turning the glass counter-clockwise q times = clockwise 4 - q times.
		const uint32_t ccw = module_.clockwise ? (4 - quarterTurns_) % 4 : quarterTurns_;
		const bool swapRb = bool(madctl_ & kMadctlBgr) != bgrFilter_;
		for (uint32_t y = 0; y < module_.height; y++) {
			for (uint32_t x = 0; x < module_.width; x++) {
				uint32_t gx, gy;
				module_.memoryAt(x, y, gx, gy);
				const uint16_t p = memory_[size_t(gy) * kMemWidth + gx];
				uint32_t r = expand(p >> 11, 5), g = expand((p >> 5) & 0x3f, 6),
					 b = expand(p & 0x1f, 5);
				if (swapRb)
					std::swap(r, b);
				uint32_t rgb = r << 16 | g << 8 | b;
				if (inverted_)
					rgb ^= 0x00ffffff;
				// One counter-clockwise turn of a w x h picture: (x, y) -> (y, w-1-x).
				uint32_t u = x, v = y, w = module_.width, h = module_.height;
				for (uint32_t t = 0; t < ccw; t++) {
					const uint32_t nu = v, nv = w - 1 - u;
					u = nu;
					v = nv;
					std::swap(w, h);
				}
				image_[size_t(v) * width_ + u] = rgb;
			}
		}
	}

	const Module &module_;
	const uint32_t quarterTurns_;
	const bool bgrFilter_;
	uint32_t width_ = 0;
	uint32_t height_ = 0;
	std::vector<uint16_t> memory_;
	uint8_t madctl_ = 0;
	uint8_t colmod_ = 0;
	bool sleeping_ = true;
	bool displayOn_ = false;
	bool inverted_ = false;
	uint32_t xs_ = 0, xe_ = 0, ys_ = 0, ye_ = 0;
	uint32_t col_ = 0, page_ = 0;
	int half_ = -1; ///< -1: at a pixel boundary; else the high byte waiting
	mutable bool dirty_ = true;
	mutable std::vector<uint32_t> image_;
};

} // namespace

std::unique_ptr<PanelDecoder> makeDcsPanelDecoder(const PanelSpec &spec)
{
	const Module *module = spec.backend == "mi0283qt" ? &kMi0283qt
			       : spec.backend == "ili9341" ? &kYx240qv29
							   : nullptr;
	if (!module)
		return nullptr;
	uint32_t rotation = 0;
	if (const std::string *v = spec.option("rotation"))
		if (!parseDecimal(*v, 0, 270, rotation) || rotation % 90)
			return nullptr;
	const std::string *bgr = spec.option("bgr");
	return std::make_unique<Ili9341Decoder>(*module, rotation, !bgr || *bgr != "0");
}

} // namespace tinydrm
