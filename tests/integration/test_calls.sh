#!/usr/bin/env bash
# Integration: the Linux system calls everyday binaries make (issue 18), each area of
# guest/programs/calls.c and guest/programs/semantics.c under the emulator vs qemu-aarch64.
# Run on its own: tests/integration/test_calls.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

G=$GUEST

for area in rename utimes chmod chown fifo pgrp creds sigsuspend sendfile socket statx \
            affinity rlimit rseq siginfo linkfd; do
  compare "calls-$area" -- "$G/calls" "$area"
done

# emu_only NAME WHY LINE -- PROGRAM ARGS...: under the emulator alone, exit status 0 and
# LINE on stdout. WHY says why qemu-aarch64 cannot be the reference.
emu_only() {
  local name=$1 why=$2 line=$3 root st; shift 4
  if emulator_is_qemu_standin; then skip "$name" "$why"; return; fi
  root=$(new_root "$name")
  emu_run "$root" /dev/null "$root.out" "$root.err" -- "$@"; st=$?
  if [ "$st" = 0 ] && grep -qxF "$line" "$root.out"; then
    pass "$name"
  else
    fail "$name" "exit $st, want 0 and '$line'"; tail -n 5 "$root.out" "$root.err" | indent
  fi
}

# Other socket families are refused (qemu reaches the host's network).
emu_only calls-inet "qemu passes sockets through to the host" 'inet: refused' -- "$G/calls" inet

# A call machemu does not implement: ENOSYS, and one line on stderr per call and run,
# with its number and name (three calls each here); --strace names it too.
if emulator_is_qemu_standin; then
  skip calls-unknown "machemu's own note"
else
  root=$(new_root calls-unknown)
  emu_run "$root" /dev/null "$root.out" "$root.err" --strace -- "$G/calls" unknown; st=$?
  n0=$(grep -c '^machemu: task [0-9]* (calls) made system call 0 (io_setup), which machemu does not implement: ENOSYS$' "$root.err")
  n600=$(grep -c 'made system call 600 (no such call on arm64)' "$root.err")
  if [ "$st" = 0 ] && grep -qx 'unknown: ENOSYS' "$root.out" && [ "$n0" = 1 ] && [ "$n600" = 1 ] &&
     [ "$(grep -c '^\[[0-9]*\] io_setup#0(' "$root.err")" = 3 ]; then
    pass calls-unknown
  else
    fail calls-unknown "exit $st, notes: io_setup $n0, 600 $n600 (want 1 each)"; grep -v '^\[' "$root.err" | tail -n 5 | indent
  fi
fi

# Point 4 of the issue: edge cases of common calls.
for area in bigio dirfd dupfd iovlen; do
  compare "semantics-$area" -- "$G/semantics" "$area"
done
# qemu-aarch64 differs from Linux in these (the program passes natively on Linux 6.x):
# it takes minutes to map 1 TB with 4 KB pages, answers mremap(old_len -1) otherwise, and
# reads 16 bytes for PR_SET_NAME whatever the string's length.
emu_only semantics-bigmap "qemu maps 1 TB page by page" \
  'bigmap: 1 TB and 512 GB found without MAP_FIXED' -- "$G/semantics" bigmap
emu_only semantics-minus1 "qemu's mremap differs from Linux" \
  'minus1: munmap EINVAL, mprotect ENOMEM, madvise EINVAL, mremap EINVAL' -- "$G/semantics" minus1
emu_only semantics-proc "qemu shows the host's /proc" \
  'proc: maps, status, meminfo, cpuinfo, exe' -- "$G/semantics" proc
emu_only semantics-prname "qemu reads past the name" \
  'prname: a short name at the end of memory, a long one cut to 15 bytes' -- "$G/semantics" prname

# Point 5: pipes between tasks with writes far past their size, partial and interrupted
# writes, SIGPIPE and EPIPE, timers on a task (pause, a sleep, a computing task),
# select/pselect6/ppoll with their masks and the time left.
for area in bigpipe nonblock partial sigpipe timers select epoll ptimers; do
  compare "pipes-$area" -- "$G/pipes" "$area"
done

# A guest writing to a pipe the host closed: the guest gets EPIPE (SIGPIPE ignored), and
# the emulator lives to return the guest's status (7), not to die of SIGPIPE (141).
if emulator_is_qemu_standin; then
  skip pipes-epipe-stdout "the emulator's own SIGPIPE is the point"
else
  root=$(new_root pipes-epipe-stdout)
  (cd "$root" && "${EMU[@]}" run --root "$root" "$G/pipes" epipe-stdout 2>"$root.err" |
     head -c 5 >/dev/null; echo "${PIPESTATUS[0]}" >"$root.st")
  if [ "$(cat "$root.st")" = 7 ] && grep -qx 'epipe-stdout: EPIPE' "$root.err"; then
    pass pipes-epipe-stdout
  else
    fail pipes-epipe-stdout "status $(cat "$root.st"), want 7"; tail -n 5 "$root.err" | indent
  fi
fi

# execve of a #! script from inside the guest (qemu-user hands a script to the host's
# kernel, which cannot run an AArch64 interpreter): the program, copied into the root
# as /pipes, is the interpreter.
if emulator_is_qemu_standin; then
  skip pipes-script "qemu-user cannot exec an AArch64 interpreter"
else
  root=$(new_root pipes-script)
  cp "$G/pipes" "$root/pipes"
  emu_run "$root" /dev/null "$root.out" "$root.err" -- "$root/pipes" script; st=$?
  if [ "$st" = 0 ] &&
     grep -qxF 'interpreter argv: [interp-mode] [./s.sh] [a] [b c]' "$root.out" &&
     grep -qxF 'script: a #! script runs its interpreter; ENOEXEC, ENOENT' "$root.out"; then
    pass pipes-script
  else
    fail pipes-script "exit $st"; tail -n 5 "$root.out" "$root.err" | indent
  fi
fi

finish
