// SPDX-License-Identifier: MIT
// What libtinydrm-preload.so costs the mmap() calls it does not bridge. bench/run_benchmarks.sh
// runs this twice, without and with LD_PRELOAD, and BENCHMARKS.md compares the two.
#include <cstdlib>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

namespace {

/// A one-page file on tmpfs: the cheapest file mapping there is, so the wrapper's share of
/// the cost is as visible as it gets.
int openFile()
{
	char path[] = "/dev/shm/tinydrm-mmap-bench-XXXXXX";
	const int fd = ::mkstemp(path);
	if (fd < 0 || ::ftruncate(fd, 4096) < 0)
		std::abort();
	::unlink(path);
	return fd;
}

void mmapRegularFile(benchmark::State &state)
{
	const int fd = openFile();
	for (auto _ : state) {
		void *p = ::mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
		benchmark::DoNotOptimize(p);
		::munmap(p, 4096);
	}
	::close(fd);
	state.SetLabel(std::getenv("LD_PRELOAD") ? "preloaded" : "plain");
}
BENCHMARK(mmapRegularFile);

void mmapAnonymous(benchmark::State &state)
{
	for (auto _ : state) {
		void *p = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				 -1, 0);
		benchmark::DoNotOptimize(p);
		::munmap(p, 4096);
	}
	state.SetLabel(std::getenv("LD_PRELOAD") ? "preloaded" : "plain");
}
BENCHMARK(mmapAnonymous);

/// A character device that is not a tinydrm node pays the readlink() of /proc/self/fd/N.
void mmapCharDevice(benchmark::State &state)
{
	const int fd = ::open("/dev/zero", O_RDONLY | O_CLOEXEC);
	for (auto _ : state) {
		void *p = ::mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
		benchmark::DoNotOptimize(p);
		::munmap(p, 4096);
	}
	::close(fd);
	state.SetLabel(std::getenv("LD_PRELOAD") ? "preloaded" : "plain");
}
BENCHMARK(mmapCharDevice);

} // namespace

BENCHMARK_MAIN();
