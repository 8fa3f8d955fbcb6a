// SPDX-License-Identifier: MIT
// Golden round trips: frames go through the repaper backend (dry run, in-memory log) and come
// back out of the emulated COG; the film must show what the framebuffer showed, after the
// stages the update rules call for.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <utility>

#include <catch2/catch.hpp>
#include <unistd.h>

#include "repaper_harness.h"

using namespace tinydrm;
using namespace tinydrm::test;

namespace {

const char *const kModels[] = {"e1144cs021", "e1190cs021", "e2200cs021", "e2271cs021"};

/// Left half black, right half white (or the other way round).
Picture halves(uint32_t width, uint32_t height, bool blackLeft)
{
	Picture picture(width, height);
	for (uint32_t y = 0; y < height; y++)
		for (uint32_t x = 0; x < width; x++)
			if ((x < width / 2) == blackLeft)
				picture.at(x, y) = 0;
	return picture;
}

using Signature = std::pair<uint8_t, uint8_t>;

std::string text(const std::vector<Signature> &frames)
{
	std::string out;
	for (const Signature &s : frames)
		out += std::to_string(s.first) + std::to_string(s.second) + " ";
	return out;
}

/// Records, for every latch of gate line 0, the codes of its first and last pixel.
struct LineZero {
	std::vector<Signature> frames;
	RepaperPanelDecoder::LatchObserver observer()
	{
		return [this](int32_t line, std::span<const uint8_t> codes) {
			if (line == 0)
				frames.emplace_back(codes.front(), codes.back());
		};
	}
};

/// A SPI bus that works until @p budget transfers have gone through, then is gone.
class VanishingSpi final : public SpiBus
{
public:
	VanishingSpi(std::unique_ptr<SpiBus> inner, long budget)
		: inner_(std::move(inner)), budget_(budget)
	{
	}
	int transfer(const SpiTransfer &t) override
	{
		if (budget_-- <= 0)
			return -ENODEV;
		return inner_->transfer(t);
	}
	uint32_t maxSpeedHz() const override { return inner_->maxSpeedHz(); }

private:
	std::unique_ptr<SpiBus> inner_;
	long budget_;
};

} // namespace

TEST_CASE("repaper: first, second and later updates round-trip on every model", "[repaper]")
{
	for (const char *name : kModels) {
		INFO(name);
		DryPanel dry(std::string("model=") + name + ",stage-time=5");
		REQUIRE(dry.enable() == 0);
		std::vector<uint32_t> snapshot;
		uint32_t w = 0, h = 0;
		CHECK(dry.panel->snapshot(snapshot, w, h) == -ENODATA);
		for (uint32_t i = 0; i < 5; i++) {
			INFO("update " << i + 1);
			const Picture picture = pattern(dry.width(), dry.height(), i);
			REQUIRE(dry.flush(picture) == 0);
			dry.waitUpdates(i + 1);
			auto decoder = dry.decode();
			CHECK(decoder->updates() == i + 1);
			CHECK(decoder->driving());
			CHECK(decoder->image() == expectedGlass(picture));
			REQUIRE(dry.panel->snapshot(snapshot, w, h) == 0);
			CHECK(w == dry.width());
			CHECK(h == dry.height());
			CHECK(snapshot == expectedGlass(picture));
		}
		CHECK(dry.failed.load() == 0);
	}
}

TEST_CASE("repaper: stages of the first, later and after-power-up updates", "[repaper]")
{
	// stage-time=0: every stage is exactly one frame, so line 0's latches list the stages.
	// A signature is (code of pixel 0, code of the last pixel); 3 black, 2 white, 1 nothing.
	for (const char *name : kModels) {
		INFO(name);
		DryPanel dry(std::string("model=") + name + ",stage-time=0");
		const bool preBorder = dry.config.model->preBorderByte;
		REQUIRE(dry.enable() == 0);
		const Picture a = halves(dry.width(), dry.height(), true);
		const Picture b = halves(dry.width(), dry.height(), false);
		const Picture white(dry.width(), dry.height());
		uint32_t updates = 0;
		for (const Picture *picture : {&a, &b, &white}) {
			REQUIRE(dry.flush(*picture) == 0);
			dry.waitUpdates(++updates);
		}
		dry.panel->disable();
		// (An enable before the power-down started would withdraw it: no power cycle.)
		REQUIRE(waitFor([&] { return dry.hasMark("power-down"); }));
		REQUIRE(dry.enable() == 0);
		REQUIRE(dry.flush(a) == 0);
		dry.waitUpdates(++updates);

		std::vector<Signature> expected = {
			// 1: clear (black, black, white, white), then onto white (white, white),
			// INVERSE and NORMAL of A (pixel 0 black, the last one white).
			{3, 3}, {3, 3}, {2, 2}, {2, 2}, {2, 2}, {2, 2}, {1, 3}, {3, 2},
		};
		if (preBorder)
			expected.push_back({3, 2}); // A's bottom line has ink: NORMAL again
		// 2: NORMAL of B masked by A: both pixels change.
		expected.push_back({2, 3});
		if (preBorder)
			expected.push_back({2, 3});
		// 3: NORMAL of white masked by B: only the right half changes.
		expected.push_back({1, 2});
		// 4, after a power cycle: COMPENSATE and WHITE of white, INVERSE and NORMAL of A.
		for (Signature s : {Signature{3, 3}, {2, 2}, {1, 3}, {3, 2}})
			expected.push_back(s);
		if (preBorder)
			expected.push_back({3, 2});

		LineZero lineZero;
		auto decoder = dry.decode(lineZero.observer());
		CHECK(text(lineZero.frames) == text(expected));
		CHECK(decoder->image() == expectedGlass(a));
		// Every gate line was driven as often as line 0: whole frames only.
		for (uint64_t latches : decoder->lineLatches())
			CHECK(latches == expected.size());
	}
}

TEST_CASE("repaper: partial damage changes only the damage but redraws the whole glass",
	  "[repaper]")
{
	for (const char *name : kModels) {
		INFO(name);
		DryPanel dry(std::string("model=") + name + ",stage-time=0");
		REQUIRE(dry.enable() == 0);
		const Picture first = pattern(dry.width(), dry.height(), 1);
		REQUIRE(dry.flush(first) == 0);
		dry.waitUpdates(1);
		const std::vector<uint64_t> before = dry.decode()->lineLatches();

		// Everything changes, but only a rectangle is reported damaged (odd edges on
		// purpose: pixels are packed 8 to a byte).
		const Picture second = pattern(dry.width(), dry.height(), 7, 5);
		const Rect damage{13, 9, int32_t(dry.width()) - 21, int32_t(dry.height()) - 30};
		REQUIRE(dry.flush(second, damage) == 0);
		dry.waitUpdates(2);
		auto decoder = dry.decode();

		std::vector<uint32_t> expected = expectedGlass(first);
		const std::vector<uint32_t> inside = expectedGlass(second);
		for (int32_t y = damage.y1; y < damage.y2; y++)
			for (int32_t x = damage.x1; x < damage.x2; x++) {
				const size_t i = size_t(y) * dry.width() + size_t(x);
				expected[i] = inside[i];
			}
		CHECK(decoder->image() == expected);
		// Update 2 latched every gate line, not only the damaged ones.
		const std::vector<uint64_t> &after = decoder->lineLatches();
		for (size_t y = 0; y < after.size(); y++)
			CHECK(after[y] > before[y]);
		CHECK(after.front() - before.front() == after.back() - before.back());
	}
}

TEST_CASE("repaper: thresholding of XRGB8888 and RGB565", "[repaper]")
{
	DryPanel dry("model=e1144cs021,stage-time=0");
	REQUIRE(dry.enable() == 0);
	// Gray (3R + 6G + B) / 10 around the threshold of 128.
	const uint32_t colours[] = {
		0x7f7f7f, // 127: black
		0x808080, // 128: white
		0xff0000, // red 76: black
		0x00ff00, // green 153: white
		0x0000ff, // blue 25: black
		0xffff00, // yellow 229: white
		0x00d5d5, // 149: white
		0x808000, // 115: black
		0xff000000 | 0x808080, // X bits are ignored: white
	};
	Picture picture(128, 96);
	for (uint32_t y = 0; y < 96; y++)
		for (uint32_t x = 0; x < 128; x++)
			picture.at(x, y) = colours[(x / 4 + y) % std::size(colours)];
	REQUIRE(dry.flush(picture) == 0);
	dry.waitUpdates(1);
	std::vector<uint32_t> expected = expectedGlass(picture);
	CHECK(dry.decode()->image() == expected);

	// RGB565: 0x8410 expands to about 130 gray (white), 0x7bef to about 124 (black).
	std::vector<uint16_t> rgb565(128 * 96);
	for (size_t i = 0; i < rgb565.size(); i++) {
		const bool white = (i / 3 + i / 128) % 2;
		rgb565[i] = white ? 0x8410 : 0x7bef;
		expected[i] = white ? 0x00ffffff : 0;
	}
	const FrameView view{reinterpret_cast<const uint8_t *>(rgb565.data()), 128, 96, 256,
			     DRM_FORMAT_RGB565};
	REQUIRE(dry.panel->flush(view, {0, 0, 128, 96}) == 0);
	dry.waitUpdates(2);
	CHECK(dry.decode()->image() == expected);

	const FrameView bad{reinterpret_cast<const uint8_t *>(rgb565.data()), 128, 96, 256,
			    DRM_FORMAT_ARGB1555};
	CHECK(dry.panel->flush(bad, {0, 0, 128, 96}) == -EINVAL);
}

TEST_CASE("repaper: stage times scale with temperature", "[repaper]")
{
	// e1144 line: 6 transfers (1 + 2 + 58 + 2 + 2 + 1 bytes at 8 MHz, 1 us a byte) plus 5 us
	// each: 96 us; a frame of 96 lines: 9216 us. A stage repeats frames until its time has
	// passed, so it holds ceil(time / 9216 us) frames.
	auto framesPerStage = [](double ms) { return uint64_t(std::ceil(ms * 1000 / 9216)); };
	struct Case {
		int celsius;
		uint32_t factor;
	};
	for (const Case c : {Case{25, 10}, Case{-10, 170}, Case{50, 7}, Case{12, 30}}) {
		INFO(c.celsius << " C");
		DryPanel dry("model=e1144cs021,stage-time=20,temperature=" + std::to_string(c.celsius));
		REQUIRE(dry.enable() == 0);
		REQUIRE(dry.flush(pattern(128, 96, 3)) == 0);
		dry.waitUpdates(1);
		const uint64_t frames = framesPerStage(20.0 * c.factor / 10);
		// The first update has eight stages.
		CHECK(dry.decode()->lineLatches().at(0) == 8 * frames);
	}

	SECTION("a thermal zone is read at every update")
	{
		const std::filesystem::path temp = std::filesystem::temp_directory_path() /
						   ("repaper-zone-" + std::to_string(getpid()));
		auto setTemperature = [&](const char *millidegrees) {
			FILE *file = std::fopen(temp.c_str(), "w");
			REQUIRE(file);
			std::fputs(millidegrees, file);
			std::fclose(file);
		};
		setTemperature("-10000\n");
		DryPanel dry("model=e1144cs021,stage-time=20", {}, {},
			     [&](repaper::RepaperConfig &config, repaper::CogWiring &) {
				     config.thermalPath = temp.string();
			     });
		REQUIRE(dry.enable() == 0);
		REQUIRE(dry.flush(pattern(128, 96, 3)) == 0);
		dry.waitUpdates(1);
		const uint64_t cold = dry.decode()->lineLatches().at(0);
		CHECK(cold == 8 * framesPerStage(340));

		// Warmer: the second update (one NORMAL stage) is short again.
		setTemperature("30500\n");
		REQUIRE(dry.flush(pattern(128, 96, 4)) == 0);
		dry.waitUpdates(2);
		CHECK(dry.decode()->lineLatches().at(0) - cold == framesPerStage(20));

		// Colder again, and then unreadable: the last factor stays.
		setTemperature("4999\n");
		REQUIRE(dry.flush(pattern(128, 96, 5)) == 0);
		dry.waitUpdates(3);
		std::filesystem::remove(temp);
		REQUIRE(dry.flush(pattern(128, 96, 6)) == 0);
		dry.waitUpdates(4);
		CHECK(dry.decode()->lineLatches().at(0) - cold ==
		      framesPerStage(20) + 2 * framesPerStage(20 * 8));
	}
}

TEST_CASE("repaper: default stage times hold as many frames as the wire allows", "[repaper]")
{
	// The dry-run clock: each line is six transfers (MOSI low, index, line data, index, latch,
	// MOSI low) of 1 + 2 + (1 + lineBytes) + 2 + 2 + 1 bytes at 8 MHz plus 5 us each.
	for (const char *name : kModels) {
		INFO(name);
		DryPanel dry(std::string("model=") + name);
		const repaper::Model &m = *dry.config.model;
		const uint64_t frameUs = uint64_t(m.height) * (m.lineBytes() + 9 + 30);
		const uint64_t frames = (uint64_t(m.stageTimeMs) * 1000 + frameUs - 1) / frameUs;
		REQUIRE(dry.enable() == 0);
		// All white: no ink on the bottom line, so no extra pass on any model.
		REQUIRE(dry.flush(Picture(dry.width(), dry.height())) == 0);
		dry.waitUpdates(1);
		auto decoder = dry.decode();
		CHECK(decoder->lineLatches().front() == 8 * frames);
		CHECK(decoder->lineLatches().back() == 8 * frames);
		CHECK(decoder->image() == std::vector<uint32_t>(size_t(m.width) * m.height, 0x00ffffff));
		// Power-up waits: 5 + 10 + 5 + 5 + 5 ms, 5 ms after the registers, 320 ms of pump.
		CHECK(decoder->waitedMicroseconds() == 355'000);
	}
}

TEST_CASE("repaper: disable powers down after the last frame is drawn", "[repaper]")
{
	for (const char *name : kModels) {
		INFO(name);
		DryPanel dry(std::string("model=") + name + ",stage-time=0");
		REQUIRE(dry.enable() == 0);
		const Picture picture = pattern(dry.width(), dry.height(), 2);
		REQUIRE(dry.flush(picture) == 0);
		dry.panel->disable();
		REQUIRE(waitFor([&] { return dry.hasMark("power-down"); }));
		auto decoder = dry.decode();
		CHECK(decoder->updates() == 1);
		CHECK(decoder->image() == expectedGlass(picture));
		CHECK_FALSE(decoder->driving());
		// The nothing frame: one dummy line per gate line, and one for the border.
		CHECK(decoder->dummyLatches() == dry.height() + 1);

		// And up again: the next update compensates (four stages), it does not clear.
		REQUIRE(dry.enable() == 0);
		const Picture next = pattern(dry.width(), dry.height(), 3);
		REQUIRE(dry.flush(next) == 0);
		dry.waitUpdates(2);
		LineZero lineZero;
		decoder = dry.decode(lineZero.observer());
		CHECK(decoder->image() == expectedGlass(next));
		CHECK(decoder->driving());
		// Panels with a pre-border byte add a pass when the bottom line has ink.
		auto extra = [&](const Picture &p) -> size_t {
			if (!dry.config.model->preBorderByte)
				return 0;
			const std::vector<uint32_t> glass = expectedGlass(p);
			for (uint32_t x = 0; x < dry.width(); x++)
				if (!glass[size_t(dry.height() - 1) * dry.width() + x])
					return 1;
			return 0;
		};
		CHECK(lineZero.frames.size() == 8 + extra(picture) + 4 + extra(next));
	}
}

TEST_CASE("repaper: a COG that answers wrong fails the enable", "[repaper]")
{
	struct Case {
		const char *what;
		uint8_t id;
		uint8_t status;
		int busy;
		int expected;
	};
	const Case cases[] = {
		{"wrong COG ID", 0x11, 0xc0, 0, -EIO},
		{"broken glass", 0x12, 0x40, 0, -EIO},
		{"charge pump never ready", 0x12, 0x80, 0, -EIO},
		{"busy forever", 0x12, 0xc0, 1, -ETIMEDOUT},
	};
	for (const Case &c : cases) {
		INFO(c.what);
		DryPanel dry("model=e2271cs021,stage-time=0", {}, {},
			     [&](repaper::RepaperConfig &, repaper::CogWiring &wiring) {
				     wiring.spi = makeDryRunSpi(
					     *wiring.log, repaper::kSpiSpeedHz,
					     [c](const uint8_t *tx, uint8_t *rx, size_t length) {
						     if (length == 2 && tx[0] == 0x71)
							     rx[1] = c.id;
						     if (length == 2 && tx[0] == 0x73)
							     rx[1] = c.status;
					     });
				     wiring.busy = makeDryRunGpio(*wiring.log, "busy",
								  [c] { return c.busy; });
			     });
		CHECK(dry.enable() == c.expected);
		// The failed power-up switched the supply off again; the stream is still valid.
		auto decoder = dry.decode();
		CHECK_FALSE(decoder->driving());
		CHECK(decoder->dummyLatches() == 0);
	}
}

TEST_CASE("repaper: a vanished SPI device reports the hardware gone once", "[repaper]")
{
	for (long budget : {5L, 300L, 3000L}) {
		INFO("transfers before it vanishes: " << budget);
		std::atomic<int> gone{0};
		std::atomic<bool> silent{false};
		PanelContext context;
		context.name = "tinydrm-gone";
		// Called on the worker: no Catch assertions there (Catch is single-threaded).
		context.hardwareGone = [&](const std::string &why) {
			if (why.empty())
				silent.store(true);
			gone.fetch_add(1);
		};
		DryPanel dry("model=e1144cs021,stage-time=0", {}, context,
			     [&](repaper::RepaperConfig &, repaper::CogWiring &wiring) {
				     wiring.spi = std::make_unique<VanishingSpi>(std::move(wiring.spi),
										 budget);
			     });
		const int enabled = dry.enable();
		if (enabled == 0) {
			// Gone during an update: found by the worker, reported from there.
			REQUIRE(dry.flush(pattern(128, 96, 1)) == 0);
			REQUIRE(waitFor([&] { return gone.load() == 1; }));
			REQUIRE(waitFor([&] { return dry.flush(pattern(128, 96, 2)) == -ENODEV; }));
		} else {
			CHECK(enabled == -ENODEV);
			CHECK(gone.load() == 1);
			CHECK(dry.flush(pattern(128, 96, 2)) == -ENODEV);
		}
		CHECK(dry.enable() == -ENODEV);
		dry.panel->disable();
		dry.panel.reset();
		CHECK(gone.load() == 1);
		CHECK_FALSE(silent.load());
		CHECK(dry.completed.load() == 0);
	}
}
