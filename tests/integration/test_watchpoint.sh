#!/usr/bin/env bash
# Integration: watchpoints and restarts in `machemu debug` (docs/debugger.md, "Watchpoints"),
# and the gdb stub's watchpoints, full register set and exec file, with the real gdb.
#  - watch: guest/watchme's counter changes 0 -> 1 -> 2 by stores (each stop right after
#    the store, as gdb prints it: Old value / New value), then 2 -> 3 by read(2) (the
#    kernel's copy: the stop is in read); info breakpoints lists it with its hits; a
#    watchpoint on a MAP_SHARED page of the parent stops when the forked child writes
#    it through its own mapping (an alias), in the child (repl-watch);
#  - rwatch: the parent's load of that page stops with "Value = 42"; awatch: a store
#    that changes the value; a bad cast is refused (repl-rwatch);
#  - run after the exit starts the program again with the same arguments: the output
#    twice, the breakpoint hit again (repl-run-restart);
#  - gdb-multiarch against --gdb, without `file`: symbols found (qXfer:exec-file), watch
#    and rwatch stop as in the REPL (same pcs), v0-v31 with gdb's vector union, fpsr,
#    fpcr, a write of v1 read back (gdb-watch, gdb-vregs).
# Run on its own: tests/integration/test_watchpoint.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }
G=$GUEST
if emulator_is_qemu_standin; then
  skip watchpoint "the qemu stand-in has no debugger"
  finish
  exit 0
fi

# session NAME SCRIPT PROGRAM ARGS...: the commands on standard input; D/out gets the
# transcript, ST the status.
session() {
  local name=$1 script=$2 root; shift 2
  root=$(new_root "$name")
  D="$SCRATCH/$name.d"; mkdir -p "$D"
  (cd "$root" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" debug --root "$root" "$@" \
     <<<"$script" >"$D/out" 2>"$D/err")
  ST=$?
}
has() { grep -qE -- "$2" "$1"; }
# stop_after N: the 3 lines after the N-th watchpoint title of the transcript
stop_after() {
  awk -v n="$1" '/^Hardware (read |access \(read\/write\) )?watchpoint [0-9]+: /{ k++; if (k == n) { on = 4; next } } on > 0 { print; on-- }' "$D/out" |
    grep -v '^$'
}

session repl-watch $'watch counter\ncontinue\ncontinue\ncontinue\ninfo breakpoints\ndelete\ninfo breakpoints\nwatch *(long *)0x200000000\ncontinue\nquit' \
  "$G/watchme"
has "$D/out" '^Hardware watchpoint 1: \*\(long \*\)0x[0-9a-f]+$' || WHY+=("no watchpoint set line")
[ "$(stop_after 2 | head -n 2 | tr '\n' ' ')" = "Old value = 0 New value = 1 " ] || WHY+=("first stop: $(stop_after 2 | tr '\n' ' ')")
stop_after 2 | sed -n 3p | grep -qE '^task 1000 at 0x[0-9a-f]+ <main\+0x[0-9a-f]+>:' || WHY+=("first stop not in main")
[ "$(stop_after 3 | head -n 2 | tr '\n' ' ')" = "Old value = 1 New value = 2 " ] || WHY+=("second stop")
[ "$(stop_after 4 | head -n 2 | tr '\n' ' ')" = "Old value = 2 New value = 3 " ] || WHY+=("the read(2) stop")
stop_after 4 | sed -n 3p | grep -qE '<read\+0x[0-9a-f]+>' || WHY+=("the read(2) stop is not in read")
has "$D/out" '^1 +watch +\*\(long \*\)0x[0-9a-f]+, hit 3 times$' || WHY+=("info breakpoints")
has "$D/out" '^no breakpoints$' || WHY+=("delete left the watchpoint")
# the child's store through its own mapping of the shared page
[ "$(stop_after 6 | head -n 2 | tr '\n' ' ')" = "Old value = 0 New value = 42 " ] || WHY+=("no stop at the child's store")
stop_after 6 | sed -n 3p | grep -qE '^task 1001 at ' || WHY+=("the alias stop is not in the child")
verdict repl-watch

session repl-rwatch $'break main\ncontinue\nrwatch *(long *)0x200000000\nawatch *(int *)counter\nawatch *(float *)counter\ncontinue\ncontinue\nquit' \
  "$G/watchme"
has "$D/out" '^Hardware read watchpoint 2: \*\(long \*\)0x200000000$' || WHY+=("no rwatch line")
has "$D/out" '^Hardware access \(read/write\) watchpoint 3: \*\(int \*\)0x[0-9a-f]+$' || WHY+=("no awatch line")
has "$D/out" "^want a cast such as \(int \*\) or \(long \*\), got '\(float ?\*\)'$" || WHY+=("a bad cast taken")
[ "$(stop_after 3 | head -n 2 | tr '\n' ' ')" = "Old value = 0 New value = 1 " ] || WHY+=("awatch: $(stop_after 3 | tr '\n' ' ')")
# the parent's load of what the child wrote (the awatch is gone with nothing else to see)
session repl-rwatch2 $'break main\ncontinue\nrwatch *(long *)0x200000000\ncontinue\nquit' "$G/watchme"
[ "$(stop_after 2 | head -n 1)" = "Value = 42" ] || WHY+=("rwatch: $(stop_after 2 | tr '\n' ' ')")
stop_after 2 | sed -n 2p | grep -qE '^task 1000 at 0x[0-9a-f]+ <main\+' || WHY+=("the load is not the parent's")
verdict repl-rwatch

session repl-run-restart $'break main\nrun\ncontinue\nrun\ncontinue\nquit' "$G/faults" touch 4
[ "$(grep -c '^touched 4 pages, sum 10$' "$D/out")" = 2 ] || WHY+=("the output (same arguments) is not there twice")
[ "$(grep -c '^the program exited: status 0$' "$D/out")" = 2 ] || WHY+=("not two exits")
has "$D/out" '^starting the program again, on a new machine$' || WHY+=("no restart line")
[ "$(grep -cE '^breakpoint 1, task 1000 at 0x[0-9a-f]+ <main>:' "$D/out")" = 2 ] || WHY+=("the breakpoint not hit in both runs")
[ "$ST" = 0 ] || WHY+=("status $ST")
verdict repl-run-restart

# --- gdb-multiarch against the stub ------------------------------------------------------
# gdb_session NAME PROGRAM -- GDB ARGS...: machemu debug --gdb 0 PROGRAM, gdb in batch mode
# (no `file`); D/gdb gets gdb's output, ST machemu's status.
gdb_session() {
  local name=$1 prog=$2 root port="" i pid; shift 3
  D="$SCRATCH/$name.d"; rm -rf "$D"; mkdir -p "$D"
  root=$(new_root "$name")
  (cd "$root" && exec timeout -k 5 60 "${EMU[@]}" debug --root "$root" --gdb 0 "$prog" \
    >"$D/out" 2>"$D/err") &
  pid=$!
  for i in $(seq 1 100); do
    port=$(sed -n 's/^machemu: waiting for gdb on 127.0.0.1:\([0-9]*\)$/\1/p' "$D/err")
    [ -n "$port" ] && break
    sleep 0.1
  done
  if [ -z "$port" ]; then WHY+=("the stub did not say where it listens"); kill "$pid"; return; fi
  (cd "$SCRATCH" && timeout 60 gdb-multiarch -batch -nx -ex "target remote 127.0.0.1:$port" "$@" >"$D/gdb" 2>&1)
  wait "$pid"
  ST=$?
}
if ! command -v gdb-multiarch >/dev/null 2>&1; then
  skip gdb-watch "gdb-multiarch not installed (scripts/deps.sh)"
  skip gdb-vregs "gdb-multiarch not installed (scripts/deps.sh)"
  finish
  exit
fi

gdb_session gdb-watch "$G/watchme" -- -ex 'break main' -ex continue -ex 'watch *(long *)&counter' \
  -ex continue -ex continue -ex continue -ex delete -ex 'rwatch *(long *)0x200000000' -ex continue -ex kill
g=$D/gdb
has "$g" '^Reading symbols from .*/watchme\.\.\.' || WHY+=("gdb did not find the executable by itself")
has "$g" '^Breakpoint 1, 0x[0-9a-f]+ in main \(\)$' || WHY+=("no stop at main (symbols)")
[ "$(grep -A3 '^Hardware watchpoint 2: \*(long \*)&counter$' "$g" | grep -cE '^(Old|New) value = ')" = 6 ] ||
  WHY+=("not three watchpoint stops with Old and New values")
grep -A4 '^Hardware watchpoint 2: ' "$g" | grep -q '^New value = 3$' || WHY+=("no stop for read(2)'s change")
grep -A4 '^Hardware watchpoint 2: ' "$g" | grep -qE '^0x[0-9a-f]+ in read \(\)$' || WHY+=("the read(2) stop is not in read")
grep -A4 '^Hardware read watchpoint 3: ' "$g" | grep -q '^Value = 42$' || WHY+=("no rwatch stop with Value = 42")
# the same pcs as the REPL's stops: gdb's step over the watched instruction runs nothing more
session gdb-watch-repl $'break main\ncontinue\nwatch counter\ncontinue\nquit' "$G/watchme"
repl_pc=$(sed -nE 's/^task 1000 at (0x[0-9a-f]+) <main\+.*/\1/p' "$D/out" | tail -n 1)
gdb_pc=$(grep -A5 '^Hardware watchpoint 2: ' "$g" | sed -nE 's/^(0x[0-9a-f]+) in main \(\)$/\1/p' | head -n 1)
[ -n "$repl_pc" ] && [ $((repl_pc)) -eq $((gdb_pc)) ] || WHY+=("gdb stops at $gdb_pc, the REPL at $repl_pc")
verdict gdb-watch

gdb_session gdb-vregs "$G/watchme" -- -ex 'break main' -ex continue -ex 'p $v0' -ex 'info registers fpsr fpcr' \
  -ex 'set var $v1.d.u[0] = 0x1122334455667788' -ex 'set var $v1.d.u[1] = 0x99aabbccddeeff00' \
  -ex 'p/x $v1.d.u' -ex 'p/x $q1' -ex 'p/x $d1' -ex 'set var $fpcr = 0x400000' -ex 'p/x $fpcr' -ex kill
g=$D/gdb
has "$g" '^\$1 = \{d = \{f = \{' || WHY+=("p \$v0 is not gdb's vector union")
has "$g" '^fpsr +0x[0-9a-f]+ ' || WHY+=("no fpsr")
has "$g" '^fpcr +0x[0-9a-f]+ ' || WHY+=("no fpcr")
has "$g" '^\$2 = \{0x1122334455667788, 0x99aabbccddeeff00\}$' || WHY+=("v1 not written and read back")
has "$g" '^\$3 = \{u = 0x99aabbccddeeff001122334455667788, ' || WHY+=("q1 is not v1")
has "$g" '^\$4 = \{f = 0x1122334455667788, u = 0x1122334455667788' || WHY+=("d1 is not v1's low half")
has "$g" '^\$5 = 0x400000$' || WHY+=("fpcr not written")
verdict gdb-vregs

finish
