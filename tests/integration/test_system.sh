#!/usr/bin/env bash
# Integration: the system image (--system ios, the default of run) under the program
# (emulator only).
#  - sys-boot: hello runs as usual; --stats lists launchd (pid 1), SpringBoard and the
#    daemons of guest/system/ios.system besides task 1000.
#  - sys-filecache: on the default 256 MB the system leaves at least 14% of RAM
#    file-backed (XNU's file-cache floor, 10/70 of memory), as docs/fidelity.md states.
#  - sys-status: the run ends when the program ends, with its exit status (42).
#  - sys-none: --system none runs the program alone; sys-small: so does the default
#    under 32 MB of RAM.
#  - sys-idle-exit: on 64 MB a program holding 256 MB of random data is killed only
#    after the three IDLE-band daemons were exited for idle-exit, each before any other
#    kill, and after the background band; the first report counts the cache's pages in
#    fileBacked.
#  - sys-compress-malloc, -pieces: 128 MB of heap-like data on 64 MB: no kill, status
#    0, over 4096 compressions; sys-compress-3x: 192 MB is killed for
#    vm-compressor-space-shortage once the compressor is full, idle daemons first;
#    sys-macos-3x-*: 192 MB under --platform macos, each codec: swap holds it, no kill.
#  - sys-debug: machemu debug boots the system too: launchd waits, hello is current at
#    its first instruction with zeroed registers, and runs to its end.
#  - sys-bad-file: --system naming a missing file: status 2, one line.
# Run on its own: tests/integration/test_system.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

G=$GUEST
if emulator_is_qemu_standin; then
  skip system "machemu's own system image"
  finish; exit 0
fi
d="$SCRATCH/system"
mkdir -p "$d"

# sys NAME STDOUT STDERR [OPTS...] -- PROGRAM ARGS: a run with the system image.
sys() {
  local name=$1 out=$2 err=$3 root; shift 3
  root=$(new_root "$name")
  emu_run "$root" /dev/null "$out" "$err" --system ios --reports "$root/reports" "$@"
}

sys sys-boot "$d/boot.out" "$d/boot.err" --stats -- "$G/hello"
st=$?
names=$(grep -o '^task [0-9]* ([A-Za-z]*)' "$d/boot.err" | tr '\n' ' ')
if [ "$st" = 0 ] && grep -q '^hello, world' "$d/boot.out" &&
   grep -q '^task 1 (launchd)' "$d/boot.err" && grep -q '^task 3 (SpringBoard)' "$d/boot.err" &&
   grep -q '^task 6 (cloudd)' "$d/boot.err" && grep -q '^task 1000 (hello)' "$d/boot.err"; then
  pass sys-boot
else
  fail sys-boot "exit status $(status_text "$st"); tasks: $names"
fi

file=$(awk '/^File-backed pages:/ { print $3 + 0 }' "$d/boot.err")
free=$(awk '/^Pages free:/ { print $3 + 0 }' "$d/boot.err")
if [ -n "$file" ] && [ "$file" -ge $((16384 * 10 / 70)) ] && [ "$free" -gt 8192 ]; then
  pass sys-filecache
else
  fail sys-filecache "file-backed pages '$file' (want >= $((16384 * 10 / 70))), free '$free' (want > 8192)"
fi

sys sys-status "$d/st.out" "$d/st.err" -- "$G/fork" exec-child now
st=$?
if [ "$st" = 42 ] && grep -q 'argv\[2\]=now' "$d/st.out"; then pass sys-status; else
  fail sys-status "exit status $(status_text "$st") (want 42, the program's)"
fi

root=$(new_root sys-none)
emu_run "$root" /dev/null "$d/none.out" "$d/none.err" --stats -- "$G/hello"
if [ "$(grep -c '^task .*: resident ' "$d/none.err")" = 1 ]; then pass sys-none; else
  fail sys-none "tasks listed: $(grep -c '^task .*: resident ' "$d/none.err") (want the program's alone)"
fi

# The default on a machine under 32 MB is none (no --system given at all here).
root=$(new_root sys-small)
(cd "$root" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" run --root "$root" -m 16M --stats "$G/hello" \
   </dev/null >"$d/small.out" 2>"$d/small.err")
st=$?
if [ "$st" = 0 ] && [ "$(grep -c '^task .*: resident ' "$d/small.err")" = 1 ]; then pass sys-small; else
  fail sys-small "exit status $st, tasks listed $(grep -c '^task .*: resident ' "$d/small.err") (want the program's alone)"
fi

sys sys-idle-exit "$d/idle.out" "$d/idle.err" -m 64M -- "$G/hog" 256 one random
order=$(grep -o 'killed task [0-9]* ([A-Za-z]*), band [0-9]* ([a-z_]*): [a-z-]*' "$d/idle.err" |
        sed 's/killed task [0-9]* (\([A-Za-z]*\)), band [0-9]* ([a-z_]*): /\1:/' | tr '\n' ' ')
want_head="cloudd:idle-exit assetsd:idle-exit nsurlsessiond:idle-exit dasd:"
# The first report counts the shared cache's pages as file-backed: far more than the
# hog's own binary has.
first_report=$(ls "$SCRATCH/sys-idle-exit/reports/"JetsamEvent-*.ips 2>/dev/null | head -n 1)
fb=$(grep -ho '"fileBacked" *: *[0-9]*' "$first_report" 2>/dev/null |
     grep -o '[0-9]*$')
case $order in
  "$want_head"*hog:*)
    if [ "${fb:-0}" -gt 100 ]; then pass sys-idle-exit; else
      fail sys-idle-exit "the first report's fileBacked is '${fb}' (want more than 100 pages)"
    fi ;;
  *) fail sys-idle-exit "kills in order: $order(want $want_head... then hog)" ;;
esac

# Twice the RAM of compressible data, in one malloc and in 8 MB pieces: the app lives,
# every word read back intact (compress checks them), the compressor busy.
for how in malloc pieces; do
  sys "sys-compress-$how" "$d/comp.out" "$d/comp.err" -m 64M --stats -- "$G/compress" 128 heap "$how"
  st=$?
  comp=$(awk '/^Compressions:/ { print $2 + 0 }' "$d/comp.err")
  if [ "$st" = 0 ] && ! grep -q 'killed task 1000' "$d/comp.err" && [ "${comp:-0}" -gt 4096 ]; then
    pass "sys-compress-$how"
  else
    fail "sys-compress-$how" "exit status $(status_text "$st"), compressions '${comp}'"
    grep 'jetsam' "$d/comp.err" | head -n 5 | indent
  fi
done

# Three times the RAM: past what a 64 MB iPhone's compressor may store (about 1.9x the
# RAM in pages). The compressor fills first; then Jetsam kills for
# vm-compressor-space-shortage, the idle daemons before the app, and the app last.
sys sys-compress-3x "$d/comp3.out" "$d/comp3.err" -m 64M --stats -- "$G/compress" 192 heap malloc
st=$?
kills=$(sed -n 's/^machemu: jetsam: killed task [0-9]* (\([a-z]*\)), band [0-9]* ([a-z]*): \([a-z-]*\),.*/\1:\2/p' \
          "$d/comp3.err" | tr '\n' ' ')
comp=$(awk '/^Compressions:/ { print $2 + 0 }' "$d/comp3.err")
case "$st $kills" in
  "137 cloudd:vm-compressor-space-shortage "*"compress:vm-compressor-space-shortage ")
    if [ "${comp:-0}" -gt 4096 ]; then pass sys-compress-3x; else
      fail sys-compress-3x "only ${comp:-0} compressions before the kills"; fi ;;
  *) fail sys-compress-3x "exit status $(status_text "$st"), kills: $kills" ;;
esac

# macOS-class machine, three times the RAM: the compressor and the swap files hold it
# all, under each codec, half-random data too; nobody is killed.
for run in "hybrid heap" "hybrid mixed" "wkdm mixed" "lz4 mixed"; do
  set -- $run
  sys "sys-macos-3x-$1-$2" "$d/mac.out" "$d/mac.err" -m 64M --platform macos --codec "$1" \
    --stats -- "$G/compress" 192 "$2"
  st=$?
  swapped=$(awk '/^Swapouts:/ { print $2 + 0 }' "$d/mac.err")
  if [ "$st" = 0 ] && ! grep -q 'jetsam: killed' "$d/mac.err" &&
     grep -q '^compress: read back intact twice' "$d/mac.out" &&
     { [ "$2" = heap ] || [ "${swapped:-0}" -gt 0 ]; }; then
    pass "sys-macos-3x-$1-$2"
  else
    fail "sys-macos-3x-$1-$2" "exit status $(status_text "$st"), swapouts '${swapped}'"
    grep -E 'jetsam|no free frame' "$d/mac.err" | head -n 3 | indent
  fi
done

# Under the debugger: the system's tasks wait, the program is on the CPU at its first
# instruction with none of their registers.
root=$(new_root sys-debug)
printf 'tasks\nregs\ncontinue\n' >"$d/dbg.script"
(cd "$root" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" debug --root "$root" -x "$d/dbg.script" \
   "$G/hello" </dev/null >"$d/dbg.out" 2>&1)
st=$?
why=()
[ "$st" = 0 ] || why+=("exit status $st")
grep -Eq '^  1 +0 +blocked-io .* launchd$' "$d/dbg.out" || why+=("no launchd waiting in tasks")
grep -Eq '^\* 1000 .* hello$' "$d/dbg.out" || why+=("hello not the current task")
grep -q '^x27 0x0000000000000000  x28 0x0000000000000000' "$d/dbg.out" ||
  why+=("x27/x28 not zero: a daemon's registers")
grep -q '^hello, world' "$d/dbg.out" || why+=("no hello output")
if [ ${#why[@]} -eq 0 ]; then pass sys-debug; else fail sys-debug "${why[*]}"; fi

root=$(new_root sys-bad-file)
emu_run "$root" /dev/null "$d/bad.out" "$d/bad.err" --system "$root/none.system" -- "$G/hello"
st=$?
if [ "$st" = 2 ] && [ "$(wc -l <"$d/bad.err")" = 1 ] && grep -q 'system image .*none.system' "$d/bad.err"; then
  pass sys-bad-file
else
  fail sys-bad-file "exit status $st (want 2 and one line naming the file)"
  head -n 3 "$d/bad.err" | indent
fi

finish
