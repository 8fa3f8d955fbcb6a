// SPDX-License-Identifier: MIT
// MIPI DBI panels (mi0283qt, ili9341): options, and golden round trips through the emulated
// ILI9341 (tests/decoders/dcs_panel.h) for full frames and partial damage in every rotation and
// both framebuffer formats. The expected images are computed here, from the frame alone.
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

#include <libdrm/drm_fourcc.h>

#include "dcs_panel.h"
#include "dry_run.h"
#include "mipi_dbi/dbi_panel.h"
#include "mipi_dbi/mipi_dbi_backends.h"
#include "panel_registry.h"

using namespace tinydrm;

namespace {

/// A framebuffer with a pitch wider than its rows, as clients often have.
struct Frame {
	uint32_t width, height, format, cpp, pitch;
	std::vector<uint8_t> bytes;

	Frame(uint32_t w, uint32_t h, uint32_t fmt)
		: width(w), height(h), format(fmt), cpp(fmt == DRM_FORMAT_RGB565 ? 2 : 4),
		  pitch(w * cpp + 12), bytes(size_t(pitch) * h, 0xa5)
	{
	}

	FrameView view() const { return {bytes.data(), width, height, pitch, format}; }

	void set(uint32_t x, uint32_t y, uint32_t value)
	{
		std::memcpy(bytes.data() + size_t(y) * pitch + size_t(x) * cpp, &value, cpp);
	}
	uint32_t get(uint32_t x, uint32_t y) const
	{
		uint32_t value = 0;
		std::memcpy(&value, bytes.data() + size_t(y) * pitch + size_t(x) * cpp, cpp);
		return value;
	}

	/// Pseudo-random pixels, different per @p seed; the X byte of XRGB8888 is noise too.
	void fill(uint32_t seed)
	{
		uint32_t state = seed * 2654435761u + 1;
		for (uint32_t y = 0; y < height; y++)
			for (uint32_t x = 0; x < width; x++) {
				state = state * 1664525u + 1013904223u;
				set(x, y, state ^ (state >> 13));
			}
	}
};

uint32_t expand(uint32_t v, int bits)
{
	return (v << (8 - bits)) | (v >> (2 * bits - 8));
}

/// What the glass shows for a framebuffer pixel: truncated to RGB565, expanded back.
uint32_t shown(uint32_t pixel, uint32_t format)
{
	uint32_t r, g, b;
	if (format == DRM_FORMAT_RGB565) {
		r = (pixel >> 11) & 0x1f;
		g = (pixel >> 5) & 0x3f;
		b = pixel & 0x1f;
	} else {
		r = (pixel >> 19) & 0x1f;
		g = (pixel >> 10) & 0x3f;
		b = (pixel >> 3) & 0x1f;
	}
	return expand(r, 5) << 16 | expand(g, 6) << 8 | expand(b, 5);
}

/// Copies @p rect of @p frame, as the glass shows it, into @p expected.
void paint(std::vector<uint32_t> &expected, const Frame &frame, const Rect &rect)
{
	for (int32_t y = rect.y1; y < rect.y2; y++)
		for (int32_t x = rect.x1; x < rect.x2; x++)
			expected[size_t(y) * frame.width + x] = shown(frame.get(x, y), frame.format);
}

/// "" when equal, else where they first differ.
std::string compare(const PanelDecoder &decoder, const std::vector<uint32_t> &expected,
		    uint32_t width, uint32_t height)
{
	if (decoder.width() != width || decoder.height() != height)
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
		      bad, first % width, first / width, image[first], expected[first]);
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

/// A panel on an in-memory dry-run log.
struct Rig {
	PanelSpec spec;
	WireLog *log = nullptr;
	std::unique_ptr<Panel> panel;
	int gone = 0;

	Rig(const DbiModel &model, const std::string &options)
	{
		spec = specOf(std::string(model.name) + ":dry-run=unused" + options);
		DbiOptions parsed;
		std::string error;
		DbiOptionRules rules;
		REQUIRE(parseDbiOptions(spec, rules, parsed, error));
		auto memory = WireLog::inMemory();
		log = memory.get();
		PanelContext context;
		context.name = "test";
		context.hardwareGone = [this](const std::string &) { gone++; };
		panel = makeDbiPanel(model, parsed, makeDryRunDbiWiring(std::move(memory), parsed),
				     context);
	}

	const PanelMode &mode() const { return panel->info().modes.at(0); }

	std::string decode(std::unique_ptr<PanelDecoder> &decoder)
	{
		decoder = makePanelDecoder(spec);
		REQUIRE(decoder);
		std::string error;
		decodeWireLog(*decoder, log->bytes(), error);
		return error;
	}
};

const DbiModel *const kModels[] = {&kMi0283qtModel, &kIli9341Model};

} // namespace

TEST_CASE("mipi-dbi options: good specs pass, bad ones say why", "[mipi_dbi]")
{
	std::string error;
	CHECK(parsePanelSpec("mi0283qt:spi=/dev/spidev0.0,dc=gpiochip0:24", error));
	CHECK(parsePanelSpec("ili9341:spi=/dev/spidev0.1,dc=gpiochip0:24,reset=gpiochip0:25,"
			     "speed=16000000,rotation=270,bgr=0",
			     error));
	CHECK(parsePanelSpec("mi0283qt:dry-run=/tmp/wire,realtime=1,rotation=90", error));

	const std::pair<const char *, const char *> bad[] = {
		{"mi0283qt", "needs spi="},
		{"mi0283qt:spi=/dev/spidev0.0", "needs spi="},
		{"mi0283qt:dc=gpiochip0:1", "needs spi="},
		{"mi0283qt:dry-run=/tmp/w,rotation=45", "bad rotation '45'"},
		{"mi0283qt:dry-run=/tmp/w,rotation=360", "bad rotation"},
		{"ili9341:dry-run=/tmp/w,speed=1", "bad speed '1'"},
		{"ili9341:dry-run=/tmp/w,speed=200000000", "bad speed"},
		{"ili9341:spi=/dev/spidev0.0,dc=gpiochip0:1,realtime=1", "realtime= only applies"},
		{"ili9341:dry-run=/tmp/w,bgr=yes", "bad bgr 'yes'"},
		{"ili9341:dry-run=/tmp/w,colour=1", "has no option 'colour'"},
		{"ili9341:320x240,dry-run=/tmp/w", "takes no size"},
		{"ili9341:spi=spidev0.0,dc=gpiochip0:1", "bad spi 'spidev0.0'"},
		{"ili9341:spi=/dev/spidev0.0,dc=24", "expected gpiochipN:LINE"},
		{"ili9341:dry-run=/tmp/w,reset=gpiochip0:x", "line must be a number"},
	};
	for (const auto &[text, why] : bad) {
		INFO(text);
		error.clear();
		CHECK_FALSE(parsePanelSpec(text, error));
		CHECK_THAT(error, Catch::Contains(why));
	}
}

TEST_CASE("mipi-dbi: panel info follows the model and the rotation", "[mipi_dbi]")
{
	Rig mi(kMi0283qtModel, "");
	CHECK(mi.panel->info().name == "mi0283qt");
	CHECK(mi.mode().width == 320);
	CHECK(mi.mode().height == 240);
	CHECK(mi.panel->info().widthMm == 58);
	CHECK_FALSE(mi.panel->info().asyncFlush);
	CHECK(mi.panel->info().formats ==
	      std::vector<uint32_t>{DRM_FORMAT_XRGB8888, DRM_FORMAT_RGB565});

	Rig ili(kIli9341Model, ",rotation=90");
	CHECK(ili.mode().width == 320);
	CHECK(ili.mode().height == 240);
	CHECK(ili.panel->info().widthMm == 49);
	CHECK(ili.panel->enable({240, 320, 30}) == -EINVAL); // not the rotated mode
}

TEST_CASE("mipi-dbi: full frame and partial damage round-trip in every rotation and format",
	  "[mipi_dbi][golden]")
{
	for (const DbiModel *model : kModels) {
		for (uint32_t rotation : {0u, 90u, 180u, 270u}) {
			for (uint32_t format : {DRM_FORMAT_XRGB8888, DRM_FORMAT_RGB565}) {
				INFO(model->name << " rotation " << rotation << " format "
						 << (format == DRM_FORMAT_RGB565 ? "RGB565" : "XRGB8888"));
				Rig rig(*model, ",rotation=" + std::to_string(rotation));
				const uint32_t w = rig.mode().width, h = rig.mode().height;
				REQUIRE(rig.panel->enable(rig.mode()) == 0);

				Frame frame(w, h, format);
				frame.fill(rotation + format);
				std::vector<uint32_t> expected(size_t(w) * h, 0);
				const Rect full{0, 0, int32_t(w), int32_t(h)};
				REQUIRE(rig.panel->flush(frame.view(), full) == 0);
				paint(expected, frame, full);
				std::unique_ptr<PanelDecoder> decoder;
				REQUIRE(rig.decode(decoder) == "");
				REQUIRE(compare(*decoder, expected, w, h) == "");

				// New content; only the damaged parts may change on the glass.
				frame.fill(rotation + format + 7);
				const Rect damage[] = {
					{0, 0, 1, 1},                                   // one pixel
					{int32_t(w) - 1, int32_t(h) - 1, int32_t(w), int32_t(h)}, // the last
					{17, 3, 50, 4},                                 // one row
					{5, 9, 6, 70},                                  // one column
					{33, 41, 121, 97},
					{int32_t(w) - 20, 100, int32_t(w) + 50, 130}, // clipped
				};
				for (const Rect &rect : damage) {
					REQUIRE(rig.panel->flush(frame.view(), rect) == 0);
					Rect clip = rect;
					clip.x2 = std::min<int32_t>(clip.x2, int32_t(w));
					clip.y2 = std::min<int32_t>(clip.y2, int32_t(h));
					paint(expected, frame, clip);
				}
				REQUIRE(rig.decode(decoder) == "");
				REQUIRE(compare(*decoder, expected, w, h) == "");
			}
		}
	}
}

TEST_CASE("mipi-dbi: a flush is one window, then big-endian RGB565, then a mark",
	  "[mipi_dbi]")
{
	Rig rig(kMi0283qtModel, ",speed=40000000");
	REQUIRE(rig.panel->enable(rig.mode()) == 0);
	const size_t before = records(rig.log->bytes()).size();

	Frame frame(320, 240, DRM_FORMAT_XRGB8888);
	frame.set(10, 20, 0x00ff0000); // red
	frame.set(11, 20, 0x000000ff); // blue
	REQUIRE(rig.panel->flush(frame.view(), {10, 20, 12, 22}) == 0);

	const auto all = records(rig.log->bytes());
	const std::vector<WireRecord> r(all.begin() + ptrdiff_t(before), all.end());
	std::vector<std::vector<uint8_t>> spi;
	std::vector<uint32_t> speeds;
	for (const WireRecord &record : r)
		if (record.kind == WireKind::SpiTransfer) {
			spi.push_back(record.payload);
			speeds.push_back(record.arg2);
		}
	using Bytes = std::vector<uint8_t>;
	REQUIRE(spi.size() == 6);
	CHECK(spi[0] == Bytes{0x2a});
	CHECK(spi[1] == Bytes{0x00, 10, 0x00, 11}); // inclusive end
	CHECK(spi[2] == Bytes{0x2b});
	CHECK(spi[3] == Bytes{0x00, 20, 0x00, 21});
	CHECK(spi[4] == Bytes{0x2c});
	const uint8_t a5 = 0xa5; // the frame's untouched bytes: 0xa5a5a5a5
	const uint16_t p = uint16_t((a5 & 0xf8) << 8 | (a5 & 0xfc) << 3 | a5 >> 3);
	CHECK(spi[5] == Bytes{0xf8, 0x00, 0x00, 0x1f, uint8_t(p >> 8), uint8_t(p), uint8_t(p >> 8),
			      uint8_t(p)});
	// Commands and their parameters at 10 MHz, pixel data at the bus maximum only when the
	// transfer is longer than 64 bytes (the kernel's rule): this one is short.
	for (uint32_t speed : speeds)
		CHECK(speed == 10000000);

	REQUIRE(rig.panel->flush(frame.view(), {0, 0, 320, 240}) == 0);
	const auto last = records(rig.log->bytes());
	CHECK(last[last.size() - 2].arg2 == 40000000); // the 153600 pixel bytes
	CHECK(last.back().kind == WireKind::Mark);
	CHECK(std::string(last.back().payload.begin(), last.back().payload.end()) == "flush 2");
}

TEST_CASE("mipi-dbi: enable resets, programs RGB565 and sets MADCTL with BGR", "[mipi_dbi]")
{
	Rig rig(kIli9341Model, ",reset=gpiochip0:25,rotation=180");
	REQUIRE(rig.panel->enable(rig.mode()) == 0);
	const auto r = records(rig.log->bytes());
	// The reset line pulses low, then high, before the first command.
	std::vector<int> resetLevels;
	bool sawSoftReset = false, sawColmod = false;
	uint8_t madctl = 0;
	int dc = -1;
	for (size_t i = 0; i < r.size(); i++) {
		const WireRecord &record = r[i];
		const std::string role(record.payload.begin(), record.payload.end());
		if (record.kind == WireKind::Gpio && role == "reset")
			resetLevels.push_back(record.arg1);
		if (record.kind == WireKind::Gpio && role == "dc")
			dc = record.arg1;
		if (record.kind != WireKind::SpiTransfer || dc != 0 || record.arg1)
			continue;
		const uint8_t cmd = record.payload.at(0);
		sawSoftReset |= cmd == 0x01;
		if ((cmd == 0x3a || cmd == 0x36) && i + 2 < r.size()) {
			const uint8_t param = r[i + 2].payload.at(0);
			if (cmd == 0x3a)
				sawColmod = param == 0x05;
			else
				madctl = param;
		}
	}
	CHECK(resetLevels == std::vector<int>{0, 1});
	CHECK(sawSoftReset);
	CHECK(sawColmod);
	CHECK(madctl == (0x80 | 0x08)); // ili9341 at 180: MY, plus BGR

	// The decoder agrees the controller came up: black memory, display on.
	std::unique_ptr<PanelDecoder> decoder;
	REQUIRE(rig.decode(decoder) == "");
	CHECK(decoder->image().at(0) == 0);
}

TEST_CASE("mipi-dbi: a panel that is already on keeps its picture", "[mipi_dbi]")
{
	auto log = WireLog::inMemory();
	DbiOptions options;
	options.speedHz = 32000000;
	DbiWiring wiring;
	// GET_POWER_MODE answers "display on, normal, sleep out, booster on".
	wiring.spi = makeDryRunSpi(*log, options.speedHz, [](const uint8_t *tx, uint8_t *rx, size_t n) {
		if (tx && n >= 2 && tx[0] == 0x0a)
			rx[1] = 0x9c;
	});
	wiring.dc = makeDryRunGpio(*log, "dc");
	wiring.delay = makeDryRunDelay(*log, false);
	WireLog *raw = log.get();
	wiring.log = std::move(log);
	auto panel = makeDbiPanel(kMi0283qtModel, options, std::move(wiring), {});
	REQUIRE(panel->enable({320, 240, 30}) == 0);

	int dc = -1;
	std::vector<uint8_t> commands;
	for (const WireRecord &record : records(raw->bytes())) {
		if (record.kind == WireKind::Gpio)
			dc = record.arg1;
		else if (record.kind == WireKind::SpiTransfer && dc == 0)
			commands.push_back(record.payload.at(0));
	}
	CHECK(commands == std::vector<uint8_t>{0x0a, 0x36}); // the read, then MADCTL only
}

TEST_CASE("mipi-dbi: disable blanks the panel to black", "[mipi_dbi][golden]")
{
	Rig rig(kIli9341Model, "");
	REQUIRE(rig.panel->enable(rig.mode()) == 0);
	Frame frame(240, 320, DRM_FORMAT_XRGB8888);
	frame.fill(3);
	REQUIRE(rig.panel->flush(frame.view(), {0, 0, 240, 320}) == 0);
	rig.panel->disable();
	std::unique_ptr<PanelDecoder> decoder;
	REQUIRE(rig.decode(decoder) == "");
	CHECK(compare(*decoder, std::vector<uint32_t>(240 * 320, 0), 240, 320) == "");
	// Disabled, a flush sends nothing.
	const size_t size = rig.log->bytes().size();
	CHECK(rig.panel->flush(frame.view(), {0, 0, 240, 320}) == 0);
	CHECK(rig.log->bytes().size() == size);
}

TEST_CASE("mipi-dbi: formats it cannot show and bad frames are refused", "[mipi_dbi]")
{
	Rig rig(kMi0283qtModel, "");
	REQUIRE(rig.panel->enable(rig.mode()) == 0);
	Frame frame(320, 240, DRM_FORMAT_XRGB8888);
	FrameView view = frame.view();
	view.format = DRM_FORMAT_RGB888;
	CHECK(rig.panel->flush(view, {0, 0, 10, 10}) == -EINVAL);
	view = frame.view();
	view.pitch = 320 * 4 - 1;
	CHECK(rig.panel->flush(view, {0, 0, 10, 10}) == -EINVAL);
	view = frame.view();
	CHECK(rig.panel->flush(view, {400, 0, 500, 10}) == 0); // all outside: nothing to do
	CHECK(rig.panel->flush(view, {-5, -5, 0, 0}) == 0);
}

namespace {

/// An SPI bus that works @p budget more times, then reports the device gone.
class VanishingSpi final : public SpiBus
{
public:
	explicit VanishingSpi(int transfers) : budget(transfers) {}
	int transfer(const SpiTransfer &) override
	{
		calls++;
		return budget-- > 0 ? 0 : -ENODEV;
	}
	uint32_t maxSpeedHz() const override { return 32000000; }
	int budget;
	int calls = 0;
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

TEST_CASE("mipi-dbi: -ENODEV from the bus reports the hardware gone once", "[mipi_dbi]")
{
	// In the power-mode read, in the middle of init, in a flush.
	for (int budget : {0, 5, -1}) {
		INFO("bus vanishes after " << budget << " transfers");
		DbiWiring wiring;
		auto spi = std::make_unique<VanishingSpi>(budget < 0 ? 1000 : budget);
		VanishingSpi *bus = spi.get();
		wiring.spi = std::move(spi);
		wiring.dc = std::make_unique<NullGpio>();
		wiring.delay = std::make_unique<NullDelay>();
		int gone = 0;
		std::string why;
		PanelContext context;
		context.name = "tinydrm-7";
		context.hardwareGone = [&](const std::string &text) {
			gone++;
			why = text;
		};
		DbiOptions options;
		auto panel = makeDbiPanel(kIli9341Model, options, std::move(wiring), context);
		Frame frame(240, 320, DRM_FORMAT_RGB565);

		int ret = panel->enable({240, 320, 30});
		if (budget < 0) {
			REQUIRE(ret == 0);
			bus->budget = 2;
			ret = panel->flush(frame.view(), {0, 0, 240, 320});
		}
		CHECK(ret == -ENODEV);
		CHECK(gone == 1);
		CHECK_THAT(why, Catch::StartsWith("tinydrm-7"));
		// Later calls fail at once, without touching the bus, and do not report again.
		const int calls = bus->calls;
		CHECK(panel->flush(frame.view(), {0, 0, 10, 10}) == -ENODEV);
		CHECK(panel->enable({240, 320, 30}) == -ENODEV);
		panel->disable();
		CHECK(bus->calls == calls);
		CHECK(gone == 1);
	}
}

TEST_CASE("mipi-dbi: createPanel with dry-run writes a file the decoder reads back",
	  "[mipi_dbi][golden]")
{
	char path[] = "/tmp/tinydrm-mipi-XXXXXX";
	const int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	close(fd);
	const PanelSpec spec =
		specOf(std::string("mi0283qt:dry-run=") + path + ",rotation=90,reset=gpiochip0:25");
	std::unique_ptr<Panel> panel;
	std::string error;
	REQUIRE(createPanel(spec, {}, panel, error) == 0);
	REQUIRE(panel->info().modes.at(0).width == 240);
	REQUIRE(panel->enable(panel->info().modes.at(0)) == 0);
	Frame frame(240, 320, DRM_FORMAT_XRGB8888);
	frame.fill(11);
	REQUIRE(panel->flush(frame.view(), {0, 0, 240, 320}) == 0);
	panel.reset(); // closes the log

	std::vector<uint8_t> bytes;
	REQUIRE(WireReader::load(path, bytes, error) == 0);
	unlink(path);
	auto decoder = makePanelDecoder(spec);
	REQUIRE(decoder);
	REQUIRE(decodeWireLog(*decoder, bytes, error));
	std::vector<uint32_t> expected(240 * 320);
	paint(expected, frame, {0, 0, 240, 320});
	CHECK(compare(*decoder, expected, 240, 320) == "");

	// A dry-run path that cannot be created fails create() with a reason.
	const PanelSpec bad = specOf("ili9341:dry-run=/nonexistent-dir/wire");
	CHECK(createPanel(bad, {}, panel, error) < 0);
	CHECK_FALSE(error.empty());
}

// The decoder must catch what a broken backend would send, not only accept what ours does.
namespace {

struct Wire {
	std::unique_ptr<WireLog> log = WireLog::inMemory();

	Wire &dc(int level)
	{
		log->append(WireKind::Gpio, 0, uint16_t(level), 0,
			    reinterpret_cast<const uint8_t *>("dc"), 2);
		return *this;
	}
	Wire &reset(int level)
	{
		log->append(WireKind::Gpio, 0, uint16_t(level), 0,
			    reinterpret_cast<const uint8_t *>("reset"), 5);
		return *this;
	}
	Wire &bytes(std::vector<uint8_t> data, uint32_t speed = 10000000)
	{
		log->append(WireKind::SpiTransfer, 8, 0, speed, data.data(), data.size());
		return *this;
	}
	Wire &cmd(uint8_t c, std::vector<uint8_t> params = {})
	{
		dc(0).bytes({c});
		if (!params.empty())
			dc(1).bytes(params);
		return *this;
	}
	Wire &delay(uint32_t us)
	{
		log->append(WireKind::Delay, 0, 0, us, nullptr, 0);
		return *this;
	}
	/// A controller brought up to take RGB565 pixels.
	Wire &ready()
	{
		return cmd(0x01).delay(5000).cmd(0x11).delay(5000).cmd(0x3a, {0x55}).cmd(0x29);
	}

	std::string decode() const
	{
		auto decoder = makePanelDecoder(specOf("ili9341:dry-run=x"));
		std::string error;
		decodeWireLog(*decoder, log->bytes(), error);
		return error;
	}
};

} // namespace

TEST_CASE("dcs decoder: rejects malformed command streams", "[mipi_dbi][decoder]")
{
	CHECK(Wire().ready().cmd(0x2a, {0, 0, 0, 10}).cmd(0x2c, {1, 2}).decode() == "");

	const std::pair<std::string, const char *> cases[] = {
		{Wire().ready().cmd(0x2a, {0, 0, 0}).cmd(0x2b).decode(), "0x2a got 3 parameter bytes"},
		{Wire().ready().cmd(0x2a, {0, 0, 0, 1, 2}).decode(), "0x2a got 5 parameter bytes"},
		{Wire().ready().cmd(0x2a, {0, 10, 0, 9}).decode(), "starts after its end"},
		{Wire().ready().cmd(0x2b, {0, 0, 0x01, 0x40}).decode(), "beyond the memory"},
		{Wire().ready().cmd(0x2a, {0, 0, 0x01, 0x00}).cmd(0x2c, {0, 0}).decode(),
		 "outside 240x320"},
		{Wire().ready().cmd(0xfe).decode(), "unknown command 0xfe"},
		{Wire().ready().dc(1).bytes({1, 2}).decode(), "data bytes without a command"},
		{Wire().bytes({0x29}).decode(), "before the D/C line was set"},
		{Wire().cmd(0x11).delay(5000).cmd(0x2c, {0, 0}).decode(), "COLMOD 0x66"},
		{Wire().ready().cmd(0x2c, {1, 2, 3}).cmd(0x00).decode(), "inside a pixel"},
		{Wire().cmd(0x01).cmd(0x11).decode(), "0x11 5000 us too early"},
		{Wire().reset(0).delay(20).reset(1).cmd(0x11).decode(), "too early after a reset"},
		{Wire().reset(0).delay(5).reset(1).decode(), "reset pulse of 5 us"},
		{Wire().reset(0).dc(0).bytes({0x29}).decode(), "while RESX holds"},
		{Wire().dc(0).bytes({0x29}, 32000000).decode(), "clocked at 32000000 Hz"},
	};
	for (const auto &[error, why] : cases) {
		INFO(why);
		CHECK_THAT(error, Catch::Contains(why));
	}
}

TEST_CASE("dcs decoder: the write pointer wraps within the window", "[mipi_dbi][decoder]")
{
	// A 2x2 window fed 5 pixels: the fifth lands on the first again.
	Wire wire;
	wire.ready().cmd(0x36, {0x40 | 0x08}); // ili9341 upright: MX, BGR
	wire.cmd(0x2a, {0, 0, 0, 1}).cmd(0x2b, {0, 0, 0, 1});
	wire.cmd(0x2c, {0xf8, 0x00, 0x07, 0xe0, 0x00, 0x1f, 0xff, 0xff, 0x00, 0x1f});
	auto decoder = makePanelDecoder(specOf("ili9341:dry-run=x"));
	std::string error;
	REQUIRE(decodeWireLog(*decoder, wire.log->bytes(), error));
	const auto &image = decoder->image();
	CHECK(image[0] == 0x0000ff);       // blue overwrote red
	CHECK(image[1] == 0x00ff00);       // green
	CHECK(image[240] == 0x0000ff);     // blue
	CHECK(image[241] == 0xffffff);     // white
	CHECK(image[2] == 0x000000);       // outside the window: untouched

	// Without BGR in MADCTL the module's BGR filter swaps red and blue.
	Wire rgb;
	rgb.ready().cmd(0x36, {0x40}).cmd(0x2a, {0, 0, 0, 0}).cmd(0x2b, {0, 0, 0, 0});
	rgb.cmd(0x2c, {0xf8, 0x00});
	REQUIRE(decodeWireLog(*(decoder = makePanelDecoder(specOf("ili9341:dry-run=x"))),
			      rgb.log->bytes(), error));
	CHECK(decoder->image()[0] == 0x0000ff);
}
