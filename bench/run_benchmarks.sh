#!/bin/sh
# Runs each benchmark program given as an argument, one after the other.
set -e
for program in "$@"; do
	echo "== $program"
	"$program" --benchmark_min_time=0.5
done
