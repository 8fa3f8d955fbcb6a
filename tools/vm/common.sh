# shellcheck shell=bash
# Helpers shared by tools/vm/run and tools/vm/fetch-kernel.  Sourced, not run.
#
# Exit code convention of the tools/vm scripts:
#   77  the VM cannot be used on this machine at all (no qemu, no kernel
#       package obtainable, ...).  meson reports 77 as SKIP.
#   124 whole-run timeout hit (same code as coreutils timeout(1)).
#   125 the runner or the guest broke before the command could report a
#       status (panic, module load error, ...).  Never produced by a command
#       that ran and failed: its own exit status is passed through instead.

# Cache for the kernel package and the initramfs.  Everything in it can be
# regenerated, so deleting it is always safe.
VM_CACHE="${TINYDRM_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tinydrm-vm}"

vm_log() { printf 'tinydrm-vm: %s\n' "$*" >&2; }

# "Cannot run here" exit.  TINYDRM_VM_NO_SKIP=1 turns it into a hard failure,
# for CI setups that must not silently skip the VM tests.
vm_skip() {
  vm_log "SKIP: $*"
  if [[ "${TINYDRM_VM_NO_SKIP:-0}" == 1 ]]; then exit 1; fi
  exit 77
}

# Make sure the Debian packages we rely on are installed.  Installing needs
# root and Debian's archive; if either is missing we skip rather than fail,
# because a machine without them simply cannot run the VM tests.
vm_need_pkgs() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' \
      || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  if [[ $(id -u) != 0 ]]; then
    vm_skip "missing packages (need root to install): ${missing[*]}"
  fi
  vm_log "installing ${missing[*]}"
  # The lists may be absent on a fresh machine; update once, then install.
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
         --no-install-recommends "${missing[@]}" >&2; then
    apt-get update -q >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      --no-install-recommends "${missing[@]}" >&2 \
      || vm_skip "could not install: ${missing[*]}"
  fi
}

# Serialise cache writers: meson runs tests in parallel, and two runs must
# not unpack the kernel or write the initramfs at the same time.
# Usage: vm_cache_lock  (holds the lock on fd 9 until the script exits or
# vm_cache_unlock is called).
vm_cache_lock() {
  mkdir -p "$VM_CACHE"
  exec 9>"$VM_CACHE/.lock"
  flock 9
}
vm_cache_unlock() { exec 9>&-; }
