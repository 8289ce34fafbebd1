# shellcheck shell=bash disable=SC2034
# What the viewer's tests share (test_view.sh, test_view_jetsam.sh), sourced after lib.sh:
# the palette docs/viewer.md documents (tools/view_model.c), and reading a transcript of a
# --view-script ($D/out) and its PNGs (build/tests/pngpixel, libpng).

G=$GUEST
PNGPIXEL=$BUILD/tests/pngpixel
export SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy

RGB_FREE=2a2d38 RGB_ACTIVE_ANON=93c056 RGB_INACTIVE_ANON=e6b529 RGB_COMPRESSOR=46c87e
RGB_ZERO_FILL_FLASH=ffe815 RGB_DECOMPRESS_FLASH=0a00d1 RGB_FREE_GAUGE=49928e RGB_GAUGE_BG=24242c
RGB_NORMAL=3cc850 RGB_WARNING=f0c83c RGB_CRITICAL=e63c3c
RGB_TASK_1000=eb5271 RGB_TASK_1001=52eb60 RGB_MAPPED=93c056 RGB_IN_OBJECT=e6b529
RGB_LIMIT_FATAL=ff3c3c RGB_LIMIT_SOFT=ff8cc8 RGB_KILL=d4276b RGB_BG=101014

# require_pngpixel: false (with a FAIL line) if the PNG reader is not built.
require_pngpixel() {
  [ -x "$PNGPIXEL" ] || { fail view "$PNGPIXEL not built (run make)"; return 1; }
}

# level_rgb LEVEL: the colour of a pressure level.
level_rgb() {
  case $1 in normal) echo $RGB_NORMAL ;; warning) echo $RGB_WARNING ;; *) echo $RGB_CRITICAL ;; esac
}

# grid_geometry [K]: reads the K-th (default first) "view: grid ..." of the transcript into
# GX GY CELL COLS PER and FIRST (the row shown at the top; 0 unless scrolled).
grid_geometry() {
  local line; line=$(grep '^view: grid ' "$D/out" | sed -n "${1:-1}p")
  GX=$(sed -n 's/.* x=\([0-9]*\) .*/\1/p' <<<"$line")
  GY=$(sed -n 's/.* y=\([0-9]*\) .*/\1/p' <<<"$line")
  CELL=$(sed -n 's/.* cell=\([0-9]*\) .*/\1/p' <<<"$line")
  COLS=$(sed -n 's/.* cols=\([0-9]*\) .*/\1/p' <<<"$line")
  PER=$(sed -n 's/.* per_cell=\([0-9]*\) .*/\1/p' <<<"$line")
  FIRST=$(sed -n 's/.* first_row=\([0-9]*\) .*/\1/p' <<<"$line"); FIRST=${FIRST:-0}
  [ -n "$GX" ] && [ -n "$CELL" ] && [ -n "$COLS" ] && [ "${PER:-0}" -ge 1 ]
}

# cell_pixel PNG PFN [corner]: the colour at the centre (or top-left corner) of a frame's cell.
cell_pixel() {
  local png=$1 pfn=$2 where=${3:-centre} c=$(( $2 / PER ))
  local x=$(( GX + (c % COLS) * CELL )) y=$(( GY + (c / COLS - ${FIRST:-0}) * CELL ))
  if [ "$where" = centre ]; then x=$(( x + CELL / 2 )); y=$(( y + CELL / 2 )); fi
  "$PNGPIXEL" "$png" at "$x" "$y"
}

# expect_cell PNG PFN RGB WHAT [corner]
expect_cell() {
  local got; got=$(cell_pixel "$1" "$2" "${5:-centre}")
  [ "$got" = "$3" ] || WHY+=("$4: frame $2 is #$got, want #$3")
}

# gauge NAME [K]: "X Y W H" of the K-th (default first) `layout` line for NAME.
gauge() {
  awk -v n="view: $1 " -v k="${2:-1}" 'index($0, n) == 1 && ++c == k { print; exit }' "$D/out" |
    sed -E 's/^view: [a-z-]+ //; s/[a-z_]+=//g'
}
# counter NAME [K]: NAME= of the K-th (default first) `counters` line.
counter() {
  awk -v k="${2:-1}" '/^view: counters / && ++c == k { print; exit }' "$D/out" |
    sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p"
}

# first_run PNG Y X0 X1: the length of the run of one colour that starts at X0, and its colour.
first_run() {
  "$PNGPIXEL" "$1" row "$2" "$3" "$4" | awk 'NR == 1 { split($1, r, "-"); print r[2] - r[1] + 1, $2 }'
}

# check_pressure_panel PNG [K]: with the K-th `counters` and `layout`: the swatch in the
# level's colour, the available gauge filled to the uncompressed share of the available
# memory the level was judged on, the compressor's bar to its frames.
check_pressure_panel() {
  local png=$1 k=${2:-1} level want_rgb sx sy ax ay aw fx fy fw len rgb want fill lit got
  level=$(counter level "$k")
  want_rgb=$(level_rgb "$level")
  read -r sx sy _ _ <<<"$(gauge pressure-swatch "$k")"
  got=$("$PNGPIXEL" "$png" at $((sx + 2)) $((sy + 2)))
  [ "$got" = "$want_rgb" ] || WHY+=("pressure swatch #$got, want $level #$want_rgb")
  read -r ax ay aw _ <<<"$(gauge available-gauge "$k")"
  want=$(awk -v nc="$(counter non_compressed "$k")" -v av="$(counter available "$k")" -v w="$aw" \
    'BEGIN { printf "%d", (av ? nc / av : 0) * w + 0.5 }')
  # The four thresholds cross the gauge as 1-pixel ticks, inside the filled part or not.
  read -r len rgb <<<"$(first_run "$png" $((ay + 4)) "$ax" $((ax + aw - 1)))"
  read -r fill lit <<<"$("$PNGPIXEL" "$png" row $((ay + 4)) "$ax" $((ax + aw - 1)) |
    awk -v c="$want_rgb" -v bg=$RGB_GAUGE_BG '{ split($1, r, "-"); k = r[2] - r[1] + 1
      if ($2 == c) f += k; if ($2 != bg) n += k } END { print f + 0, n + 0 }')"
  [ "$rgb" = "$want_rgb" ] && [ "$lit" -ge "$want" ] && [ "$lit" -le $((want + 4)) ] &&
    [ "$fill" -ge $((want - 4)) ] ||
    WHY+=("available gauge: $fill px of #$want_rgb and $lit lit, want $want of $aw (starts #$rgb)")
  read -r fx fy fw _ <<<"$(gauge compressor-bar "$k")"
  want=$(awk -v c="$(counter compressor_frames "$k")" -v n="$(counter total "$k")" -v w="$fw" \
    'BEGIN { printf "%d", c / n * w + 0.5 }')
  read -r len rgb <<<"$(first_run "$png" $((fy + 2)) "$fx" $((fx + fw - 1)))"
  [ "$want" = 0 ] && [ "$rgb" = $RGB_GAUGE_BG ] || { [ "$rgb" = $RGB_COMPRESSOR ] && [ "$len" = "$want" ]; } ||
    WHY+=("compressor bar: $len px of #$rgb, want $want of #$RGB_COMPRESSOR")
}
