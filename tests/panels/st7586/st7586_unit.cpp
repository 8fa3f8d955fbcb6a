// SPDX-License-Identifier: MIT
// st7586: options, the 3-pixels-a-byte window (x widened to multiples of 3, columns in bytes),
// display-on after the first frame, hardware gone, and golden round trips through the
// emulated ST7586 (tests/decoders/st7586_panel.h). Expected images are computed here from the
// frame: gray (3R + 6G + B) / 10, four levels, shown as 0x00, 0x55, 0xaa, 0xff.
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

#include <libdrm/drm_fourcc.h>

#include "dry_run.h"
#include "panel_decoder.h"
#include "panel_registry.h"
#include "st7586/st7586_backend.h"

using namespace tinydrm;

namespace {

constexpr uint32_t kW = 178;
constexpr uint32_t kH = 128;

struct Frame {
	uint32_t pitch = kW * 4 + 8;
	std::vector<uint8_t> bytes = std::vector<uint8_t>(size_t(pitch) * kH, 0);

	FrameView view() const { return {bytes.data(), kW, kH, pitch, DRM_FORMAT_XRGB8888}; }
	void set(uint32_t x, uint32_t y, uint32_t value)
	{
		std::memcpy(bytes.data() + size_t(y) * pitch + size_t(x) * 4, &value, 4);
	}
	uint32_t get(uint32_t x, uint32_t y) const
	{
		uint32_t value;
		std::memcpy(&value, bytes.data() + size_t(y) * pitch + size_t(x) * 4, 4);
		return value;
	}
	void fill(uint32_t seed)
	{
		uint32_t state = seed * 2654435761u + 7;
		for (uint32_t y = 0; y < kH; y++)
			for (uint32_t x = 0; x < kW; x++) {
				state = state * 1664525u + 1013904223u;
				set(x, y, state ^ (state >> 11));
			}
	}
};

/// The glass's gray for a framebuffer pixel.
uint32_t shown(uint32_t pixel)
{
	const uint32_t r = (pixel >> 16) & 0xff, g = (pixel >> 8) & 0xff, b = pixel & 0xff;
	const uint32_t gray = (3 * r + 6 * g + b) / 10;
	const uint32_t v = (gray >> 6) * 0x55;
	return v << 16 | v << 8 | v;
}

void paint(std::vector<uint32_t> &expected, const Frame &frame, int32_t x1, int32_t y1, int32_t x2,
	   int32_t y2)
{
	for (int32_t y = y1; y < y2; y++)
		for (int32_t x = x1; x < x2; x++)
			expected[size_t(y) * kW + x] = shown(frame.get(x, y));
}

std::string compare(const PanelDecoder &decoder, const std::vector<uint32_t> &expected)
{
	if (decoder.width() != kW || decoder.height() != kH)
		return "decoder is " + std::to_string(decoder.width()) + "x" +
		       std::to_string(decoder.height());
	const auto &image = decoder.image();
	size_t bad = 0, first = 0;
	for (size_t i = 0; i < expected.size(); i++)
		if (image[i] != expected[i] && !bad++)
			first = i;
	if (!bad)
		return "";
	char text[160];
	std::snprintf(text, sizeof(text), "%zu pixels differ; first at (%zu, %zu): got %06x, want %06x",
		      bad, first % kW, first / kW, image[first], expected[first]);
	return text;
}

std::vector<WireRecord> records(const std::vector<uint8_t> &bytes)
{
	WireReader reader(bytes);
	std::vector<WireRecord> out;
	WireRecord record;
	while (reader.next(record))
		out.push_back(record);
	REQUIRE(reader.error().empty());
	return out;
}

PanelSpec specOf(const std::string &text)
{
	std::string error;
	auto spec = parsePanelSpec(text, error);
	INFO(text << ": " << error);
	REQUIRE(spec);
	return *spec;
}

struct Rig {
	PanelSpec spec = specOf("st7586:dry-run=unused,reset=gpiochip0:1");
	WireLog *log = nullptr;
	std::unique_ptr<Panel> panel;

	Rig()
	{
		DbiOptions options;
		options.speedHz = 10000000;
		options.reset = "gpiochip0:1";
		auto memory = WireLog::inMemory();
		log = memory.get();
		panel = makeSt7586Panel(makeDryRunDbiWiring(std::move(memory), options), {});
	}

	std::string decode(std::unique_ptr<PanelDecoder> &decoder)
	{
		decoder = makePanelDecoder(spec);
		REQUIRE(decoder);
		std::string error;
		decodeWireLog(*decoder, log->bytes(), error);
		return error;
	}
};

} // namespace

TEST_CASE("st7586 options: good specs pass, bad ones say why", "[st7586]")
{
	std::string error;
	CHECK(parsePanelSpec("st7586:spi=/dev/spidev0.0,dc=gpiochip0:21,reset=gpiochip0:22", error));
	CHECK(parsePanelSpec("st7586:dry-run=/tmp/w,rotation=0,speed=4000000", error));

	const std::pair<const char *, const char *> bad[] = {
		{"st7586:dry-run=/tmp/w,rotation=90", "st7586 takes only 0"},
		{"st7586:dry-run=/tmp/w,rotation=180", "st7586 takes only 0"},
		{"st7586:dry-run=/tmp/w,bgr=1", "has no option 'bgr'"},
		{"st7586:spi=/dev/spidev0.0", "needs spi="},
		{"st7586:178x128,dry-run=/tmp/w", "takes no size"},
	};
	for (const auto &[text, why] : bad) {
		INFO(text);
		error.clear();
		CHECK_FALSE(parsePanelSpec(text, error));
		CHECK_THAT(error, Catch::Contains(why));
	}
}

TEST_CASE("st7586: 178x128, XRGB8888 only", "[st7586]")
{
	Rig rig;
	const PanelInfo &info = rig.panel->info();
	CHECK(info.name == "st7586");
	CHECK(info.modes.at(0).width == kW);
	CHECK(info.modes.at(0).height == kH);
	CHECK(info.formats == std::vector<uint32_t>{DRM_FORMAT_XRGB8888});
	CHECK_FALSE(info.asyncFlush);
	CHECK(rig.panel->enable({kH, kW, 30}) == -EINVAL);
	REQUIRE(rig.panel->enable(info.modes.at(0)) == 0);
	Frame frame;
	FrameView view = frame.view();
	view.format = DRM_FORMAT_RGB565;
	CHECK(rig.panel->flush(view, {0, 0, 10, 10}) == -EINVAL);
}

TEST_CASE("st7586: full frame and partial damage, odd x included, round-trip",
	  "[st7586][golden]")
{
	Rig rig;
	REQUIRE(rig.panel->enable(rig.panel->info().modes.at(0)) == 0);

	// Before the first frame the display stays off: the glass shows nothing (white).
	std::unique_ptr<PanelDecoder> decoder;
	REQUIRE(rig.decode(decoder) == "");
	CHECK(compare(*decoder, std::vector<uint32_t>(kW * kH, 0xffffff)) == "");

	Frame frame;
	frame.fill(1);
	std::vector<uint32_t> expected(kW * kH);
	REQUIRE(rig.panel->flush(frame.view(), {0, 0, int32_t(kW), int32_t(kH)}) == 0);
	paint(expected, frame, 0, 0, kW, kH);
	REQUIRE(rig.decode(decoder) == "");
	REQUIRE(compare(*decoder, expected) == "");

	// Each damage rect, and what the glass takes: x widened to whole bytes, within the glass.
	struct Case {
		Rect damage;
		int32_t x1, x2;
	};
	const Case cases[] = {
		{{1, 0, 2, 1}, 0, 3},          // one pixel in the middle of a byte
		{{2, 5, 4, 9}, 0, 6},          // straddles a byte boundary
		{{3, 10, 6, 11}, 3, 6},        // exactly one byte
		{{100, 20, 101, 90}, 99, 102}, // one column
		{{177, 0, 178, 128}, 177, 178}, // the last column: its byte has two pixels off-glass
		{{170, 127, 300, 200}, 168, 178}, // clipped to the glass
		{{0, 64, 178, 65}, 0, 178},     // one full row
	};
	uint32_t seed = 2;
	for (const Case &c : cases) {
		INFO("damage " << c.damage.x1 << "," << c.damage.y1 << " - " << c.damage.x2 << ","
			       << c.damage.y2);
		frame.fill(seed++);
		REQUIRE(rig.panel->flush(frame.view(), c.damage) == 0);
		paint(expected, frame, c.x1, std::max(c.damage.y1, 0), c.x2,
		      std::min<int32_t>(c.damage.y2, kH));
		REQUIRE(rig.decode(decoder) == "");
		REQUIRE(compare(*decoder, expected) == "");
	}
}

TEST_CASE("st7586: columns in bytes, rows in rows, packed pixels, then display on",
	  "[st7586]")
{
	Rig rig;
	REQUIRE(rig.panel->enable(rig.panel->info().modes.at(0)) == 0);
	const size_t before = records(rig.log->bytes()).size();

	Frame frame;
	// Widened to x 3..11 (bytes 1..3) on row 7: black, dark, light, white, then the rest 0.
	const uint32_t row[] = {0x000000, 0x555555, 0xaaaaaa, 0xffffff, 0x000000,
				0x404040, 0x808080, 0xc0c0c0, 0xffffff};
	for (uint32_t i = 0; i < 9; i++)
		frame.set(3 + i, 7, row[i]);
	REQUIRE(rig.panel->flush(frame.view(), {4, 7, 10, 8}) == 0);

	const auto all = records(rig.log->bytes());
	std::vector<std::vector<uint8_t>> spi;
	for (size_t i = before; i < all.size(); i++)
		if (all[i].kind == WireKind::SpiTransfer)
			spi.push_back(all[i].payload);
	using Bytes = std::vector<uint8_t>;
	REQUIRE(spi.size() == 7);
	CHECK(spi[0] == Bytes{0x2a});
	CHECK(spi[1] == Bytes{0x00, 0x01, 0x00, 0x03});
	CHECK(spi[2] == Bytes{0x2b});
	CHECK(spi[3] == Bytes{0x00, 0x07, 0x00, 0x07});
	CHECK(spi[4] == Bytes{0x2c});
	// Levels (gray >> 6): 0,1,2 | 3,0,1 | 2,3,3; codes 111,100,(010>>1) and so on.
	CHECK(spi[5] == Bytes{0xe0 | 0x10 | 0x01, 0x00 | 0x1c | 0x02, 0x40 | 0x00 | 0x00});
	CHECK(spi[6] == Bytes{0x29}); // display on after the first frame only
	CHECK(all.back().kind == WireKind::Mark);

	REQUIRE(rig.panel->flush(frame.view(), {0, 0, 1, 1}) == 0);
	size_t displayOns = 0;
	int dc = -1;
	for (const WireRecord &record : records(rig.log->bytes())) {
		const std::string role(record.payload.begin(), record.payload.end());
		if (record.kind == WireKind::Gpio && role == "dc")
			dc = record.arg1;
		else if (record.kind == WireKind::SpiTransfer && dc == 0 && record.payload == Bytes{0x29})
			displayOns++;
	}
	CHECK(displayOns == 1);
}

TEST_CASE("st7586: disable turns the display off", "[st7586][golden]")
{
	Rig rig;
	REQUIRE(rig.panel->enable(rig.panel->info().modes.at(0)) == 0);
	Frame frame;
	frame.fill(9);
	REQUIRE(rig.panel->flush(frame.view(), {0, 0, int32_t(kW), int32_t(kH)}) == 0);
	rig.panel->disable();
	std::unique_ptr<PanelDecoder> decoder;
	REQUIRE(rig.decode(decoder) == "");
	CHECK(compare(*decoder, std::vector<uint32_t>(kW * kH, 0xffffff)) == "");

	// Enabled again, the next frame shows.
	REQUIRE(rig.panel->enable(rig.panel->info().modes.at(0)) == 0);
	REQUIRE(rig.panel->flush(frame.view(), {0, 0, int32_t(kW), int32_t(kH)}) == 0);
	std::vector<uint32_t> expected(kW * kH);
	paint(expected, frame, 0, 0, kW, kH);
	REQUIRE(rig.decode(decoder) == "");
	CHECK(compare(*decoder, expected) == "");
}

namespace {

class GoneSpi final : public SpiBus
{
public:
	int transfer(const SpiTransfer &) override { return -ENODEV; }
	uint32_t maxSpeedHz() const override { return 10000000; }
};

class NullGpio final : public GpioLine
{
public:
	int set(bool) override { return 0; }
	int get() override { return 0; }
	const std::string &role() const override { return role_; }

private:
	std::string role_ = "dc";
};

class NullDelay final : public Delay
{
public:
	void sleep(std::chrono::microseconds) override {}
};

} // namespace

TEST_CASE("st7586: -ENODEV reports the hardware gone once", "[st7586]")
{
	DbiWiring wiring;
	wiring.spi = std::make_unique<GoneSpi>();
	wiring.dc = std::make_unique<NullGpio>();
	wiring.delay = std::make_unique<NullDelay>();
	int gone = 0;
	PanelContext context;
	context.hardwareGone = [&](const std::string &) { gone++; };
	auto panel = makeSt7586Panel(std::move(wiring), context);
	CHECK(panel->enable({kW, kH, 30}) == -ENODEV);
	Frame frame;
	CHECK(panel->flush(frame.view(), {0, 0, 3, 3}) == -ENODEV);
	panel->disable();
	CHECK(gone == 1);
}

TEST_CASE("st7586: createPanel with dry-run writes a file the decoder reads back",
	  "[st7586][golden]")
{
	char path[] = "/tmp/tinydrm-st7586-XXXXXX";
	const int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	close(fd);
	const PanelSpec spec = specOf(std::string("st7586:dry-run=") + path);
	std::unique_ptr<Panel> panel;
	std::string error;
	REQUIRE(createPanel(spec, {}, panel, error) == 0);
	REQUIRE(panel->enable(panel->info().modes.at(0)) == 0);
	Frame frame;
	frame.fill(5);
	REQUIRE(panel->flush(frame.view(), {0, 0, int32_t(kW), int32_t(kH)}) == 0);
	panel.reset();

	std::vector<uint8_t> bytes;
	REQUIRE(WireReader::load(path, bytes, error) == 0);
	unlink(path);
	auto decoder = makePanelDecoder(spec);
	REQUIRE(decodeWireLog(*decoder, bytes, error));
	std::vector<uint32_t> expected(kW * kH);
	paint(expected, frame, 0, 0, kW, kH);
	CHECK(compare(*decoder, expected) == "");
}

namespace {

/// Hand-made wires for the decoder's checks.
struct Wire {
	std::unique_ptr<WireLog> log = WireLog::inMemory();

	Wire &dc(int level)
	{
		log->append(WireKind::Gpio, 0, uint16_t(level), 0,
			    reinterpret_cast<const uint8_t *>("dc"), 2);
		return *this;
	}
	Wire &cmd(uint8_t c, std::vector<uint8_t> params = {})
	{
		dc(0);
		log->append(WireKind::SpiTransfer, 8, 0, 1000000, &c, 1);
		if (!params.empty()) {
			dc(1);
			log->append(WireKind::SpiTransfer, 8, 0, 1000000, params.data(), params.size());
		}
		return *this;
	}
	Wire &read(uint8_t c)
	{
		dc(0);
		const uint8_t tx[2] = {c, 0}, rx[2] = {0, 0};
		log->append(WireKind::SpiTransfer, 8, 1, 1000000, tx, 2, rx, 2);
		return *this;
	}
	Wire &ready() { return cmd(0x11).cmd(0x38).cmd(0x3a, {0x02}).cmd(0x29); }

	std::string decode() const
	{
		auto decoder = makePanelDecoder(specOf("st7586:dry-run=x"));
		std::string error;
		decodeWireLog(*decoder, log->bytes(), error);
		return error;
	}
};

} // namespace

TEST_CASE("st7586 decoder: rejects what the controller would not take", "[st7586][decoder]")
{
	CHECK(Wire().ready().cmd(0x2a, {0, 0, 0, 59}).cmd(0x2c, {0xff}).decode() == "");

	const std::pair<std::string, const char *> cases[] = {
		{Wire().read(0x0a).decode(), "does not answer over SPI"},
		{Wire().cmd(0x11).cmd(0x2c, {0}).decode(), "before ENABLE_DDRAM"},
		{Wire().ready().cmd(0x2a, {0, 0, 0, 128}).decode(), "want start <= end < 128"},
		{Wire().ready().cmd(0x2b, {0, 0, 0, 160}).decode(), "want start <= end < 160"},
		{Wire().ready().cmd(0x36, {0xc0}).cmd(0x2c, {0}).decode(), "MX/MY"},
		{Wire().ready().cmd(0xc0, {0xe3}).cmd(0x29).decode(), "0xc0 got 1 parameter bytes"},
		{Wire().ready().cmd(0x2d).decode(), "unknown command 0x2d"},
	};
	for (const auto &[error, why] : cases) {
		INFO(why);
		CHECK_THAT(error, Catch::Contains(why));
	}

	// 4-level gray of each field, the third pixel taking the top two bits of the same code.
	Wire wire;
	wire.ready().cmd(0x2a, {0, 0, 0, 0}).cmd(0x2b, {0, 0, 0, 0}).cmd(0x2c, {0xe0 | 0x08 | 0x01});
	auto decoder = makePanelDecoder(specOf("st7586:dry-run=x"));
	std::string error;
	REQUIRE(decodeWireLog(*decoder, wire.log->bytes(), error));
	CHECK(decoder->image()[0] == 0x000000); // 111: black
	CHECK(decoder->image()[1] == 0xaaaaaa); // 010: light gray
	CHECK(decoder->image()[2] == 0xaaaaaa); // 01: light gray
}
