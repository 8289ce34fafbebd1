#!/usr/bin/env bash
# Integration: threads (guest/programs/threads.c) under the emulator vs qemu-aarch64 —
# mutex, condition variable, atomics, exit and join, 64 threads, per-thread signal
# masks, tgkill and a process timer's SIGALRM, raw futex calls and their timeouts, a
# futex on a shared page between processes, fork from a threaded program, exit from a
# thread and of the main thread, a thread overrunning its stack into the guard page —
# then, emulator only: execve from a thread, clone3, a robust mutex whose owner died,
# the crash line naming the thread, the same fault trace for the same seed, the kernel
# stacks charged to wired memory, --strace lines with the thread's id, and the threads
# in the debugger and in gdb through the stub.
# Run on its own: tests/integration/test_threads.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

T=$GUEST/threads

for c in mutex condvar atomics join many signals alarm futex fork pshared; do
  compare "threads-$c" -- "$T" "$c"
done
compare threads-exit-from-thread -e 5 -- "$T" exit
compare threads-main-exit -- "$T" main-exit
compare threads-guard-page -e 139 -c -- "$T" guard

# session NAME [EMU-OPTS...] -- PROGRAM ARGS...: one emulator run in a fresh root; sets
# D (its out and err) and ST.
session() {
  local name=$1 root; shift
  root=$(new_root "$name")
  D="$SCRATCH/$name.out"
  rm -rf "$D"; mkdir -p "$D"
  emu_run "$root" /dev/null "$D/out" "$D/err" "$@"
  ST=$?
}

if emulator_is_qemu_standin; then
  skip threads-exec "qemu-user cannot exec an AArch64 image"
  skip threads-clone3 "qemu-aarch64 7.2 has no clone3"
  skip threads-robust "qemu-aarch64 7.2 keeps no robust list"
  skip threads-crash-names-thread "the crash line is the emulator's"
  skip threads-deterministic "the fault trace is the emulator's"
  skip threads-wired-stacks "host_statistics64 is the emulator's"
  skip threads-strace-tid "--strace is the emulator's"
  finish
  exit
fi

# execve from a thread: the other threads end, the new image runs with the pid.
session threads-exec -- "$T" exec
[ "$ST" = 9 ] || WHY+=("exit status $(status_text "$ST"), expected 9")
grep -qx 'exec: the new image runs, pid kept, alone' "$D/out" || WHY+=("no line from the new image")
verdict threads-exec

# clone3 (qemu-aarch64 7.2 has none): fork's flavour, and bad arguments.
session threads-clone3 -- "$T" clone3
[ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST")")
grep -qx 'clone3: a child as fork makes it; bad arguments refused' "$D/out" || WHY+=("no clone3 line")
verdict threads-clone3

# A robust mutex held by a thread that ends: the next locker gets EOWNERDEAD (the robust
# list walked at the thread's death; qemu-aarch64 7.2 keeps no robust list and hangs).
session threads-robust -- "$T" robust
[ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST")")
grep -qx 'robust: the mutex of a thread that died came back with EOWNERDEAD' "$D/out" || WHY+=("no robust line")
verdict threads-robust

# The crash line names the process and the thread that faulted.
session threads-crash-names-thread -- "$T" guard
[ "$ST" = 139 ] || WHY+=("exit status $(status_text "$ST"), expected 139")
grep -Eq '^machemu: crash: task ([0-9]+) \(threads\) thread ([0-9]+) killed by SIGSEGV' "$D/err" ||
  WHY+=("no crash line naming the thread")
verdict threads-crash-names-thread

# Two runs with the same seed: the same fault trace (less each fault's host time).
for i in 1 2; do
  session "threads-deterministic-$i" --seed 7 --trace-faults -- "$T" condvar
  [ "$ST" = 0 ] || WHY+=("run $i: exit status $(status_text "$ST")")
  grep '^fault ' "$D/err" | sed 's/ cost=.*//' >"$SCRATCH/threads-trace-$i"
done
[ -s "$SCRATCH/threads-trace-1" ] || WHY+=("no fault trace")
cmp -s "$SCRATCH/threads-trace-1" "$SCRATCH/threads-trace-2" || WHY+=("the fault traces differ")
verdict threads-deterministic

session threads-wired-stacks -- "$GUEST/threadwire"
[ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST")")
verdict threads-wired-stacks

# --strace: with several threads a line says which thread made the call.
session threads-strace-tid --strace -- "$T" join
[ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST")")
grep -Eq '^\[[0-9]+ tid [0-9]+\] exit\(' "$D/err" || WHY+=("no exit line with a tid: $(grep -m2 'exit(' "$D/err" | tr '\n' ' ')")
verdict threads-strace-tid

# The debugger: `info threads` lists the process's threads with the one stopped marked,
# `thread TID` looks at another (its registers are its own).
debugger_case() {
  local name=threads-debugger d root
  d="$SCRATCH/$name.out"; rm -rf "$d"; mkdir -p "$d"
  root=$(new_root "$name")
  printf 'break add_locked\nrun\ninfo threads\nthread %s\nregs\nquit\n' 1000 >"$d/script"
  (cd "$root" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" debug --root "$root" "${ALONE[@]}" \
     -x "$d/script" "$T" mutex </dev/null >"$d/out" 2>"$d/err")
  grep -Eq '^\* 1001 +running +threads +0x[0-9a-f]+ <add_locked>$' "$d/out" || WHY+=("no thread 1001 marked at the breakpoint")
  [ "$(grep -Ec '^[ *] 10[0-9][0-9] ' "$d/out")" = 5 ] || WHY+=("not 5 threads listed")
  grep -Eq '^task 1000 \(threads\), blocked-io, at 0x[0-9a-f]+ <__futex' "$d/out" || WHY+=("thread 1000 not looked at, waiting in a futex")
  grep -Eq '^sp  0x00007fff.*pc  0x[0-9a-f]+ <__futex' "$d/out" || WHY+=("regs are not thread 1000's")
  D=$d verdict "$name"
}
debugger_case

# gdb against the stub: the threads appear, `thread 1` switches and its backtrace goes
# back to main.
gdb_threads_case() {
  local name=threads-gdb d root port="" pid i
  if ! command -v gdb-multiarch >/dev/null 2>&1; then skip "$name" "gdb-multiarch not installed"; return; fi
  d="$SCRATCH/$name.out"; rm -rf "$d"; mkdir -p "$d"
  root=$(new_root "$name")
  (cd "$root" && exec timeout -k 5 60 "${EMU[@]}" debug --root "$root" "${ALONE[@]}" --gdb 0 "$T" mutex \
     >"$d/out" 2>"$d/err") &
  pid=$!
  for i in $(seq 1 100); do
    port=$(sed -n 's/^machemu: waiting for gdb on 127.0.0.1:\([0-9]*\)$/\1/p' "$d/err")
    [ -n "$port" ] && break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    fail "$name" "the stub did not say where it listens"; kill "$pid" 2>/dev/null; return
  fi
  timeout 60 gdb-multiarch -batch -nx -ex "file $T" -ex "target remote 127.0.0.1:$port" \
    -ex 'break add_locked' -ex 'continue' -ex 'info threads' -ex 'thread 1' -ex 'bt' \
    -ex 'kill' >"$d/gdb" 2>&1
  wait "$pid"
  local g="$d/gdb"
  grep -q '^\[New Thread 1004\]$' "$g" || WHY+=("thread 1004 not announced")
  grep -Eq 'hit Breakpoint 1, 0x[0-9a-f]+ in add_locked \(\)$' "$g" || WHY+=("no stop in a thread")
  [ "$(grep -Ec '^[ *] +[0-9]+ +Thread 10[0-9][0-9] ' "$g")" = 5 ] || WHY+=("info threads does not list 5")
  grep -q '^\[Switching to thread 1 (Thread 1000)\]$' "$g" || WHY+=("no switch to thread 1000")
  grep -Eq '^#[0-9]+ +0x[0-9a-f]+ in main \(\)$' "$g" || WHY+=("thread 1000's backtrace does not reach main")
  D=$d verdict "$name"
}
gdb_threads_case

finish
