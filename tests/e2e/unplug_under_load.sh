#!/usr/bin/env bash
# e2e unplug_under_load: `tinydrmctl unplug` while two client processes hammer the node
# (needs /dev/cuse).
#
#   bash tests/e2e/unplug_under_load.sh BUILDDIR  host: re-runs itself in the microVM
#   tools/vm/run -- bash tests/e2e/unplug_under_load.sh BUILDDIR
#
# tinydrmd serves tinydrm-0 (320x240) and tinydrm-1 (640x480). Two load_client processes
# (load_client.c) open tinydrm-0 three times each and run ioctl threads, a vblank-event source,
# a reader blocked in read() and a poller blocked in poll(); the first one is master and sets
# a mode. Once both are busy, `tinydrmctl unplug tinydrm-0`. The clients assert what they saw
# (every ioctl 0 or ENODEV, nothing hangs, queued events then ENODEV, POLLERR|POLLHUP, ENODEV
# for a new open); this script asserts that tinydrm-1 keeps answering, that /dev/tinydrm-0
# stays while the clients hold it and vanishes after they exit, and that the next plug takes
# the lowest free number, 0, again.
#
# Exit: 0 pass, 1 fail, 77 skip (no VM possible), 124/125 from tools/vm/run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib.sh"
e2e_init unplug_under_load 300 "${BASH_SOURCE[0]}" "$@"

client="$bindir/load_client"
expect_nodes="0 1" start_daemon --panel virtual:320x240@60 --panel virtual:640x480@30
check "tinydrm-1 answers before the test" "$bindir/probe" /dev/tinydrm-1 640 480

ready_or_dead() {  # ready_or_dead FILE PID: true when FILE exists; fails once PID has exited
  [[ -e "$1" ]] && return 0
  kill -0 "$2" 2>/dev/null || { fail "client $2 exited before creating $1"; return 2; }
  return 1
}
wait_ready() {  # wait_ready SECS FILE PID
  local deadline=$((SECONDS + $1)) rc
  while :; do
    rc=0; ready_or_dead "$2" "$3" || rc=$?
    ((rc == 0)) && return 0
    ((rc == 2)) && return 1
    ((SECONDS < deadline)) || { fail "timed out waiting for $2"; return 1; }
    sleep 0.05
  done
}
show_clients() {
  local c
  for c in A B; do
    [[ -e "$work/$c.out" ]] && sed "s/^/  $c | /" "$work/$c.out"
  done
}

# --- two busy clients -----------------------------------------------------------------------
"$client" /dev/tinydrm-0 "$work" A master >"$work/A.out" 2>&1 &
apid=$!; bg_pids+=("$apid")
wait_ready 120 "$work/ready-A" "$apid" || { show_clients; finish; }
"$client" /dev/tinydrm-0 "$work" B peer >"$work/B.out" 2>&1 &
bpid=$!; bg_pids+=("$bpid")
wait_ready 120 "$work/ready-B" "$bpid" || { show_clients; finish; }
list="$(ctl list)" || fail "tinydrmctl list"
check "tinydrm-0 has the clients' 6 files open before the unplug" \
  grep -q '^tinydrm-0 .*files=6 state=published' <<<"$list"

# --- the unplug, mid-load -------------------------------------------------------------------
t0=$SECONDS
out="$(ctl unplug tinydrm-0 2>&1)" && ok "tinydrmctl unplug tinydrm-0 (took $((SECONDS - t0))s)" \
  || fail "tinydrmctl unplug tinydrm-0: $out"
touch "$work/unplugged"
check "tinydrm-1 answers right after the unplug" "$bindir/probe" /dev/tinydrm-1 640 480
wait_ready 120 "$work/checked-A" "$apid" || true
wait_ready 120 "$work/checked-B" "$bpid" || true

check "/dev/tinydrm-0 still exists while the clients hold it open" exists /dev/tinydrm-0
list="$(ctl list)" || fail "tinydrmctl list after the unplug"
say "list:"; sed 's/^/  | /' <<<"$list"
check "tinydrm-0 is unplugged with the 6 files still open" \
  grep -q '^tinydrm-0 .*files=6 state=unplugged' <<<"$list"
check "tinydrm-1 is still published" grep -q '^tinydrm-1 .*state=published' <<<"$list"
check "tinydrm-1 still answers ioctls" "$bindir/probe" /dev/tinydrm-1 640 480

# --- the clients exit -----------------------------------------------------------------------
touch "$work/close"
wait_pid 60 "$apid"; arc=$wait_rc
wait_pid 60 "$bpid"; brc=$wait_rc
show_clients
check "client A (master) passed all its checks (exit $arc)" test "$arc" = 0
check "client B (peer) passed all its checks (exit $brc)" test "$brc" = 0
wait_for 60 "/dev/tinydrm-0 to vanish after the clients exited" gone /dev/tinydrm-0 \
  && ok "/dev/tinydrm-0 vanished after the last close"
wait_for 60 "tinydrm-0 to leave the list" only_nodes 1 || true

name="$(ctl plug virtual:320x240)" || fail "tinydrmctl plug virtual:320x240"
check "a new plug gets the lowest free number (got '$name')" test "$name" = tinydrm-0
wait_for 60 "the new /dev/tinydrm-0" exists /dev/tinydrm-0 || true
check "the new tinydrm-0 answers ioctls" "$bindir/probe" /dev/tinydrm-0 320 240
check "tinydrm-1 still answers ioctls" "$bindir/probe" /dev/tinydrm-1 640 480
check "the daemon is still running" alive
stop_daemon
finish
