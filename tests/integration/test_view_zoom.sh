#!/usr/bin/env bash
# Integration: the viewer's frame grid at any RAM size, its flashes and its end (docs/viewer.md),
# headless, driven by --view-script, pixels read back by build/tests/pngpixel.
#  - the cell size is chosen from the RAM: 256 MB shows every frame at 5 pixels or more
#    a side, 1 GB too and scrolls (never the 2-pixel strips of fitting all); zoom 0 fits
#    every frame, `key z` and zoom N double the side; `scroll` moves the rows, the
#    first free frame's cell is drawn where the scrolled layout says, the scroll bar's
#    thumb sits where the rows shown are (view-cell-size);
#  - a fault's ring fades: the flash's own colour at once, blended three resumes later,
#    gone after six (view-flash-fade);
#  - the end: a --snapshot after the program exited shows its frames as they were
#    before the teardown, not a free grid (view-end-state).
# Run on its own: tests/integration/test_view_zoom.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }
if emulator_is_qemu_standin; then
  skip view-zoom "the qemu stand-in has no viewer"
  finish
  exit 0
fi
# shellcheck source=tests/integration/view_lib.sh
. "$(dirname "$0")/view_lib.sh"
require_pngpixel || { finish; exit 1; }
FIXED_ENV=(env -i LC_ALL=C SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy)

# session NAME SCRIPT ARGS...: `machemu view --root R --view-script S ARGS...`.
session() {
  local name=$1 script=$2; shift 2
  D="$SCRATCH/$name.out"; rm -rf "$D"; mkdir -p "$D"
  printf '%s\n' "${script//@D@/$D}" >"$D/script"
  local root; root=$(new_root "$name")
  (cd "$root" && "${FIXED_ENV[@]}" timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" view --root "$root" \
      --view-script "$D/script" "$@" </dev/null >"$D/out" 2>"$D/err") 2>/dev/null
  RC=$?
}
# grid K FIELD: FIELD= of the K-th `layout` grid line
grid() { grep '^view: grid ' "$D/out" | sed -n "${1}p" | sed -n "s/.* $2=\\([0-9]*\\).*/\\1/p"; }

session view-cell-256m $'layout\nquit' -m 256M "$G/hello"
c=$(grid 1 cell); r=$(grid 1 rows); t=$(grid 1 total_rows)
[ "${c:-0}" -ge 5 ] && [ "$(grid 1 per_cell)" = 1 ] || WHY+=("256 MB: cells of $c pixels")
[ -n "$r" ] && [ "$r" = "$t" ] || WHY+=("256 MB: $r of $t rows shown")
session view-cell-size $'layout\nzoom 0\nlayout\nzoom 1\nkey z\nlayout\nzoom 3\nlayout\nzoom 1\nscroll 40\nlayout\nframes free\nsnapshot @D@/scrolled.png\nquit' \
  -m 1G "$G/hello"
c1=$(grid 1 cell)
[ "${c1:-0}" -ge 5 ] && [ "$(grid 1 per_cell)" = 1 ] || WHY+=("1 GB: cells of $c1 pixels, $(grid 1 per_cell) frames each")
[ "$(grid 1 rows)" -lt "$(grid 1 total_rows)" ] 2>/dev/null || WHY+=("1 GB at 5 pixels fits? $(grid 1 rows) of $(grid 1 total_rows) rows")
[ "$(grid 2 rows)" = "$(grid 2 total_rows)" ] && [ $(( $(grid 2 cols) * $(grid 2 rows) * $(grid 2 per_cell) )) -ge 65536 ] ||
  WHY+=("zoom 0 does not show every frame")
[ "$(grid 2 cell)" -lt "$c1" ] 2>/dev/null || WHY+=("zoom 0 is not smaller")
[ "$(grid 3 cell)" = $((2 * ${c1:-0})) ] && [ "$(grid 3 zoom)" = 2 ] || WHY+=("key z: cell $(grid 3 cell), zoom $(grid 3 zoom)")
[ "$(grid 4 cell)" = $((4 * ${c1:-0})) ] || WHY+=("zoom 3: cell $(grid 4 cell)")
[ "$(grid 5 first_row)" = 40 ] || WHY+=("scroll 40: first row $(grid 5 first_row)")
free=$(sed -nE 's/^view: frames free=[0-9]+ first=([0-9]+)$/\1/p' "$D/out")
if ! grid_geometry 5 || [ -z "$free" ]; then
  WHY+=("no scrolled layout or no free frame")
else
  row=$((free / COLS))
  if [ "$row" -lt 40 ] || [ "$row" -ge $((40 + $(grid 5 rows))) ]; then
    WHY+=("the first free frame ($free) is not in the rows shown")
  else
    expect_cell "$D/scrolled.png" "$free" $RGB_FREE "the first free frame, scrolled"
  fi
  rows=$(grid 5 rows) total=$(grid 5 total_rows)
  bx=$((GX + COLS * CELL + 4)) by=$((GY + rows * CELL * 40 / total + 2))
  [ "$("$PNGPIXEL" "$D/scrolled.png" at "$bx" "$by")" = a0a0a8 ] || WHY+=("no scroll thumb at $bx,$by")
  [ "$("$PNGPIXEL" "$D/scrolled.png" at "$bx" $((GY + 1)))" = 24242c ] || WHY+=("no scroll track above the thumb")
fi
verdict view-cell-size

# the zero fill of viewpages' first anonymous page, its frame from the session's own trace
ANON=0x7e0000000000
s="until-fault zero $ANON
layout
snapshot @D@/age0.png"
for i in 1 2 3; do s+=$'\nrun 1'; done
s+=$'\nsnapshot @D@/age3.png'
for i in 4 5 6; do s+=$'\nrun 1'; done
s+=$'\nsnapshot @D@/age6.png\nquit'
session view-flash-fade "$s" -m 16M --no-jetsam --trace-faults="$SCRATCH/fade.trace" "$G/viewpages" 32 24
pfn=$(grep -m1 "^fault task=[0-9]* va=$ANON access=. kind=zero-fill " "$SCRATCH/fade.trace" |
  sed -n 's/.* pfn=\([0-9]*\) .*/\1/p')
if [ -z "$pfn" ] || ! grid_geometry; then
  WHY+=("no zero-fill of $ANON in the trace, or no layout")
else
  corner() { cell_pixel "$D/$1.png" "$pfn" corner; }
  centre() { cell_pixel "$D/$1.png" "$pfn"; }
  [ "$(corner age0)" = $RGB_ZERO_FILL_FLASH ] || WHY+=("no ring at once: #$(corner age0)")
  [ "$(corner age3)" != $RGB_ZERO_FILL_FLASH ] && [ "$(corner age3)" != "$(centre age3)" ] ||
    WHY+=("not fading after 3 resumes: ring #$(corner age3), cell #$(centre age3)")
  [ "$(corner age6)" = "$(centre age6)" ] || WHY+=("still a ring after 6 resumes: #$(corner age6), cell #$(centre age6)")
fi
verdict view-flash-fade

# compress 8 writes 8 MB and exits: the picture at the end still has them
D="$SCRATCH/view-end-state.out"; mkdir -p "$D"
root=$(new_root view-end-state)
(cd "$root" && "${FIXED_ENV[@]}" timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" view --root "$root" -m 16M \
   --snapshot "$D/end.png" --view-script <(printf 'layout\n') "$G/compress" 8 >"$D/out" 2>"$D/err") 2>/dev/null
RC=$?
[ "$RC" = 0 ] || WHY+=("exit status $RC")
if ! grid_geometry; then
  WHY+=("no layout")
else
  anon=0
  for ((r = 0; r < $(grid 1 rows); r++)); do
    y=$((GY + r * CELL + CELL / 2))
    n=$("$PNGPIXEL" "$D/end.png" row "$y" "$GX" $((GX + COLS * CELL - 1)) |
      awk -v a=$RGB_ACTIVE_ANON -v i=$RGB_INACTIVE_ANON -v c=$RGB_COMPRESSOR \
        '$2 == a || $2 == i || $2 == c { split($1, x, "-"); n += x[2] - x[1] + 1 } END { print n + 0 }')
    anon=$((anon + n))
  done
  anon=$((anon / (CELL - 1)))    # a cell's colour is CELL - 1 pixels wide: one is the gap
  # 8 MB is 512 frames of 16 KB
  [ "$anon" -ge 500 ] || WHY+=("$anon anonymous cells in the picture at the end, want 8 MB's 512")
fi
verdict view-end-state

finish
