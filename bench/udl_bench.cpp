// SPDX-License-Identifier: MIT
// DisplayLink RLX16 encoding of a full 1024x768 XRGB8888 frame for three synthetic scenes:
// encode speed (bytes/s of *source*, Google Benchmark's bytes_per_second) and what goes on the
// wire (counters: wire bytes per frame, and their ratio to raw RGB565, 2 bytes a pixel).
// Baselines: the XRGB8888 → RGB565-BE conversion alone over the same frame, and memcpy of it.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <libdrm/drm_fourcc.h>

#include "convert.h"
#include "udl/rlx_encoder.h"

using namespace tinydrm;

namespace {

constexpr uint32_t kWidth = 1024;
constexpr uint32_t kHeight = 768;

enum class Scene { Flat, Text, Photo };

/// A desktop's solid background.
void flat(std::vector<uint32_t> &px)
{
	std::fill(px.begin(), px.end(), 0x003a6ea5);
}

/// A terminal/editor page: light background, lines of 7x12 "glyphs" in 8x20 cells made of
/// random strokes and dots in dark ink, a few lines anti-aliased (two grey levels), ragged line
/// ends, blank lines between paragraphs. About 10% of pixels are ink.
void text(std::vector<uint32_t> &px)
{
	std::fill(px.begin(), px.end(), 0x00f5f5f0);
	std::mt19937 rng(1);
	const uint32_t ink[3] = {0x00202020, 0x00606060, 0x00a0a0a0};
	for (uint32_t line = 0; line * 20 + 16 < kHeight; line++) {
		if (rng() % 7 == 0)
			continue; // paragraph break
		const uint32_t chars = 20 + rng() % 100;
		for (uint32_t c = 0; c < chars && (c + 1) * 8 < kWidth; c++) {
			if (rng() % 6 == 0)
				continue; // space
			const uint32_t x0 = 4 + c * 8, y0 = line * 20 + 4;
			for (int stroke = 0; stroke < 3; stroke++) {
				const bool vertical = rng() & 1;
				const uint32_t at = rng() % 7, from = rng() % 6, len = 3 + rng() % 6;
				for (uint32_t i = from; i < std::min(from + len, vertical ? 12u : 7u); i++) {
					const uint32_t x = x0 + (vertical ? at : i);
					const uint32_t y = y0 + (vertical ? i : at % 12);
					px[size_t(y) * kWidth + x] = ink[rng() % 8 ? 0 : 1 + rng() % 2];
				}
			}
		}
	}
}

/// A photograph: smooth gradients (sums of slow sinusoids per channel) plus sensor noise of
/// +-3 levels, so neighbours mostly differ after truncation to RGB565 but not by much.
void photo(std::vector<uint32_t> &px)
{
	std::mt19937 rng(2);
	for (uint32_t y = 0; y < kHeight; y++)
		for (uint32_t x = 0; x < kWidth; x++) {
			const double fx = x / 1024.0, fy = y / 768.0;
			const double base[3] = {
				128 + 90 * std::sin(6.0 * fx + 2.0 * fy) + 20 * std::sin(17 * fy),
				128 + 80 * std::sin(3.0 * fy - 4.0 * fx + 1) + 25 * std::cos(11 * fx),
				128 + 70 * std::cos(5.0 * fx * fy + 3 * fy) + 15 * std::sin(23 * fx)};
			uint32_t value = 0;
			for (double channel : base) {
				const int v = int(channel) + int(rng() % 7) - 3;
				value = value << 8 | uint32_t(std::clamp(v, 0, 255));
			}
			px[size_t(y) * kWidth + x] = value;
		}
}

std::vector<uint32_t> makeScene(Scene scene)
{
	std::vector<uint32_t> px(size_t(kWidth) * kHeight);
	switch (scene) {
	case Scene::Flat:
		flat(px);
		break;
	case Scene::Text:
		text(px);
		break;
	case Scene::Photo:
		photo(px);
		break;
	}
	return px;
}

void BM_RlxEncode(benchmark::State &state, Scene scene)
{
	const std::vector<uint32_t> px = makeScene(scene);
	const FrameView frame = {reinterpret_cast<const uint8_t *>(px.data()), kWidth, kHeight,
				 kWidth * 4, DRM_FORMAT_XRGB8888};
	udl::RlxEncoder encoder;
	size_t wire = 0;
	const udl::RlxEncoder::Sink sink = [&wire](const uint8_t *data, size_t length) {
		benchmark::DoNotOptimize(data);
		wire += length;
		return 0;
	};
	size_t frames = 0;
	for (auto _ : state) {
		encoder.encode(frame, {0, 0, int32_t(kWidth), int32_t(kHeight)}, kWidth, 0, sink);
		encoder.finish(sink);
		frames++;
	}
	const double perFrame = double(wire) / double(frames);
	state.SetBytesProcessed(int64_t(frames) * kWidth * kHeight * 4);
	state.counters["wire_bytes"] = perFrame;
	state.counters["wire_vs_rgb565"] = perFrame / (double(kWidth) * kHeight * 2);
}

void BM_ConvertOnly(benchmark::State &state)
{
	const std::vector<uint32_t> px = makeScene(Scene::Photo);
	std::vector<uint8_t> out(size_t(kWidth) * kHeight * 2);
	for (auto _ : state) {
		convert::xrgb8888ToRgb565be(out.data(), reinterpret_cast<const uint8_t *>(px.data()),
					    px.size());
		benchmark::DoNotOptimize(out.data());
	}
	state.SetBytesProcessed(int64_t(state.iterations()) * kWidth * kHeight * 4);
}

void BM_Memcpy(benchmark::State &state)
{
	const std::vector<uint32_t> px = makeScene(Scene::Flat);
	std::vector<uint32_t> out(px.size());
	for (auto _ : state) {
		std::memcpy(out.data(), px.data(), px.size() * 4);
		benchmark::DoNotOptimize(out.data());
	}
	state.SetBytesProcessed(int64_t(state.iterations()) * kWidth * kHeight * 4);
}

} // namespace

BENCHMARK_CAPTURE(BM_RlxEncode, flat, Scene::Flat)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_RlxEncode, text, Scene::Text)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_RlxEncode, photo, Scene::Photo)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ConvertOnly)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Memcpy)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
