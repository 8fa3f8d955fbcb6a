// SPDX-License-Identifier: MIT
// Pixel conversions (src/panels/convert) against memcpy of the same source bytes.
//
// Each benchmark converts one whole frame per iteration through convertRect(), row by row, as a
// backend's full-frame flush does; bytes_per_second counts *source* bytes, so a conversion and
// the memcpy of its source format compare directly (BENCHMARKS.md, "Pixel conversions", has
// the ratios). Frames: 320x240 (a typical SPI panel; fits in L2) and 1920x1080 (DisplayLink;
// does not fit in any cache, so it measures memory bandwidth as much as the code).
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "convert.h"

namespace {

using tinydrm::FrameView;
using tinydrm::Rect;
using namespace tinydrm::convert;

std::vector<uint8_t> randomBytes(size_t size)
{
	std::vector<uint8_t> bytes(size);
	std::mt19937 rng(42);
	for (auto &b : bytes)
		b = uint8_t(rng());
	return bytes;
}

/// memcpy of a whole frame of @p cpp bytes per pixel: the bandwidth the conversions aim at.
void BM_memcpy(benchmark::State &state, size_t cpp)
{
	const size_t bytes = size_t(state.range(0) * state.range(1)) * cpp;
	const auto src = randomBytes(bytes);
	std::vector<uint8_t> dst(bytes);
	for (auto _ : state) {
		std::memcpy(dst.data(), src.data(), bytes);
		benchmark::DoNotOptimize(dst.data());
		benchmark::ClobberMemory();
	}
	state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(bytes));
}

/// One conversion over a whole frame, row by row (source and destination pitch = row bytes).
void BM_convert(benchmark::State &state, RowFn row, size_t srcCpp, size_t dstBitsPerPixel)
{
	const uint32_t width = uint32_t(state.range(0));
	const uint32_t height = uint32_t(state.range(1));
	const uint32_t pitch = uint32_t(width * srcCpp);
	const auto src = randomBytes(size_t(pitch) * height);
	const size_t dstPitch = (size_t(width) * dstBitsPerPixel + 7) / 8;
	std::vector<uint8_t> dst(dstPitch * height);
	const FrameView frame{src.data(), width, height, pitch, 0};
	const Rect all{0, 0, int32_t(width), int32_t(height)};
	for (auto _ : state) {
		convertRect(dst.data(), dstPitch, frame, uint32_t(srcCpp), all, row);
		benchmark::DoNotOptimize(dst.data());
		benchmark::ClobberMemory();
	}
	state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(src.size()));
}

/// ST7586 packs 3 pixels a byte and needs rows of a multiple of 3 pixels: the whole frame
/// (76800 and 2073600 pixels are multiples of 3) goes through as one row.
void BM_gray8ToSt7586(benchmark::State &state)
{
	const size_t pixels = size_t(state.range(0) * state.range(1));
	const auto src = randomBytes(pixels);
	std::vector<uint8_t> dst(pixels / 3);
	for (auto _ : state) {
		gray8ToSt7586(dst.data(), src.data(), pixels);
		benchmark::DoNotOptimize(dst.data());
		benchmark::ClobberMemory();
	}
	state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(pixels));
}

void monoRow(uint8_t *dst, const uint8_t *src, size_t pixels)
{
	gray8ToMono(dst, src, pixels);
}

void frames(benchmark::internal::Benchmark *b)
{
	b->Args({320, 240})->Args({1920, 1080})->Unit(benchmark::kMicrosecond);
}

BENCHMARK_CAPTURE(BM_memcpy, xrgb8888, 4)->Apply(frames);
BENCHMARK_CAPTURE(BM_convert, xrgb8888ToRgb565, xrgb8888ToRgb565, 4, 16)->Apply(frames);
BENCHMARK_CAPTURE(BM_convert, xrgb8888ToRgb565be, xrgb8888ToRgb565be, 4, 16)->Apply(frames);
BENCHMARK_CAPTURE(BM_convert, xrgb8888ToGray8, xrgb8888ToGray8, 4, 8)->Apply(frames);
BENCHMARK_CAPTURE(BM_memcpy, rgb565, 2)->Apply(frames);
BENCHMARK_CAPTURE(BM_convert, rgb565ToRgb565be, rgb565ToRgb565be, 2, 16)->Apply(frames);
BENCHMARK_CAPTURE(BM_convert, rgb565ToGray8, rgb565ToGray8, 2, 8)->Apply(frames);
BENCHMARK_CAPTURE(BM_memcpy, gray8, 1)->Apply(frames);
BENCHMARK_CAPTURE(BM_convert, gray8ToMono, monoRow, 1, 1)->Apply(frames);
BENCHMARK(BM_gray8ToSt7586)->Apply(frames);

} // namespace

BENCHMARK_MAIN();
