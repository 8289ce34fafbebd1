#!/usr/bin/env bash
# Integration: waits of the machine on the host, and getting out of them.
#  - guest/sleeper timeouts against qemu-aarch64: ppoll with zero, short, invalid and huge
#    ({INT64_MAX, 999999999}) timeouts; nanosleep and clock_nanosleep (TIMER_ABSTIME), and
#    a child's sleep of INT64_MAX seconds that its parent interrupts with a handled signal
#    (the parent runs while the child sleeps; EINTR, with the time left);
#  - `machemu debug` on a guest that sleeps 60 s: SIGINT (commands on standard input) and
#    Ctrl-C (a tmux terminal) stop it, the prompt coming back within 3 s each time; the
#    same for a guest blocked in read(2) and in select(2) on a pipe nobody writes to;
#  - the gdb stub: gdb's interrupt byte stops the sleeping guest (python3 as gdb; SKIPPED
#    without it); Ctrl-C while the stub waits for gdb ends it;
#  - `machemu run`: SIGINT ends the sleeping run at once (status 130).
# Run on its own: tests/integration/test_interrupt.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }
G=$GUEST

# Under `make asan`, an overflow in the conversion of a timespec is a UBSan report.
no_ub_report() { ! grep -m1 'runtime error:' "$2"; }
compare sleeper-timeouts -C no_ub_report -- "$G/sleeper" timeouts
if emulator_is_qemu_standin; then
  skip interrupt "the qemu stand-in has no debugger"
  finish
  exit 0
fi

# within SECONDS CMD...: true if CMD succeeds within SECONDS (polled every 0.1 s).
within() {
  local n=$(( $1 * 10 )) i; shift
  for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done
  return 1
}
lines() { local c; c=$(grep -cE -- "$2" "$1" 2>/dev/null); [ "${c:-0}" -ge "$3" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }
# Each case runs the emulator itself in the background (no timeout(1) between: the
# signals are for it) and kills it if it is still there at the end.
reap() { gone "$1" || kill -KILL "$1" 2>/dev/null; wait "$1"; }

# SIGINT to `machemu debug` with commands on standard input: two continues, two stops.
debug_sigint() {
  local name=debug-sigint-sleeping D="$SCRATCH/debug-sigint.out" root
  rm -rf "$D"; mkdir -p "$D"; root=$(new_root "$name")
  printf 'continue\ncontinue\nregs\nquit\n' >"$D/in"
  (cd "$root" && exec "${EMU[@]}" debug --root "$root" "$G/sleeper" sleep 60 \
      <"$D/in" >"$D/out" 2>"$D/err") &
  local pid=$!
  within 10 lines "$D/out" '^sleeping 60 s$' 1 || WHY+=("the guest did not start sleeping")
  sleep 0.5
  kill -INT "$pid"
  within 3 lines "$D/out" '^interrupted: task 1000 at 0x[0-9a-f]+ <[a-z_]*nanosleep\+0x[0-9a-f]+>:  svc #0$' 1 ||
    WHY+=("SIGINT did not stop the sleeping guest within 3 s")
  sleep 0.5
  kill -INT "$pid"
  within 3 lines "$D/out" '^interrupted: task 1000 at ' 2 || WHY+=("the second SIGINT did not stop it")
  within 3 gone "$pid" || WHY+=("quit did not end the session")
  reap "$pid"; local rc=$?
  [ "$rc" = 0 ] || WHY+=("exit status $rc")
  lines "$D/out" '^slept' 1 && WHY+=("the guest's sleep ended early")
  verdict "$name"
}
debug_sigint

# A lone task blocked in read(2) or select(2) on a pipe nobody writes to: one SIGINT.
debug_sigint_blocked() {
  local how=$1 name=debug-sigint-$1 D="$SCRATCH/debug-sigint-$1.out" root
  rm -rf "$D"; mkdir -p "$D"; root=$(new_root "$name")
  printf 'continue\nquit\n' >"$D/in"
  (cd "$root" && exec "${EMU[@]}" debug --root "$root" "$G/sleeper" block "$how" \
      <"$D/in" >"$D/out" 2>"$D/err") &
  local pid=$!
  within 10 lines "$D/out" "^waiting in $how\$" 1 || WHY+=("the guest did not start waiting")
  sleep 0.5
  kill -INT "$pid"
  within 3 lines "$D/out" '^interrupted: task 1000 at 0x[0-9a-f]+ <[a-z_0-9]+\+0x[0-9a-f]+>:  svc #0$' 1 ||
    WHY+=("SIGINT did not stop the waiting guest within 3 s")
  within 3 gone "$pid" || WHY+=("quit did not end the session")
  reap "$pid"; local rc=$?
  [ "$rc" = 0 ] || WHY+=("exit status $rc")
  lines "$D/out" "^$how returned" 1 && WHY+=("the guest's $how returned")
  verdict "$name"
}
debug_sigint_blocked read
debug_sigint_blocked select

# The same at a terminal: Ctrl-C in tmux, through libedit's prompt.
debug_tmux() {
  local name=debug-ctrl-c-sleeping
  if ! command -v tmux >/dev/null 2>&1; then skip "$name" "tmux not installed"; return; fi
  local sock="$SCRATCH/tmux-int.sock" sess=machemu-int-test D="$SCRATCH/debug-tmux.out" root
  rm -rf "$D"; mkdir -p "$D"; root=$(new_root "$name")
  tmux -S "$sock" new-session -d -s "$sess" -x 160 -y 50 \
    "cd '$root' && ${EMU[*]} debug --root '$root' '$G/sleeper' sleep 60; echo SESSION-END; sleep 30"
  pane() { tmux -S "$sock" capture-pane -p -t "$sess" -S -200 >"$D/out" 2>/dev/null; grep -Eq -- "$1" "$D/out"; }
  
  within 10 pane '^\(machemu\) ?$' || WHY+=("no prompt")
  tmux -S "$sock" send-keys -t "$sess" 'continue' Enter
  within 10 pane '^sleeping 60 s$' || WHY+=("the guest did not start sleeping")
  sleep 0.5
  tmux -S "$sock" send-keys -t "$sess" C-c
  within 3 pane 'interrupted: task 1000 at 0x[0-9a-f]+ <[a-z_]*nanosleep' || WHY+=("Ctrl-C did not stop the sleeping guest within 3 s")
  tmux -S "$sock" send-keys -t "$sess" 'quit' Enter
  within 5 pane '^SESSION-END' || WHY+=("quit did not end the session")
  tmux -S "$sock" kill-server 2>/dev/null
  verdict "$name"
}
debug_tmux

# gdb's interrupt byte (0x03) while the guest sleeps: a stop reply for SIGINT (T02).
gdb_client() {   # gdb_client PORT: continue, interrupt after 1 s, expect T02 within 3 s
  python3 - "$1" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
def packet(body):
    s.sendall(b"$%s#%02x" % (body, sum(body) & 0xff))
packet(b"vCont;c")
time.sleep(1.0)
t0 = time.time()
s.sendall(b"\x03")
buf = b""
s.settimeout(3)
try:
    while b"$T02" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
except socket.timeout:
    pass
ok = b"$T02" in buf
print("stop reply %s after %.1f s" % ("T02" if ok else repr(buf[-40:]), time.time() - t0))
s.sendall(b"+")
packet(b"k")
s.close()
sys.exit(0 if ok else 1)
PY
}
gdb_sleeping() {
  local name=gdb-interrupt-sleeping D="$SCRATCH/gdb-int.out" root
  if ! command -v python3 >/dev/null 2>&1; then skip "$name" "python3 not installed"; return; fi
  rm -rf "$D"; mkdir -p "$D"; root=$(new_root "$name")
  (cd "$root" && exec "${EMU[@]}" debug --root "$root" --gdb 0 "$G/sleeper" sleep 60 \
      >"$D/out" 2>"$D/err") &
  local pid=$! port=""
  within 10 lines "$D/err" '^machemu: waiting for gdb on 127.0.0.1:[0-9]+$' 1 &&
    port=$(sed -n 's/^machemu: waiting for gdb on 127.0.0.1:\([0-9]*\)$/\1/p' "$D/err")
  if [ -z "$port" ]; then
    WHY+=("the stub did not say where it listens")
  else
    gdb_client "$port" >"$D/client" 2>&1 || WHY+=("$(tail -n 1 "$D/client")")
  fi
  within 5 gone "$pid" || WHY+=("the stub did not end after k")
  reap "$pid"
  lines "$D/out" '^slept' 1 && WHY+=("the guest's sleep ended early")
  verdict "$name"
}
gdb_sleeping

# Ctrl-C while the stub waits for gdb to connect.
gdb_waiting() {
  local name=gdb-sigint-waiting D="$SCRATCH/gdb-wait.out" root
  rm -rf "$D"; mkdir -p "$D"; root=$(new_root "$name")
  (cd "$root" && exec "${EMU[@]}" debug --root "$root" --gdb 0 "$G/sleeper" sleep 60 \
      >"$D/out" 2>"$D/err") &
  local pid=$!
  within 10 lines "$D/err" '^machemu: waiting for gdb' 1 || WHY+=("the stub did not start")
  kill -INT "$pid"
  within 3 gone "$pid" || WHY+=("SIGINT did not end the wait for gdb within 3 s")
  reap "$pid"; local rc=$?
  [ "$rc" = 130 ] || WHY+=("exit status $rc, expected 130")
  lines "$D/err" '^machemu: interrupted while waiting for gdb$' 1 || WHY+=("no line saying why it ended")
  verdict "$name"
}
gdb_waiting

# `machemu run`: SIGINT (its default action, as a shell's Ctrl-C gives it) ends the run.
run_sigint() {
  local name=run-sigint-sleeping D="$SCRATCH/run-int.out" root
  rm -rf "$D"; mkdir -p "$D"; root=$(new_root "$name")
  # A background job of a script starts with SIGINT ignored: give it the default back.
  (cd "$root" && exec env --default-signal=INT "${EMU[@]}" run --root "$root" \
      "$G/sleeper" sleep 60 >"$D/out" 2>"$D/err") &
  local pid=$!
  within 10 lines "$D/out" '^sleeping 60 s$' 1 || WHY+=("the guest did not start sleeping")
  kill -INT "$pid"
  within 3 gone "$pid" || WHY+=("SIGINT did not end the run within 3 s")
  reap "$pid"; local rc=$?
  [ "$rc" = 130 ] || WHY+=("exit status $rc, expected 130")
  verdict "$name"
}
run_sigint
finish
