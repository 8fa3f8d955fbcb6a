#!/usr/bin/env bash
# e2e panels: every hardware backend behind a real node, with its dry-run sink, and Debian's
# unmodified modetest (needs /dev/cuse).
#
#   bash tests/e2e/panels.sh BUILDDIR      host: re-runs itself in the microVM
#
# For each backend (mi0283qt, ili9341, st7586, repaper e1144cs021 without realtime, udl), one
# after the other: tinydrmd starts with `--panel NAME:dry-run=$work/NAME.wire`, so the wire
# bytes (SPI, GPIO, delays, USB requests) go to a WireLog instead of hardware.
# `tinydrm-run modetest -s CONN@CRTC:WxH` (W x H the panel's mode) sets the mode and draws its
# SMPTE pattern. Once `tinydrmctl list` shows the mode and the log holds a finished frame (a
# "flush N" mark from the synchronous backends, "update N" from repaper's worker),
# tests/decoders/wire_decode replays the log through the emulated panel (tests/decoders: the
# controller as its datasheet describes it, strict about the protocol) and the seven top bars
# at y = H/6, x = (2i+1)W/14 must have the colours that panel can show for modetest's bars
# (expected values below, derived per wire format). modetest is then told to stop, the daemon
# stopped, and the whole log (disable and power-down included) must still decode cleanly; the
# daemon log must have no error lines.
#
# The log is read while the daemon may still write it: a decode that meets a cut-off record
# fails and the bounded wait tries again.
#
# Exit: 0 pass, 1 fail, 77 skip (no VM possible), 124/125 from tools/vm/run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib.sh"
e2e_init panels 420 "${BASH_SOURCE[0]}" "$@"

run="$builddir/src/preload/tinydrm-run"
wire_decode="$builddir/tests/decoders/wire_decode"
[[ -x "$wire_decode" ]] || { say "FAIL: $wire_decode not built"; exit 1; }
mkdir -p /dev/dri
ln -sf /dev/tinydrm-0 /dev/dri/card0 # Debian 12's modetest finds devices by bus id

# modetest's SMPTE top bars in XRGB8888 (grey yellow cyan green magenta red blue), the colours
# the virtual panel shows (mappings.sh):
#   c0c0c0 c0c000 00c0c0 00c000 c000c0 c00000 0000c0
#
# RGB565 (mi0283qt, ili9341, udl): convert.h truncates, so 0xc0 = 0b11000000 becomes 5-bit
# 0b11000 = 24 (red, blue) and 6-bit 0b110000 = 48 (green). The decoders widen a channel by
# bit replication, (v << (8 - bits)) | (v >> (2 * bits - 8)): 24 -> 0xc0 | 0x06 = 0xc6 and
# 48 -> 0xc0 | 0x03 = 0xc3; 0x00 stays 0x00.
rgb565_bars="c6c3c6 c6c300 00c3c6 00c300 c600c6 c60000 0000c6"
# ST7586 (4 gray levels): gray = (3R + 6G + B) / 10 per convert.h, then level gray >> 6:
#   grey    (576 + 1152 + 192) / 10 = 192 -> 3 (white)
#   yellow  (576 + 1152 +   0) / 10 = 172 -> 2
#   cyan    (  0 + 1152 + 192) / 10 = 134 -> 2
#   green   (  0 + 1152 +   0) / 10 = 115 -> 1
#   magenta (576 +    0 + 192) / 10 =  76 -> 1
#   red     (576 +    0 +   0) / 10 =  57 -> 0 (black)
#   blue    (  0 +    0 + 192) / 10 =  19 -> 0
# The decoder shows level L as gray L * 0x55: 3 -> ff, 2 -> aa, 1 -> 55, 0 -> 00.
st7586_bars="ffffff aaaaaa aaaaaa 555555 555555 000000 000000"
# repaper (black/white film): the same grays, white where gray >= 128 (the DRM mono threshold
# repaper_panel.cpp uses): 192, 172, 134 white; 115, 76, 57, 19 black. The film decoder shows
# driven pixels as pure black or white.
mono_bars="ffffff ffffff ffffff 000000 000000 000000 000000"

# panel_case NAME SPEC-OPTIONS W H FRAME-MARK EXPECTED-BARS
panel_case() {
  local name="$1" opts="$2" w="$3" h="$4" frame_mark="$5" want="$6"
  local log="$work/$name.wire"
  local spec="$name:${opts:+$opts,}dry-run=$log"
  local decoded="$work/$name.decoded" decode_err="$work/$name.decode.err"
  local points=() i t0=$SECONDS
  for i in 0 1 2 3 4 5 6; do points+=("$(((2 * i + 1) * w / 14)),$((h / 6))"); done
  say "--- $spec (${w}x$h) ---"

  start_daemon --panel "$spec"
  local conn crtc
  conn="$(modetest -D tinydrm-0 -c | awk '/^Connectors:/ { getline; getline; print $1; exit }')"
  crtc="$(modetest -D tinydrm-0 -p | awk '/^CRTCs:/ { getline; getline; print $1; exit }')"
  check "$name: modetest lists the connector (id '$conn') and the CRTC (id '$crtc')" \
    test -n "$conn" -a -n "$crtc"

  mkfifo "$work/$name.in"
  "$run" modetest -D tinydrm-0 -s "$conn@$crtc:${w}x$h" <"$work/$name.in" \
    >"$work/$name.modetest" 2>&1 &
  local mpid=$!; bg_pids+=("$mpid")
  exec 9>"$work/$name.in"
  mode_on() { ctl list | grep -q "^tinydrm-0 .*mode=${w}x$h@"; }
  # The log decodes (no record cut off by a write in progress) and holds a finished frame.
  # The binary grep for the mark's text is a cheap first look, so the full decode does not
  # compete with the daemon for the VM's CPUs while the frame is still being written.
  frame_in() {
    grep -aq "$frame_mark" "$log" &&
      "$wire_decode" "$spec" "$log" --marks "${points[@]}" >"$decoded" 2>"$decode_err" &&
      grep -q "^mark $frame_mark" "$decoded"
  }
  if wait_for 180 "modetest to set ${w}x$h on $name" mode_on &&
    wait_for 300 "a decodable '$frame_mark' frame in $name's wire log" frame_in; then
    local got
    mapfile -t got <"$decoded"
    say "$name: decoded ${got[0]}, top bars ${got[*]:1:7}; marks: $(grep '^mark ' "$decoded" |
      cut -c6- | paste -sd, -) ($(stat -c %s "$log") bytes, $((SECONDS - t0))s)"
    check "$name: the decoded picture is ${w}x$h" test "${got[0]}" = "${w}x$h"
    check "$name: the glass shows modetest's bars ($want)" test "${got[*]:1:7}" = "$want"
  else
    sed 's/^/  | /' "$work/$name.modetest" "$decode_err" 2>/dev/null || true
  fi
  echo >&9
  wait_pid 60 "$mpid"
  check "$name: modetest -s exits 0 when told to (got $wait_rc)" test "$wait_rc" = 0
  exec 9>&-
  stop_daemon

  # Everything the backend sent, set-up to shutdown, obeys the controller's protocol.
  local rc=0
  "$wire_decode" "$spec" "$log" --marks >"$decoded" 2>"$decode_err" || rc=$?
  check "$name: the whole log decodes after shutdown (exit $rc) $(head -1 "$decode_err")" \
    test "$rc" = 0
  check "$name: the daemon logged no errors" \
    bash -c "! grep -E '\\[(error|critical)\\]' '$work/daemon.log'"
  grep -E '\[(warning|error|critical)\]' "$work/daemon.log" | sed 's/^/  | /' || true
  cp "$work/daemon.log" "$work/$name.daemon.log"
}

# NAME, options besides dry-run=, the mode, the frame mark, the expected bars.
panel_case mi0283qt "" 320 240 "flush" "$rgb565_bars"
panel_case ili9341 "" 240 320 "flush" "$rgb565_bars"
panel_case st7586 "" 178 128 "flush" "$st7586_bars"
panel_case repaper "model=e1144cs021" 128 96 "update" "$mono_bars"
panel_case udl "" 1024 768 "flush" "$rgb565_bars"
finish
