#!/usr/bin/env bash
# Integration: memory-pressure notes delivered as upcalls, and memorystatus_control.
#  - guest/pressure (ELF): a delayed note interrupts a loop that holds known values in
#    every register and the clobbering handler's damage is undone (regs, at three delays);
#    delivery order and coalescing (order); a handler that calls mach_vm_deallocate
#    (dealloc); refusals and dropped notes (errors); fork and a child woken in read()
#    (fork); exec dropping the handler (exec); nesting with signals (signal); exact
#    stdout and status 0 for each;
#  - bad returns and handlers: a jump into the trampoline outside a handler (forged:
#    SIGTRAP, 133), a handler at an unmapped address or in data (SIGSEGV, 139): one
#    crash line, the emulator itself fine;
#  - the same run twice gives the same output, with or without --strace; --strace names
#    the traps and the upcall;
#  - guest/memstatus (ELF): every memorystatus_control command, its errors, another pid;
#  - guest/programs/macho/pressure (Mach-O): the register check and memorystatus_control, and the
#    forged return as a crash report (EXC_BREAKPOINT).
# Emulator only: qemu-aarch64 has no Darwin traps.
# Run on its own: tests/integration/test_pressure.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

P=$GUEST/pressure

# session NAME [EMU-OPTS...] -- PROGRAM ARGS...: runs in a fresh root; sets D (the
# output directory: out, err) and ST (the exit status).
session() {
  local name=$1 root; shift
  root=$(new_root "$name")
  D="$SCRATCH/$name.out"
  rm -rf "$D"; mkdir -p "$D"
  emu_run "$root" /dev/null "$D/out" "$D/err" "$@"
  ST=$?
}

# expect NAME STATUS STDOUT-TEXT CRASH-REGEX|"" [EMU-OPTS...] -- PROGRAM ARGS...
#   The exit status, the exact stdout, and either no crash line or exactly one matching
#   CRASH-REGEX.
expect() {
  local name=$1 status=$2 want=$3 crash=$4; shift 4
  session "$name" "$@"
  printf '%s' "$want" >"$D/want"
  [ "$ST" = "$status" ] || WHY+=("exit status $(status_text "$ST"), expected $status")
  cmp -s "$D/want" "$D/out" || WHY+=("stdout differs: $(diff "$D/want" "$D/out" | head -n 4 | tr '\n' ' ')")
  local n; n=$(crash_lines "$D/err")
  if [ -z "$crash" ]; then
    [ "$n" = 0 ] || WHY+=("a 'machemu: crash:' line but no crash expected")
  elif [ "$n" != 1 ] || ! grep -Eq "$crash" "$D/err"; then
    WHY+=("expected one crash line matching /$crash/, got $n")
  fi
  verdict "$name"
}

# The line guest/pressure regs prints, whatever the iteration count.
REGS_LINE='^regs: the handler ran once \(note 0x2\) after [0-9]+ of 100000 iterations; every register intact$'

regs_cases() {
  local delay
  for delay in 5000 20000 150000; do
    session "pressure-regs-$delay" -- "$P" regs "$delay"
    [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST")")
    grep -Eq "$REGS_LINE" "$D/out" || WHY+=("no regs line on stdout")
    # The delay is in instructions, the loop 2 per iteration: the handler runs a fixed
    # number of instructions of set-up after the send, then delay/2 iterations in.
    local it; it=$(sed -n 's/.* after \([0-9]*\) of .*/\1/p' "$D/out")
    if [ -n "$it" ] && [ $(( delay / 2 - it )) -ge 0 ] && [ $(( delay / 2 - it )) -le 400 ]; then :
    else WHY+=("interrupted after ${it:-?} iterations, expected a little under $(( delay / 2 ))"); fi
    verdict "pressure-regs-$delay"
  done
}

# The same program twice, and once with --strace: the same stdout each time.
determinism() {
  local name=pressure-deterministic first
  session "$name-1" -- "$P" regs 30000
  first=$(cat "$D/out")
  session "$name-2" -- "$P" regs 30000
  [ "$first" = "$(cat "$D/out")" ] || WHY+=("two runs differ: '$first' / '$(cat "$D/out")'")
  session "$name-3" --strace -- "$P" regs 30000
  [ "$first" = "$(cat "$D/out")" ] || WHY+=("with --strace: '$(cat "$D/out")'")
  [ -n "$first" ] || WHY+=("no output")
  verdict "$name"

  name=pressure-strace
  grep -q '^\[1000\] mach pressure_handler_set(0x[0-9a-f]*, 0x[0-9a-f]*, 0x6, ' "$D/err" ||
    WHY+=("no pressure_handler_set line")
  grep -q '^\[1000\] mach pressure_send(0x0, 0x2, 0x7530, 0x0) = 0$' "$D/err" ||
    WHY+=("no pressure_send line")
  grep -Eq '^\[1000\] upcall pressure WARN \(0x2\) -> handler 0x[0-9a-f]+, interrupted at pc=0x[0-9a-f]+$' "$D/err" ||
    WHY+=("no upcall line")
  grep -q '^\[1000\] mach pressure_return(.*) = 0$' "$D/err" || WHY+=("no pressure_return line")
  verdict "$name"
}

# Host facts never reach guest memory through the standard streams: two runs with
# stdout in two different files see the same stat, and a program whose stack is
# compressed takes the same faults on the same frames in both (a stat with the host's
# inode and times compressed to another size and moved the compressor's frames).
streams_case() {
  local name=stdio-stat-same first
  session "$name-1" -- "$GUEST/stdstat"
  first=$(cat "$D/out")
  session "$name-2" -- "$GUEST/stdstat"
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST")")
  grep -q '^1: type 100000 ' "$D/out" || WHY+=("stdout is not a regular file: $(head -c 200 "$D/out")")
  [ "$first" = "$(cat "$D/out")" ] || WHY+=("two runs differ: $(diff <(echo "$first") "$D/out" | tr '\n' ' ')")
  verdict "$name"

  name=stdio-same-frames
  local i
  for i in 1 2 3; do
    session "$name-$i" --trace-faults="$SCRATCH/$name-$i.trace" -m 16M -- "$GUEST/compress" 24
    sed -E 's/ cost=[0-9.]+us//' "$SCRATCH/$name-$i.trace" >"$SCRATCH/$name-$i.t"
  done
  [ -s "$SCRATCH/$name-1.t" ] || WHY+=("no fault trace")
  grep -q ' kind=decompress ' "$SCRATCH/$name-1.t" || WHY+=("nothing was decompressed")
  for i in 2 3; do
    cmp -s "$SCRATCH/$name-1.t" "$SCRATCH/$name-$i.t" ||
      WHY+=("run $i differs from run 1: $(diff "$SCRATCH/$name-1.t" "$SCRATCH/$name-$i.t" | head -n 2 | tr '\n' ' ')")
  done
  verdict "$name"
}

# The program execs itself (a copy in the root): the new image has no handler.
exec_case() {
  local name=pressure-exec root st
  root=$(new_root "$name")
  D="$SCRATCH/$name.out"; mkdir -p "$D"
  cp "$P" "$root/pressure"
  emu_run "$root" /dev/null "$D/out" "$D/err" -- "$root/pressure" exec /pressure
  st=$?
  [ "$st" = 0 ] || WHY+=("exit status $(status_text "$st")")
  grep -q '^errors: no handler' "$D/out" || WHY+=("the exec'd image did not run its checks")
  verdict "$name"
}

pressure_cases() {
  regs_cases
  determinism
  streams_case
  expect pressure-order 0 "delayed, by due time: 0x2 0x4 0x1 0x1
sent inside a handler, one of each kind in order: 0x2 0x4 0x1 0x2
" "" -- "$P" order
  expect pressure-dealloc 0 "dealloc: the handler freed its 64-page cache; the range is gone
" "" -- "$P" dealloc
  expect pressure-errors 0 "errors: no handler, wrong note, unknown pid, bad masks refused; an unregistered handler gets nothing; 256 delayed notes at most
" "" -- "$P" errors
  expect pressure-fork 0 "fork: the child starts without a handler; the note to its pid ran its own while it waited in read(), which then completed
" "" -- "$P" fork
  exec_case
  expect pressure-signal 0 "signal: PSspSPps (P/p a pressure handler, S/s a signal handler: each nests in the other)
" "" -- "$P" signal
  expect pressure-forged 133 "forged: the return trap outside a handler is KERN_INVALID_ARGUMENT
" 'killed by SIGTRAP at pc=0x[0-9a-f]+: breakpoint instruction' -- "$P" forged
  expect pressure-badhandler-unmapped 139 "badhandler: registered at an unmapped address
" 'killed by SIGSEGV at pc=0x10: execute of' -- "$P" badhandler unmapped
  expect pressure-badhandler-noexec 139 "badhandler: registered at data
" 'killed by SIGSEGV at pc=0x[0-9a-f]+: execute of .*protection violation' -- "$P" badhandler noexec
}

memstatus_cases() {
  expect memstatus 0 "defaults: FOREGROUND (100), no limits, no pressure
limits: task limit (fatal), high-water mark (soft), memlimit properties; 0 or less is no limit
priorities: set and read back; -1 is JETSAM_PRIORITY_DEFAULT (180)
errors: EINVAL for commands, sizes, null buffers, priorities and attributes; ESRCH for pids; EFAULT for bad buffers
other process: a child inherits its parent's limits; the parent sets the child's band and limit by pid; a reaped pid is ESRCH
" "" -- "$GUEST/memstatus"
  local name=memstatus-strace
  session "$name" --strace -- "$GUEST/memstatus"
  grep -q '^\[1000\] bsd memorystatus_control(0x6, 0x0, 0x32, 0x0) = 0$' "$D/err" ||
    WHY+=("no memorystatus_control(SET_JETSAM_TASK_LIMIT, 50 MB) line")
  grep -q '^\[1000\] bsd memorystatus_control(0x63, .*) = -22 (error)$' "$D/err" ||
    WHY+=("no failed memorystatus_control(99) line")
  verdict "$name"
}

macho_cases() {
  local m=$GUEST/macho/pressure
  session macho-pressure -- "$m"
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST")")
  grep -Eq '^regs: the handler ran once \(note 0x4\) after [0-9]+ of 50000 iterations; every register intact$' "$D/out" ||
    WHY+=("no regs line")
  grep -qx 'memorystatus: band 30, limits 60 MB fatal / 40 MB soft, read back' "$D/out" ||
    WHY+=("no memorystatus line")
  verdict macho-pressure
  expect macho-pressure-forged 133 "forged: jumping into the trampoline
" 'EXC_BREAKPOINT \(SIGTRAP\)' -- "$m" forged
}

if emulator_is_qemu_standin; then
  skip pressure "qemu-aarch64 cannot run svc #0x80 (the Darwin personality is machemu's)"
else
  pressure_cases
  memstatus_cases
  macho_cases
fi
finish
