#!/usr/bin/env bash
# e2e mappings: the mmap bridge, buffer-file privacy and unplug revocation over a real node,
# with Debian's unmodified modetest (needs /dev/cuse).
#
#   bash tests/e2e/mappings.sh BUILDDIR      host: re-runs itself in the microVM
#
# 1. Without tinydrm-run, mmap of a dumb buffer fails (CUSE: ENODEV); with it, map_client
#    (run as uid 1000) draws a frame through mmap(drm_fd, offset) and `tinydrmctl snapshot`
#    shows exactly those pixels. Its buffer file is 0600, owned by uid 1000; uid 1001 cannot
#    read it; when the client exits, the daemon's buffer directory is empty.
# 2. `tinydrm-run modetest -s CONN@CRTC:320x240` sets the mode and draws its SMPTE pattern: the
#    snapshot's seven top bars have modetest's colours. `modetest -v` page-flips until told to
#    stop and reports a frame rate.
# 3. A client writing into its mapping while `tinydrmctl unplug` runs dies of SIGBUS, the daemon
#    stays healthy and a new plug works; with --unplug-mappings=keep the client survives.
#
# Exit: 0 pass, 1 fail, 77 skip (no VM possible), 124/125 from tools/vm/run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib.sh"
e2e_init mappings 420 "${BASH_SOURCE[0]}" "$@"

run="$builddir/src/preload/tinydrm-run"
client="$bindir/map_client"
pixels="$e2e_dir/png_pixels.py"
as_user() { local uid="$1"; shift; setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"; }
mode_on() { ctl list | grep -q "^tinydrm-0 .*mode=320x240@60"; }
client_dir() { mkdir -p "$work/$1"; chmod 0777 "$work/$1"; echo "$work/$1"; }
chmod 0755 "$work" # uid 1000's client writes its notes into a directory below

start_daemon --panel virtual:320x240@60
chmod 0666 /dev/tinydrm-0 # a second user must be able to open the node (udev would do this)
bufdir="/dev/shm/tinydrm-$dpid"

# --- 1. the bridge, a client's own pixels, privacy ------------------------------------------
d="$(client_dir plain)"
rc=0; "$client" /dev/tinydrm-0 "$d" scanout >"$work/plain.out" 2>&1 || rc=$?
sed 's/^/  | /' "$work/plain.out"
check "without tinydrm-run, mmap of the node fails (exit $rc)" test "$rc" = 1
check "... with ENODEV from CUSE" grep -q "No such device" "$work/plain.out"

d="$(client_dir user)"
as_user 1000 "$run" "$client" /dev/tinydrm-0 "$d" scanout >"$work/user.out" 2>&1 &
cpid=$!; bg_pids+=("$cpid")
wait_for 120 "map_client (uid 1000) to show its frame" test -e "$d/ready" ||
  { sed 's/^/  | /' "$work/user.out"; finish; }
path="$(cat "$d/path")"
check "the buffer file is in the daemon's directory $bufdir" test "$(dirname "$path")" = "$bufdir"
check "the buffer file is mode 0600, owned by uid 1000" \
  test "$(stat -c '%a %u' "$path")" = "600 1000"
check "the directory is 0711 root: nobody else can list or create" \
  test "$(stat -c '%a %u' "$bufdir")" = "711 0"
check "uid 1000 (its owner) can read it" as_user 1000 head -c 4 "$path"
check "uid 1001 cannot read it" bash -c "! setpriv --reuid=1001 --regid=1001 --clear-groups head -c 4 '$path' 2>/dev/null"
check "uid 1001 cannot list the directory" bash -c "! setpriv --reuid=1001 --regid=1001 --clear-groups ls '$bufdir' 2>/dev/null"

check "tinydrmctl snapshot writes a PNG" ctl snapshot tinydrm-0 "$work/user.png"
mapfile -t got <<<"$(python3 "$pixels" "$work/user.png" 0,0 255,17 319,239 100,200 2>&1 || true)"
check "the snapshot is 320x240" test "${got[0]}" = 320x240
check "the snapshot shows the client's pixels (got ${got[*]:1})" \
  test "${got[*]:1}" = "00005a ff115a 3fef5a 64c85a"
touch "$d/stop"
wait_pid 60 "$cpid"
check "map_client (uid 1000) exits 0 (got $wait_rc)" test "$wait_rc" = 0
wait_for 60 "every buffer file to be gone after the last close" \
  bash -c "[ -z \"\$(ls -A '$bufdir')\" ]" || true

# --- 2. modetest, unmodified --------------------------------------------------------------
mkdir -p /dev/dri
ln -sf /dev/tinydrm-0 /dev/dri/card0
conn="$(modetest -D tinydrm-0 -c | awk '/^Connectors:/ { getline; getline; print $1; exit }')"
crtc="$(modetest -D tinydrm-0 -p | awk '/^CRTCs:/ { getline; getline; print $1; exit }')"
check "modetest lists the connector (id '$conn') and the CRTC (id '$crtc')" \
  test -n "$conn" -a -n "$crtc"

mkfifo "$work/modetest.in"
"$run" modetest -D tinydrm-0 -s "$conn@$crtc:320x240" <"$work/modetest.in" >"$work/modetest.out" 2>&1 &
mpid=$!; bg_pids+=("$mpid")
exec 9>"$work/modetest.in"
wait_for 120 "modetest to set 320x240" mode_on || { sed 's/^/  | /' "$work/modetest.out"; finish; }
check "tinydrmctl snapshot writes a PNG" ctl snapshot tinydrm-0 "$work/modetest.png"
points=()
for i in 0 1 2 3 4 5 6; do points+=("$(((2 * i + 1) * 320 / 14)),40"); done
mapfile -t got <<<"$(python3 "$pixels" "$work/modetest.png" "${points[@]}" 2>&1 || true)"
say "modetest's top bars: ${got[*]:1}"
check "the snapshot shows modetest's SMPTE bars (grey yellow cyan green magenta red blue)" \
  test "${got[*]:1}" = "c0c0c0 c0c000 00c0c0 00c000 c000c0 c00000 0000c0"
echo >&9
wait_pid 60 "$mpid"
sed 's/^/  | /' "$work/modetest.out"
check "modetest -s exits 0 when told to (got $wait_rc)" test "$wait_rc" = 0
exec 9>&-
rm "$work/modetest.in"

mkfifo "$work/flip.in"
"$run" modetest -D tinydrm-0 -v -s "$conn@$crtc:320x240" <"$work/flip.in" >"$work/flip.out" 2>&1 &
mpid=$!; bg_pids+=("$mpid")
exec 9>"$work/flip.in"
wait_for 180 "modetest -v to report a frame rate" grep -q "freq:" "$work/flip.out" || true
echo >&9
wait_pid 60 "$mpid"
sed 's/^/  | /' "$work/flip.out" | tail -5
check "modetest -v page-flipped and exited 0 (got $wait_rc)" test "$wait_rc" = 0
freq="$(grep -m1 -o 'freq: [0-9.]*Hz' "$work/flip.out" || true)"
check "modetest -v reports a frame rate ($freq; emulated CPU, so below 60 Hz is expected)" \
  test -n "$freq"
exec 9>&-

# --- 3. unplug while a client writes into its mapping ---------------------------------------
writer() {  # writer TAG: starts map_client writer; sets $wpid and $wdir
  wdir="$(client_dir "$1")"
  "$run" "$client" /dev/tinydrm-0 "$wdir" writer >"$work/$1.out" 2>&1 &
  wpid=$!; bg_pids+=("$wpid")
  wait_for 120 "the $1 writer to map and show its buffer" test -e "$wdir/ready" || finish
}
writer sigbus
ctl unplug tinydrm-0 >/dev/null
touch "$wdir/stop"
wait_pid 60 "$wpid"
sed 's/^/  | /' "$work/sigbus.out"
check "the writer died of SIGBUS after the unplug (status $wait_rc, SIGBUS is 135)" \
  test "$wait_rc" = 135
check "the daemon is still running" alive
wait_for 60 "the unplugged node to go" node_gone tinydrm-0 || true
check "a new plug works: tinydrm-0 again" test "$(ctl plug virtual:320x240@60)" = tinydrm-0
wait_for 60 "/dev/tinydrm-0" exists /dev/tinydrm-0 || finish
check "and answers" "$bindir/probe" /dev/tinydrm-0 320 240
stop_daemon

start_daemon --panel virtual:320x240@60 --unplug-mappings=keep
writer keep
ctl unplug tinydrm-0 >/dev/null
touch "$wdir/stop"
wait_pid 60 "$wpid"
sed 's/^/  | /' "$work/keep.out"
check "with --unplug-mappings=keep the writer survives the unplug (exit $wait_rc)" \
  test "$wait_rc" = 0
check "the daemon is still running" alive
stop_daemon
finish
