#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# USB hotplug for real: an emulated DisplayLink-class device (tools/udl-gadget: configfs +
# FunctionFS on dummy_hcd) is plugged into the microVM's kernel, and tinydrmd's hotplug thread
# hears of it from libusb (through udevd, as on any Debian system). Needs /dev/cuse, dummy_hcd,
# usb_f_fs (tools/vm/run loads them) and udevd (started here).
#
# 1. Plug: the gadget enumerates, /dev/tinydrm-0 appears on its own, `tinydrmctl list` names the
#    device as udl:usb=BUS:ADDR.
# 2. Draw: `tinydrm-run modetest -s` sets the EDID's preferred mode and draws its SMPTE pattern;
#    the gadget decodes the bulk stream, and its PNG shows modetest's top bars.
# 3. Unplug mid-draw: modetest -v page-flips and a map_client writer keeps writing into its
#    mapping (both through tinydrm-run) when the gadget unbinds. modetest's ioctls fail with
#    ENODEV (strace shows it; modetest itself is Debian's), the writer dies of SIGBUS, the
#    daemon keeps running, the node stays while modetest holds it and goes once it exits.
# 4. Re-plug: a fresh node, which answers.
# 5. Cycles (TINYDRM_USB_CYCLES, default 50): plug → node → modetest -v and the writer running
#    → unplug → both exit (never hang) → node gone. The daemon's fd count and VmRSS after the
#    first cycles and after the last are printed and compared.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
e2e_init usb_hotplug 1500 "${BASH_SOURCE[0]}" "$@"

run="$builddir/src/preload/tinydrm-run"
client="$bindir/map_client"
gadget="$builddir/tools/gadget/udl-gadget"
pixels="$here/png_pixels.py"
cycles="${TINYDRM_USB_CYCLES:-50}"
for b in "$run" "$client" "$gadget"; do
  [[ -x "$b" ]] || { say "FAIL: $b not built"; exit 1; }
done
[[ -e /sys/class/udc/dummy_udc.0 ]] || { say "FAIL: no dummy_udc.0 (dummy_hcd not loaded?)"; exit 1; }
ln -sf /dev/tinydrm-0 /dev/dri/card0 2>/dev/null || { mkdir -p /dev/dri; ln -sf /dev/tinydrm-0 /dev/dri/card0; }

# udevd: libusb (built on libudev) learns of USB devices from udevd's netlink messages. It runs
# fine in the VM's chroot (only udevadm's control verbs refuse to).
/lib/systemd/systemd-udevd --daemon >"$work/udevd.log" 2>&1 || { say "FAIL: udevd did not start"; exit 1; }

gctl() { "$gadget" "$@" --control "$work/gadget.sock"; }
# plug/unplug the gadget; a refusal is a failure (with the gadget's log), not the end of the run
gadget_do() {
  local out
  out="$(gctl "$1" 2>&1)" && return 0
  fail "udl-gadget $1: $out"
  tail -n 20 "$work/gadget.log" | sed 's/^/  gadget | /'
  return 1
}
"$gadget" serve --control "$work/gadget.sock" >"$work/gadget.out" 2>"$work/gadget.log" &
gpid=$!; bg_pids+=("$gpid")
wait_for 120 "the gadget to be ready" grep -qx ready "$work/gadget.out" || { cat "$work/gadget.log"; finish; }

expect_nodes="" start_daemon
node_panel() { ctl list | awk '$1 == "tinydrm-0" { sub(/^panel=/, "", $2); print $2 }'; }
usb_devices() { grep -l '^17e9$' /sys/bus/usb/devices/*/idVendor 2>/dev/null | wc -l; }
no_usb_device() { [[ "$(usb_devices)" == 0 ]]; }

# --- 1. plug ---------------------------------------------------------------------------------
gadget_do plug || finish
wait_for 120 "/dev/tinydrm-0 after plugging the gadget" exists /dev/tinydrm-0 || finish
panel="$(node_panel)"
check "tinydrmctl list names the USB device ($panel)" grep -qE '^udl:usb=[0-9]+:[0-9]+' <<<"$panel"
check "the gadget answered the probe (channel select, EDID)" \
  grep -qE 'channel=1 .*edid_reads=[1-9]' <<<"$(gctl stats)"

# --- 2. draw ---------------------------------------------------------------------------------
conn="$(modetest -D tinydrm-0 -c | awk '/^Connectors:/ { getline; getline; print $1; exit }')"
crtc="$(modetest -D tinydrm-0 -p | awk '/^CRTCs:/ { getline; getline; print $1; exit }')"
mode="$(modetest -D tinydrm-0 -c | awk '/^  modes:/ { getline; getline; print $2; exit }')"
check "modetest lists connector '$conn', CRTC '$crtc', preferred mode '$mode'" \
  test -n "$conn" -a -n "$crtc" -a -n "$mode"
w="${mode%x*}"; h="${mode#*x}"
mkfifo "$work/draw.in"
"$run" modetest -D tinydrm-0 -s "$conn@$crtc:$mode" <"$work/draw.in" >"$work/draw.out" 2>&1 &
mpid=$!; bg_pids+=("$mpid")
exec 9>"$work/draw.in"
# modetest's SMPTE top bars (grey yellow cyan green magenta red blue) at y = h/6, as the udl
# decoder shows them after the RGB565 wire format (panels.sh derives these values).
want=(c6c3c6 c6c300 00c3c6 00c300 c600c6 c60000 0000c6)
points=(); for i in 0 1 2 3 4 5 6; do points+=("$(((2 * i + 1) * w / 14)),$((h / 6))"); done
bars_shown() {
  gctl png "$work/gadget.png" >/dev/null || return 1
  mapfile -t got <<<"$(python3 "$pixels" "$work/gadget.png" "${points[@]}" 2>/dev/null || true)"
  [[ "${got[*]:1}" == "${want[*]}" ]]
}
wait_for 180 "the gadget's decoded image to show modetest's bars" bars_shown || true
say "gadget's image, top bars: ${got[*]:1} ($(gctl stats))"
check "the gadget's decoded image shows modetest's SMPTE bars" test "${got[*]:1}" = "${want[*]}"
cp "$work/gadget.png" "$work/drawn.png"
echo >&9; exec 9>&-
wait_pid 60 "$mpid"
check "modetest -s exits 0 (got $wait_rc)" test "$wait_rc" = 0

# --- 3. unplug mid-draw ----------------------------------------------------------------------
# The flipping clients use the EDID's 640x480: a quarter of the pixels to convert, encode and
# decode per frame under emulation. modetest runs under strace (ioctls only), which is how the
# test sees it flip and sees what its calls got after the unplug; modetest itself is Debian's.
flip_mode=640x480
flips() { local n; n="$(grep -c 'DRM_IOCTL_MODE_PAGE_FLIP' "$1" 2>/dev/null || true)"; echo "${n:-0}"; }
flipping() { (($(flips "$1") >= 3)); }
# start_clients TAG: modetest -v on tinydrm-0; once it has flipped three times (so it holds
# master and the mode), a map_client writer, whose own SETCRTC is then refused (not master)
# but whose mapping is what matters here.
start_clients() {
  local tag="$1"
  rm -f "$work/$tag.in"; mkfifo "$work/$tag.in"
  strace -f -qq -e trace=ioctl -o "$work/$tag.strace" \
    "$run" modetest -D tinydrm-0 -v -s "$conn@$crtc:$flip_mode" <"$work/$tag.in" >"$work/$tag.out" 2>&1 &
  mpid=$!; bg_pids+=("$mpid")
  exec 9>"$work/$tag.in"
  wait_for 240 "modetest -v ($tag) to page-flip" flipping "$work/$tag.strace" || return 1
  wdir="$work/$tag.writer"; mkdir -p "$wdir"
  "$run" "$client" /dev/tinydrm-0 "$wdir" writer >"$work/$tag.writer.out" 2>&1 &
  wpid=$!; bg_pids+=("$wpid")
  wait_for 120 "the writer ($tag) to map and show its buffer" test -e "$wdir/ready" || return 1
}
# stop_clients TAG: after an unplug; both must end (never hang). Sets m_rc, w_rc, node_held.
stop_clients() {
  local tag="$1"
  wait_pid 60 "$wpid"; w_rc=$wait_rc
  touch "$wdir/stop"
  # The node must outlive the unplug while modetest still has it open.
  node_held=0; exists /dev/tinydrm-0 && node_held=1
  echo >&9; exec 9>&-
  wait_pid 90 "$mpid"; m_rc=$wait_rc
}

start_clients flip || finish
gadget_do unplug || finish
stop_clients flip
sed 's/^/  | /' "$work/flip.out" | tail -4
check "the writer died of SIGBUS after the unplug (status $w_rc, SIGBUS is 135)" test "$w_rc" = 135
check "/dev/tinydrm-0 stays while modetest holds it" test "$node_held" = 1
check "modetest ended on its own terms after the unplug (status $m_rc; not killed, not hung)" \
  test "$m_rc" -lt 124
say "modetest flipped $(flips "$work/flip.strace") times; its failed ioctls:"
sed -nE 's/.*ioctl\([0-9]+, ([A-Za-z0-9_]+).* = -1 (E[A-Z]+).*/\1 \2/p' "$work/flip.strace" |
  sort | uniq -c | sed 's/^/  | /'
enodev="$(grep -c ' = -1 ENODEV' "$work/flip.strace" || true)"
check "modetest's ioctls after the unplug failed with ENODEV ($enodev calls)" test "${enodev:-0}" -gt 0
check "the daemon is still running" alive
wait_for 60 "tinydrm-0 to go after modetest exited" node_gone tinydrm-0 || true
wait_for 60 "the USB device to leave the bus" no_usb_device || true
check "tinydrmctl lists no node" test -z "$(ctl list)"

# --- 4. re-plug ------------------------------------------------------------------------------
gadget_do plug || finish
wait_for 120 "a fresh /dev/tinydrm-0 after re-plugging" exists /dev/tinydrm-0 || finish
check "the fresh node answers with the EDID's mode" "$bindir/probe" /dev/tinydrm-0 "$w" "$h"
check "the fresh node is the re-plugged device ($(node_panel))" grep -q '^udl:usb=' <<<"$(node_panel)"

# --- 5. cycles -------------------------------------------------------------------------------
bad_cycles=0
for ((c = 1; c <= cycles; c++)); do
  if ((c > 1)); then
    gadget_do plug || break
    wait_for 120 "/dev/tinydrm-0 (cycle $c)" exists /dev/tinydrm-0 || break
  fi
  if ! start_clients "c$c"; then bad_cycles=$((bad_cycles + 1)); break; fi
  gadget_do unplug || { bad_cycles=$((bad_cycles + 1)); break; }
  stop_clients "c$c"
  if [[ "$w_rc" != 135 || "$m_rc" -ge 124 || "$node_held" != 1 ]]; then
    fail "cycle $c: writer $w_rc (want 135), modetest $m_rc, node held $node_held"
    bad_cycles=$((bad_cycles + 1))
  fi
  alive || { fail "cycle $c: tinydrmd died"; break; }
  wait_for 60 "tinydrm-0 to go (cycle $c)" node_gone tinydrm-0 || break
  wait_for 60 "the USB device to leave (cycle $c)" no_usb_device || break
  rm -rf "$work/c$c".*
  if ((c == 5)); then fd0=$(fd_count); rss0=$(rss_kb); fi
  ((c % 10)) || say "cycle $c: fds $(fd_count), VmRSS $(rss_kb) kB, threads $(threads)"
done
check "$cycles unplugs under running clients: all clean ($bad_cycles bad, reached $((c - 1)))" \
  test "$bad_cycles" = 0 -a "$((c - 1))" = "$cycles"
if [[ -n "${fd0:-}" ]] && alive; then
  fd1=$(fd_count); rss1=$(rss_kb)
  say "after cycle 5: fds $fd0, VmRSS $rss0 kB; after cycle $cycles: fds $fd1, VmRSS $rss1 kB"
  check "the daemon's fd count is flat ($fd0 → $fd1)" test "$fd1" -le "$fd0"
  # Same tolerance as the storm (storm.sh explains it): allocator settling, not per-cycle growth.
  check "the daemon's VmRSS is flat ($rss0 → $rss1 kB, tolerance 1536)" test "$((rss1 - rss0))" -le 1536
fi
gctl quit >/dev/null || true
wait_pid 60 "$gpid"
check "the gadget exits cleanly (got $wait_rc)" test "$wait_rc" = 0
stop_daemon
finish
