#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Kernel udl vs tinydrm on the same emulated DisplayLink device, in one microVM run:
#
#   bash bench/vm/udl_vs_kernel.sh BUILDDIR      (host: re-runs itself in tools/vm/run)
#
# 1. The guest kernel's own udl driver (Debian's udl.ko and its drm modules) binds to
#    tools/udl-gadget; `modetest -v` page-flips on its /dev/dri/card0 at 640x480 until it has
#    printed TINYDRM_CMP_REPORTS (default 2) frame rates; then again, and the device is pulled
#    mid-flip: what modetest's calls get (strace) and whether it ends.
# 2. udl is unloaded, tinydrmd's hotplug takes the re-plugged device, and the same two runs go
#    through tinydrm-run on /dev/tinydrm-0.
# Prints one "result:" line per measurement; BENCHMARKS.md has the table. Everything runs
# under TCG emulation (~20x slower than the host), so compare the two, never the absolutes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../tests/e2e/lib.sh
source "$here/../../tests/e2e/lib.sh"
e2e_init udl_vs_kernel 900 "${BASH_SOURCE[0]}" "$@"

reports="${TINYDRM_CMP_REPORTS:-2}"
run="$builddir/src/preload/tinydrm-run"
gadget="$builddir/tools/gadget/udl-gadget"
gctl() { "$gadget" "$@" --control "$work/gadget.sock"; }
/lib/systemd/systemd-udevd --daemon >"$work/udevd.log" 2>&1
"$gadget" serve --control "$work/gadget.sock" >"$work/gadget.out" 2>"$work/gadget.log" &
bg_pids+=($!)
wait_for 120 "the gadget" grep -qx ready "$work/gadget.out" || finish
counted() { local n; n="$(grep -c "$1" "$2" 2>/dev/null || true)"; ((${n:-0} >= $3)); }
usb_gone() { ! grep -qx 17e9 /sys/bus/usb/devices/*/idVendor 2>/dev/null; }

# measure LABEL 'MODETEST-DEVICE-ARGS' PREFIX...: modetest -v until $reports rates; prints them
measure() {
  local label="$1" dev; read -ra dev <<<"$2"; shift 2
  local conn crtc
  conn="$("$@" modetest "${dev[@]}" -c | awk '/^Connectors:/ { getline; getline; print $1; exit }')"
  crtc="$("$@" modetest "${dev[@]}" -p | awk '/^CRTCs:/ { getline; getline; print $1; exit }')"
  rm -f "$work/m.in"; mkfifo "$work/m.in"
  "$@" modetest "${dev[@]}" -v -s "$conn@$crtc:640x480" <"$work/m.in" >"$work/$label.out" 2>&1 &
  local pid=$!
  exec 9>"$work/m.in"
  wait_for 600 "$label: $reports frame rates" counted "freq:" "$work/$label.out" "$reports" || true
  echo >&9; exec 9>&-
  wait_pid 60 "$pid"
  say "result: $label 640x480 page flips: $(grep -o 'freq: [0-9.]*Hz' "$work/$label.out" | tr '\n' ' ')"
}
# pull LABEL 'MODETEST-DEVICE-ARGS' PREFIX...: modetest -v (strace'd) flips; the device leaves mid-flip
pull() {
  local label="$1" dev; read -ra dev <<<"$2"; shift 2
  local conn crtc
  conn="$("$@" modetest "${dev[@]}" -c | awk '/^Connectors:/ { getline; getline; print $1; exit }')"
  crtc="$("$@" modetest "${dev[@]}" -p | awk '/^CRTCs:/ { getline; getline; print $1; exit }')"
  rm -f "$work/p.in"; mkfifo "$work/p.in"
  strace -f -qq -e trace=ioctl -o "$work/$label.strace" \
    "$@" modetest "${dev[@]}" -v -s "$conn@$crtc:640x480" <"$work/p.in" >"$work/$label.out" 2>&1 &
  local pid=$!
  exec 9>"$work/p.in"
  wait_for 300 "$label: flips" counted DRM_IOCTL_MODE_PAGE_FLIP "$work/$label.strace" 10 || true
  gctl unplug >/dev/null
  wait_for 60 "$label: the device to leave" usb_gone || true
  # modetest -v waits for a key; give it one a moment after the unplug, as a user would.
  local t0=$SECONDS
  echo >&9; exec 9>&-
  wait_pid 120 "$pid"
  say "result: $label unplug mid-flip: modetest status $wait_rc after $((SECONDS - t0))s; failed ioctls:" \
    "$(sed -nE 's/.*ioctl\([0-9]+, ([A-Za-z0-9_]+).* = -1 (E[A-Z]+).*/\1 \2/p' "$work/$label.strace" |
      sort | uniq -c | tr -s ' ' | tr '\n' ';')"
  say "result: $label after the unplug: $(ls /dev/dri/ /dev/tinydrm-* 2>/dev/null | tr '\n' ' ')"
}

# --- 1. the kernel's udl ---------------------------------------------------------------------
modprobe -d "$TINYDRM_VM_KMOD_ROOT" udl || { say "FAIL: cannot load udl.ko"; exit 1; }
gctl plug >/dev/null
wait_for 120 "the kernel's udl to create /dev/dri/card0" exists /dev/dri/card0 || { dmesg | tail -20; finish; }
say "kernel: $(dmesg | grep -i -m3 'udl\|displaylink' | tr '\n' ' ')"
measure kernel "-M udl" env
pull kernel-pull "-M udl" env
say "kernel log after the pull: $(dmesg | tail -n 5 | tr '\n' ' ')"
wait_for 60 "card0 to go" gone /dev/dri/card0 || true

# --- 2. tinydrm ------------------------------------------------------------------------------
rmmod udl
expect_nodes="" start_daemon
gctl plug >/dev/null
wait_for 120 "tinydrm-0" exists /dev/tinydrm-0 || finish
mkdir -p /dev/dri; ln -sfn /dev/tinydrm-0 /dev/dri/card0
measure tinydrm "-D tinydrm-0" "$run"
pull tinydrm-pull "-D tinydrm-0" "$run"
check "the daemon is still running" alive
stop_daemon
finish
