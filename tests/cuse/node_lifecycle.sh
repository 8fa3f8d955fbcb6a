#!/usr/bin/env bash
# The CUSE node lifecycle, end to end, with unmodified DRM clients (needs /dev/cuse: the VM).
#
#   bash tests/cuse/node_lifecycle.sh BUILDDIR
#       on the host: re-runs itself inside the microVM through tools/vm/run
#   tools/vm/run -- bash tests/cuse/node_lifecycle.sh BUILDDIR
#       the same, explicitly
#
# Scenario: tinydrmd starts with two virtual panels on a per-run control socket; drm_info and
# modetest work on /dev/tinydrm-0 (modetest through /dev/dri/cardN symlinks, see below);
# hold_open (tests/cuse/hold_open.c) holds tinydrm-0 open while `tinydrmctl unplug tinydrm-0`
# runs and checks that its next calls fail with ENODEV (a parked blocking read included); the
# node stays while held and keeps its number, tinydrm-1 keeps working, a plug meanwhile gets
# tinydrm-2; after the close tinydrm-0 disappears and the next plug reuses the number 0;
# garbage on the control socket gets error lines; SIGTERM ends the daemon with status 0 and
# removes every node.
#
# BUILDDIR must be visible in the guest (not under /tmp). Exit: 0 pass, 1 fail, 77 skip
# (no VM possible), 124/125 from tools/vm/run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
(($# == 1)) || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
builddir="$(cd "$1" && pwd)"

# --- host side: run the guest side in the VM ------------------------------------------
if [[ -z "${TINYDRM_IN_VM:-}" ]]; then
  cd /   # the caller's cwd might be somewhere the guest cannot see
  exec "$here/../../tools/vm/run" --timeout "${TINYDRM_VM_TIMEOUT:-540}" -- \
    bash "$here/node_lifecycle.sh" "$builddir"
fi

# --- guest side -----------------------------------------------------------------------------
say() { printf 'node_lifecycle: %s\n' "$*"; }
[[ -c /dev/cuse ]] || { say "SKIP: no /dev/cuse (run me through tools/vm/run)"; exit 77; }

tinydrmd="$builddir/src/daemon/tinydrmd"
ctl_bin="$builddir/src/daemon/tinydrmctl"
hold_open="$builddir/tests/cuse/hold_open"
for b in "$tinydrmd" "$ctl_bin" "$hold_open"; do
  [[ -x "$b" ]] || { say "FAIL: $b not built"; exit 1; }
done

work="$(mktemp -d)"          # guest /tmp: a tmpfs that goes away with the VM
control="$work/run/control"  # per-run socket; tinydrmd creates $work/run (0750)
dpid="" hpid=""
failures=0
cleanup() {
  [[ -n "$hpid" ]] && { touch "$work/close"; kill "$hpid" 2>/dev/null || true; }
  [[ -n "$dpid" ]] && kill -KILL "$dpid" 2>/dev/null || true
}
trap cleanup EXIT

fail() { say "FAIL: $*"; failures=$((failures + 1)); }
ok() { say "ok: $*"; }
check() {  # check DESCRIPTION COMMAND...
  local what="$1"; shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}
show_log() { say "daemon log:"; sed 's/^/  | /' "$work/daemon.log" || true; }
# Wait for a condition with a deadline instead of sleeping a fixed time: everything is slow
# and unevenly so under emulation.
wait_for() {  # wait_for SECS DESCRIPTION COMMAND...
  local secs="$1" what="$2"; shift 2
  local deadline=$((SECONDS + secs))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      fail "timed out after ${secs}s waiting for $what"
      return 1
    fi
    if [[ -n "$dpid" ]] && ! kill -0 "$dpid" 2>/dev/null; then
      fail "tinydrmd exited while waiting for $what"
      return 1
    fi
    sleep 0.05
  done
}
ctl() { "$ctl_bin" --control "$control" "$@"; }
exists() { [[ -c "$1" ]]; }
gone() { [[ ! -e "$1" ]]; }
# The /dev entry goes at the last close, the number a little later (when the session ended).
node_gone() { [[ ! -e "/dev/$1" ]] && ! ctl list | grep -q "^$1 "; }
finish() {
  # A sanitizer build (e.g. -Db_sanitize=address,undefined) reports into the logs; UBSan does
  # not fail the process by default, so look.
  if grep -qaE 'runtime error:|Sanitizer' "$work/daemon.log" "$work/hold_open.out" 2>/dev/null; then
    fail "sanitizer reports in the logs"
    grep -aE -A20 'runtime error:|Sanitizer' "$work/daemon.log" "$work/hold_open.out" || true
  fi
  if ((failures == 0)); then say "PASS"; exit 0; fi
  show_log; say "FAIL ($failures)"; exit 1
}

# --- start ----------------------------------------------------------------------------------
for n in 0 1 2; do
  gone "/dev/tinydrm-$n" || { say "FAIL: /dev/tinydrm-$n exists before the daemon started"; exit 1; }
done
t0=$SECONDS
"$tinydrmd" --panel virtual:320x240@60 --panel virtual:640x480@30 --control "$control" \
  --log-level debug >"$work/daemon.log" 2>&1 &
dpid=$!
wait_for 120 "/dev/tinydrm-0" exists /dev/tinydrm-0 || finish
wait_for 60 "/dev/tinydrm-1" exists /dev/tinydrm-1 || finish
wait_for 60 "the control socket" test -S "$control" || finish
say "nodes up after $((SECONDS - t0))s"
check "control socket is 0660" test "$(stat -c %a "$control")" = 660
check "control directory is 0750" test "$(stat -c %a "$work/run")" = 750

list="$(ctl list)" || fail "tinydrmctl list"
say "list:"; sed 's/^/  | /' <<<"$list"
check "list shows tinydrm-0 published" grep -q '^tinydrm-0 panel=virtual:320x240@60 .*state=published' <<<"$list"
check "list shows tinydrm-1 published" grep -q '^tinydrm-1 panel=virtual:640x480@30 .*state=published' <<<"$list"

# --- unmodified DRM clients -------------------------------------------------------------------
rc=0; drm_info /dev/tinydrm-0 >"$work/drm_info.out" 2>&1 || rc=$?
sed 's/^/  drm_info | /' "$work/drm_info.out" | head -40
check "drm_info /dev/tinydrm-0 succeeds" test "$rc" = 0
check "drm_info shows the tinydrm driver" grep -q 'Driver: tinydrm' "$work/drm_info.out"
check "drm_info sees the 320x240 mode" grep -q '320.240' "$work/drm_info.out"

# Debian 12's modetest (libdrm 2.4.114) takes -D as a *bus id*, not a path (paths came in a
# later libdrm), and finds devices only as /dev/dri/cardN, comparing DRM_IOCTL_GET_UNIQUE
# (tinydrm answers its node name). So the guest gets /dev/dri/cardN symlinks (its /dev is a
# throw-away devtmpfs) and modetest is asked for bus id tinydrm-N. The libdrm build may mknod
# more /dev/dri/cardN nodes while it searches; that too stays in the guest.
[[ -e /dev/dri ]] && say "note: /dev/dri exists in the guest: $(ls /dev/dri)"
mkdir -p /dev/dri
ln -sfn /dev/tinydrm-0 /dev/dri/card0
ln -sfn /dev/tinydrm-1 /dev/dri/card1
modetest_node() {  # modetest_node N ARGS... : modetest on /dev/tinydrm-N
  local n="$1"; shift
  modetest -D "tinydrm-$n" "$@"
}
rc=0; modetest_node 0 -c -e -p >"$work/modetest.out" 2>&1 || rc=$?
sed 's/^/  modetest | /' "$work/modetest.out" | head -40
check "modetest -D tinydrm-0 -c -e -p succeeds" test "$rc" = 0
check "modetest lists connectors" grep -q '^Connectors:' "$work/modetest.out"
check "modetest lists encoders" grep -q '^Encoders:' "$work/modetest.out"
check "modetest lists CRTCs/planes" grep -q '^CRTCs:' "$work/modetest.out"
check "modetest sees the 320x240 mode" grep -q '320x240' "$work/modetest.out"

# --- unplug while a client holds the node open ----------------------------------------------
"$hold_open" /dev/tinydrm-0 "$work" >"$work/hold_open.out" 2>&1 &
hpid=$!
wait_for 120 "hold_open to be ready" test -e "$work/ready" || { cat "$work/hold_open.out"; finish; }
list="$(ctl list)" || fail "tinydrmctl list with hold_open"
check "list shows hold_open's mode and file on tinydrm-0" grep -q '^tinydrm-0 .*mode=320x240@60 files=1 state=published' <<<"$list"
out="$(ctl unplug tinydrm-0 2>&1)" && ok "tinydrmctl unplug tinydrm-0" || fail "tinydrmctl unplug tinydrm-0: $out"
touch "$work/unplugged"
wait_for 120 "hold_open's checks" test -e "$work/checked" || { cat "$work/hold_open.out"; finish; }

check "/dev/tinydrm-0 stays while a file is open" exists /dev/tinydrm-0
list="$(ctl list)" || fail "tinydrmctl list after the unplug"
say "list:"; sed 's/^/  | /' <<<"$list"
check "tinydrm-0 is unplugged with one file open" grep -q '^tinydrm-0 .*files=1 state=unplugged' <<<"$list"
check "tinydrm-1 is still published" grep -q '^tinydrm-1 .*state=published' <<<"$list"
rc=0; out="$(ctl unplug tinydrm-0 2>&1)" || rc=$?
check "a second unplug is refused with a reason ($out)" test "$rc" = 1
rc=0; drm_info /dev/tinydrm-1 >/dev/null 2>&1 || rc=$?
check "the other node keeps working (drm_info /dev/tinydrm-1)" test "$rc" = 0
rc=0; modetest_node 1 -c >"$work/modetest1.out" 2>&1 || rc=$?
check "the other node keeps working (modetest -D tinydrm-1 -c)" test "$rc" = 0
check "tinydrm-1 shows its 640x480 mode" grep -q '640x480' "$work/modetest1.out"

name="$(ctl plug virtual:128x64)" || fail "tinydrmctl plug virtual:128x64"
check "a plug while tinydrm-0 is held gets tinydrm-2 (got '$name')" test "$name" = tinydrm-2
wait_for 60 "/dev/tinydrm-2" exists /dev/tinydrm-2 || true

touch "$work/close"
rc=0; wait "$hpid" || rc=$?
hpid=""
sed 's/^/  hold_open | /' "$work/hold_open.out"
check "hold_open's checks all passed" test "$rc" = 0
wait_for 60 "tinydrm-0 to disappear after the last close" node_gone tinydrm-0 || true
list="$(ctl list)" || fail "tinydrmctl list after the close"
check "tinydrm-0 is no longer listed" bash -c '! grep -q "^tinydrm-0 " <<<"$1"' _ "$list"

name="$(ctl plug virtual:800x600@50)" || fail "tinydrmctl plug virtual:800x600@50"
check "the next plug reuses the lowest free number (got '$name')" test "$name" = tinydrm-0
wait_for 60 "the new /dev/tinydrm-0" exists /dev/tinydrm-0 || true
rc=0; modetest_node 0 -c >"$work/modetest2.out" 2>&1 || rc=$?
check "the new tinydrm-0 shows 800x600" grep -q '800x600' "$work/modetest2.out"

# --- bad input on the control socket ----------------------------------------------------------
rc=0; out="$(ctl plug bogus:1x1 2>&1)" || rc=$?
check "plug of an unknown panel kind fails with a reason ($out)" test "$rc" = 1
rc=0; out="$(ctl unplug tinydrm-42 2>&1)" || rc=$?
check "unplug of an unknown node fails with a reason ($out)" test "$rc" = 1
python3 - "$control" >"$work/garbage.out" 2>&1 <<'PY' || fail "garbage on the control socket: $(cat "$work/garbage.out")"
import socket, sys
def exchange(payload):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(sys.argv[1])
    s.sendall(payload)
    s.shutdown(socket.SHUT_WR)
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    return data.decode(errors="replace")
answers = exchange(b"frobnicate\n\x00\xff\x01garbage\nlist extra\n\nplug virtual:0x0\n")
lines = answers.splitlines()
assert len(lines) == 5 and all(l.startswith("error ") for l in lines), answers
answer = exchange(b"x" * 5000)
assert answer.startswith("error line too long"), answer
print("garbage answered with error lines")
PY
check "the daemon survives garbage and still lists nodes" ctl list >/dev/null

# --- SIGTERM, with a client that does not let go --------------------------------------------
# A sleeping process holds tinydrm-1 open through the whole shutdown: the daemon unplugs it,
# waits its grace period (5 s by default), then ends the session anyway.
sleep 300 7<>/dev/tinydrm-1 &
spid=$!
holder_open() { ctl list | grep -q '^tinydrm-1 .*files=1'; }
wait_for 30 "the holder's open" holder_open || true
t1=$SECONDS
kill -TERM "$dpid"
rc=0; wait "$dpid" || rc=$?
dpid=""
check "tinydrmd exits 0 on SIGTERM (got $rc)" test "$rc" = 0
check "shutdown with a file still open took $((SECONDS - t1))s (bounded by the grace period)" test $((SECONDS - t1)) -lt 60
check "the forced end was logged" grep -q 'tinydrm-1: session forced to end with 1 file(s) still open' "$work/daemon.log"
kill "$spid" 2>/dev/null || true
wait "$spid" 2>/dev/null || true
for n in 0 1 2; do
  wait_for 60 "/dev/tinydrm-$n to disappear after the daemon exited" gone "/dev/tinydrm-$n" || true
done
check "the control socket is removed" gone "$control"
finish
