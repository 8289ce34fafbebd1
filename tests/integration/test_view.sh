#!/usr/bin/env bash
# Integration: `machemu view`, headless (SDL's dummy video driver, software renderer),
# driven by --view-script; pixels are read back from its PNGs by build/tests/pngpixel
# (libpng), independently of how the viewer wrote them.
#  - a page through its life: its frame active anonymous after the write, inactive after
#    the scan deactivated it; compressed (the frame no longer the page's, the page's
#    pixel of the address-space strip and the compressor's frames in their colour);
#    decompressed by a fault (its flash) into a frame that is active again; a file
#    page's frame free after the scan dropped it; the flash of the zero fill;
#  - the pressure panel without Jetsam: the level the counters imply, the gauges'
#    lengths, the compressor's bar; a level past normal because memory is compressed;
#  - a forked child's address-space strip: its compressed copy of a page above the
#    parent's page, resident again (the first object of the chain decides);
#  - colour by owner after a fork; the address-space pane;
#  - run --view --snapshot, --view-size; a viewed run makes the same faults as a plain
#    one; bad options and script lines; a real window under Xvfb when xvfb-run exists.
# Run on its own: tests/integration/test_view.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }
if emulator_is_qemu_standin; then
  skip view "the qemu stand-in has no viewer"
  finish
  exit 0
fi
# shellcheck source=tests/integration/view_lib.sh
. "$(dirname "$0")/view_lib.sh"
require_pngpixel || { finish; exit 1; }

# view_session NAME SCRIPT -- [OPTS] PROGRAM ARGS: runs the script; the transcript in
# $D/out, stderr in $D/err, the exit status in $RC, snapshots under $D.
view_session() {
  local name=$1 script=$2; shift 3
  D="$SCRATCH/$name.out"
  rm -rf "$D"; mkdir -p "$D"
  printf '%s\n' "${script//@D@/$D}" >"$D/script"
  local root; root=$(new_root "$name")
  (cd "$root" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" view --root "$root" "${ALONE[@]}" \
      --view-script "$D/script" "$@" </dev/null >"$D/out" 2>"$D/err") 2>/dev/null
  RC=$?
}

# frame_block PFN N: what the N-th `frame PFN` of the transcript printed.
frame_block() {
  awk -v a="view> frame $1" -v k="$2" '$0 == a { n++; next } n == k && /^view>/ { exit } n == k' "$D/out"
}

# pfn_of KIND VA: the pfn= of the transcript's fault line for that kind and address.
pfn_of() {
  grep -m1 "^view: fault task=[0-9]* va=$2 kind=$1 " "$D/out" | sed -n 's/.* pfn=\([0-9]*\)$/\1/p'
}

# --- one page through its life (guest/viewpages under 16 MB) -------------------------
# Written (active anonymous), compressed (its frame is no longer the page's; the page's
# pixel in the address-space strip is compressed, the compressor's frames have their
# colour), decompressed by a fault (its flash) and resident again; meanwhile a file
# page's frame is freed by the scan, and anonymous pages wait on the inactive queue.
# The page goes from the active queue to the compressor in one step of the first scan:
# while the file's inactive pages are fewer than half its cache, vps_choose_victim_page
# takes the oldest anonymous page as soon as it is deactivated.
ANON=0x7e0000000000 FILE=0x7d0000000000
# First the frame numbers, from a run the viewer never stops: where the anonymous page
# and the file's first page land, and where the anonymous page comes back from the
# compressor. The checked run stops many times; stops must not change where pages go.
view_session frame-life "continue" -- -m 16M --no-jetsam --trace-faults="$SCRATCH/frame-life.trace" \
  "$G/viewpages" 32 24
traced() { grep -m1 "^fault task=[0-9]* va=$2 access=. kind=$1 " "$SCRATCH/frame-life.trace" |
  sed -n "s/.* $3=\\([0-9]*\\) .*/\\1/p"; }
A=$(traced zero-fill "$ANON" pfn) F=$(traced pagein "$FILE" pfn) P=$(traced decompress "$ANON" pfn)
OBJ=$(traced zero-fill "$ANON" object)
if [ -z "$A" ] || [ -z "$F" ] || [ -z "$P" ] || [ -z "$OBJ" ]; then
  WHY+=("no fault line for the anonymous page ($A, object $OBJ), the file page ($F) or the decompression ($P)")
else
  view_session frame-life "layout
until-fault zero $ANON
snapshot @D@/written.png
frame $A
until-fault pagein $FILE
until-page $ANON compressed
page $ANON
frame $A
frames compressor
snapshot @D@/compressed.png
pane address
layout
snapshot @D@/compressed-as.png
pane physical
until-frame $F free
snapshot @D@/dropped.png
frame $F
until-fault decompress $ANON
page $ANON
frame $P
frames inactive-anon
snapshot @D@/decompressed.png
continue" -- -m 16M --no-jetsam "$G/viewpages" 32 24
  grid_geometry || WHY+=("no grid geometry in the transcript")
  [ "$RC" = 0 ] || WHY+=("exit status $RC, want 0 (the compressor takes what does not fit)")
  grep -q '^viewpages: 32 MB file read twice, 24 MB written, the first page intact$' "$D/out" ||
    WHY+=("the guest did not read its page back intact")
  grep -q "^view: frame $A, PA .*: active anonymous$" "$D/out" || WHY+=("frame $A not active anonymous after the write")
  grep -q "^view:     task 1000 VA $ANON rw-$" "$D/out" || WHY+=("no mapping of $ANON in the frame panel")
  grep -q "^view: frame $F, PA .*: free$" "$D/out" || WHY+=("frame $F not free after the scan")
  grep -q "^view: page $ANON is compressed after [0-9]* faults$" "$D/out" &&
    grep -q "^view: page $ANON compressed$" "$D/out" || WHY+=("the page at $ANON never compressed")
  # The frame panel of the page's old frame, once the page is compressed: not the page.
  after=$(frame_block "$A" 2)
  [ -n "$after" ] && ! grep -q "^view:   object $OBJ (anonymous) offset 0x0$" <<<"$after" ||
    WHY+=("frame $A still holds the page after its compression: $after")
  read -r NCOMP CFRAME <<<"$(sed -n 's/^view: frames compressor=\([0-9]*\) first=\(-*[0-9]*\)$/\1 \2/p' "$D/out")"
  [ "${NCOMP:-0}" -ge 1 ] && [ "${CFRAME:--1}" -ge 0 ] || WHY+=("no frame of the compressor ($NCOMP, $CFRAME)")
  read -r NINACT IFRAME <<<"$(sed -n 's/^view: frames inactive-anon=\([0-9]*\) first=\(-*[0-9]*\)$/\1 \2/p' "$D/out")"
  [ "${NINACT:-0}" -ge 1 ] && [ "${IFRAME:--1}" -ge 0 ] || WHY+=("no inactive anonymous frame at the end ($NINACT, $IFRAME)")
  grep -q "^view: fault task=1000 va=$ANON kind=decompress object=$OBJ offset=0x0 pfn=$P$" "$D/out" ||
    WHY+=("no decompress fault of object $OBJ into frame $P")
  grep -q "^view: page $ANON mapped$" "$D/out" || WHY+=("the page not mapped again after the decompression")
  back=$(frame_block "$P" "$(grep -c "^view> frame $P$" "$D/out")")
  grep -q "^view: frame $P, PA .*: active anonymous$" <<<"$back" &&
    grep -q "^view:   object $OBJ (anonymous) offset 0x0$" <<<"$back" || WHY+=("frame $P does not hold the page: $back")
  strip=$(grep -m1 "^view: strip $ANON-" "$D/out" | sed -E 's/^view: strip [^ ]+ //; s/[a-z]=//g')
  [ -n "$strip" ] || WHY+=("no strip of the entry at $ANON in the address-space layout")
  if [ ${#WHY[@]} -eq 0 ]; then
    expect_cell "$D/written.png" "$A" $RGB_ACTIVE_ANON "after the write"
    expect_cell "$D/written.png" "$A" $RGB_ZERO_FILL_FLASH "zero-fill flash" corner
    expect_cell "$D/decompressed.png" "$IFRAME" $RGB_INACTIVE_ANON "an inactive anonymous page"
    expect_cell "$D/dropped.png" "$F" $RGB_FREE "after the scan dropped the file page"
    expect_cell "$D/compressed.png" "$CFRAME" $RGB_COMPRESSOR "a frame of the compressor"
    read -r sx sy _ sh <<<"$strip"
    got=$("$PNGPIXEL" "$D/compressed-as.png" at $((sx + 1)) $((sy + sh / 2)))
    [ "$got" = $RGB_COMPRESSOR ] || WHY+=("the page's strip pixel is #$got, want compressed #$RGB_COMPRESSOR")
    expect_cell "$D/decompressed.png" "$P" $RGB_ACTIVE_ANON "resident again"
    expect_cell "$D/decompressed.png" "$P" $RGB_DECOMPRESS_FLASH "decompress flash" corner
  fi
fi
verdict view-frame-life

# --- the pressure panel: the level and the gauges the counters imply ---------------------
# The level XNU's rule gives on these counters, from normal (the first sample): the
# viewer's own rule, without Jetsam (--no-jetsam).
implied_level() {
  awk -v f="$(counter free)" -v a="$(counter active)" -v i="$(counter inactive)" \
      -v s="$(counter speculative)" -v c="$(counter compressed)" -v low="$(counter low_on_space)" '
    BEGIN { nc = f + a + i + s; av = nc + c; compact = int(av * 10 / 20); unthrottle = int(av * 10 / 40)
            if (low == 1 || nc < int(12 * unthrottle / 10)) print "critical"
            else if (nc < compact) print "warning"; else print "normal" }'
}

# Without Jetsam the viewer reads the level off the counters itself (with Jetsam the panel
# shows Jetsam's: test_view_jetsam.sh).
view_session pressure "until-fault zero $ANON
run 2000000
counters
layout
snapshot @D@/p.png
quit" -- -m 16M --no-jetsam "$G/viewpages" 32 0
if [ "$(counter compressor)" != yes ] || [ "$(counter level)" != "$(implied_level)" ] ||
   [ "$(counter level)" != normal ] || [ "$(counter level_from)" != viewer ]; then
  WHY+=("counters say level $(counter level) (implied $(implied_level)), compressor $(counter compressor); want normal, yes")
else
  check_pressure_panel "$D/p.png"
  # The free gauge: free pages over min(total, 4 x free_target), as long as the bar.
  read -r fx fy fw _ <<<"$(gauge free-gauge)"
  free=$(counter free) target=$(counter free_target) total=$(counter total)
  want=$(awk -v f="$free" -v t="$target" -v n="$total" -v w="$fw" \
    'BEGIN { s = 4 * t < n ? 4 * t : n; x = f / s; if (x > 1) x = 1; printf "%d", x * w + 0.5 }')
  runs=$("$PNGPIXEL" "$D/p.png" row $((fy + 1)) "$fx" $((fx + fw - 1)))
  filled=$(awk -v c=$RGB_FREE_GAUGE '$2 == c { split($1, r, "-"); n += r[2] - r[1] + 1 } END { print n + 0 }' <<<"$runs")
  ticks=2   # free_min and free_target cross the bar
  [ $((filled - want)) -le 0 ] && [ $((want - filled)) -le $ticks ] ||
    WHY+=("free gauge filled $filled px, want $want of $fw (free $free, target $target)")
  [ "$free" -lt "$total" ] || WHY+=("free $free of $total: nothing ran")
fi
verdict view-pressure

# Memory written faster than it can stay uncompressed: after guest/compress has written
# 28 MB into 16 MB (what a 16 MB iPhone's compressor holds: 1.9x its RAM at most), more
# of its memory is in the compressor than out and the level leaves normal. The stop is
# the 20th decompression: the first ones bring back the program's own data pages while
# it writes; the read-back has begun by then.
view_session pressure-compressed "$(for i in $(seq 1 20); do echo "nextfault decompress"; done)
counters
layout
snapshot @D@/p.png
quit" -- -m 16M --no-jetsam "$G/compress" 28
level=$(counter level) implied=$(implied_level)
if [ "$(counter compressed)" -le 0 ] 2>/dev/null || [ "$(counter compressor_frames)" -le 0 ]; then
  WHY+=("nothing compressed: $(grep -m1 '^view: counters ' "$D/out")")
elif [ "$level" != "$implied" ] || [ "$level" = normal ]; then
  WHY+=("level $level, the counters imply $implied (want warning or critical)")
else
  check_pressure_panel "$D/p.png"
fi
verdict view-pressure-compressed

# --- a forked child's strip: its own compressed copy above the parent's resident page -------
view_session shadow-strip "pane address 1001
until-page 0x7c0000004000 compressed
until-page 0x7c0000004000 resident
page 0x7c0000000000
page 0x7c0000004000
layout
snapshot @D@/chain.png
quit" -- -m 16M "$G/forkcompress"
grep -q '^view: page 0x7c0000000000 compressed$' "$D/out" &&
  grep -q '^view: page 0x7c0000004000 resident$' "$D/out" ||
  WHY+=("the child's block 0 not compressed, or block 1 not resident, once the parent read it back")
strip=$(grep -m1 '^view: strip 0x7c0000000000-' "$D/out" | sed -E 's/^view: strip [^ ]+ //; s/[a-z]=//g')
if [ -z "$strip" ] || [ ${#WHY[@]} -ne 0 ]; then
  WHY+=("no strip for the child's buffer")
else
  # 64 pages, 5 pixels each: page 0, then page 1.
  read -r sx sy sw sh <<<"$strip"
  [ "$sw" = 320 ] || WHY+=("strip $sw pixels wide, want 5 for each of 64 pages")
  got=$("$PNGPIXEL" "$D/chain.png" at $((sx + 2)) $((sy + sh / 2)))
  [ "$got" = $RGB_COMPRESSOR ] || WHY+=("the child's block 0 is #$got, want compressed #$RGB_COMPRESSOR")
  got=$("$PNGPIXEL" "$D/chain.png" at $((sx + 7)) $((sy + sh / 2)))
  [ "$got" = $RGB_IN_OBJECT ] || WHY+=("block 1 is #$got, want resident, not mapped #$RGB_IN_OBJECT")
fi
verdict view-shadow-strip

# --- colour by owner: a parent and its forked child ----------------------------------------
view_session owner "run 3000000
colour owner
layout
snapshot @D@/o.png
pane address 1001
snapshot @D@/as.png
quit" -- -m 64M "$G/interleave"
grid_geometry || WHY+=("no grid geometry")
# Frames owned by one task alone, read from the frame panel of a few candidates.
owned_by() {
  local pid=$1 pfn
  for pfn in $(seq 20 400); do echo "frame $pfn"; done >"$D/frames"
  (cd "$SCRATCH" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" view --root "$SCRATCH" "${ALONE[@]}" \
     --view-script <(printf 'run 3000000\n'; cat "$D/frames"; printf 'quit\n') -m 64M "$G/interleave" \
     </dev/null 2>/dev/null) | awk -v p="$pid" '
       /^view: frame [0-9]+, PA .*: active anonymous$/ { f = $3; sub(",", "", f) }
       /^view:   owner task / && f != "" { if ($4 == p";" && $0 !~ /others/) { print f; exit } f = "" }'
}
if [ ${#WHY[@]} -eq 0 ]; then
  p0=$(owned_by 1000) p1=$(owned_by 1001)
  if [ -z "$p0" ] || [ -z "$p1" ]; then
    WHY+=("no active anonymous frame owned by task 1000 alone ($p0) or 1001 alone ($p1)")
  else
    expect_cell "$D/o.png" "$p0" $RGB_TASK_1000 "owned by task 1000"
    expect_cell "$D/o.png" "$p1" $RGB_TASK_1001 "owned by task 1001"
  fi
  # The address-space pane of the child: its rows show mapped pages.
  n=0
  for y in $(seq 40 4 300); do
    n=$((n + $("$PNGPIXEL" "$D/as.png" row "$y" 300 700 | awk -v c=$RGB_MAPPED '$2 == c' | wc -l)))
  done
  grep -q '^view> pane address 1001$' "$D/out" && [ "$n" -ge 1 ] ||
    WHY+=("no mapped page drawn in the address-space pane of task 1001")
fi
verdict view-owner

# --- run --view --snapshot, window size, and the picture for the README -------------------
snapshot_run() {
  local name=view-run-snapshot root; root=$(new_root $name)
  (cd "$root" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" run --view --snapshot "$root/s.png" "${ALONE[@]}" \
     --view-size 900x600 --root "$root" -m 32M "$G/faults" touch 8 >"$root.out" 2>"$root.err") 2>/dev/null
  local rc=$? size
  size=$("$PNGPIXEL" "$root/s.png" size 2>/dev/null)
  if [ "$rc" = 0 ] && [ "$size" = "900 600" ] && grep -q '^touched 8 pages, sum 36$' "$root.out"; then
    pass $name
  else
    fail $name "exit $rc, picture '$size' (want 900 600), guest output: $(head -c 200 "$root.out")"
    tail -n 5 "$root.err" | indent
  fi
}
snapshot_run

# --- a viewed run takes the faults of a plain run, in the same order ------------------------
same_faults() {
  local name=view-same-faults root; root=$(new_root $name)
  printf 'run 500000\nnextfault\nrun 12345\ncontinue\nquit\n' >"$root.script"
  (cd "$root" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" run --root "$root" "${ALONE[@]}" -m 16M \
     --trace-faults="$root.plain" "$G/pageout" 32 4 >/dev/null 2>&1
   timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" view --root "$root" "${ALONE[@]}" -m 16M --view-script "$root.script" \
     --trace-faults="$root.viewed" "$G/pageout" 32 4 >/dev/null 2>&1) 2>/dev/null
  local n; n=$(wc -l <"$root.plain")
  if [ "$n" -gt 2048 ] && cmp -s <(sed 's/ cost=.*//' "$root.plain") <(sed 's/ cost=.*//' "$root.viewed"); then
    pass $name
  else
    fail $name "the fault traces differ (plain $n lines, viewed $(wc -l <"$root.viewed"))"
  fi
}
same_faults

# --- bad input: one clear line, status 2 --------------------------------------------------------
bad_input() {
  local name=view-bad-input why=() out rc
  out=$("${EMU[@]}" run --snapshot x.png "$G/hello" 2>&1); rc=$?
  [ $rc = 2 ] && grep -q 'belong to the viewer' <<<"$out" || why+=("run --snapshot: $rc $out")
  out=$("${EMU[@]}" view --view-size 10x10 "$G/hello" 2>&1); rc=$?
  [ $rc = 2 ] && grep -q "bad --view-size '10x10'" <<<"$out" || why+=("--view-size 10x10: $rc $out")
  out=$("${EMU[@]}" debug --view "$G/hello" 2>&1); rc=$?
  [ $rc = 2 ] && grep -q -- '--view belongs to machemu run' <<<"$out" || why+=("debug --view: $rc $out")
  out=$(printf 'frobnicate 3\n' | "${EMU[@]}" view --view-script /dev/stdin "$G/hello" 2>&1); rc=$?
  [ $rc = 2 ] && grep -q "unknown command 'frobnicate'" <<<"$out" || why+=("bad script line: $rc $out")
  out=$(printf 'until-frame 99999999 free\n' | "${EMU[@]}" view -m 16M --view-script /dev/stdin "$G/hello" 2>&1); rc=$?
  [ $rc = 2 ] && grep -q 'want until-frame PFN CLASS' <<<"$out" || why+=("frame outside RAM: $rc $out")
  out=$(SDL_VIDEODRIVER=no-such-driver "${EMU[@]}" view "$G/hello" 2>&1); rc=$?
  [ $rc = 2 ] && grep -q 'cannot start SDL' <<<"$out" || why+=("no video driver: $rc $out")
  if [ ${#why[@]} -eq 0 ]; then pass $name; else
    local joined; joined=$(IFS=';'; echo "${why[*]}"); fail $name "${joined//;/; }"; fi
}
bad_input

# --- a real window under Xvfb (X11 driver, the renderer SDL picks) -------------------------------
xvfb_window() {
  local name=view-xvfb-window root
  if ! command -v xvfb-run >/dev/null 2>&1; then skip $name "xvfb-run not installed (Debian: xvfb)"; return; fi
  root=$(new_root $name)
  printf 'run 1000000\nkey c\nkey h\nsnapshot %s\nquit\n' "$root/x.png" >"$root.script"
  # Under AddressSanitizer (make asan): the libraries SDL's X11 driver loads leak four
  # small allocations and are unloaded by SDL_Quit before LeakSanitizer could name
  # them, so leaks are not checked here; the dummy-driver cases above check the
  # viewer's own.
  (cd "$root" && SDL_VIDEODRIVER=x11 ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" timeout -k 5 "$TEST_TIMEOUT" xvfb-run -a -s '-screen 0 1400x900x24' \
     "${EMU[@]}" view --root "$root" "${ALONE[@]}" --view-script "$root.script" -m 16M "$G/faults" touch 4 \
     >"$root.out" 2>"$root.err") 2>/dev/null
  local rc=$? size
  size=$("$PNGPIXEL" "$root/x.png" size 2>/dev/null)
  if [ "$rc" = 0 ] && [ "$size" = "1280 800" ] && grep -q '^view: wrote ' "$root.out"; then
    pass $name
    [ -n "${VIEW_SCREENSHOT:-}" ] && cp "$root/x.png" "$VIEW_SCREENSHOT"
  else
    fail $name "exit $rc, picture '$size'"; tail -n 5 "$root.err" | indent
  fi
}
xvfb_window

finish
