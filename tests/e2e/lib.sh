# SPDX-License-Identifier: MIT
# Shared parts of the tests/e2e scenarios (sourced, not run). Each scenario script:
#
#   source "$here/lib.sh"
#   e2e_init NAME VM_TIMEOUT "${BASH_SOURCE[0]}" "$@"   # host: re-execs the script in the VM
#   ...guest side...
#
# On the host, e2e_init re-runs the calling script inside tools/vm/run (the builddir must be
# visible in the guest: not under /tmp). In the guest it checks /dev/cuse and the binaries,
# makes a private work dir and installs the cleanup trap. Helpers follow node_lifecycle.sh:
# bounded waits for conditions, never fixed sleeps.

e2e_init() {  # e2e_init NAME VM_TIMEOUT SCRIPT BUILDDIR
  e2e_name="$1"
  local vm_timeout="$2" script="$3"
  shift 3
  (($# == 1)) || { echo "usage: $script BUILDDIR" >&2; exit 2; }
  builddir="$(cd "$1" && pwd)"
  e2e_dir="$(cd "$(dirname "$script")" && pwd)"
  if [[ -z "${TINYDRM_IN_VM:-}" ]]; then
    cd /   # the caller's cwd might be somewhere the guest cannot see
    exec "$e2e_dir/../../tools/vm/run" --timeout "${TINYDRM_VM_TIMEOUT:-$vm_timeout}" -- \
      bash "$e2e_dir/$(basename "$script")" "$builddir"
  fi
  [[ -c /dev/cuse ]] || { say "SKIP: no /dev/cuse (run me through tools/vm/run)"; exit 77; }
  tinydrmd="$builddir/src/daemon/tinydrmd"
  ctl_bin="$builddir/src/daemon/tinydrmctl"
  bindir="$builddir/tests/e2e"
  for b in "$tinydrmd" "$ctl_bin" "$bindir/probe"; do
    [[ -x "$b" ]] || { say "FAIL: $b not built"; exit 1; }
  done
  work="$(mktemp -d)"          # guest /tmp: a tmpfs that goes away with the VM
  control="$work/run/control"  # per-run socket; tinydrmd creates $work/run
  dpid=""
  bg_pids=()
  failures=0
  t_start=$SECONDS
  trap e2e_cleanup EXIT
}

say() { printf '%s: %s\n' "${e2e_name:-e2e}" "$*"; }
fail() { say "FAIL: $*"; failures=$((failures + 1)); }
ok() { say "ok: $*"; }
check() {  # check DESCRIPTION COMMAND...
  local what="$1"; shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}

e2e_cleanup() {
  touch "$work/stop" "$work/close" 2>/dev/null || true
  local p
  for p in "${bg_pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  [[ -n "$dpid" ]] && kill -KILL "$dpid" 2>/dev/null || true
}

show_log() {
  say "daemon log (last 60 lines):"
  tail -n 60 "$work/daemon.log" 2>/dev/null | sed 's/^/  | /' || true
}

finish() {
  say "scenario took $((SECONDS - t_start))s in the VM"
  if ((failures == 0)); then say "PASS"; exit 0; fi
  show_log; say "FAIL ($failures)"; exit 1
}

# Waits for a condition with a deadline; fails (and returns 1) on timeout or daemon death.
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

# Waits (bounded) for a background process; its exit status in $wait_rc (124: timed out, it
# was SIGKILLed then; 125: not even SIGKILL ended it, e.g. stuck in a FUSE request the daemon
# never answers: its kernel stack is shown and it is left behind).
wait_pid() {  # wait_pid SECS PID
  local secs="$1" pid="$2"
  local deadline=$((SECONDS + secs))
  while kill -0 "$pid" 2>/dev/null && [[ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" != Z ]]; do
    if ((SECONDS >= deadline)); then
      fail "pid $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) still running after ${secs}s; killing it"
      local t
      for t in /proc/"$pid"/task/*; do
        say "  task ${t##*/}: $(cat "$t/wchan" 2>/dev/null) / $(tr '\n' ' ' <"$t/stack" 2>/dev/null)"
      done
      kill -KILL "$pid" 2>/dev/null || true
      local kill_deadline=$((SECONDS + 15))
      while [[ -e "/proc/$pid" && "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" != Z ]]; do
        if ((SECONDS >= kill_deadline)); then
          fail "pid $pid survives SIGKILL (stuck in the kernel); leaving it"
          wait_rc=125
          return 0
        fi
        sleep 0.05
      done
      wait "$pid" 2>/dev/null || true
      wait_rc=124
      return 0
    fi
    sleep 0.05
  done
  wait_rc=0; wait "$pid" || wait_rc=$?
}

ctl() { "$ctl_bin" --control "$control" "$@"; }
exists() { [[ -c "$1" ]]; }
gone() { [[ ! -e "$1" ]]; }
# NAME's /dev entry is gone and the daemon no longer lists it. The entry goes at the last close;
# the number is free a little later, when the node's CUSE session has ended (the session first
# answers what was still queued on its channel, see CuseNode's drainChannel()).
node_gone() { [[ ! -e "/dev/$1" ]] && ! ctl list | grep -q "^$1 "; }
alive() { [[ -n "$dpid" ]] && kill -0 "$dpid" 2>/dev/null; }
fd_count() { find "/proc/$dpid/fd" -mindepth 1 -maxdepth 1 | wc -l; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$dpid/status"; }
threads() { awk '/^Threads:/ { print $2 }' "/proc/$dpid/status"; }
# tinydrm-N lists with exactly these nodes, each with no file open: `only_nodes 0 1`.
only_nodes() {
  local want="" n
  for n in "$@"; do want+="tinydrm-$n files=0"$'\n'; done
  local got
  got="$(ctl list | sed -E 's/^(tinydrm-[0-9]+) .*(files=[0-9]+).*/\1 \2/')" || return 1
  [[ "$got"$'\n' == "$want" ]] || return 1
  local dev
  for dev in /dev/tinydrm-*; do
    [[ -e "$dev" ]] || continue
    [[ " ${*/#/tinydrm-} " == *" ${dev#/dev/} "* ]] || return 1
  done
}

# start_daemon ARGS... : tinydrmd on the per-run socket; waits for the socket and for the
# /dev/tinydrm-N given in $expect_nodes (unset: "0"; set but empty: none).
start_daemon() {
  local t0=$SECONDS n
  "$tinydrmd" --control "$control" "$@" >"$work/daemon.log" 2>&1 &
  dpid=$!
  for n in ${expect_nodes-0}; do
    wait_for 120 "/dev/tinydrm-$n" exists "/dev/tinydrm-$n" || finish
  done
  wait_for 60 "the control socket" test -S "$control" || finish
  say "tinydrmd (pid $dpid) up after $((SECONDS - t0))s"
}

# SIGTERM the daemon; it must exit 0 within its grace period.
stop_daemon() {
  [[ -n "$dpid" ]] || return 0
  kill -TERM "$dpid" 2>/dev/null || true
  wait_pid 60 "$dpid"
  dpid=""
  check "tinydrmd exits 0 on SIGTERM (got $wait_rc)" test "$wait_rc" = 0
}
