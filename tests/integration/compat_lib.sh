# shellcheck shell=bash
# Shared code of the compatibility suite (test_compat_*.sh), sourced after lib.sh.
#
# A set is many comparison cases (lib.sh's compare) counted together: each case prints an
# indented "ok NAME" or "not ok NAME: why", a failing one naming the first system call the
# emulator did not know (its "made system call N (NAME)" note), or "threads" when that call
# is one only threads need or the program says it could not make a thread. The set prints
# one result line, PASS when its pass rate reaches the set's threshold:
#   PASS: compat-SET: P of N (R%), threshold T%

COMPAT_OK=0 COMPAT_N=0
COMPAT_FAILED=()

# The first unknown call an emulator's stderr names, "N (NAME)", "threads" for the calls only
# threads need; empty if none.
first_unknown_call() {
  local line
  # clone for a thread answers ENOSYS without a note: the program's own words say it.
  if grep -qiE 'new OS thread|pthread_create|cannot create thread' "$1" 2>/dev/null; then
    echo "threads (clone of a thread: ENOSYS)"; return 0
  fi
  line=$(grep -m1 -o 'made system call [0-9]* ([^)]*)' "$1" 2>/dev/null) || return 0
  line=${line#made system call }
  case $line in
    "98 (futex)"|"99 (set_robust_list)"|"131 (tgkill)") echo "threads ($line)" ;;
    *) echo "$line" ;;
  esac
}

# compat_case NAME COMPARE-ARGS...: one case of the current set.
compat_case() {
  local name=$1 out why unk; shift
  COMPAT_N=$((COMPAT_N + 1))
  out=$(compare "$name" "$@" 2>&1)
  if grep -q "^PASS: $name\$" <<<"$out"; then
    COMPAT_OK=$((COMPAT_OK + 1))
    echo "    ok $name"
    return
  fi
  why=$(grep -m1 "^\(FAIL\|SKIP\): $name: " <<<"$out"); why=${why#*: "$name": }
  unk=$(first_unknown_call "$SCRATCH/$name.out/emu.err")
  [ -n "$unk" ] && why="first unknown system call: $unk; $why"
  COMPAT_FAILED+=("$name")
  echo "    not ok $name: $why"
  [ "${VERBOSE:-0}" = 1 ] && grep -v "^\(PASS\|FAIL\|SKIP\): " <<<"$out" | indent
}

# compat_set_result SET THRESHOLD-PERCENT: the set's result line; resets the counters.
compat_set_result() {
  local set=$1 min=$2 rate
  if [ "$COMPAT_N" -eq 0 ]; then skip "compat-$set" "no case ran"; return; fi
  rate=$(awk -v p="$COMPAT_OK" -v n="$COMPAT_N" 'BEGIN { printf "%.1f", 100 * p / n }')
  local msg="$COMPAT_OK of $COMPAT_N ($rate%), threshold $min%"
  if awk -v r="$rate" -v m="$min" 'BEGIN { exit !(r >= m) }'; then
    pass "compat-$set: $msg"
  else
    fail "compat-$set" "$msg; failing: ${COMPAT_FAILED[*]}"
  fi
  COMPAT_OK=0 COMPAT_N=0 COMPAT_FAILED=()
}
