#!/usr/bin/env bash
# Integration: tasks as a hostile guest uses them (emulator only: the limits are the
# emulated machine's, not the host's).
#  - guest/zombies forks children it never waits for until fork fails: EAGAIN at the
#    machine's task limit (kern.maxproc, 1000: 999 children besides itself; --maxproc N:
#    N-1), then reaps them all and forks again (tasks-maxproc-*); a bad --maxproc is
#    refused with one line;
#  - every task holds its kernel cost in guest frames and a zombie its process until it
#    is reaped, so with the limit lifted the fork loop meets ENOMEM when guest RAM runs
#    out, and the emulator's own memory (max RSS, by /usr/bin/time) stays within a
#    bound of what a run touching all of guest RAM needs (tasks-zombie-rss);
#  - guest/programs/macho/bsd forks (Mach-O): fork past --maxproc is Darwin's EAGAIN, 35;
#  - guest/spinwait: a parent that spins without blocking lets its children run, with
#    Jetsam's exact clock and without it (--no-jetsam, --clock auto).
# Run on its own: tests/integration/test_tasks.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

Z=$GUEST/zombies

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

# expect NAME STATUS STDOUT-TEXT [EMU-OPTS...] -- PROGRAM ARGS...: the exit status, the
# exact stdout and no crash line.
expect() {
  local name=$1 status=$2 want=$3; shift 3
  session "$name" "$@"
  printf '%s' "$want" >"$D/want"
  [ "$ST" = "$status" ] || WHY+=("exit status $(status_text "$ST"), expected $status")
  cmp -s "$D/want" "$D/out" || WHY+=("stdout differs: $(diff "$D/want" "$D/out" | head -n 4 | tr '\n' ' ')")
  [ "$(crash_lines "$D/err")" = 0 ] || WHY+=("a 'machemu: crash:' line")
  verdict "$name"
}

# What guest/zombies prints when fork fails with $1 after $2 children (without the
# final newline, which $(...) would drop).
reaped() {
  printf 'fork: %s after %d children\nreaped %d children, every status as it exited\nfork again: the child ran and exited 42' "$1" "$2" "$2"
}

expect tasks-maxproc-default 0 "$(reaped EAGAIN 999)"$'\n' -- "$Z"
expect tasks-maxproc-option 0 "$(reaped EAGAIN 49)"$'\n' --maxproc 50 -- "$Z"

session tasks-maxproc-bad --maxproc 0 -- "$Z"
[ "$ST" = 2 ] || WHY+=("exit status $(status_text "$ST"), expected 2")
[ "$(wc -l <"$D/err")" = 1 ] && grep -q "^machemu: bad --maxproc '0'" "$D/err" ||
  WHY+=("expected one line naming the bad --maxproc")
verdict tasks-maxproc-bad

expect tasks-macho-maxproc 0 'forks: errno 35 (EAGAIN) after 7 children; all reaped, and fork works again
' --maxproc 8 -- "$GUEST/macho/bsd" forks

# max_rss NAME ARGS...: one run with its stdout in $D/out; sets ST and RSS (the
# emulator's peak resident set in KB, empty when it could not be measured).
max_rss() {
  local name=$1 root; shift
  root=$(new_root "$name")
  D="$SCRATCH/$name.out"
  rm -rf "$D"; mkdir -p "$D"
  (cd "$root" && timeout -k 5 "$TEST_TIMEOUT" /usr/bin/time -f %M -o "$D/rss" \
     "${EMU[@]}" run --root "$root" "${ALONE[@]}" "$@" </dev/null >"$D/out" 2>"$D/err")
  ST=$?
  RSS=$(tail -n 1 "$D/rss" 2>/dev/null | grep -E '^[0-9]+$')
}

# 20,000 unreaped children asked for: before the costs were charged they all existed,
# at 17 KB of host memory each (340 MB). Now guest RAM bounds them.
zombie_rss() {
  local name=tasks-zombie-rss base
  if [ "${#EMU[@]}" != 1 ] || emulator_is_qemu_standin || [ ! -x /usr/bin/time ]; then
    skip "$name" "needs /usr/bin/time and the emulator binary itself (MACHEMU without a wrapper)"
    return
  fi
  # Without the shared region: nesting it gives each child its L1 and L2 tables at
  # fork, before it runs, which moves the count; this case is about the zombies.
  max_rss "$name-base" -m 64M --no-shared-region "$GUEST/hello"
  base=$RSS
  max_rss "$name" -m 64M --no-shared-region --no-jetsam --maxproc 100000 "$Z" 20000
  # How many fit depends on the stack the environment takes: within 100 of 800.
  local n; n=$(sed -n 's/^fork: ENOMEM after \([0-9]*\) children$/\1/p' "$D/out")
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST")")
  if [ -z "$n" ] || [ "$n" -lt 700 ] || [ "$n" -gt 900 ]; then
    WHY+=("no 'fork: ENOMEM after N children' with N in 700..900")
  else
    printf '%s\n' "$(reaped ENOMEM "$n")" >"$D/want"
    cmp -s "$D/want" "$D/out" || WHY+=("stdout differs: $(diff "$D/want" "$D/out" | head -n 4 | tr '\n' ' ')")
  fi
  if [ -z "$base" ] || [ -z "$RSS" ]; then
    WHY+=("no max RSS measured")
  elif [ "$RSS" -gt $(( base + 64 * 1024 + 48 * 1024 )) ]; then
    WHY+=("max RSS $RSS KB, over ${base} KB (hello) + 64 MB of guest RAM + 48 MB")
  fi
  [ "$VERBOSE" = 1 ] && echo "    max RSS: hello $base KB, zombies $RSS KB"
  verdict "$name"
}
zombie_rss

# Before the fix the parent ran on unpreempted and these never ended: a short timeout.
spin() {
  local TEST_TIMEOUT=60
  expect "$1" 0 'spinwait: each child ran while its parent spun
' "${@:2}" -- "$GUEST/spinwait"
}
spin tasks-spinwait-exact
spin tasks-spinwait-no-jetsam --no-jetsam
spin tasks-spinwait-clock-auto --clock auto

finish
