// SPDX-License-Identifier: MIT
// PLACEHOLDER: a helper is writing this benchmark.
#include <benchmark/benchmark.h>
static void BM_placeholder(benchmark::State &state) { for (auto _ : state) benchmark::DoNotOptimize(state.iterations()); }
BENCHMARK(BM_placeholder);
BENCHMARK_MAIN();
