#!/usr/bin/env bash
# Integration: the viewer telling the pressure story (docs/viewer.md), headless, driven by
# --view-script, pixels read back by build/tests/pngpixel.
#  - --pause-on: `play` runs as the window does and stops at Jetsam's kill (or level
#    change) with its line (view-pause-on, view-pause-on-level); a bad word is refused;
#  - Jetsam's own log keeps the level, note and kill lines that thousands of fault lines
#    push out of the event log; at the end both logs have the summary line (who was
#    killed, why, the compressor's peak); on screen the Jetsam panel shows the kill line
#    in the kill's colour (view-jetsam-log);
#  - a 900x600 window: the legend's lines all inside it, the help box holding its longest
#    line (view-fit-900x600); the address-space pane prints every region name whole
#    ("mapped file", "stack guard") (view-region-names);
#  - the timeline lane after leak.scn's kill: the level band normal, warning, critical,
#    the kill's tick where `layout` says (view-timeline);
#  - `view` with no display says so and names --snapshot and xvfb-run (view-no-display).
# Run on its own: tests/integration/test_view_story.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }
if emulator_is_qemu_standin; then
  skip view-story "the qemu stand-in has no viewer"
  finish
  exit 0
fi
# shellcheck source=tests/integration/view_lib.sh
. "$(dirname "$0")/view_lib.sh"
require_pngpixel || { finish; exit 1; }
SCN=$G/scenarios
FIXED_ENV=(env -i LC_ALL=C SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy)

# session NAME SCRIPT COMMAND ARGS...: `machemu COMMAND --root R --view-script S ARGS...`.
session() {
  local name=$1 script=$2 cmd=$3; shift 3
  D="$SCRATCH/$name.out"; rm -rf "$D"; mkdir -p "$D"
  printf '%s\n' "${script//@D@/$D}" >"$D/script"
  local root; root=$(new_root "$name")
  (cd "$root" && "${FIXED_ENV[@]}" timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" "$cmd" --root "$root" \
      --view-script "$D/script" "$@" </dev/null >"$D/out" 2>"$D/err") 2>/dev/null
  RC=$?
}
has() { grep -qE -- "$2" "$1"; }

session view-pause-on $'play\nplay\nquit' scenario --view --pause-on kill "$SCN/leak.scn"
[ "$RC" = 0 ] || WHY+=("exit status $RC")
first=$(grep -m1 '^view: paused at ' "$D/out")
grep -qE '^view: paused at [0-9]+: kill 1002 leaky, band 30: vm-(pageshortage|compressor-space-shortage), [0-9.]+ MB$' <<<"$first" ||
  WHY+=("the first pause is not the kill: '$first'")
has "$D/out" '^view: the run is over$' || WHY+=("the second play did not run to the end")
verdict view-pause-on

session view-pause-on-level $'play\nquit' scenario --view --pause-on level,note "$SCN/leak.scn"
has "$D/out" '^view: paused at [0-9]+: level normal -> warning \([0-9]+% uncompressed\)$' ||
  WHY+=("no pause at the first level change: $(grep '^view: paused' "$D/out")")
out=$("${EMU[@]}" view --pause-on sideways "$G/hello" 2>&1); rc=$?
[ "$rc" = 2 ] && grep -q "^machemu: bad --pause-on 'sideways': want kill, level or note" <<<"$out" ||
  WHY+=("a bad --pause-on: $rc $out")
verdict view-pause-on-level

session view-jetsam-log $'until-kill\nlog 40\njetsam-log 40\ncontinue\nlog 3\njetsam-log 3\nlayout\nsnapshot @D@/end.png\nquit' \
  scenario --view "$SCN/leak.scn"
[ "$RC" = 0 ] || WHY+=("exit status $RC")
# after the kill: the Jetsam log holds level, note and kill, and no fault line
j=$(grep -c '^view: jetsam-log ' "$D/out")
has "$D/out" '^view: jetsam-log level normal -> warning ' || WHY+=("no level line in the Jetsam log")
has "$D/out" '^view: jetsam-log note WARN -> 1002 leaky: ' || WHY+=("no note line in the Jetsam log")
has "$D/out" '^view: jetsam-log kill 1002 leaky, band 30: ' || WHY+=("no kill line in the Jetsam log")
grep -E '^view: jetsam-log ' "$D/out" | grep -qE ' (obj|pfn) ' && WHY+=("a fault line in the Jetsam log")
# the same lines were pushed out of the event log by faults before the kill
grep -qE '^view: log note WARN -> 1002 leaky' "$D/out" && WHY+=("the event log still had the first note (test too weak)")
summary='end: 1 killed: leaky \(pid 1002\): vm-(pageshortage|compressor-space-shortage); peak compressor [0-9]+ pages \([0-9.]+ MB\)$'
has "$D/out" "^view: log $summary" || WHY+=("no summary line in the event log")
has "$D/out" "^view: jetsam-log $summary" || WHY+=("no summary line in the Jetsam log")
read -r jx jy jw jh <<<"$(gauge jetsam-log-panel)"
if [ "${jh:-0}" -gt 0 ]; then
  red=0
  for y in $(seq "$jy" 2 $((jy + jh - 1))); do
    "$PNGPIXEL" "$D/end.png" row "$y" "$jx" $((jx + jw - 1)) | grep -q " $RGB_KILL\$" && red=$((red + 1))
  done
  [ "$red" -ge 2 ] || WHY+=("no text in the kill colour #$RGB_KILL in the Jetsam panel")
else
  WHY+=("no Jetsam panel at 1280x800")
fi
[ "${j:-0}" -ge 4 ] || WHY+=("$j Jetsam log lines")
verdict view-jetsam-log

# The timeline lane after the kill: the level band normal, then warning and critical, and
# the kill's tick where the layout puts it.
session view-timeline $'until-level warning\nuntil-kill\nlayout\nsnapshot @D@/tl.png\nquit' \
  scenario --view "$SCN/leak.scn"
read -r tx ty tw th <<<"$(gauge timeline)"
kx=$(sed -nE 's/^view: timeline-mark kill at=[0-9]+ x=([0-9]+)$/\1/p' "$D/out" | head -n 1)
wx=$(sed -nE 's/^view: timeline-mark level at=[0-9]+ x=([0-9]+)$/\1/p' "$D/out" | head -n 1)
if [ -z "${th:-}" ] || [ "${th:-0}" = 0 ] || [ -z "$kx" ] || [ -z "$wx" ]; then
  WHY+=("no lane ($tx $ty $tw $th) or no kill/level mark ($kx, $wx)")
else
  band=$("$PNGPIXEL" "$D/tl.png" row $((ty + 1)) "$tx" $((tx + tw - 1)))
  grep -q " $RGB_NORMAL\$" <<<"$band" || WHY+=("no normal in the level band")
  grep -q " $RGB_WARNING\$" <<<"$band" || WHY+=("no warning in the level band")
  grep -q " $RGB_CRITICAL\$" <<<"$band" || WHY+=("no critical in the level band")
  [ "$("$PNGPIXEL" "$D/tl.png" at $((tx + 2)) $((ty + 1)))" = $RGB_NORMAL ] || WHY+=("the band does not start normal")
  [ "$("$PNGPIXEL" "$D/tl.png" at $((kx - 1)) $((ty + th / 2)))" = $RGB_KILL ] ||
    WHY+=("no kill tick at x=$((kx - 1)): #$("$PNGPIXEL" "$D/tl.png" at $((kx - 1)) $((ty + th / 2)))")
  [ "$wx" -lt "$kx" ] || WHY+=("the warning mark ($wx) is not before the kill ($kx)")
fi
verdict view-timeline

session view-fit-900x600 $'run 2000000\nlayout\nkey h\nlayout\nquit' view --view-size 900x600 -m 256M "$G/hello"
read -r lx ly lw lh <<<"$(gauge legend)"
bottom=$(sed -nE 's/^view: legend-used bottom=([0-9]+)$/\1/p' "$D/out" | head -n 1)
[ -n "$bottom" ] && [ "$bottom" -le $((ly + lh)) ] && [ $((ly + lh)) -le 600 ] ||
  WHY+=("legend: used to $bottom, box $ly+$lh, window 600")
read -r hx hy hw hh <<<"$(gauge help-box)"
tw=$(sed -nE 's/^view: help-text x=[0-9]+ w=([0-9]+)$/\1/p' "$D/out")
[ -n "$tw" ] && [ "$tw" -lt "${hw:-0}" ] && [ "${hx:-0}" -ge 0 ] && [ $((hx + hw)) -le 900 ] && [ $((hy + hh)) -le 600 ] ||
  WHY+=("help: text $tw wide in a box $hx+$hw x $hy+$hh (900x600)")
verdict view-fit-900x600

session view-region-names $'until-fault pagein 0x7d0000000000\npane address\nlayout\nquit' view -m 16M "$G/viewpages" 32 24
n=$(grep -c '^view: strip 0x[0-9a-f]*-0x[0-9a-f]* label whole$' "$D/out")
[ "${n:-0}" -ge 3 ] || WHY+=("$n strips with whole labels")
grep -q '^view: strip .* label cut$' "$D/out" && WHY+=("a cut label")
verdict view-region-names

root=$(new_root view-no-display)
(cd "$root" && SDL_VIDEODRIVER=dummy timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" view --root "$root" "$G/hello" \
   >"$root.out" 2>"$root.err")
rc=$?
[ "$rc" = 0 ] || WHY+=("exit status $rc")
grep -q "^machemu: view: no display (SDL's video driver is 'dummy'): nothing is shown, .*--snapshot FILE.png.*xvfb-run" "$root.err" ||
  WHY+=("no line saying there is no display: $(head -c 300 "$root.err")")
grep -q '^hello, world$' "$root.out" || WHY+=("the program did not run")
D=$root
verdict view-no-display

finish
