#!/usr/bin/env bash
# Integration: `machemu debug` as a gdb user types it (docs/debugger.md, "gdb's spellings").
#  - scripted sessions: info registers, info reg and i r print what regs prints; info break
#    and i b what info breakpoints prints; p/print EXPR with $N and /d; ni steps over a
#    call (the callee's output appears, every stop stays in main); finish runs to the
#    caller and says what x0 holds; display shows its expressions at each stop; a wrong
#    fault kind lists the valid ones; the trace's kind names and the older spellings both
#    set fault breakpoints (gdb-*);
#  - on a terminal (tmux; SKIPPED without it): Ctrl-C at the prompt prints "Quit" and the
#    session goes on; Tab completes a command, a fault kind, a symbol, a register and
#    the watch commands (gdb-tty-complete-values); the history is kept in
#    $HOME/.machemu_history and read back by the next session (gdb-tty-*).
# Run on its own: tests/integration/test_gdbish.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }
G=$GUEST
if emulator_is_qemu_standin; then
  skip gdbish "the qemu stand-in has no debugger"
  finish
  exit 0
fi

# session NAME SCRIPT: the commands on standard input; D/out gets the transcript.
session() {
  local name=$1 script=$2 root; root=$(new_root "$name")
  D="$SCRATCH/$name.d"; mkdir -p "$D"
  (cd "$root" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" debug --root "$root" "$G/hello" \
     <<<"$script" >"$D/out" 2>"$D/err")
  ST=$?
}
# block CMD: the lines a command printed (up to the next prompt).
block() { awk -v c="(machemu) $1" '$0 == c { on = 1; next } /^\(machemu\) / { on = 0 } on' "$D/out"; }
has() { grep -qE -- "$2" "$1"; }

session gdb-info-registers $'regs\ninfo registers\ninfo reg\ni r\nquit'
ref=$(block regs)
[ -n "$ref" ] || WHY+=("regs printed nothing")
for c in "info registers" "info reg" "i r"; do
  [ "$(block "$c")" = "$ref" ] || WHY+=("'$c' differs from regs")
done
verdict gdb-info-registers

session gdb-info-break $'break main\nbreak fault cow\ninfo breakpoints\ninfo break\ni b\nquit'
ref=$(block "info breakpoints")
has <(echo "$ref") '^1 +code +0x[0-9a-f]+ <main>' || WHY+=("no breakpoint listed")
[ "$(block "info break")" = "$ref" ] && [ "$(block "i b")" = "$ref" ] || WHY+=("info break / i b differ")
verdict gdb-info-break

session gdb-print $'break main\ncontinue\np $pc\np/d 7+5\nprint main+8\np nosuchthing\nquit'
has "$D/out" '^\$1 = 0x[0-9a-f]+ <main>$' || WHY+=("p \$pc")
has "$D/out" '^\$2 = 12$' || WHY+=("p/d 7+5")
has "$D/out" '^\$3 = 0x[0-9a-f]+ <main\+0x8>$' || WHY+=("print main+8")
has "$D/out" "^'nosuchthing' is not a number, a register or a symbol$" || WHY+=("bad expression")
verdict gdb-print

s=$'break main\ncontinue\ndisplay $pc'
for _ in $(seq 20); do s+=$'\nni'; done
session gdb-ni "$s"$'\nquit'
stops=$(grep -cE '^task 1000 at 0x[0-9a-f]+ <main\+0x[0-9a-f]+>:' "$D/out")
[ "$stops" = 20 ] || WHY+=("$stops of 20 ni stops in main")
grep -E '^task 1000 at ' "$D/out" | grep -vq '<main+' && WHY+=("ni stopped outside main")
# the stop after a bl is the next instruction of main
grep -E '^task 1000 at ' "$D/out" | grep -m1 -A1 -E '<main\+0x30>:  bl #' | sed -n 2p | grep -qE '<main\+0x34>' ||
  WHY+=("ni did not run the call at main+0x30 through to main+0x34")
[ "$(grep -cE '^1: \$pc = 0x[0-9a-f]+ <main' "$D/out")" -ge 21 ] || WHY+=("display not shown at each stop")
verdict gdb-ni

session gdb-finish $'break main\ncontinue\nstepi 3\nfinish\nquit'
has "$D/out" '^Run till exit from 0x[0-9a-f]+ <main\+0xc>$' || WHY+=("no Run till exit line")
has "$D/out" '^task 1000 at 0x[0-9a-f]+ <__libc_start_call_main\+0x[0-9a-f]+>:' || WHY+=("not back in the caller")
has "$D/out" '^Value returned: x0 = 0x0 \(0\)$' || WHY+=("no returned value")
verdict gdb-finish

session gdb-fault-names $'break fault zero-fill\nbreak fault zero\nbreak fault decompress pagein\nbreak fault compressed file\nbreak fault bogus\nnextfault nonsense\ninfo breakpoints\nquit'
has "$D/out" "^unknown fault kind 'bogus'; the kinds: zero-fill, soft, pagein, cow, decompress, fast, invalid, prot, any \(older spellings: zero, file, compressed\)$" ||
  WHY+=("a bad kind does not list the valid ones")
has "$D/out" "^unknown fault kind 'nonsense'; the kinds: " || WHY+=("nextfault's bad kind")
[ "$(grep -cE '^[12] +fault +zero-fill,' "$D/out")" = 2 ] || [ "$(grep -cE '^[12] +fault +zero-fill$|^[12] +fault +zero-fill, hit' "$D/out")" = 2 ] ||
  WHY+=("zero and zero-fill are not the same breakpoint kind")
[ "$(grep -cE '^[34] +fault +pagein,decompress, hit' "$D/out")" = 2 ] || WHY+=("file/compressed are not pagein/decompress")
verdict gdb-fault-names

session gdb-help $'help\nquit'
has "$D/out" "^gdb's spellings: info registers" || WHY+=("help does not list gdb's spellings")
verdict gdb-help

# --- on a terminal -----------------------------------------------------------------------
if ! command -v tmux >/dev/null 2>&1; then
  skip gdb-tty "tmux is not installed"
  finish
  exit
fi
H=$(new_root gdb-home)
T=machemu-gdbish-$$
pane() { tmux capture-pane -t "$T" -p; }
wait_for() {   # wait_for REGEX: true once the pane shows it (within 5 s)
  local i
  for ((i = 0; i < 50; i++)); do pane | grep -qE -- "$1" && return 0; sleep 0.1; done
  return 1
}
start_tty() {
  tmux kill-session -t "$T" 2>/dev/null
  tmux new-session -d -s "$T" -x 150 -y 50 \
    "cd '$H' && HOME='$H' $(printf '%q ' "${EMU[@]}") debug '$G/hello'; sleep 30"
  wait_for '^\(machemu\) $'
}

D=$SCRATCH/gdb-tty.d; mkdir -p "$D"
start_tty
tmux send-keys -t "$T" C-c
wait_for '^\(machemu\) Quit$' || WHY+=("no Quit after Ctrl-C at the prompt")
tmux send-keys -t "$T" "i r" Enter
wait_for '^cpsr 0x' || WHY+=("the session did not go on after Ctrl-C")
pane >"$D/out"
verdict gdb-tty-quit

tmux send-keys -t "$T" "brea" Tab " fault decomp" Tab Enter
wait_for '^\(machemu\) break fault decompress $|^\(machemu\) break fault decompress$' ||
  WHY+=("Tab did not complete 'brea' and 'decomp'")
wait_for '^fault breakpoint 1$' || WHY+=("the completed command did not run")
pane >"$D/out"
verdict gdb-tty-complete

# a symbol, a register and the watch commands complete too
tmux send-keys -t "$T" "p mai" Tab Enter
wait_for '^\$[0-9]+ = 0x[0-9a-f]+ <main>$' || WHY+=("Tab did not complete the symbol 'mai'")
tmux send-keys -t "$T" "p cps" Tab Enter
wait_for '^\(machemu\) p cpsr ?$' || WHY+=("Tab did not complete the register 'cps'")
tmux send-keys -t "$T" "rwat" Tab "main" Enter
wait_for '^Hardware read watchpoint [0-9]+: ' || WHY+=("Tab did not complete 'rwat'")
pane >"$D/out"
verdict gdb-tty-complete-values

tmux send-keys -t "$T" "p 40+2" Enter
wait_for '^\$[0-9]+ = 0x2a$' || WHY+=("p 40+2")
tmux send-keys -t "$T" "quit" Enter
sleep 0.5
has "$H/.machemu_history" 'p\\04040\+2|p 40\+2' || WHY+=("no history file in \$HOME")
start_tty
tmux send-keys -t "$T" Up Up Enter      # quit, then p 40+2
wait_for '^\$1 = 0x2a$' || WHY+=("the history was not read back (Up, Up, Enter)")
pane >"$D/out"
tmux send-keys -t "$T" "quit" Enter
verdict gdb-tty-history
tmux kill-session -t "$T" 2>/dev/null

finish
