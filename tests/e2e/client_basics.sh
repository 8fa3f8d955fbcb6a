#!/usr/bin/env bash
# e2e client_basics: our own raw-uAPI client over a real /dev/tinydrm-0 (needs /dev/cuse).
#
#   bash tests/e2e/client_basics.sh BUILDDIR      host: re-runs itself in the microVM
#   tools/vm/run -- bash tests/e2e/client_basics.sh BUILDDIR
#
# tinydrmd starts with one virtual 320x240 panel; client_basics (client_basics.c) runs the
# whole basic client sequence on it: VERSION, GET_CAP, GETRESOURCES, GETCONNECTOR, CREATE_DUMB,
# ADDFB2, SETCRTC, PAGE_FLIP with an event and a blocking read of it, poll() on a queued
# event, EAGAIN for O_NONBLOCK, EINTR for a parked read hit by a signal, close. Afterwards the
# daemon lists the node with no file open and still answers a fresh client.
#
# Exit: 0 pass, 1 fail, 77 skip (no VM possible), 124/125 from tools/vm/run.
# TINYDRM_E2E_DEVICE overrides the node the client opens (to see the test fail).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib.sh"
e2e_init client_basics 240 "${BASH_SOURCE[0]}" "$@"

start_daemon --panel virtual:320x240@60
device="${TINYDRM_E2E_DEVICE:-/dev/tinydrm-0}"

rc=0
"$bindir/client_basics" "$device" 320 240 >"$work/client.out" 2>&1 &
cpid=$!; bg_pids+=("$cpid")
wait_pid 150 "$cpid"; rc=$wait_rc
sed 's/^/  | /' "$work/client.out"
check "client_basics passed every check on $device (exit $rc)" test "$rc" = 0

check "the daemon is still running" alive
wait_for 60 "tinydrm-0 to list no open file" only_nodes 0 || true
check "a fresh client gets the right answers" "$bindir/probe" /dev/tinydrm-0 320 240
stop_daemon
finish
