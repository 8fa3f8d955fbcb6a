#!/usr/bin/env bash
# e2e killed_mid_ioctl: clients SIGKILLed in the middle of 3-round-trip ioctls, 50 times
# (needs /dev/cuse).
#
#   bash tests/e2e/killed_mid_ioctl.sh BUILDDIR   host: re-runs itself in the microVM
#   tools/vm/run -- bash tests/e2e/killed_mid_ioctl.sh BUILDDIR
#
# hammer (hammer.c) forks a child per kill that hammers GETRESOURCES/GETCONNECTOR with arrays
# on /dev/tinydrm-0 from two threads and SIGKILLs it at a random moment; TINYDRM_E2E_KILLS
# (default 50) kills. Afterwards: the daemon runs, every killed client's file was released
# (tinydrmctl list: files=0), a fresh client gets the same answers as before, `tinydrmctl list`
# works, and the daemon's fd count (/proc/PID/fd) has not grown. It exits 0 on SIGTERM.
#
# Exit: 0 pass, 1 fail, 77 skip (no VM possible), 124/125 from tools/vm/run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib.sh"
e2e_init killed_mid_ioctl 300 "${BASH_SOURCE[0]}" "$@"

kills="${TINYDRM_E2E_KILLS:-50}"
device="${TINYDRM_E2E_DEVICE:-/dev/tinydrm-0}"
start_daemon --panel virtual:320x240@60
check "a first client gets answers" "$bindir/probe" /dev/tinydrm-0 320 240
wait_for 60 "tinydrm-0 to list no open file" only_nodes 0 || finish
fd_before=$(fd_count) rss_before=$(rss_kb) threads_before=$(threads)

"$bindir/hammer" "$device" "$kills" >"$work/hammer.out" 2>&1 &
hpid=$!; bg_pids+=("$hpid")
wait_pid 170 "$hpid"; rc=$wait_rc
sed 's/^/  | /' "$work/hammer.out"
check "hammer: $kills kills, all checks passed (exit $rc)" test "$rc" = 0

check "the daemon is still running" alive
wait_for 60 "every killed client's file to be released (files=0)" only_nodes 0 \
  && ok "every killed client's file was released (files=0)"
list="$(ctl list)" && ok "tinydrmctl list works: $list" || fail "tinydrmctl list"
check "tinydrm-0 is still published" grep -q '^tinydrm-0 .*files=0 state=published' <<<"$list"
check "a fresh client gets the right answers" "$bindir/probe" /dev/tinydrm-0 320 240
wait_for 30 "the probe's file to be released" only_nodes 0 || true
fd_after=$(fd_count) rss_after=$(rss_kb) threads_after=$(threads)
say "daemon fd count before/after: $fd_before / $fd_after"
say "daemon threads before/after: $threads_before / $threads_after; VmRSS before/after: ${rss_before} kB / ${rss_after} kB"
check "the daemon's fd count did not grow ($fd_before -> $fd_after)" test "$fd_after" -le "$fd_before"
warnings=$(grep -c '\[warn\]\|\[error\]' "$work/daemon.log" || true)
say "daemon log: $warnings warning/error line(s)"
grep '\[warn\]\|\[error\]' "$work/daemon.log" | sed 's/^\[[^]]*\] //' | sort | uniq -c | sort -rn | head -5 | sed 's/^/  | /' || true
stop_daemon
finish
