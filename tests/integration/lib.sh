# shellcheck shell=bash disable=SC2034
# Shared code of the integration suite; sourced by tests/integration/test_*.sh.
#
# A comparison case runs one static AArch64 program twice, with the same arguments, standard
# input, environment and a fresh scratch root directory each:
#   reference:  cd ROOT && $QEMU PROGRAM ARGS...                      (qemu-aarch64, 4 KB pages)
#   emulator:   cd ROOT && $MACHEMU run --root ROOT [OPTS] PROGRAM ARGS...
# and requires the same stdout (byte for byte) and the same exit status; on a mismatch it
# prints a diff, both statuses and the tail of the emulator's stderr.
#
# Every case prints exactly one result line, which tests/run-all.sh counts:
#   PASS: <name>      FAIL: <name>: <why>      SKIP: <name>: <why>
# Other output lines are indented.
#
# Environment:
#   O             build directory (default build); relative to the repository top
#   MACHEMU       emulator command (default $O/machemu); may carry options, e.g.
#                 MACHEMU="valgrind -q build/machemu"; or the qemu stand-in:
#                 MACHEMU=tests/integration/qemu-machemu.sh
#   QEMU          reference emulator (default qemu-aarch64)
#   TEST_TIMEOUT  seconds allowed per program run (default 120)
#   KEEP_SCRATCH  1: keep the scratch directories (their path is printed)
#   VERBOSE       1: print the emulator's stderr of passing cases too

set -u
IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$IT_DIR/../.." && pwd)
O=${O:-build}
case $O in /*) BUILD=$O ;; *) BUILD=$TOP/$O ;; esac
GUEST=$BUILD/guest
QEMU=${QEMU:-qemu-aarch64}
TEST_TIMEOUT=${TEST_TIMEOUT:-120}
KEEP_SCRATCH=${KEEP_SCRATCH:-0}
VERBOSE=${VERBOSE:-0}

# The emulator command as an array; relative paths in it are taken from the caller's
# directory (cases run in scratch directories).
read -r -a EMU <<<"${MACHEMU:-$BUILD/machemu}"
for i in "${!EMU[@]}"; do
  case ${EMU[$i]} in
    -*|/*) ;;
    */*) [ -e "${EMU[i]}" ] && EMU[i]=$PWD/${EMU[i]} ;;
  esac
done

ulimit -c 0 2>/dev/null || true # qemu would write core files for the crash cases

IT_PASSED=0 IT_FAILED=0 IT_SKIPPED=0
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/machemu-it.XXXXXX")
if [ "$KEEP_SCRATCH" = 1 ]; then
  echo "    scratch directories under $SCRATCH"
else
  trap 'rm -rf "$SCRATCH"' EXIT
fi

pass() { IT_PASSED=$((IT_PASSED + 1)); echo "PASS: $1"; }
fail() { IT_FAILED=$((IT_FAILED + 1)); echo "FAIL: $1: $2"; }
skip() { IT_SKIPPED=$((IT_SKIPPED + 1)); echo "SKIP: $1: $2"; }
indent() { sed 's/^/    /'; }

# verdict NAME: passes if the array WHY (reasons, filled by the caller) is empty, else
# fails with them and shows the end of the session's $D/out and $D/err; empties WHY.
WHY=()
verdict() {
  local name=$1
  if [ ${#WHY[@]} -eq 0 ]; then
    pass "$name"
  else
    local joined; joined=$(IFS=';'; echo "${WHY[*]}"); fail "$name" "${joined//;/; }"
    tail -n 40 "$D/out" | indent
    tail -n 5 "$D/err" | indent
  fi
  WHY=()
}

# Prints a summary for a script run on its own; exits 1 if anything failed.
finish() {
  echo "    $(basename "$0"): $IT_PASSED passed, $IT_FAILED failed, $IT_SKIPPED skipped"
  [ "$IT_FAILED" -eq 0 ]
}

# True if the emulator command is runnable; otherwise reports one failure for the script.
require_emulator() {
  local e=${EMU[0]}
  if [ "${#EMU[@]}" -eq 0 ] || ! command -v "$e" >/dev/null 2>&1; then
    fail "$(basename "$0" .sh)" "emulator '${MACHEMU:-$BUILD/machemu}' not found (run make, or set MACHEMU)"
    return 1
  fi
  local w
  for w in "${EMU[@]}"; do
    case $w in
      -*) ;;
      */*) [ -x "$w" ] || { fail "$(basename "$0" .sh)" "emulator $w not built (run make)"; return 1; } ;;
    esac
  done
  return 0
}
have_qemu() { command -v "$QEMU" >/dev/null 2>&1; }

# True if the emulator is the qemu stand-in (which cannot confine file access).
emulator_is_qemu_standin() {
  local w
  for w in "${EMU[@]}"; do case $(basename "$w") in qemu-machemu.sh|qemu-aarch64*) return 0 ;; esac; done
  return 1
}

# new_root NAME: makes and prints a fresh, empty scratch directory.
new_root() {
  local d="$SCRATCH/$1"
  rm -rf "$d"
  mkdir -p "$d"
  (cd "$d" && pwd -P)
}

# Fixed environment for both sides: only these differences from the caller's environment.
GUEST_ENV=(LC_ALL=C LANG=C TZ=UTC HELLO_VAR="hello from the harness")

# ref_run ROOT STDIN OUT ERR PROGRAM ARGS...      (prints nothing; returns the exit status)
ref_run() {
  local root=$1 in=$2 out=$3 err=$4; shift 4
  # The outer 2>/dev/null only hides the shell's own "Segmentation fault" notices.
  (cd "$root" && env "${GUEST_ENV[@]}" timeout -k 5 "$TEST_TIMEOUT" "$QEMU" "$@" <"$in" >"$out" 2>"$err") 2>/dev/null
}

# Options of run, debug and view for a case about one program: no system image
# (test_system.sh tests it), so that the program's faults, pressure and Jetsam's table
# are its own.
ALONE=(--system none)

# emu_run ROOT STDIN OUT ERR [EMU-OPTS...] -- PROGRAM ARGS...
# The program runs alone (ALONE) unless the case asks for a system image.
emu_run() {
  local root=$1 in=$2 out=$3 err=$4; shift 4
  local opts=("${ALONE[@]}")
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  (cd "$root" && env "${GUEST_ENV[@]}" timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" run --root "$root" \
      "${opts[@]}" "$@" <"$in" >"$out" 2>"$err") 2>/dev/null
}

status_text() {
  case $1 in
    124) echo "124 (timed out after ${TEST_TIMEOUT}s)" ;;
    13[0-9]|14[0-9]|15[0-9]) echo "$1 (signal $(( $1 - 128 )): $(kill -l $(( $1 - 128 )) 2>/dev/null))" ;;
    *) echo "$1" ;;
  esac
}

# Counts the lines of FILE that start with "machemu: crash:".
crash_lines() { grep -c '^machemu: crash:' "$1" 2>/dev/null || true; }

# compare NAME [options] -- PROGRAM [ARGS...]
#   -i FILE   standard input (default /dev/null)
#   -s FUNC   setup: FUNC ROOT is called in each side's root before the run
#   -o OPT    an emulator option (repeatable), e.g. -o --tlb -o 4x2
#   -e N      the exit status must be N (default 0), under both
#   -c        crash expected: the emulator must print exactly one "machemu: crash:" line
#   -f        needs fork: a failure is reported as SKIP ("needs fork"), not FAIL
#   -C FUNC   extra check: FUNC EMU_ROOT EMU_ERR must succeed (prints why not)
compare() {
  local name=$1; shift
  local in=/dev/null setup="" status=0 crash=0 needs_fork=0 check="" opts=()
  local OPTIND=1 opt
  while getopts "i:s:o:e:cfC:" opt; do
    case $opt in
      i) in=$OPTARG ;; s) setup=$OPTARG ;; o) opts+=("$OPTARG") ;; e) status=$OPTARG ;;
      c) crash=1 ;; f) needs_fork=1 ;; C) check=$OPTARG ;;
      *) fail "$name" "bad compare() usage"; return ;;
    esac
  done
  shift $((OPTIND - 1))
  [ "${1:-}" = -- ] && shift
  local prog=$1
  if [ ! -x "$prog" ]; then fail "$name" "$prog missing (run make)"; return; fi
  if ! have_qemu; then skip "$name" "$QEMU not found: nothing to compare against"; return; fi

  local d="$SCRATCH/$name.out"
  rm -rf "$d"; mkdir -p "$d"
  local rroot eroot rs es
  rroot=$(new_root "$name.ref") eroot=$(new_root "$name.emu")
  if [ -n "$setup" ] && ! { "$setup" "$rroot" && "$setup" "$eroot"; }; then
    fail "$name" "setup $setup failed"; return
  fi
  ref_run "$rroot" "$in" "$d/ref.out" "$d/ref.err" "$@"; rs=$?
  emu_run "$eroot" "$in" "$d/emu.out" "$d/emu.err" "${opts[@]}" -- "$@"; es=$?

  local why=()
  if [ "$rs" != "$status" ]; then
    why+=("reference exit status $(status_text "$rs"), expected $status")
  fi
  [ "$rs" != "$es" ] && why+=("exit status: reference $(status_text "$rs"), emulator $(status_text "$es")")
  cmp -s "$d/ref.out" "$d/emu.out" || why+=("stdout differs")
  local n; n=$(crash_lines "$d/emu.err")
  if [ "$crash" = 1 ]; then
    [ "$n" = 1 ] || why+=("emulator printed $n 'machemu: crash:' lines on stderr, expected 1")
  else
    [ "$n" = 0 ] || why+=("emulator printed a 'machemu: crash:' line but the guest did not crash")
  fi
  if [ -n "$check" ] && [ ${#why[@]} -eq 0 ]; then
    local msg; msg=$("$check" "$eroot" "$d/emu.err" 2>&1) || why+=("${msg:-check $check failed}")
  fi

  if [ ${#why[@]} -eq 0 ]; then
    pass "$name"
    [ "$VERBOSE" = 1 ] && [ -s "$d/emu.err" ] && indent <"$d/emu.err"
    return
  fi
  local joined; joined=$(IFS=';'; echo "${why[*]}"); joined=${joined//;/; }
  if [ "$needs_fork" = 1 ]; then
    skip "$name" "needs fork, does not pass yet ($joined)"
    return
  fi
  fail "$name" "$joined"
  echo "    command: cd ROOT && $(printf '%q ' "${EMU[@]}" run --root ROOT "${opts[@]}" "$@")"
  if ! cmp -s "$d/ref.out" "$d/emu.out"; then
    echo "    --- stdout diff (reference qemu / emulator):"
    diff -u --label reference --label emulator "$d/ref.out" "$d/emu.out" | head -n 60 | indent
  fi
  if [ -s "$d/emu.err" ]; then
    echo "    --- emulator stderr (last 20 lines):"
    tail -n 20 "$d/emu.err" | indent
  fi
  if [ -s "$d/ref.err" ] && { [ "$rs" != "$es" ] || [ "$rs" != "$status" ]; }; then
    echo "    --- reference stderr (last 10 lines):"
    tail -n 10 "$d/ref.err" | indent
  fi
}
