#!/usr/bin/env bash
# Integration: the viewer and Jetsam, headless (SDL's dummy video driver), driven by
# --view-script; pixels read back from its PNGs by build/tests/pngpixel.
#  - `machemu scenario --view` on leak.scn prints the timeline of the plain run, line for
#    line, while the script stops the run often (run N, nextfault, until-level,
#    until-kill), and ends with the same status;
#  - at warning: the pressure panel in warning's colour, its gauge on the counters
#    Jetsam judged (the numbers of the timeline's level line); the task panel with each
#    app by the scenario's name, its band (160 home, 100 foreground, 30 background) and
#    "no limit";
#  - stopped after the kill: the leaker gone from the task panel (its row empty), the
#    frames it had free in the grid and ringed in the kill's colour, none owned by it
#    any more; the event log has the kill line (the
#    timeline's cause, in the kill colour on screen), the level lines around it; the
#    pressure panel at the level the timeline reached;
#  - limit.scn: the fatal 24 MB limit's tick on the footprint bar, the footprint just
#    under it at PROC_LIMIT_WARN; the app gone after per-process-limit;
#  - run --view --memlimit 12:soft: the soft limit's tick, the bar past it in its colour;
#  - --no-jetsam: the task panel says so, until-kill refuses; bad options.
# Run on its own: tests/integration/test_view_jetsam.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }
if emulator_is_qemu_standin; then
  skip view-jetsam "the qemu stand-in has no viewer"
  finish
  exit 0
fi
# shellcheck source=tests/integration/view_lib.sh
. "$(dirname "$0")/view_lib.sh"
require_pngpixel || { finish; exit 1; }
SCN=$G/scenarios

# The apps get the host's environment, whose size moves their first stack and so
# every count after it: both sides of a comparison run with this one.
FIXED_ENV=(env -i LC_ALL=C SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy)

# session NAME SCRIPT -- COMMAND ARGS...: runs `machemu COMMAND --root R --view-script
# SCRIPT ARGS...` (@D@ in SCRIPT is the session's directory) in a fresh root R; $D/out,
# $D/err, $RC; the timeline (the lines that are not the script's) in $D/timeline.
session() {
  local name=$1 script=$2 cmd=$4; shift 4
  D="$SCRATCH/$name.out"
  rm -rf "$D"; mkdir -p "$D"
  printf '%s\n' "${script//@D@/$D}" >"$D/script"
  local root; root=$(new_root "$name") alone=()
  [ "$cmd" = scenario ] || alone=("${ALONE[@]}")
  (cd "$root" && "${FIXED_ENV[@]}" timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" "$cmd" --root "$root" "${alone[@]}" \
      --view-script "$D/script" "$@" </dev/null >"$D/out" 2>"$D/err") 2>/dev/null
  RC=$?
  grep -v '^view[:>] ' "$D/out" >"$D/timeline"
}

# plain NAME FILE: the scenario without the viewer; its stdout in $SCRATCH/NAME.plain.out.
plain() {
  local root; root=$(new_root "$1.plain")
  (cd "$root" && "${FIXED_ENV[@]}" timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" scenario --root "$root" "$2" \
      </dev/null >"$SCRATCH/$1.plain.out" 2>/dev/null)
  PLAIN_RC=$?
}

# task_bar PID [K]: "X Y W H LIMIT_X" of the K-th layout's footprint bar of task PID.
task_bar() {
  awk -v p="view: task-bar $1 " -v k="${2:-1}" 'index($0, p) == 1 && ++c == k { print; exit }' \
    "$D/out" | sed -E 's/^view: task-bar [0-9]+ //; s/[a-z]+=//g'
}

# at_line EVENT: the instruction count of the script's first "view: at N: EVENT..." line.
at_line() { grep -m1 "^view: at [0-9]*: $1" "$D/out" | sed -n 's/^view: at \([0-9]*\): .*/\1/p'; }

# --- leak.scn in the viewer ---------------------------------------------------------------
leak_in_viewer() {
  plain leak "$SCN/leak.scn"
  session view-leak "run 1234567
nextfault
until-level warning
counters
layout
tasks
owned 1002
snapshot @D@/warning.png
run 777777
until-level critical
until-kill
log 40
tasks
owned 1002
counters
layout
snapshot @D@/killed.png
continue
quit" -- scenario --view "$SCN/leak.scn"
  [ "$RC" = "$PLAIN_RC" ] && [ "$RC" = 0 ] || WHY+=("exit status $RC, the plain run's $PLAIN_RC")
  grep -q '^\[ *[0-9]*\] kill ' "$SCRATCH/leak.plain.out" || WHY+=("the plain run killed nothing")
  cmp -s "$SCRATCH/leak.plain.out" "$D/timeline" ||
    WHY+=("the timeline differs from the plain run's: $(diff "$SCRATCH/leak.plain.out" "$D/timeline" | head -n 4 | tr '\n' ' ')")
  verdict view-scenario-same-timeline

  # At warning: Jetsam's level, on the counters the timeline's level line shows.
  local tl_warn nc av
  tl_warn=$(grep -m1 '\] level  *normal -> warning: ' "$D/timeline")
  read -r nc av <<<"$(sed -n 's/.* non-compressed \([0-9]*\) of \([0-9]*\),.*/\1 \2/p' <<<"$tl_warn")"
  [ "$(at_line 'level normal -> warning')" = "$(sed -n 's/^\[ *\([0-9]*\)\].*/\1/p' <<<"$tl_warn")" ] ||
    WHY+=("until-level stopped at $(at_line 'level normal -> warning'), the timeline says: $tl_warn")
  [ "$(counter level 1)" = warning ] && [ "$(counter level_from 1)" = jetsam ] &&
    [ "$(counter non_compressed 1)" = "$nc" ] && [ "$(counter available 1)" = "$av" ] ||
    WHY+=("counters $(counter level 1) from $(counter level_from 1), $(counter non_compressed 1) of $(counter available 1); the timeline: $nc of $av")
  check_pressure_panel "$D/warning.png" 1
  local band
  for band in '1000 springboard 160 home' '1001 front 100 foreground' '1002 leaky 30 background'; do
    read -r pid app num name <<<"$band"
    awk -v p="view: $pid $app " -v b="view:   band $num $name, no limit" \
      'index($0, p) == 1 { getline; if ($0 == b) ok = 1; exit } END { exit !ok }' "$D/out" ||
      WHY+=("the task panel does not say task $pid ($app) is in band $num $name with no limit")
  done
  verdict view-scenario-warning

  # After the kill.
  local tl_kill cause frames list killed_at last_level
  tl_kill=$(grep -m1 '\] kill  *leaky (pid 1002)' "$D/timeline")
  cause=$(sed -n 's/.*(background): \([a-z-]*\), footprint.*/\1/p' <<<"$tl_kill")
  killed_at=$(sed -n 's/^\[ *\([0-9]*\)\].*/\1/p' <<<"$tl_kill")
  [ -n "$cause" ] && [ "$(at_line "kill 1002 leaky, band 30: $cause, ")" = "$killed_at" ] ||
    WHY+=("until-kill did not stop at the timeline's kill: $tl_kill")
  grep -Eq "^view: log kill 1002 leaky, band 30: $cause, [0-9.]+ MB$" "$D/out" ||
    WHY+=("no kill line in the event log")
  # The rise to critical is read at its own stop: between it and the kill the reader's
  # pageins may fill the log's 512 lines.
  grep -Eq '^view: (log|at [0-9]+:) level warning -> critical \([0-9]+% uncompressed' "$D/out" &&
    grep -Eq '^view: log level critical -> normal \([0-9]+% uncompressed\)$' "$D/out" ||
    WHY+=("no level lines around the kill in the event log")
  # The level the timeline reached by then is the panel's.
  last_level=$(sed -n 's/^\[ *\([0-9]*\)\] level  *[a-z]* -> \([a-z]*\):.*/\1 \2/p' "$D/timeline" |
    awk -v t="$killed_at" '$1 + 0 <= t + 0 { l = $2 } END { print l }')
  [ "$(counter level 2)" = "$last_level" ] || WHY+=("panel at $(counter level 2), the timeline reached $last_level")
  check_pressure_panel "$D/killed.png" 2
  grep -q '^view: 1002 leaky ' <<<"$(awk '/^view> tasks$/ { n++ } n == 2' "$D/out")" &&
    WHY+=("task 1002 still in the task panel after its kill")
  [ -z "$(task_bar 1002 2)" ] && [ -n "$(task_bar 1001 2)" ] || WHY+=("task bars after the kill: $(grep 'task-bar' "$D/out" | tr '\n' ' ')")
  # Its row of the panel (the third) is empty now: no bar where it was.
  read -r bx by bw _ _ <<<"$(task_bar 1002 1)"
  [ -n "$by" ] && "$PNGPIXEL" "$D/killed.png" row $((by + 2)) "$bx" $((bx + bw - 1)) | grep -qv " $RGB_BG\$" &&
    WHY+=("something is drawn where task 1002's bar was")
  # The frames it owned when it was killed: free now, ringed in the kill's colour. The
  # access that made Jetsam kill may have taken one since.
  local owned_warn
  owned_warn=$(sed -n 's/^view: owned 1002 frames=\([0-9]*\) .*/\1/p' "$D/out" | head -n 1)
  read -r frames list <<<"$(sed -n 's/^view: released \([0-9]*\) frames of task 1002: \(.*\)$/\1 \2/p' "$D/out")"
  grep -q '^view: owned 1002 frames=0 first=none$' "$D/out" || WHY+=("frames still owned by 1002 after its kill")
  grid_geometry || WHY+=("no grid geometry")
  if [ "${frames:-0}" -lt 16 ] || [ "${owned_warn:-0}" -lt 16 ]; then
    WHY+=("task 1002 owned ${owned_warn:-no} frames at warning and ${frames:-no} at its kill")
  elif [ ${#WHY[@]} -eq 0 ]; then
    local free=0 ringed=0 pfn
    for pfn in ${list//,/ }; do
      [ "$(cell_pixel "$D/killed.png" "$pfn")" = $RGB_FREE ] && free=$((free + 1))
      [ "$(cell_pixel "$D/killed.png" "$pfn" corner)" = $RGB_KILL ] && ringed=$((ringed + 1))
    done
    [ "$free" -ge 15 ] && [ "$ringed" -ge 15 ] ||
      WHY+=("of 16 frames task 1002 had at its kill, $free are free-coloured and $ringed ringed #$RGB_KILL")
  fi
  # The kill line on screen, in its colour, inside the event log.
  read -r lx ly lw lh <<<"$(gauge log-panel 2)"
  local y red=0
  for y in $(seq "$ly" 2 $((ly + lh - 1))); do
    "$PNGPIXEL" "$D/killed.png" row "$y" "$lx" $((lx + lw - 1)) | grep -q " $RGB_KILL\$" && red=$((red + 1))
  done
  [ "$red" -ge 2 ] || WHY+=("no text in the kill colour #$RGB_KILL in the event log")
  verdict view-scenario-kill
}

# --- limit.scn: a fatal limit on the footprint bar --------------------------------------------
limit_in_viewer() {
  session view-limit "until-note
tasks
layout
snapshot @D@/limit.png
until-kill
tasks
quit" -- scenario --view "$SCN/limit.scn"
  grep -q '^view: at [0-9]*: note PROC_LIMIT_WARN -> 1000 front: to its handler$' "$D/out" ||
    WHY+=("no stop at PROC_LIMIT_WARN")
  grep -q '^view:   band 100 foreground, limit 24 MB fatal$' "$D/out" &&
    grep -q '^view:   band 40 mail, no limit$' "$D/out" || WHY+=("the task panel does not show the limits")
  local bx by bw bh lx mx fill_end got
  read -r bx by bw bh lx <<<"$(task_bar 1000)"
  read -r _ _ _ _ mx <<<"$(task_bar 1001)"
  [ "${lx:--1}" -gt "${bx:-0}" ] && [ "$mx" = -1 ] || WHY+=("limit ticks: $lx for 1000, $mx for 1001 (want one, none)")
  if [ ${#WHY[@]} -eq 0 ]; then
    got=$("$PNGPIXEL" "$D/limit.png" at "$lx" $((by - 2)))
    [ "$got" = $RGB_LIMIT_FATAL ] || WHY+=("the limit's tick is #$got, want fatal #$RGB_LIMIT_FATAL")
    # At 80% of the limit: the footprint ends between 80% and 100% of the way to the tick.
    fill_end=$("$PNGPIXEL" "$D/limit.png" row $((by + 2)) "$bx" $((lx - 1)) |
      awk -v bg=$RGB_GAUGE_BG '$2 != bg { split($1, r, "-"); e = r[2] } END { print e + 0 }')
    [ "$fill_end" -ge $((bx + (lx - bx) * 8 / 10 - 2)) ] && [ "$fill_end" -lt "$lx" ] ||
      WHY+=("footprint ends at x=$fill_end, want 80%..100% of the way from $bx to the limit at $lx")
  fi
  grep -q '^view: at [0-9]*: kill 1000 front, band 100: per-process-limit, 24\.[0-9] MB$' "$D/out" ||
    WHY+=("no stop at the per-process-limit kill")
  [ "$(grep -c '^view: 1000 front ' "$D/out")" = 1 ] || WHY+=("task 1000 still listed after its kill")
  verdict view-scenario-limit
}

# --- a soft limit: the bar goes past it ----------------------------------------------------------
soft_limit() {
  session view-soft "until-note
until-note
run 3000000
tasks
layout
snapshot @D@/soft.png
quit" -- run --view -m 64M --memlimit 12:soft "$G/memapp" grow 30
  grep -q '^view: at [0-9]*: note PROC_LIMIT_CRITICAL -> 1000 memapp: to its handler$' "$D/out" &&
    grep -q '^view:   band 100 foreground, limit 12 MB soft$' "$D/out" || WHY+=("no PROC_LIMIT_CRITICAL or no soft limit in the panel")
  local bx by bw bh lx end got
  read -r bx by bw bh lx <<<"$(task_bar 1000)"
  if [ "${lx:--1}" -le "${bx:-0}" ]; then
    WHY+=("no limit tick")
  else
    got=$("$PNGPIXEL" "$D/soft.png" at "$lx" $((by - 2)))
    [ "$got" = $RGB_LIMIT_SOFT ] || WHY+=("the limit's tick is #$got, want soft #$RGB_LIMIT_SOFT")
    end=$("$PNGPIXEL" "$D/soft.png" row $((by + 2)) $((lx + 2)) $((bx + bw - 1)) |
      awk -v c=$RGB_LIMIT_SOFT 'NR == 1 && $2 == c { split($1, r, "-"); print r[2] }')
    [ -n "$end" ] && [ "$end" -gt $((lx + 4)) ] || WHY+=("the bar past the soft limit is not in its colour")
  fi
  verdict view-soft-limit
}

# --- no Jetsam, bad input ---------------------------------------------------------------------------
no_jetsam() {
  session view-no-jetsam "tasks
until-kill" -- view -m 16M --no-jetsam "$G/faults" touch 4
  grep -q '^view:   no Jetsam (--no-jetsam): no band, no limit$' "$D/out" ||
    WHY+=("the task panel does not say there is no Jetsam")
  [ "$RC" = 2 ] && grep -q 'until-kill: no Jetsam on this machine' "$D/out" || WHY+=("until-kill without Jetsam: $RC")
  local out rc
  out=$("${EMU[@]}" scenario --snapshot x.png "$SCN/leak.scn" 2>&1); rc=$?
  [ $rc = 2 ] && grep -q 'scenario --view' <<<"$out" || WHY+=("scenario --snapshot without --view: $rc $out")
  out=$(printf 'until-level sideways\n' | "${EMU[@]}" scenario --view --view-script /dev/stdin "$SCN/limit.scn" 2>&1); rc=$?
  [ $rc = 2 ] && grep -q 'want until-level normal|warning|critical' <<<"$out" || WHY+=("until-level sideways: $rc")
  D=$SCRATCH; verdict view-jetsam-bad-input
}

leak_in_viewer
limit_in_viewer
soft_limit
no_jetsam
finish
