#!/usr/bin/env bash
# Runs machemu's tests and prints one summary line: "N passed, N failed[, N skipped]".
#
#   tests/run-all.sh [unit|integration|all]        (default all; make check / unit / integration)
#
# unit:         every $O/tests/test_* (check-library programs); their output is shown. A
#               program's "Checks: N, Failures: F, Errors: E" summaries count N-F-E passed
#               and F+E failed; a program without such a summary counts as one test (its
#               exit status); a crash or non-zero exit with no failure counted is one failure.
# integration:  every tests/integration/test_*.sh; each prints "PASS: ", "FAIL: " and
#               "SKIP: " lines, which are counted (see tests/integration/lib.sh).
# Exit status: 1 if anything failed or nothing ran (skips do not count as run), else 0.
#
# Environment: O (build directory, default build), UNIT_TIMEOUT (seconds per unit test
# program, default 600), UNITS (only these unit tests, by name without test_), JOBS
# (integration scripts run at once; make -jN check passes N), and those of
# tests/integration/lib.sh (MACHEMU, QEMU, ...).
set -u
mode=${1:-all}
case $mode in
  unit|integration|all) ;;
  *) echo "usage: $0 [unit|integration|all]" >&2; exit 2 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
export O=${O:-build}
UNIT_TIMEOUT=${UNIT_TIMEOUT:-600}

passed=0 failed=0 skipped=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/machemu-run-all.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

run_unit() {
  local t found=0 only=" ${UNITS:-} "
  for t in "$O"/tests/test_*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    [ "$only" = "  " ] || [[ $only == *" ${t##*/test_} "* ]] || continue
    found=1
    local name; name=$(basename "$t")
    echo "== unit: $name"
    # (The outer 2>/dev/null hides only the shell's own "Segmentation fault" notice.)
    (timeout -k 5 "$UNIT_TIMEOUT" "$t" </dev/null >"$tmp/unit.out" 2>&1) 2>/dev/null
    local rc=$?
    cat "$tmp/unit.out"
    # Sum every "Checks: N, Failures: F, Errors: E" (one per suite runner).
    local sums
    sums=$(grep -Eo 'Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$tmp/unit.out" |
      awk -F'[^0-9]+' '{ n += $2; f += $3; e += $4; k++ } END { if (k) print n, f, e }')
    if [ -n "$sums" ]; then
      local n f e
      read -r n f e <<<"$sums"
      passed=$((passed + n - f - e))
      failed=$((failed + f + e))
      if [ "$rc" -ne 0 ] && [ $((f + e)) -eq 0 ]; then
        failed=$((failed + 1))
        echo "FAIL: unit $name: exit status $rc with no failed check reported"
      fi
    elif [ "$rc" -eq 0 ]; then
      passed=$((passed + 1))
      echo "PASS: unit $name (no check summary; exit status 0)"
    else
      failed=$((failed + 1))
      [ "$rc" -eq 124 ] && echo "FAIL: unit $name: timed out after ${UNIT_TIMEOUT}s" ||
        echo "FAIL: unit $name: exit status $rc"
    fi
  done
  [ "$found" = 1 ] || echo "== unit: no test programs in $O/tests (run make)"
}

# count_integration NAME OUT RC: adds one script's PASS/FAIL/SKIP lines to the totals.
count_integration() {
  local p f k
  p=$(grep -c '^PASS: ' "$2")
  f=$(grep -c '^FAIL: ' "$2")
  k=$(grep -c '^SKIP: ' "$2")
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + k))
  if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
    failed=$((failed + 1))
    echo "FAIL: $1: exit status $3 with no failed case reported"
  fi
}

# One script at a time, its output as it comes; with JOBS > 1, JOBS at a time, each
# one's output shown whole, in the scripts' order, once it has ended.
run_integration() {
  local s scripts=()
  for s in tests/integration/test_*.sh; do [ -f "$s" ] && scripts+=("$s"); done
  [ ${#scripts[@]} -gt 0 ] || { echo "FAIL: integration: no tests/integration/test_*.sh"; failed=$((failed + 1)); return; }
  local jobs=${JOBS:-1} i
  [ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
  if [ "$jobs" -eq 1 ]; then
    for s in "${scripts[@]}"; do
      echo "== integration: $(basename "$s")"
      bash "$s" </dev/null 2>&1 | tee "$tmp/it.out"
      count_integration "$(basename "$s")" "$tmp/it.out" "${PIPESTATUS[0]}"
    done
    return
  fi
  for i in "${!scripts[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
    ( bash "${scripts[$i]}" </dev/null >"$tmp/it.$i.out" 2>&1; echo $? >"$tmp/it.$i.rc" ) &
  done
  wait
  for i in "${!scripts[@]}"; do
    echo "== integration: $(basename "${scripts[$i]}")"
    cat "$tmp/it.$i.out"
    count_integration "$(basename "${scripts[$i]}")" "$tmp/it.$i.out" "$(cat "$tmp/it.$i.rc")"
  done
}

case $mode in
  unit) run_unit ;;
  integration) run_integration ;;
  all) run_unit; run_integration ;;
esac

summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ] && [ $((passed + failed)) -gt 0 ]
