#!/usr/bin/env bash
# Compatibility: Debian's bash-static and zsh-static (arm64; fetched by
# `tests/fetch-compat.sh bash-static|zsh-static` into tests/.cache) running the scripts of
# tests/integration/compat/: functions, arrays, job control (`&`, `$!`, `wait` and its
# statuses, kill of a job), here-documents, process substitution (`<(...)`, through
# /dev/fd/N), traps, subshells and command substitution; zsh runs them under `--emulate ksh`
# (0-based arrays) and one script of its own. Each run is compared with qemu-aarch64 (same
# stdout and exit status); each shell's set must pass 100%. A script's external commands
# (sleep, touch) are busybox in the root's /bin (qemu finds the host's in /bin).
# NO_FETCH=1: never download; without a shell its set is SKIPPED with the reason.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/compat_lib.sh"
require_emulator || { finish; exit 1; }

BB=$TOP/tests/.cache/busybox
SCRIPTS=$IT_DIR/compat
if [ "${NO_FETCH:-0}" != 1 ]; then
  [ -x "$BB" ] || timeout -k 10 600 "$TOP/tests/fetch-busybox.sh" </dev/null 2>&1 | indent
  for s in bash-static zsh-static; do
    [ -x "$TOP/tests/.cache/$s" ] || timeout -k 10 600 "$TOP/tests/fetch-compat.sh" "$s" </dev/null 2>&1 | indent
  done
fi
GUEST_ENV+=(PATH=/bin HOME=/ ENV= BASH_ENV=)

put() { # ROOT: the scripts, /tmp and /bin/{sleep,touch} as busybox
  cp "$SCRIPTS"/* "$1/" && mkdir -p "$1/bin" "$1/tmp" &&
    for a in sleep touch; do ln "$BB" "$1/bin/$a" 2>/dev/null || cp "$BB" "$1/bin/$a"; done
}

shell_set() { # SET SHELL-BINARY OPTIONS...: every script under that shell
  local set=$1 sh=$2 s; shift 2
  if [ ! -x "$sh" ]; then skip "compat-$set" "no $sh: tests/fetch-compat.sh could not fetch it"; return; fi
  if [ ! -x "$BB" ]; then skip "compat-$set" "no busybox ($BB) for the scripts' /bin"; return; fi
  if ! have_qemu; then skip "compat-$set" "$QEMU not found: nothing to compare against"; return; fi
  for s in functions arrays jobs heredoc procsubst traps subshells; do
    compat_case "$set-$s" -s put -- "$sh" "$@" "$s.sh"
  done
  [ "$set" = zsh ] && compat_case "$set-native" -s put -- "$sh" native.zsh
  compat_set_result "$set" 100
}
shell_set bash "$TOP/tests/.cache/bash-static"
shell_set zsh "$TOP/tests/.cache/zsh-static" --emulate ksh
finish
