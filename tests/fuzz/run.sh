#!/usr/bin/env bash
# Runs each fuzz target named for FUZZ_SECONDS (`make fuzz`; see tests/fuzz/README.md).
#
#   tests/fuzz/run.sh NAME...        (NAME: elf, macho, wkdm, ...; FUZZ_O, FUZZ_SECONDS)
#
# A target first replays its committed corpus tests/fuzz/corpus/NAME/ and what earlier
# runs found (FUZZ_O/corpus/NAME/, where new inputs go), then mutates them. Its output
# goes to FUZZ_O/log/NAME.log; a crash, a sanitizer report, a failed check or a hang
# (FUZZ_TIMEOUT seconds on one input, default 25) leaves the input in FUZZ_O/crash/ and
# fails the run. Prints one line per target; exit status 1 if any failed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
O=${FUZZ_O:-build-fuzz}
secs=${FUZZ_SECONDS:-30}
timeout=${FUZZ_TIMEOUT:-25}
[ $# -gt 0 ] || { echo "usage: $0 NAME..." >&2; exit 2; }
mkdir -p "$O/log" "$O/crash"

failed=()
for name in "$@"; do
  bin=$O/fuzz_$name seeds=tests/fuzz/corpus/$name work=$O/corpus/$name log=$O/log/$name.log
  [ -x "$bin" ] || { echo "FAIL: fuzz $name: no $bin (make fuzz-build)"; failed+=("$name"); continue; }
  mkdir -p "$work"
  opts=(-max_total_time="$secs" -timeout="$timeout" -rss_limit_mb=4096 -print_final_stats=1
        -artifact_prefix="$O/crash/$name-")
  [ -f "tests/fuzz/$name.dict" ] && opts+=(-dict="tests/fuzz/$name.dict")
  [ -f "tests/fuzz/$name.options" ] && read -r -a extra <"tests/fuzz/$name.options" && opts+=("${extra[@]}")
  "$bin" "${opts[@]}" "$work" "$seeds" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1)
  if [ "$rc" -eq 0 ]; then
    echo "PASS: fuzz $name: ${runs:-?} inputs in ${secs}s, ${cov:-cov: ?} edges, corpus $(ls "$work" | wc -l) + $(ls "$seeds" | wc -l)"
  else
    echo "FAIL: fuzz $name: exit status $rc; the input is in $O/crash/, the log in $log:"
    grep -E -A 30 '^==[0-9]+==ERROR|runtime error|check failed|ALARM|deadly signal|out-of-memory' "$log" | head -n 40 | sed 's/^/    /'
    failed+=("$name")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} of $# targets failed: ${failed[*]}"
  exit 1
fi
echo "fuzz: all $# targets ran ${secs}s without a crash"
