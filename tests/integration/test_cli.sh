#!/usr/bin/env bash
# Integration: the command line refuses bad input with one clear error line and a non-zero
# exit status, and never crashes: bad commands and options, and programs it cannot run
# (missing, a directory, empty, truncated ELF, x86-64, dynamically linked, a script).
# `machemu --help` prints the usage on stdout and exits 0. The path in a loader error is the
# one typed and an x86-64 file is named as such (x86-64-named, x86-64-absolute); a missing
# file exits 127, one that cannot run 126 (missing-127, text-126, ...); `machemu help CMD`
# and `CMD --help` print that command's help (help-*); qemu's `-strace` is taken and a
# wrong single-dash option is named whole (qemu-strace, qemu-spelling-unknown).
# Run on its own: tests/integration/test_cli.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

G=$GUEST
HELLO=$G/hello
WORK=$(new_root cli)

# bad NAME [-g REGEX]... -- ARGS...: `machemu ARGS` must exit non-zero (not by a signal),
# print nothing on stdout, and exactly one stderr line that starts with "machemu:" (and
# matches every REGEX, case-insensitively), with no crash or sanitizer report.
bad() {
  local name=$1; shift
  local greps=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    case $1 in -g) greps+=("$2"); shift 2 ;; *) fail "cli-$name" "bad bad() usage"; return ;; esac
  done
  shift
  local out="$SCRATCH/cli-$name.out" err="$SCRATCH/cli-$name.err" rc
  (cd "$WORK" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" "$@" </dev/null >"$out" 2>"$err") 2>/dev/null
  rc=$?
  local why=()
  [ "$rc" -eq 0 ] && why+=("exit status 0")
  # 126 (cannot execute) is a fine refusal; a timeout or a signal is not.
  { [ "$rc" -eq 124 ] || [ "$rc" -ge 128 ]; } && why+=("exit status $(status_text "$rc")")
  local lines; lines=$(wc -l <"$err")
  [ "$lines" -eq 1 ] || why+=("$lines stderr lines, expected 1")
  head -n 1 "$err" | grep -q '^machemu: ' || why+=("stderr does not start with 'machemu: '")
  grep -qiE 'segmentation fault|core dumped|sanitizer|runtime error|^machemu: crash:|assert' "$err" &&
    why+=("crash output on stderr")
  [ -s "$out" ] && why+=("output on stdout")
  local g
  for g in "${greps[@]}"; do
    grep -qiE "$g" "$err" || why+=("the error does not match /$g/")
  done
  if [ ${#why[@]} -eq 0 ]; then
    pass "cli-$name"
    [ "$VERBOSE" = 1 ] && indent <"$err"
    return
  fi
  local joined; joined=$(IFS=';'; echo "${why[*]}"); joined=${joined//;/; }
  fail "cli-$name" "$joined"
  echo "    command: $(printf '%q ' "${EMU[@]}" "$@")"
  echo "    --- stderr (first 10 lines):"
  head -n 10 "$err" | indent
}

# Commands.
bad no-args --
bad unknown-command -g frob -- frob
bad run-no-program -g program -- run
bad run-unknown-option -g bogus -- run --bogus x
bad run-unknown-option-with-program -g bogus -- run --bogus "$HELLO"

# Option values (with a good program after them: only the option is wrong).
bad memory-zero -g memory -- run -m 0 "$HELLO"
bad memory-not-16k-multiple -g memory -- run -m 12345 "$HELLO"
bad memory-words -g memory -- run -m lots "$HELLO"
bad memory-negative -g memory -- run --memory=-64M "$HELLO"
bad tlb-sets-not-power-of-two -g tlb -- run --tlb 3x4 "$HELLO"
bad tlb-no-ways -g tlb -- run --tlb 64 "$HELLO"
bad tlb-zero-ways -g tlb -- run --tlb 64x0 "$HELLO"
bad seed-words -g seed -- run --seed many "$HELLO"
bad codec-unknown -g codec -g 'wkdm, lz4 or hybrid' -- run --codec zstd "$HELLO"
bad platform-unknown -g platform -g 'ios or macos' -- run --platform android "$HELLO"
bad swap-dir-on-ios -g 'swap-dir' -g 'macos' -- run --swap-dir /tmp "$HELLO"
bad swap-dir-missing -g 'no-such-dir' -- run --platform macos --swap-dir "$WORK/no-such-dir" "$HELLO"
bad swap-dir-in-root -g 'inside the guest root' -- run --platform macos --root "$WORK" --swap-dir "$WORK" "$HELLO"
bad swap-size-on-ios -g 'swap-size' -g 'macos' -- run --swap-size 64M "$HELLO"
bad swap-size-words -g 'swap-size' -- run --platform macos --swap-size lots "$HELLO"
bad trace-unwritable -g 'no-such-dir' -- run --trace-faults=/nonexistent/no-such-dir/t "$HELLO"

# Programs that cannot run.
mkdir -p "$WORK/adir"
: >"$WORK/empty"
chmod +x "$WORK/empty"
if [ -x "$HELLO" ]; then head -c 100 "$HELLO" >"$WORK/truncated"; chmod +x "$WORK/truncated"; fi
printf '#!/bin/sh\necho hello from a script\n' >"$WORK/script.sh"
chmod +x "$WORK/script.sh"
printf 'just some text, not a program\n' >"$WORK/text"

# (Each error names the file and says what is wrong with it.)
bad missing-file -g 'no-such-program' -g 'no such file' -- run "$WORK/no-such-program"
bad script-said -g 'script\.sh: a script \(#!\)' -- run "$WORK/script.sh"
# qemu's single-dash spelling of an option; an unknown option named as typed
bad qemu-spelling-unknown -g "unknown option '-stracee' \\(see machemu run --help\\)" -- run -stracee "$HELLO"
bad directory -g adir -g 'directory|not a regular file' -- run "$WORK/adir"
bad empty-file -g 'empty' -g 'empty|ELF' -- run "$WORK/empty"
if [ -x "$HELLO" ]; then
  bad truncated-elf -g truncated -g 'ELF|truncated' -- run "$WORK/truncated"
else
  fail cli-truncated-elf "$HELLO missing (run make)"
fi
bad shell-script -g 'script\.sh' -g 'ELF|script' -- run "$WORK/script.sh"
bad text-file -g 'text' -g 'ELF' -- run "$WORK/text"

host_elf=/bin/true
if [ -f "$host_elf" ] && head -c 20 "$host_elf" | od -An -tx1 | tr -d ' \n' | grep -q '^7f454c46020101.*3e00$'; then
  bad x86-64-elf -g aarch64 -- run "$host_elf"
  # the path as typed (not rewritten under the root) and what the file is
  mkdir -p "$WORK/bin"; cp "$host_elf" "$WORK/bin/hostprog"
  bad x86-64-named -g '^machemu: bin/hostprog: not an AArch64 executable \(ELF x86-64\)$' -- run bin/hostprog
  bad x86-64-absolute -g "^machemu: $host_elf: not an AArch64 executable \\(ELF x86-64\\)$" -- run "$host_elf"
else
  skip cli-x86-64-elf "$host_elf is not an x86-64 ELF"
fi

# A dynamically linked AArch64 program.
GUEST_CC=${GUEST_CC:-aarch64-linux-gnu-gcc}
if command -v "$GUEST_CC" >/dev/null 2>&1; then
  printf 'int main(void) { return 0; }\n' >"$WORK/dyn.c"
  if "$GUEST_CC" -O2 -o "$WORK/dyn" "$WORK/dyn.c" 2>"$WORK/dyn.log"; then
    bad dynamic-elf -g 'static|PT_INTERP|interp' -- run "$WORK/dyn"
  else
    skip cli-dynamic-elf "$GUEST_CC could not link a dynamic program"
    indent <"$WORK/dyn.log"
  fi
else
  skip cli-dynamic-elf "$GUEST_CC not found"
fi

# Input that never ends or is not text, and numbers out of range: one line, exit 2.
bad seed-too-big -g 'bad --seed' -- run --seed 18446744073709551616 "$HELLO"
bad seed-negative -g 'bad --seed' -- run --seed -1 "$HELLO"
bad debug-script-dir -g 'Is a directory' -- debug -x / "$HELLO"
bad scenario-dir -g 'Is a directory' -- scenario /
bad scenario-endless -g 'NUL byte' -- scenario /dev/zero
head -c 5000 /dev/zero | tr '\0' x >"$WORK/long.scn"
bad scenario-long-line -g 'longer than 4096' -- scenario "$WORK/long.scn"
bad strace-dir -g 'strace' -- run --strace="$WORK" "$HELLO"

# An output that cannot be written is said at exit, and the status is 2.
out_full() {
  local name=cli-strace-full err="$SCRATCH/cli-strace-full.err" rc
  (cd "$WORK" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" run --strace=/dev/full "$HELLO" \
     </dev/null >/dev/null 2>"$err") 2>/dev/null
  rc=$?
  if [ "$rc" = 2 ] && grep -q '^machemu: --strace /dev/full: cannot write: No space left on device$' "$err"; then
    pass "$name"
  else
    fail "$name" "exit $(status_text "$rc")"; indent <"$err"
  fi
}
out_full

# The debugger's x/FMT ADDR N is capped like its count in FMT; its standard input is
# read a bounded line at a time.
debug_caps() {
  local name=cli-debug-x-count out="$SCRATCH/cli-debug-x-count.out" rc
  printf 'x/i $pc 100000000000\nx/4i $pc 5000\nquit\n' |
    (cd "$WORK" && timeout -k 5 60 "${EMU[@]}" debug "$HELLO" >"$out" 2>&1)
  rc=$?
  if [ "$rc" -lt 124 ] && [ "$(grep -c '^count must be 1 to 4096$' "$out")" = 2 ]; then pass "$name"; else
    fail "$name" "exit $(status_text "$rc")"; tail -n 5 "$out" | indent; fi
  name=cli-debug-stdin-endless
  (cd "$WORK" && timeout -k 5 60 "${EMU[@]}" debug "$HELLO" </dev/zero >"$out" 2>&1)
  rc=$?
  if [ "$rc" = 2 ] && grep -q '^machemu: standard input: a NUL byte' "$out"; then pass "$name"; else
    fail "$name" "exit $(status_text "$rc")"; tail -n 5 "$out" | indent; fi
  name=cli-debug-script-endless
  (cd "$WORK" && timeout -k 5 60 "${EMU[@]}" debug -x /dev/zero "$HELLO" </dev/null >"$out" 2>&1)
  rc=$?
  if [ "$rc" = 2 ] && grep -q '^machemu: /dev/zero: a NUL byte' "$out"; then pass "$name"; else
    fail "$name" "exit $(status_text "$rc")"; tail -n 5 "$out" | indent; fi
  name=cli-view-script-endless
  # (SDL's video modules leak when unloaded: LeakSanitizer would change the status.)
  (cd "$WORK" && SDL_VIDEODRIVER=offscreen ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
     timeout -k 5 60 "${EMU[@]}" view \
     --view-script /dev/zero "$HELLO" >"$out" 2>&1)
  rc=$?
  if [ "$rc" = 2 ] && grep -q 'NUL byte' "$out"; then pass "$name"; else
    fail "$name" "exit $(status_text "$rc")"; tail -n 5 "$out" | indent; fi
}
debug_caps

# --help: usage on stdout, nothing on stderr, status 0; so do --version and run --help.
good_help() { # NAME PATTERN ARGS...
  local name=$1 want=$2; shift 2
  local out="$SCRATCH/cli-$name.out" err="$SCRATCH/cli-$name.err" rc
  (cd "$WORK" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" "$@" </dev/null >"$out" 2>"$err") 2>/dev/null
  rc=$?
  local why=()
  [ "$rc" -eq 0 ] || why+=("exit status $(status_text "$rc")")
  [ -s "$err" ] && why+=("output on stderr")
  grep -q "$want" "$out" || why+=("stdout lacks '$want'")
  if [ ${#why[@]} -eq 0 ]; then pass "cli-$name"; return; fi
  local joined; joined=$(IFS=';'; echo "${why[*]}"); joined=${joined//;/; }
  fail "cli-$name" "$joined"
  head -n 5 "$out" "$err" | indent
}
good_help help 'usage: machemu run' --help
good_help help-short 'usage: machemu run' -h
good_help run-help 'usage: machemu run' run --help
good_help version '^machemu ' --version

# status_of NAME WANT ARGS...: `machemu ARGS` exits WANT, as a shell does (127: no such
# file, 126: cannot be run).
status_of() {
  local name=$1 want=$2 rc; shift 2
  (cd "$WORK" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" "$@" </dev/null >/dev/null 2>&1) 2>/dev/null
  rc=$?
  if [ "$rc" = "$want" ]; then pass "cli-$name"; else fail "cli-$name" "exit status $rc, want $want"; fi
}
status_of missing-127 127 run "$WORK/no-such-program"
status_of missing-dir-127 127 run "$WORK/no-such-dir/prog"
status_of text-126 126 run "$WORK/text"
status_of directory-126 126 run "$WORK/adir"

# each command's own help: `machemu help CMD` and `CMD --help` print the same, that
# command's usage line and sections only
help_of() { # NAME WANT-REGEX NOT-REGEX ARGS...
  local name=$1 want=$2 not=$3; shift 3
  local out="$SCRATCH/cli-$name.out" why=()
  (cd "$WORK" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" "$@" </dev/null >"$out" 2>&1) 2>/dev/null ||
    why+=("exit status $?")
  grep -Eq -- "$want" "$out" || why+=("no /$want/")
  grep -Eq -- "$not" "$out" && why+=("has /$not/")
  if [ ${#why[@]} -eq 0 ]; then pass "cli-$name"; else fail "cli-$name" "${why[*]}"; fi
}
help_of help-run '^usage: machemu run ' '^usage: machemu (debug|scenario)|^debug:|^scenario:' help run
help_of help-debug '^  -x FILE ' '^usage: machemu run|^view \(or run' help debug
help_of debug-help '^usage: machemu debug ' '^usage: machemu run' debug --help
help_of help-scenario '--programs DIR' '^usage: machemu run' help scenario
help_of help-view-help '--snapshot FILE.png' '^usage: machemu run' view --help
help_of help-codec '^usage: machemu codec' '^usage: machemu run' help codec
bad help-unknown -g "help: no command 'nosuch'" -- help nosuch
# run -strace, as qemu spells it: the calls are traced
if [ -x "$HELLO" ]; then
  help_of qemu-strace '^\[1000\] write\(1, ' 'unknown option' run -strace "$HELLO"
fi

finish
