#!/usr/bin/env bash
# Integration: Jetsam on the machine — kills, reports, limits, and `machemu scenario`.
#  - scenario cache (cache.scn): pressure reaches warning, the app in front hears WARN,
#    frees its cache, the level falls back to normal and the app hears NORMAL once it has
#    stayed there 5 s, then finishes; cache-keep.scn, the same app keeping its cache,
#    hears WARN and CRITICAL and lives on through critical until the compressor is low
#    on space (the level never kills on iOS), then dies of vm-compressor-space-shortage;
#  - scenario leak (leak.scn): warning, WARN to the leaker first (the lower band), then
#    the leaking background app is killed (the compressor low on space, or a page
#    shortage) while the app in front finishes with every word intact; a JetsamEvent
#    report names it with its reason; the same timeline on a second run;
#  - scenario limit (limit.scn): PROC_LIMIT_WARN reaches the app's handler at 80% of its
#    limit, then per-process-limit kills it; the app without a limit lives; deterministic;
#  - run --memlimit: fatal kills with per-process-limit and a report; soft lets the app
#    live while memory is plentiful; --band and --memlimit show in the report;
#  - run --clock: by default a lone app's report times its whole life (pressure kill);
#    auto leaves it untimed and says "clockExact": false, but times a limited app from
#    its launch as exact does; the fault trace is the same under both;
#  - bad scenario files and options: one error line each (file:line for the file).
# Emulator only: qemu-aarch64 has no Jetsam.
# Run on its own: tests/integration/test_scenario.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

SCN=$GUEST/scenarios
APP=$GUEST/memapp

# scenario NAME FILE [OPTS...]: runs FILE in a fresh root; sets D (out, err, the reports
# directory reports/), ST, and TL (the timeline: the lines that start with '[').
scenario() {
  local name=$1 file=$2 root; shift 2
  root=$(new_root "$name")
  D=$root
  (cd "$root" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" scenario --root "$root" "$@" "$file" \
      >"$D/out" 2>"$D/err")
  ST=$?
  grep '^\[' "$D/out" >"$D/timeline"
}

has() { # REGEX FILE WHAT
  grep -Eq "$1" "$2" || WHY+=("no $3 (/$1/)")
}

# The report of the first kill is JSON that names the victim and its reason.
report_names() { # FILE NAME REASON [LIFETIME_MAX_PAGES]
  if ! python3 - "$1" "$2" "$3" "${4:-}" <<'PYEOF' 2>"$D/report.err"
import json, sys
path, name, reason, lifetime_max = sys.argv[1:]
with open(path) as f:
    header = json.loads(f.readline())
    body = json.loads(f.read())
assert header["bug_type"] == "298", header
assert body["memoryStatus"]["pageSize"] == 16384
for key in ("free", "active", "inactive", "wired", "anonymous", "fileBacked"):
    assert key in body["memoryStatus"]["memoryPages"], key
for key in ("compressorSize", "uncompressed", "compressions", "decompressions"):
    assert key in body["memoryStatus"], key
killed = [p for p in body["processes"] if p.get("reason")]
assert len(killed) == 1 and killed[0]["reason"] == reason, killed
assert killed[0]["name"] == name
for key in ("pid", "rpages", "lifetimeMax", "age", "cpuTime", "priority"):
    assert key in killed[0], key
# The clock counted its whole life: it ran, and never longer than it lived.
assert killed[0]["clockExact"] is True, killed[0]
assert 0 < killed[0]["cpuTime"] <= killed[0]["age"] <= header["timestamp"], (header, killed[0])
assert not lifetime_max or killed[0]["lifetimeMax"] == int(lifetime_max), killed[0]
PYEOF
  then
    WHY+=("report $1 is not a JetsamEvent for $2 ($3): $(tail -n 1 "$D/report.err")")
  fi
}

# line_of REGEX: the number of the first timeline line matching it (empty if none).
line_of() { grep -nE "$1" "$D/timeline" | head -n 1 | cut -d: -f1; }

# in_order WHAT REGEX...: each matches a timeline line, each after the one before.
in_order() {
  local what=$1 prev=0 n re; shift
  for re in "$@"; do
    n=$(line_of "$re")
    if [ -z "$n" ]; then WHY+=("$what: no line /$re/"); return; fi
    [ "$n" -gt "$prev" ] || WHY+=("$what: /$re/ comes too early")
    prev=$n
  done
}

cache_case() {
  scenario scenario-cache "$SCN/cache.scn"
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST"), want 0")
  in_order "cache freed on warning" '\] level +normal -> warning: ' '\] note +WARN -> front \(pid 1001\)$' \
    '\] level +warning -> normal: ' '\] note +NORMAL -> front \(pid 1001\)$' '\] exit +front \(pid 1001\) status 0$'
  has '^memapp: freed the cache on WARN; 30 MB of work intact$' "$D/out" "the app's report"
  grep -q '\] kill ' "$D/timeline" && WHY+=("something was killed")
  [ -d "$D/reports" ] && WHY+=("a report was written though nothing was killed")
  verdict scenario-cache
  scenario scenario-cache-keep "$SCN/cache-keep.scn"
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST"), want 0")
  in_order "cache kept, app killed" '\] level +normal -> warning: ' '\] note +WARN -> front \(pid 1001\)$' \
    '\] level +warning -> critical: ' '\] note +CRITICAL -> front \(pid 1001\)$' \
    '\] kill +front \(pid 1001\), band 100 \(foreground\): vm-compressor-space-shortage, .*\(low on space\)$' \
    '\] exit +front \(pid 1001\) killed by signal 9$' '\] exit +springboard \(pid 1000\) status 0$'
  # Critical, and alive: the kill waited for the compressor.
  [ "$(line_of '\] level +warning -> critical: ')" -lt "$(line_of '\] note +CRITICAL -> front')" ] ||
    WHY+=("no CRITICAL note while the app lived at critical")
  verdict scenario-cache-keep
}

leak_case() {
  # The two runs' roots have names of one length: the guest's environment (PWD) moves its
  # first stack, and with it the instruction counts.
  scenario scenario-leak-1 "$SCN/leak.scn"
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST"), want 0")
  in_order "pressure, notes, the leaker's death" '\] level +normal -> warning: ' \
    '\] note +WARN -> leaky \(pid 1002\)$' '\] note +WARN -> front \(pid 1001\)$' \
    '\] level +warning -> critical: ' \
    '\] kill +leaky \(pid 1002\), band 30 \(background\): vm-(pageshortage|compressor-space-shortage), footprint' \
    '\] report +reports/JetsamEvent-1-memapp\.ips$' '\] level +critical -> normal: ' \
    '\] exit +front \(pid 1001\) status 0$'
  has '^\[ *[0-9]+\] exit +leaky \(pid 1002\) killed by signal 9$' "$D/timeline" "leaker's end"
  has '^memapp: 8 rounds over 12 MB, every word intact$' "$D/out" "front app's check"
  has '^scenario end at [0-9]+: 2 exited, 1 killed, level normal$' "$D/out" "summary"
  grep -q 'kill +front' "$D/timeline" && WHY+=("the app in front was killed")
  has '^machemu: jetsam: killed task 1002 \(memapp\), band 30 \(background\)' "$D/err" "kill line on stderr"
  # Which of the two the machine meets first (the compressor low on space, or the
  # uncompressed memory under 30%) is a matter of a few pages; the report says the same.
  local cause
  cause=$(sed -n 's/.*\] kill  *leaky (pid 1002), band 30 (background): \([a-z-]*\),.*/\1/p' "$D/timeline")
  [ -f "$D/reports/JetsamEvent-1-memapp.ips" ] && report_names "$D/reports/JetsamEvent-1-memapp.ips" memapp "${cause:-none}" \
    || WHY+=("no report in reports/")
  cp "$D/timeline" "$SCRATCH/leak.first"
  verdict scenario-leak
  scenario scenario-leak-2 "$SCN/leak.scn"
  cmp -s "$SCRATCH/leak.first" "$D/timeline" ||
    WHY+=("the second run's timeline differs: $(diff "$SCRATCH/leak.first" "$D/timeline" | head -n 4 | tr '\n' ' ')")
  verdict scenario-leak-same-timeline
}

limit_case() {
  scenario scenario-limit-1 "$SCN/limit.scn"
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST"), want 0")
  has '^\[ *[0-9]+\] note +PROC_LIMIT_WARN -> front \(pid 1000\)$' "$D/timeline" "limit warning"
  has '^memapp: PROC_LIMIT_WARN heard at 19 MB$' "$D/out" "the handler hearing it at 80% of 24 MB"
  has '^\[ *[0-9]+\] kill +front \(pid 1000\), band 100 \(foreground\): per-process-limit, footprint 24\.0 MB' \
    "$D/timeline" "per-process-limit kill just past 24 MB"
  has '^\[ *[0-9]+\] exit +mail \(pid 1001\) status 0$' "$D/timeline" "the other app's clean exit"
  local warn kill
  warn=$(grep -n 'PROC_LIMIT_WARN' "$D/timeline" | head -n 1 | cut -d: -f1)
  kill=$(grep -n '\] kill ' "$D/timeline" | head -n 1 | cut -d: -f1)
  [ -n "$warn" ] && [ -n "$kill" ] && [ "$warn" -lt "$kill" ] || WHY+=("the warning did not come before the kill")
  [ -f "$D/reports/JetsamEvent-1-memapp.ips" ] && report_names "$D/reports/JetsamEvent-1-memapp.ips" memapp per-process-limit \
    $((24 * 64 + 1)) || WHY+=("no report in reports/")
  cp "$D/timeline" "$SCRATCH/limit.first"
  verdict scenario-limit
  scenario scenario-limit-2 "$SCN/limit.scn"
  cmp -s "$SCRATCH/limit.first" "$D/timeline" || WHY+=("the second run's timeline differs")
  verdict scenario-limit-same-timeline
}

# run with --memlimit / --band: one app, no scenario.
run_limit_cases() {
  local root
  root=$(new_root run-memlimit-fatal); D=$root
  emu_run "$root" /dev/null "$D/out" "$D/err" -m 64M --memlimit 12 --band background -- "$APP" grow 30
  ST=$?
  [ "$ST" = 137 ] || WHY+=("exit status $(status_text "$ST"), want 137")
  has '^machemu: jetsam: killed task 1000 \(memapp\), band 30 \(background\): per-process-limit, footprint 12\.0 MB; report reports/JetsamEvent-1-memapp\.ips$' \
    "$D/err" "the kill line"
  [ -f "$D/reports/JetsamEvent-1-memapp.ips" ] && report_names "$D/reports/JetsamEvent-1-memapp.ips" memapp per-process-limit $((12 * 64 + 1))
  grep -q '"priority": 30' "$D/reports/JetsamEvent-1-memapp.ips" 2>/dev/null || WHY+=("the report does not show band 30")
  verdict run-memlimit-fatal

  root=$(new_root run-memlimit-soft); D=$root
  emu_run "$root" /dev/null "$D/out" "$D/err" -m 64M --memlimit 12:soft -- "$APP" grow 30
  ST=$?
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST"), want 0: a soft limit kills only under pressure")
  has '^memapp: PROC_LIMIT_WARN heard at' "$D/out" "the limit warning"
  has '^memapp: grew to 30 MB$' "$D/out" "the app's end"
  [ -d "$D/reports" ] && WHY+=("a report was written though nothing was killed")
  verdict run-memlimit-soft

  root=$(new_root run-reports-dir); D=$root
  emu_run "$root" /dev/null "$D/out" "$D/err" -m 64M --memlimit 8 --reports "$root/elsewhere/deep" -- "$APP" grow 20
  ST=$?
  [ "$ST" = 137 ] || WHY+=("exit status $(status_text "$ST"), want 137")
  [ -f "$root/elsewhere/deep/JetsamEvent-1-memapp.ips" ] || WHY+=("no report in --reports DIR (made with its parents)")
  verdict run-reports-dir
}

# report_times FILE: "AGE CPUTIME CLOCKEXACT" of the victim in a report.
report_times() {
  python3 - "$1" <<'PYEOF' 2>/dev/null
import json, sys
with open(sys.argv[1]) as f:
    f.readline()
    p = [p for p in json.loads(f.read())["processes"] if p.get("reason")][0]
print(p["age"], p["cpuTime"], str(p["clockExact"]).lower())
PYEOF
}

# --clock: a lone app at normal pressure, killed by pressure (no limit) and by its limit.
# The default counts everything; auto skips what no one needed timed, and says so; either
# way the VM does the same thing, fault for fault.
run_clock_cases() {
  local root a e clock
  for clock in exact auto; do
    root=$(new_root "run-clock-$clock"); D=$root
    emu_run "$root" /dev/null "$D/out" "$D/err" -m 64M --clock "$clock" --trace-faults="$root/trace" -- "$APP" grow 300
    sed 's/ cost=.*//' "$root/trace" >"$SCRATCH/clock-trace-$clock"
  done
  D=$SCRATCH/run-clock-exact
  [ -f "$D/reports/JetsamEvent-1-memapp.ips" ] && report_names "$D/reports/JetsamEvent-1-memapp.ips" memapp vm-pageshortage \
    || WHY+=("no report for the lone app's pressure kill")
  verdict run-clock-default-exact
  D=$SCRATCH/run-clock-auto
  read -r a < <(report_times "$D/reports/JetsamEvent-1-memapp.ips")
  # Killed in the evaluation that first saw pressure: auto never counted it.
  [ "${a:-}" = "0 0 false" ] || WHY+=("--clock auto report: '${a:-none}', want '0 0 false' (untimed, and saying so)")
  cmp -s "$SCRATCH/clock-trace-exact" "$SCRATCH/clock-trace-auto" || WHY+=("the fault traces differ between --clock exact and auto")
  [ -s "$SCRATCH/clock-trace-auto" ] || WHY+=("no fault trace")
  verdict run-clock-auto-says-so

  # A limit makes auto count from the launch: the same figures as exact.
  for clock in exact auto; do
    root=$(new_root "run-clock-limit-$clock"); D=$root
    emu_run "$root" /dev/null "$D/out" "$D/err" -m 64M --clock "$clock" --memlimit 12 -- "$APP" grow 30
  done
  read -r e < <(report_times "$SCRATCH/run-clock-limit-exact/reports/JetsamEvent-1-memapp.ips")
  read -r a < <(report_times "$SCRATCH/run-clock-limit-auto/reports/JetsamEvent-1-memapp.ips")
  [ -n "${e:-}" ] && [ "${e:-}" = "${a:-}" ] && [ "${e% *}" != "0 0" ] && [ "${e##* }" = true ] ||
    WHY+=("limit kill: --clock exact says '${e:-none}', auto '${a:-none}'; want the same, whole and non-zero")
  verdict run-clock-auto-times-limits
}

# bad_case NAME STATUS REGEX ARGS...: the error line and status.
bad_case() {
  local name=$1 want=$2 re=$3; shift 3
  local out rc
  out=$("${EMU[@]}" "$@" 2>&1 >/dev/null); rc=$?
  [ "$rc" = "$want" ] || WHY+=("exit status $rc, want $want")
  [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || WHY+=("want one line, got: $out")
  printf "%s\n" "$out" | grep -Eq -- "$re" || WHY+=("no /$re/ in: $out")
  D=$SCRATCH; verdict "$name"
}

bad_cases() {
  local f=$SCRATCH/bad.scn
  printf 'options -m 64M\n\nfrobnicate now\n' >"$f"
  bad_case scenario-bad-directive 2 "^machemu: scenario: .*bad\.scn:3: unknown directive 'frobnicate'" scenario "$f"
  printf 'app a at soon -- ../memapp leak 1\n' >"$f"
  bad_case scenario-bad-time 2 "bad\.scn:1: app a: bad time 'soon'" scenario "$f"
  printf 'app a -- ../memapp leak 1\nforeground b at 10\n' >"$f"
  bad_case scenario-unknown-app 2 "bad\.scn:2: foreground: no app named b" scenario "$f"
  printf '# nothing\n' >"$f"
  bad_case scenario-no-app 2 "no app to run" scenario "$f"
  bad_case scenario-missing 2 "^machemu: scenario: .*nonexistent\.scn: No such file" scenario "$SCRATCH/nonexistent.scn"
  bad_case scenario-no-jetsam 2 "no-jetsam leaves nothing to watch" scenario --no-jetsam "$SCN/leak.scn"
  bad_case run-bad-band 2 "bad --band 'loud'" run --band loud "$APP" leak 1
  bad_case run-bad-memlimit 2 "bad --memlimit '12:sometimes'" run --memlimit 12:sometimes "$APP" leak 1
  bad_case run-bad-clock 2 "bad --clock 'fast': want auto or exact" run --clock fast "$APP" leak 1
  bad_case run-programs-elsewhere 2 "--programs belongs to machemu scenario" run --programs /tmp "$APP" leak 1
}

cache_case
leak_case
limit_case
run_limit_cases
run_clock_cases
bad_cases
finish
