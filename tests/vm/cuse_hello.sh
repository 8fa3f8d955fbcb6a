#!/usr/bin/env bash
# CUSE smoke test: a tiny CUSE daemon (cuse_hello.c) creates
# /dev/tinydrm-hello and a client (cuse_hello_client.c) checks read, an
# unrestricted pointer-carrying ioctl, error codes and mmap -> ENODEV.
#
# Needs /dev/cuse, i.e. the test VM.  Ways to run it (from the repo):
#   bash tests/vm/cuse_hello.sh
#       compiles on the host, then runs itself in the VM via tools/vm/run
#   bash tests/vm/cuse_hello.sh --bindir DIR
#   tools/vm/run -- bash tests/vm/cuse_hello.sh --bindir DIR
#       use prebuilt cuse_hello and cuse_hello_client from DIR (e.g. built by
#       meson); DIR must be visible in the guest (not under /run or /dev/shm)
#   tools/vm/run -- bash tests/vm/cuse_hello.sh
#       compiles inside the VM (emulated gcc: slower, but self-contained)
#
# Exit: 0 pass, 1 fail, 77 skip (no VM possible), 124/125 from tools/vm/run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bindir=""
timeout_s="${TINYDRM_VM_TIMEOUT:-300}"
while (($#)); do
  case "$1" in
    --bindir) bindir="${2:?}"; shift 2 ;;
    --timeout) timeout_s="${2:?}"; shift 2 ;;
    *) echo "usage: $0 [--bindir DIR] [--timeout SECS]" >&2; exit 2 ;;
  esac
done

say() { printf 'cuse_hello: %s\n' "$*"; }

build() {  # build OUTDIR
  local cflags=(-std=c11 -O2 -g -Wall -Wextra -Werror) fcflags flibs
  read -ra fcflags <<<"$(pkg-config --cflags fuse3)"
  read -ra flibs <<<"$(pkg-config --libs fuse3)"
  cc "${cflags[@]}" "${fcflags[@]}" -o "$1/cuse_hello" \
    "$here/cuse_hello.c" "${flibs[@]}"
  cc "${cflags[@]}" -o "$1/cuse_hello_client" "$here/cuse_hello_client.c"
}

# --- host side: compile here (fast), then re-run this script in the VM ------
if [[ -z "${TINYDRM_IN_VM:-}" ]]; then
  if [[ -z "$bindir" ]]; then
    # /var/tmp rather than /tmp: the guest sees the host's /tmp only through
    # an overlay, which falls back to an empty tmpfs without overlayfs.
    bindir="$(mktemp -d /var/tmp/tinydrm-cuse-hello.XXXXXX)"
    trap 'rm -rf "$bindir"' EXIT
    build "$bindir"
  fi
  bindir="$(cd "$bindir" && pwd -P)"
  # cwd /: the caller's cwd might be somewhere the guest cannot see.
  rc=0
  (cd / && "$here/../../tools/vm/run" --timeout "$timeout_s" -- \
     bash "$here/cuse_hello.sh" --bindir "$bindir") || rc=$?
  exit "$rc"
fi

# --- guest side -----------------------------------------------------------------
if [[ ! -c /dev/cuse ]]; then
  say "SKIP: no /dev/cuse (run me through tools/vm/run)"
  exit 77
fi
work="$(mktemp -d)"     # guest /tmp: private to the VM, gone with it
dpid=""
# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
  if [[ -n "$dpid" ]]; then kill "$dpid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [[ -z "$bindir" ]]; then
  say "compiling in the guest"
  bindir="$work"
  build "$bindir"
fi

dev=/dev/tinydrm-hello
[[ ! -e "$dev" ]] || { say "FAIL: $dev exists before the daemon started"; exit 1; }

# Wait for a condition with a deadline instead of sleeping a fixed time:
# everything is ~20x slower under emulation, and by an unpredictable amount.
wait_for() {  # wait_for SECS DESCRIPTION COMMAND...
  local secs="$1" what="$2"; shift 2
  local deadline=$((SECONDS + secs))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      say "FAIL: timed out after ${secs}s waiting for $what"
      return 1
    fi
    # The daemon dying is a failure we can report at once.
    if [[ -n "$dpid" ]] && ! kill -0 "$dpid" 2>/dev/null; then
      say "FAIL: daemon exited while waiting for $what"
      return 1
    fi
    sleep 0.05
  done
}
show_log() { say "daemon log:"; sed 's/^/  | /' "$work/daemon.log" || true; }

t0=$SECONDS
"$bindir/cuse_hello" -f -s >"$work/daemon.log" 2>&1 &
dpid=$!
wait_for 60 "$dev to appear" test -c "$dev" || { show_log; exit 1; }
say "node $dev appeared after $((SECONDS - t0))s"

rc=0
"$bindir/cuse_hello_client" "$dev" || rc=$?

# libfuse exits cleanly on SIGTERM; the kernel then removes the device.
kill -TERM "$dpid"
drc=0
wait "$dpid" || drc=$?
dpid=""
if ((drc != 0)); then
  say "FAIL: daemon exited with $drc after SIGTERM"; show_log; rc=1
fi
# shellcheck disable=SC2317  # invoked through wait_for
gone() { [[ ! -e "$dev" ]]; }
wait_for 60 "$dev to disappear after the daemon exited" gone || rc=1

if ((rc == 0)); then
  say "PASS"
else
  say "FAIL"; show_log
fi
exit "$rc"
