#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# udl-gadget in the microVM: the emulated DisplayLink device (tools/gadget: configfs +
# FunctionFS on dummy_hcd) enumerates on the VM's own USB host side, answers tinydrm's udl
# probe, decodes what tinydrm draws, and comes and goes with plug/unplug.
#
#   bash tests/gadget/gadget_enumerates.sh BUILDDIR      host: re-runs itself in the microVM
#
# 1. serve: `ready`, the configfs gadget exists, nothing on the bus yet (not plugged).
# 2. plug: a 17e9:02a9 device appears in /sys/bus/usb/devices with a vendor-specific interface
#    (class ff) and a /dev/bus/usb node.
# 3. probe: tinydrmd with `--panel udl:vid=0x17e9` opens it through libusb; the gadget logs
#    the channel select and answers all 128 EDID reads, and the node offers the EDID's
#    1024x768.
# 4. draw: `tinydrm-run modetest -s` sets 1024x768 and draws the SMPTE pattern; the gadget's
#    PNG (its decoded bulk stream) shows modetest's top bars in RGB565 (values from panels.sh).
# 5. unplug: the device leaves the bus, `stats` shows it unbound; re-plug: it is back, with a
#    fresh (power-cycled) device state, and a second tinydrmd probes it again.
#    Then unplug while modetest -v page-flips: the gadget answers, the reader lets go.
# 6. quit: the gadget exits 0 and leaves no configfs directory and no functionfs mount behind.
#
# Bounded waits on conditions only. Exit: 0 pass, 1 fail, 77 skip (no VM possible / no
# dummy_hcd in the VM), 124/125 from tools/vm/run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../e2e/lib.sh
source "$here/../e2e/lib.sh"
e2e_init gadget_enumerates 420 "${BASH_SOURCE[0]}" "$@"

gadget="$builddir/tools/gadget/udl-gadget"
run="$builddir/src/preload/tinydrm-run"
pixels="$here/../e2e/png_pixels.py"
for b in "$gadget" "$run"; do
  [[ -x "$b" ]] || { say "FAIL: $b not built"; exit 1; }
done
[[ -e /sys/class/udc/dummy_udc.0 ]] || { say "SKIP: no dummy_udc.0 in the VM (dummy_hcd not loaded)"; exit 77; }
mkdir -p /dev/dri
ln -sf /dev/tinydrm-0 /dev/dri/card0 # Debian 12's modetest finds devices by bus id

name="tdrm$$"
gsock="$work/gadget.sock"
gdir="/sys/kernel/config/usb_gadget/$name"
g() { "$gadget" "$@" --control "$gsock"; }
show_gadget_log() { say "gadget log (last 40 lines):"; tail -n 40 "$work/gadget.log" | sed 's/^/  | /'; }
gadget_alive() { kill -0 "$gpid" 2>/dev/null; }
ready() { gadget_alive && grep -qx ready "$work/gadget.out"; }

usb_dev() {  # the first USB device with vendor 17e9, as its /sys/bus/usb/devices path
  local d
  for d in /sys/bus/usb/devices/*; do
    [[ -f "$d/idVendor" && "$(<"$d/idVendor")" == 17e9 ]] && { echo "$d"; return 0; }
  done
  return 1
}
present() { usb_dev >/dev/null; }
absent() { ! usb_dev >/dev/null; }
# One request line straight on the socket (the CLI only sends valid commands).
raw_request() {
  python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
print(s.makefile().readline().strip())' "$gsock" "$1"
}
stat_is() { g stats | grep -qE "(^| )$1( |$)"; }  # stat_is KEY=VALUE

# --- 1. serve --------------------------------------------------------------------------------
"$gadget" serve --control "$gsock" --name "$name" >"$work/gadget.out" 2>"$work/gadget.log" &
gpid=$!; bg_pids+=("$gpid")
wait_for 120 "the gadget to print ready" ready || { show_gadget_log; finish; }
check "the configfs gadget exists ($gdir)" test -d "$gdir"
check "its UDC is empty before plug" test -z "$(tr -d '\n' <"$gdir/UDC")"
check "no 17e9 device on the bus before plug" absent
check "stats before plug: bound=0" stat_is bound=0

# --- 2. plug ---------------------------------------------------------------------------------
answer="$(g plug)"
check "plug answers ok ($answer)" grep -q '^ok plugged into dummy_udc.0' <<<"$answer"
if wait_for 120 "a 17e9 device in /sys/bus/usb/devices" present; then
  dev="$(usb_dev)"
  say "device: $dev ($(<"$dev/idVendor"):$(<"$dev/idProduct") '$(cat "$dev/product" 2>/dev/null)')"
  check "idProduct is 02a9" test "$(<"$dev/idProduct")" = 02a9
  check "interface 0 is vendor-specific (class ff)" test "$(cat "$dev"/*:1.0/bInterfaceClass)" = ff
  node="$(printf '/dev/bus/usb/%03d/%03d' "$(<"$dev/busnum")" "$(<"$dev/devnum")")"
  check "the usbfs node $node exists" test -c "$node"
else
  show_gadget_log; finish
fi
wait_for 60 "the host to configure the device (enabled=1)" stat_is enabled=1 || true
check "answering again: plug is idempotent" grep -q '^ok already plugged' <<<"$(g plug)"

# --- 3. probe --------------------------------------------------------------------------------
start_daemon --no-usb-hotplug --panel udl:vid=0x17e9
st="$(g stats)"; say "after the probe: $st"
check "the probe selected the channel (channel=1)" stat_is channel=1
check "the probe read the whole EDID (edid_reads=128)" stat_is edid_reads=128
check "the gadget logged the channel select" grep -q 'channel select: the standard 16-byte key' "$work/gadget.log"
check "the gadget logged the EDID reads" grep -q 'EDID byte 127 read' "$work/gadget.log"
check "the node offers 1024x768 (the EDID's preferred mode)" "$bindir/probe" /dev/tinydrm-0 1024 768

# --- 4. draw ---------------------------------------------------------------------------------
conn="$(modetest -D tinydrm-0 -c | awk '/^Connectors:/ { getline; getline; print $1; exit }')"
crtc="$(modetest -D tinydrm-0 -p | awk '/^CRTCs:/ { getline; getline; print $1; exit }')"
check "modetest lists the connector ('$conn') and the CRTC ('$crtc')" test -n "$conn" -a -n "$crtc"
mkfifo "$work/draw.in"
"$run" modetest -D tinydrm-0 -s "$conn@$crtc:1024x768" <"$work/draw.in" >"$work/draw.out" 2>&1 &
mpid=$!; bg_pids+=("$mpid")
exec 9>"$work/draw.in"
# modetest's SMPTE top bars at y = 768/6 after RGB565 (grey yellow cyan green magenta red blue).
want="c6c3c6 c6c300 00c3c6 00c300 c600c6 c60000 0000c6"
points=(); for i in 0 1 2 3 4 5 6; do points+=("$(((2 * i + 1) * 1024 / 14)),$((768 / 6))"); done
got=()
bars_shown() {
  got=()
  g png "$work/screen.png" >/dev/null || return 1
  mapfile -t got <<<"$(python3 "$pixels" "$work/screen.png" "${points[@]}" 2>/dev/null || true)"
  [[ "${got[0]:-}" == 1024x768 && "${got[*]:1}" == "$want" ]]
}
wait_for 240 "the gadget's screen to show modetest's bars" bars_shown || true
say "gadget screen ${got[0]:-?}, top bars: ${got[*]:1} ($(g stats))"
check "the gadget's PNG is 1024x768 and shows modetest's SMPTE bars" \
  test "${got[0]:-}" = 1024x768 -a "${got[*]:1}" = "$want"
check "stats: mode=1024x768, the stream decodes cleanly" stat_is mode=1024x768
check "stats: stream=ok" stat_is stream=ok
echo >&9; exec 9>&-
wait_pid 60 "$mpid"
check "modetest -s exits 0 when told to (got $wait_rc)" test "$wait_rc" = 0
stop_daemon

# --- 5. unplug, re-plug ----------------------------------------------------------------------
answer="$(g unplug)"
check "unplug answers ok ($answer)" test "$answer" = "ok unplugged"
wait_for 60 "the device to leave the bus" absent || true
check "stats after unplug: bound=0 enabled=0" stat_is "bound=0 enabled=0"
check "the UDC is empty again" test -z "$(tr -d '\n' <"$gdir/UDC")"
check "answering again: unplug is idempotent" test "$(g unplug)" = "ok not plugged"

g plug >/dev/null
wait_for 120 "the device to come back" present || { show_gadget_log; finish; }
check "re-plugged: idProduct still 02a9" test "$(<"$(usb_dev)/idProduct")" = 02a9
check "re-plugged: a power-cycled device (channel=0, mode=none)" stat_is "mode=none channel=0"
start_daemon --no-usb-hotplug --panel udl:vid=0x17e9
check "a second probe after re-plug reads the EDID again (edid_reads=128)" stat_is edid_reads=128
check "and the node offers 1024x768" "$bindir/probe" /dev/tinydrm-0 1024 768

# Unplug with data flowing: modetest -v page-flips (a flush per frame) when the UDC goes. The
# gadget must answer at once and its bulk reader must let go without hanging (below). What
# tinydrmd and modetest make of it is tests/e2e/usb_hotplug.sh's business: they are only
# stopped here.
mkfifo "$work/flip.in"
"$run" modetest -D tinydrm-0 -v -s "$conn@$crtc:1024x768" <"$work/flip.in" >"$work/flip.out" 2>&1 &
mpid=$!; bg_pids+=("$mpid")
exec 9>"$work/flip.in"
if wait_for 180 "modetest -v to page-flip" grep -q "freq:" "$work/flip.out"; then
  before="$(g stats)"
  answer="$(timeout 60 "$gadget" unplug --control "$gsock" || true)"
  check "unplug mid-flip answers ok ($answer)" test "$answer" = "ok unplugged"
  wait_for 60 "the device to leave the bus (mid-flip)" absent || true
  check "stats still answer after the unplug" stat_is "bound=0 enabled=0"
  check "the bulk stream was flowing before it ($before)" \
    bash -c "[[ '$before' =~ bulk_bytes=([0-9]+) ]] && ((BASH_REMATCH[1] > 0))"
fi
echo >&9; exec 9>&-
wait_pid 90 "$mpid"
say "modetest -v exited with $wait_rc after the unplug"
kill -TERM "$dpid" 2>/dev/null || true
wait_pid 60 "$dpid"; dpid=""
say "tinydrmd exited with $wait_rc after the unplug"

# The bulk reader let go of the endpoint (its read failed with ESHUTDOWN, or it was between
# reads and the next one waits for an enabled endpoint) and reads again after the next enable:
# a re-plugged device takes a full frame.
g plug >/dev/null
wait_for 120 "the device to come back after the mid-flip unplug" present || { show_gadget_log; finish; }
start_daemon --no-usb-hotplug --panel udl:vid=0x17e9
mkfifo "$work/draw2.in"
"$run" modetest -D tinydrm-0 -s "$conn@$crtc:1024x768" <"$work/draw2.in" >"$work/draw2.out" 2>&1 &
mpid=$!; bg_pids+=("$mpid")
exec 9>"$work/draw2.in"
wait_for 240 "the re-plugged gadget's screen to show modetest's bars" bars_shown || true
check "after unplugging mid-flip and re-plugging, the gadget decodes a new frame (${got[*]:1})" \
  test "${got[*]:1}" = "$want"
echo >&9; exec 9>&-
wait_pid 60 "$mpid"
stop_daemon

# --- 6. quit ---------------------------------------------------------------------------------
answer="$(raw_request bogus)"
check "an unknown command gets an EINVAL error ($answer)" grep -q '^error EINVAL' <<<"$answer"
answer="$(g quit)"
check "quit answers ok ($answer)" test "$answer" = "ok quitting"
wait_pid 60 "$gpid"
check "the gadget exits 0 (got $wait_rc)" test "$wait_rc" = 0
check "its configfs gadget is gone" test ! -e "$gdir"
check "no functionfs mount is left" bash -c "! grep -q ' functionfs ' /proc/mounts"
check "the device left the bus" absent
check "the gadget logged no errors" bash -c "! grep -E '\\[(error|critical)\\]' '$work/gadget.log'"
grep -E '\[(warning|error|critical)\]' "$work/gadget.log" | sed 's/^/  | /' || true
((failures == 0)) || show_gadget_log
finish
