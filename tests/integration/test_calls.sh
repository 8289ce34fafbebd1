#!/usr/bin/env bash
# Integration: the Linux system calls everyday binaries make (issue 18), each area of
# guest/programs/calls.c under the emulator vs qemu-aarch64.
# Run on its own: tests/integration/test_calls.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

G=$GUEST

for area in rename utimes chmod chown fifo pgrp creds sigsuspend sendfile socket statx \
            affinity rlimit rseq; do
  compare "calls-$area" -- "$G/calls" "$area"
done

# Emulator only: other socket families are refused (qemu reaches the host's network).
if emulator_is_qemu_standin; then
  skip calls-inet "qemu passes sockets through to the host"
else
  root=$(new_root calls-inet)
  emu_run "$root" /dev/null "$root.out" "$root.err" -- "$G/calls" inet; st=$?
  if [ "$st" = 0 ] && grep -qx 'inet: refused' "$root.out"; then
    pass calls-inet
  else
    fail calls-inet "exit $st"; tail -n 5 "$root.err" | indent
  fi
fi

finish
