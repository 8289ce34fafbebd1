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
#  - apps launched `at` a count while nothing runs (before the first, after the first has
#    ended): idle time takes the clock to each launch, and both run;
#  - what triggers each kill (memorystatus_pick_action): compressor.scn (the compressor
#    grows through warning and critical, the kill only once it is low on space), hog.scn
#    (twice the RAM compressed, no kill), pageshortage.scn (vm-pageshortage when free +
#    file-backed fall under 5% of RAM), highwater.scn (a soft limit enforced only under
#    the soft threshold), idle-exit.scn, reaper.scn (long-idle-exit after 300 s in the IDLE
#    band), sustained.scn (sustained-memory-pressure 10 minutes after the level rose),
#    fc-thrashing.scn (the phantom cache finds evicted file pages read again),
#    compressor-thrashing.scn (pages back from the compressor within the second they
#    went, thousands a second);
#    notes: suspended.scn (no note to a suspended app), limit-warn.scn (PRESSURE_WARN near
#    the app's own limit);
#  - run: one 192 MB malloc on a 64 MB machine is not refused (no overcommit heuristic):
#    with --no-jetsam under --platform macos the compressor and swap hold it all (an iOS
#    pool stores at most 1.9 times the RAM); with Jetsam the lone app, which has no
#    file cache, dies of vm-pageshortage, not of a failed malloc;
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
# report_in DIR: the JetsamEvent report in DIR (named by its date, as Apple names them).
report_in() { local f; for f in "$1"/JetsamEvent-*.ips; do [ -f "$f" ] && echo "$f" && return; done; echo "$1/none"; }

report_names() { # FILE NAME REASON [LIFETIME_MAX_PAGES]
  if ! python3 - "$1" "$2" "$3" "${4:-}" <<'PYEOF' 2>"$D/report.err"
import json, os, sys
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
assert 0 < killed[0]["cpuTime"] <= killed[0]["age"], (header, killed[0])
# Apple's shapes: a date, ids, seconds as numbers, the fields a parser of real reports reads
import re
assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d\d \+0000", header["timestamp"]), header
assert body["date"] == header["timestamp"] and body["incident"] == header["incident_id"], body
for key in ("uuid", "genCount", "physicalPages", "states", "coalition", "fds", "purgeable"):
    assert key in killed[0], key
for key in ("timeDelta", "genCounter", "largestProcess"):
    assert key in body, key
assert os.path.basename(path) == "JetsamEvent-" + header["timestamp"][:10] + "-" + \
    header["timestamp"][11:19].replace(":", "") + ".ips", path
assert not lifetime_max or killed[0]["lifetimeMax"] == int(lifetime_max), killed[0]
PYEOF
  then
    WHY+=("report $1 is not a JetsamEvent for $2 ($3): $(tail -n 1 "$D/report.err")")
  fi
}

# memory_of REGEX: "ICOUNT FREE FILE COMPRESSED" of the first timeline line matching it.
memory_of() {
  grep -E "$1" "$D/timeline" | head -n 1 |
    sed -nE 's/^\[ *([0-9]+)\].* free ([0-9]+), file-backed ([0-9]+), .* compressor ([0-9]+) pages .*/\1 \2 \3 \4/p'
}

# available_at REGEX LO HI WHAT: free + file-backed of that line is in [LO, HI).
available_at() {
  local at free file comp
  read -r at free file comp < <(memory_of "$1")
  if [ -z "${free:-}" ]; then WHY+=("$4: no line /$1/"); return; fi
  [ $((free + file)) -ge "$2" ] && [ $((free + file)) -lt "$3" ] ||
    WHY+=("$4: free $free + file-backed $file not in [$2, $3)")
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
    '\] report +reports/JetsamEvent-[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{6}\.ips$' '\] level +critical -> normal: ' \
    '\] exit +front \(pid 1001\) status 0$'
  has '^\[ *[0-9]+\] exit +leaky \(pid 1002\) killed by signal 9$' "$D/timeline" "leaker's end"
  has '^memapp: 8 rounds over 12 MB, every word intact$' "$D/out" "front app's check"
  has '^scenario end at [0-9]+: 2 exited, 1 killed, level normal$' "$D/out" "summary"
  grep -q 'kill +front' "$D/timeline" && WHY+=("the app in front was killed")
  has '^machemu: jetsam: killed task 1002 \(leaky\), band 30 \(background\)' "$D/err" "kill line on stderr (the app's name)"
  # Which of the two the machine meets first (the compressor low on space, or the
  # uncompressed memory under 30%) is a matter of a few pages; the report says the same.
  local cause
  cause=$(sed -n 's/.*\] kill  *leaky (pid 1002), band 30 (background): \([a-z-]*\),.*/\1/p' "$D/timeline")
  [ -f "$(report_in "$D/reports")" ] && report_names "$(report_in "$D/reports")" leaky "${cause:-none}" \
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
  [ -f "$(report_in "$D/reports")" ] && report_names "$(report_in "$D/reports")" front per-process-limit \
    $((24 * 64 + 1)) || WHY+=("no report in reports/")
  cp "$D/timeline" "$SCRATCH/limit.first"
  verdict scenario-limit
  scenario scenario-limit-2 "$SCN/limit.scn"
  cmp -s "$SCRATCH/limit.first" "$D/timeline" || WHY+=("the second run's timeline differs")
  verdict scenario-limit-same-timeline
}

# An app launched `at` a count after the others have ended: idle time carries the clock
# there, the app runs, and so does one launched `at` a count before anything runs.
idle_case() {
  local f=$SCRATCH/idle.scn
  printf 'options -m 64M\napp first at 1M -- memapp steady 1 1\napp later at 200M -- memapp steady 1 1\n' >"$f"
  scenario scenario-idle-launch "$f" --programs "$GUEST"
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST"), want 0")
  in_order "idle time up to each launch" '^\[ +1000000\] launch +first \(pid 1000\)' \
    '\] exit +first \(pid 1000\) status 0$' '^\[ +200000000\] launch +later \(pid 1001\)' \
    '\] exit +later \(pid 1001\) status 0$'
  has '^scenario end at [0-9]+: 2 exited, 0 killed, level normal$' "$D/out" "summary"
  grep -q '\] error ' "$D/timeline" && WHY+=("an error line: $(grep '\] error ' "$D/timeline")")
  verdict scenario-idle-launch
}

# 64 MB: 4096 pages; critical 204 (5%), idle 408, soft 612, reaper 816. Jetsam evaluates
# each time the free pages move by 8, so a kill comes within 8 pages of its line.
compressor_case() {
  scenario scenario-compressor "$SCN/compressor.scn"
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST"), want 0")
  in_order "the compressor grows, then the kill" '\] level +normal -> warning: ' \
    '\] level +warning -> critical: ' \
    '\] kill +front \(pid 1001\), band 100 \(foreground\): vm-compressor-space-shortage, .*\(low on space\)$'
  local prev=0 c
  for re in '\] level +normal -> warning' '\] level +warning -> critical' '\] kill +front'; do
    read -r _ _ _ c < <(memory_of "$re")
    [ "${c:-0}" -gt "$prev" ] || WHY+=("compressor ${c:-?} pages at /$re/, not above $prev")
    prev=${c:-0}
  done
  [ "$(grep -c '\] kill ' "$D/timeline")" = 1 ] || WHY+=("more than the one kill")
  [ -f "$(report_in "$D/reports")" ] &&
    report_names "$(report_in "$D/reports")" front vm-compressor-space-shortage ||
    WHY+=("no report in reports/")
  verdict scenario-compressor

  scenario scenario-hog "$SCN/hog.scn" --stats
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST"), want 0")
  has '^hog: every word intact, checksum ' "$D/out" "the app's check of 128 MB"
  has '^\[ *[0-9]+\] exit +front \(pid 1001\) status 0$' "$D/timeline" "the app's clean exit"
  grep -q '\] kill ' "$D/timeline" && WHY+=("something was killed")
  local n
  n=$(sed -nE 's/^Compressions: +([0-9]+)\.$/\1/p' "$D/err")
  [ "${n:-0}" -gt 4096 ] || WHY+=("Compressions ${n:-none}, want more than 4096")
  verdict scenario-hog-twice-the-ram
}

pageshortage_case() {
  scenario scenario-pageshortage "$SCN/pageshortage.scn"
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST"), want 0")
  has '^\[ *[0-9]+\] kill +hog \(pid 1001\), band 30 \(background\): vm-pageshortage, ' "$D/timeline" \
    "the page-shortage kill"
  available_at '\] kill +hog' 196 204 "the kill"
  grep -q 'low on space' "$D/timeline" && WHY+=("the compressor was low on space")
  has '^\[ *[0-9]+\] exit +front \(pid 1000\) status 0$' "$D/timeline" "the app in front's exit"
  verdict scenario-pageshortage-under-5-percent
}

highwater_case() {
  scenario scenario-highwater "$SCN/highwater.scn"
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST"), want 0")
  in_order "past the soft limit, alive at warning, killed later" \
    '\] note +PROC_LIMIT_WARN -> front \(pid 1002\)$' '\] note +PROC_LIMIT_CRITICAL -> front \(pid 1002\)$' \
    '\] level +normal -> warning: ' '\] note +WARN -> front \(pid 1002\)$' \
    '\] kill +front \(pid 1002\), band 100 \(foreground\): highwater, footprint'
  available_at '\] level +normal -> warning' 612 4096 "warning, with the soft limit not enforced"
  available_at '\] kill +front' 604 612 "the highwater kill"
  verdict scenario-highwater-under-the-soft-threshold
}

notes_cases() {
  scenario scenario-suspended "$SCN/suspended.scn"
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST"), want 0")
  # The level may pass through warning or go from normal to critical in one step (as
  # vm_pressure_response may): which one depends on where the scans fall, and so on the
  # size of the environment the guests get. The awake app hears each level it reaches.
  if grep -Eq '\] level +normal -> warning: ' "$D/timeline"; then
    in_order "the awake app hears the levels" '\] state +asleep \(pid 1003\) -> suspended$' \
      '\] note +WARN -> awake \(pid 1002\)$' '\] note +CRITICAL -> awake \(pid 1002\)$'
  else
    in_order "the awake app hears the level" '\] state +asleep \(pid 1003\) -> suspended$' \
      '\] level +normal -> critical: ' '\] note +CRITICAL -> awake \(pid 1002\)$'
  fi
  grep -q '\] note .* -> asleep' "$D/timeline" && WHY+=("the suspended app heard a note")
  verdict scenario-suspended-hears-nothing

  scenario scenario-limit-warn "$SCN/limit-warn.scn"
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST"), want 0")
  in_order "WARN near its own limit, then the kill" '\] note +WARN -> front \(pid 1000\)$' \
    '\] kill +front \(pid 1000\), band 100 \(foreground\): per-process-limit, footprint 24\.0 MB'
  has '^memapp: PRESSURE_WARN heard at 19 MB$' "$D/out" "the handler hearing it at 80% of 24 MB"
  grep -q '\] level ' "$D/timeline" && WHY+=("the system level moved")
  verdict scenario-limit-warn-as-pressure-warn
}

idle_cases() {
  scenario scenario-idle-exit "$SCN/idle-exit.scn"
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST"), want 0")
  local first
  first=$(grep -m 1 '\] kill ' "$D/timeline")
  grep -Eq '\] kill +daemon1 \(pid 1002\), band 0 \(idle\): idle-exit, ' <<<"$first" ||
    WHY+=("the first kill is not daemon1's idle exit: $first")
  grep -q 'low on space' <<<"$first" && WHY+=("the compressor was low on space at the idle exit")
  available_at '\] kill +daemon1' 400 408 "the idle exit"
  verdict scenario-idle-exit

  scenario scenario-reaper "$SCN/reaper.scn"
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST"), want 0")
  has '^\[ *30000000[0-9]\] kill +daemon \(pid 1002\), band 0 \(idle\): long-idle-exit, ' "$D/timeline" \
    "the long-idle exit at 300 s (1 MIPS)"
  available_at '\] kill +daemon' 408 816 "the long-idle exit"
  [ "$(grep -c '\] kill ' "$D/timeline")" = 1 ] || WHY+=("more than the one kill")
  verdict scenario-reaper-long-idle-exit

  scenario scenario-sustained "$SCN/sustained.scn"
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST"), want 0")
  local rise k1 k2
  rise=$(sed -nE 's/^\[ *([0-9]+)\] level +normal -> warning: .*/\1/p' "$D/timeline" | head -n 1)
  k1=$(sed -nE 's/^\[ *([0-9]+)\] kill +daemon1 \(pid 1002\), band 0 \(idle\): sustained-memory-pressure, .*/\1/p' "$D/timeline")
  k2=$(sed -nE 's/^\[ *([0-9]+)\] kill +daemon2 \(pid 1003\), band 0 \(idle\): sustained-memory-pressure, .*/\1/p' "$D/timeline")
  if [ -z "$rise" ] || [ -z "$k1" ] || [ -z "$k2" ]; then
    WHY+=("no rise of the level or no sustained-pressure kills")
  else
    [ $((k1 - rise)) -ge 600000000 ] && [ $((k1 - rise)) -lt 600001000 ] ||
      WHY+=("daemon1 killed $((k1 - rise)) instructions after the rise, want 10 minutes (600000000)")
    [ $((k2 - k1)) -ge 500000 ] && [ $((k2 - k1)) -lt 501000 ] ||
      WHY+=("daemon2 killed $((k2 - k1)) after daemon1, want 500 ms (500000)")
  fi
  grep -q '\] level +[a-z]+ -> normal' "$D/timeline" &&
    [ "$(line_of '\] level +[a-z]+ -> normal')" -lt "$(line_of '\] kill +daemon2')" ] &&
    WHY+=("pressure fell before the kills")
  has '^\[ *[0-9]+\] exit +front \(pid 1001\) status 0$' "$D/timeline" "the app in front's exit"
  verdict scenario-sustained-pressure
}

# thrashing_kill PID CAUSE: the run ended well, its first kill was the background app
# "bg" (PID) for CAUSE with the compressor not low on space, the app in front ended with
# status 0, and the kill has its report.
thrashing_kill() {
  local pid=$1 cause=$2 first
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST"), want 0")
  first=$(grep -m 1 '\] kill ' "$D/timeline")
  grep -Eq "\\] kill +bg \\(pid $pid\\), band 30 \\(background\\): $cause, " <<<"$first" ||
    WHY+=("the first kill is not the background app's $cause: $first")
  grep -q 'low on space' <<<"$first" && WHY+=("the compressor was low on space")
  has '^\[ *[0-9]+\] exit +front \(pid 1001\) status 0$' "$D/timeline" "the app in front's exit"
  [ -f "$(report_in "$D/reports")" ] &&
    report_names "$(report_in "$D/reports")" bg "$cause" || WHY+=("no report in reports/")
}

fc_thrashing_case() {
  scenario scenario-fc-thrashing "$SCN/fc-thrashing.scn"
  thrashing_kill 1002 fc-thrashing
  available_at '\] kill +bg' 102 2048 "the pages at the fc-thrashing kill (32 MB: critical 102)"
  verdict scenario-fc-thrashing
}

compressor_thrashing_case() {
  scenario scenario-compressor-thrashing "$SCN/compressor-thrashing.scn"
  thrashing_kill 1000 vm-compressor-thrashing
  [ "$(grep -c '\] kill ' "$D/timeline")" = 1 ] || WHY+=("more than one kill")
  [ "$(line_of '\] kill +bg')" -lt "$(line_of '\] exit +front')" ] ||
    WHY+=("the kill came after the app in front had ended")
  verdict scenario-compressor-thrashing
}

# run with --memlimit / --band: one app, no scenario.
run_limit_cases() {
  local root
  root=$(new_root run-memlimit-fatal); D=$root
  emu_run "$root" /dev/null "$D/out" "$D/err" -m 64M --memlimit 12 --band background -- "$APP" grow 30
  ST=$?
  [ "$ST" = 137 ] || WHY+=("exit status $(status_text "$ST"), want 137")
  has '^machemu: jetsam: killed task 1000 \(memapp\), band 30 \(background\): per-process-limit, footprint 12\.0 MB; report reports/JetsamEvent-[0-9-]{17}\.ips$' \
    "$D/err" "the kill line"
  [ -f "$(report_in "$D/reports")" ] && report_names "$(report_in "$D/reports")" memapp per-process-limit $((12 * 64 + 1))
  grep -q '"priority": 30' "$(report_in "$D/reports")" 2>/dev/null || WHY+=("the report does not show band 30")
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
  [ -f "$(report_in "$root/elsewhere/deep")" ] || WHY+=("no report in --reports DIR (made with its parents)")
  verdict run-reports-dir
}

# A malloc three times the RAM (hog's one malloc of 192 MB on 64 MB).
run_overcommit_cases() {
  local root n
  root=$(new_root run-malloc-3x-ram); D=$root
  # --platform macos: an iOS pool stores at most 1.9 times the RAM; swap takes the rest.
  emu_run "$root" /dev/null "$D/out" "$D/err" -m 64M --no-jetsam --platform macos --stats -- \
    "$GUEST/hog" 192 one
  ST=$?
  [ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST"), want 0")
  has '^hog: wrote 192 MB of heap-like data in one malloc$' "$D/out" "the malloc and the writes"
  has '^hog: every word intact, checksum ' "$D/out" "every word read back"
  n=$(sed -nE 's/^Compressions: +([0-9]+)\.$/\1/p' "$D/err")
  [ "${n:-0}" -gt 4096 ] || WHY+=("Compressions ${n:-none}, want more than 4096")
  verdict run-malloc-3x-ram-no-jetsam

  root=$(new_root run-malloc-3x-ram-jetsam); D=$root
  emu_run "$root" /dev/null "$D/out" "$D/err" -m 64M -- "$GUEST/hog" 192 one
  ST=$?
  [ "$ST" = 137 ] || WHY+=("exit status $(status_text "$ST"), want 137")
  grep -q 'malloc of' "$D/out" && WHY+=("the malloc failed")
  has '^machemu: jetsam: killed task 1000 \(hog\), band 100 \(foreground\): vm-pageshortage, ' "$D/err" \
    "the page-shortage kill of a lone app"
  verdict run-malloc-3x-ram-jetsam
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
  [ -f "$(report_in "$D/reports")" ] && report_names "$(report_in "$D/reports")" memapp vm-pageshortage \
    || WHY+=("no report for the lone app's pressure kill")
  verdict run-clock-default-exact
  D=$SCRATCH/run-clock-auto
  read -r a < <(report_times "$(report_in "$D/reports")")
  # Killed in the evaluation that first saw pressure: auto never counted it.
  [ "${a:-}" = "0.0 0.0 false" ] || WHY+=("--clock auto report: '${a:-none}', want '0.0 0.0 false' (untimed, and saying so)")
  cmp -s "$SCRATCH/clock-trace-exact" "$SCRATCH/clock-trace-auto" || WHY+=("the fault traces differ between --clock exact and auto")
  [ -s "$SCRATCH/clock-trace-auto" ] || WHY+=("no fault trace")
  verdict run-clock-auto-says-so

  # A limit makes auto count from the launch: the same figures as exact.
  for clock in exact auto; do
    root=$(new_root "run-clock-limit-$clock"); D=$root
    emu_run "$root" /dev/null "$D/out" "$D/err" -m 64M --clock "$clock" --memlimit 12 -- "$APP" grow 30
  done
  read -r e < <(report_times "$(report_in "$SCRATCH/run-clock-limit-exact/reports")")
  read -r a < <(report_times "$(report_in "$SCRATCH/run-clock-limit-auto/reports")")
  [ -n "${e:-}" ] && [ "${e:-}" = "${a:-}" ] && [ "${e% *}" != "0.0 0.0" ] && [ "${e##* }" = true ] ||
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
  printf 'app a -- ../memapp leak 1\nstate a asleep at 10\n' >"$f"
  bad_case scenario-bad-state 2 "bad\.scn:2: state a: bad states 'asleep'" scenario "$f"
  printf '# nothing\n' >"$f"
  bad_case scenario-no-app 2 "no app to run" scenario "$f"
  bad_case scenario-missing 2 "^machemu: scenario: .*nonexistent\.scn: No such file" scenario "$SCRATCH/nonexistent.scn"
  bad_case scenario-no-jetsam 2 "no-jetsam leaves nothing to watch" scenario --no-jetsam "$SCN/leak.scn"
  bad_case run-bad-band 2 "bad --band 'loud'" run --band loud "$APP" leak 1
  bad_case run-bad-memlimit 2 "bad --memlimit '12:sometimes'" run --memlimit 12:sometimes "$APP" leak 1
  bad_case run-bad-clock 2 "bad --clock 'fast': want auto or exact" run --clock fast "$APP" leak 1
  bad_case run-bad-guest-mips 2 "bad --guest-mips '0': want a number 1 to 1000000" run --guest-mips 0 "$APP" leak 1
  bad_case run-programs-elsewhere 2 "--programs belongs to machemu scenario" run --programs /tmp "$APP" leak 1
}

cache_case
leak_case
limit_case
idle_case
compressor_case
pageshortage_case
highwater_case
notes_cases
idle_cases
fc_thrashing_case
compressor_thrashing_case
run_limit_cases
run_overcommit_cases
run_clock_cases
bad_cases
finish
