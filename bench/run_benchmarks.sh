#!/bin/sh
# Runs each benchmark program given as an argument, one after the other. mmap_bench runs twice:
# plain, then with $TINYDRM_PRELOAD (libtinydrm-preload.so) in LD_PRELOAD.
set -e
for program in "$@"; do
	echo "== $program"
	"$program" --benchmark_min_time=0.5
	if [ "$(basename "$program")" = mmap_bench ] && [ -n "$TINYDRM_PRELOAD" ]; then
		echo "== $program with LD_PRELOAD=$TINYDRM_PRELOAD"
		LD_PRELOAD="$TINYDRM_PRELOAD" "$program" --benchmark_min_time=0.5
	fi
done
