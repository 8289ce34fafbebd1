#!/usr/bin/env bash
# Integration: `machemu codec`, the compression lab, over a file of hand-made 16 KB pages
# (one of each form the pool stores: zero, single, sparse, wkdm, lz4, raw): the form and
# size of each page, the totals, --json, --dump (WKdm's sparse bytes as XNU writes them),
# --codec, every set of WKdm loops this CPU runs giving the same pages, --vs-lz4; and bad
# input refused with one line and exit status 2. And `machemu run --dump-pages`: a guest's
# anonymous pages at exit, the same bytes whether they were resident or compressed.
# Run on its own: tests/integration/test_codec.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

WORK=$(new_root codec)
PAGES=$WORK/pages.bin

# Six pages, by perl (pack "V": 32-bit little-endian words):
#   0 zero; 1 0xdeadbeef 4096 times; 2 sparse: words 5, 4000, 4095 set;
#   3 counters 0..4095 (PARTIAL and EXACT words: WKdm keeps it);
#   4 2 KB of noise then zeros (WKdm's early abort at word 416: LZ4);
#   5 noise (nothing fits: raw).
make_pages() {
  perl -e '
    my @sparse = (0) x 4096; $sparse[5] = 0xabcdef01; $sparse[4000] = 7; $sparse[4095] = 0x80000000;
    my $x = 88172645463325252;
    sub noise { my @w; for (1 .. $_[0]) { $x ^= ($x << 13) & 0xffffffffffffffff; $x ^= $x >> 7;
                $x ^= ($x << 17) & 0xffffffffffffffff; push @w, $x & 0xffffffff } @w }
    print pack("V*", (0) x 4096), pack("V*", (0xdeadbeef) x 4096), pack("V*", @sparse),
          pack("V*", 0 .. 4095), pack("V*", noise(512), (0) x 3584), pack("V*", noise(4096));
  ' >"$1"
}

# run_codec NAME ARGS...: runs machemu codec ARGS in $WORK; $D/out, $D/err, $RC.
run_codec() {
  D=$SCRATCH/codec-$1; shift
  mkdir -p "$D"
  (cd "$WORK" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" codec "$@" >"$D/out" 2>"$D/err")
  RC=$?
}

want_line() {   # want_line REGEX: a line of $D/out matches it
  grep -qE "$1" "$D/out" || WHY+=("no line /$1/ in the output")
}

case_forms() {
  run_codec forms --pages pages.bin
  [ "$RC" -eq 0 ] || WHY+=("exit status $RC: $(head -n 1 "$D/err")")
  want_line '^page 0 +zero +4 bytes$'
  want_line '^page 1 +single +4 bytes$'
  want_line '^page 2 +sparse +22 bytes$'
  want_line '^page 3 +wkdm +[0-9]+ bytes$'
  want_line '^page 4 +lz4 +[0-9]+ bytes$'
  want_line '^page 5 +raw +16384 bytes$'
  want_line '^pages +6$'
  want_line '^bytes in +98304$'
  want_line '^codec +hybrid$'
  want_line '^forms +zero 1, single 1, sparse 1, wkdm 1, lz4 1, raw 1$'
  want_line '^round trip +verified, 6 pages$'
  want_line '^compress +[0-9]+ MB/s$'
  want_line '^decompress +[0-9]+ MB/s$'
  want_line '^loops +(portable|sse4\.1|avx2|avx512)$'
  # The sizes add up: bytes out is the sum of the pages'.
  local sum out
  sum=$(( $(sed -nE 's/^page [0-9]+ +[a-z0-9]+ +([0-9]+) bytes$/\1/p' "$D/out" | paste -sd+) ))
  out=$(sed -nE 's/^bytes out +([0-9]+)$/\1/p' "$D/out")
  [ -n "$sum" ] && [ "$sum" = "$out" ] || WHY+=("bytes out $out, the pages add up to $sum")
  verdict codec-forms
}

# The sparse page's bytes: XNU's 17185, then (word, 2-byte byte offset) pairs.
case_dump() {
  run_codec dump --dump 2 pages.bin
  local want='00004321 abcdef01 00070014 3e800000 80000000 00003ffc'
  [ "$RC" -eq 0 ] && [ "$(cat "$D/out")" = "$want" ] || WHY+=("--dump 2 gave '$(head -c 200 "$D/out")', want '$want'")
  run_codec dump-single --dump 1 pages.bin
  [ "$(cat "$D/out")" = deadbeef ] || WHY+=("--dump 1 gave '$(head -c 200 "$D/out")'")
  # The dense page: 8 words a line, each 8 hex digits, the first the end of the misses.
  run_codec dump-dense --dump 3 pages.bin
  grep -qvE '^[0-9a-f]{8}( [0-9a-f]{8}){0,7}$' "$D/out" && WHY+=("a --dump 3 line is not 1-8 words")
  [ "$(head -n 1 "$D/out" | wc -w)" -eq 8 ] || WHY+=("--dump 3: the first line has not 8 words")
  head -n 1 "$D/out" | grep -qE '^00000106 ' || WHY+=("--dump 3: want 3 misses (the end of the miss area 0x106), first word $(head -c 8 "$D/out")")
  verdict codec-dump
}

case_json() {
  if ! command -v python3 >/dev/null; then skip codec-json "no python3 to read the JSON"; return; fi
  run_codec json --json --vs-lz4 pages.bin
  local check
  check=$(python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
forms = [p["form"] for p in o["pages"]]
assert forms == ["zero", "single", "sparse", "wkdm", "lz4", "raw"], forms
assert [p["page"] for p in o["pages"]] == list(range(6))
assert o["page_count"] == 6 and o["bytes_in"] == 6 * 16384
assert o["bytes_out"] == sum(p["bytes"] for p in o["pages"])
assert o["round_trip"] is True and o["codec"] == "hybrid"
assert abs(o["ratio"] - o["bytes_in"] / o["bytes_out"]) < 0.001
assert o["forms"] == {"zero": 1, "single": 1, "sparse": 1, "wkdm": 1, "lz4": 1, "raw": 1}
assert o["compress_mbs"] > 0 and o["decompress_mbs"] > 0 and o["lz4"]["ratio"] > 0
print("ok")' "$D/out" 2>&1 | tail -n 1)
  [ "$RC" -eq 0 ] && [ "$check" = ok ] || WHY+=("exit status $RC, JSON check: $check")
  verdict codec-json
}

# --codec wkdm: the early-abort page is stored raw; --codec lz4: every page but the
# single values is LZ4 or raw (the counters: LZ4 finds no 4-byte match).
case_codecs() {
  run_codec wkdm --codec wkdm --pages pages.bin
  want_line '^page 4 +raw +16384 bytes$'
  want_line '^page 3 +wkdm '
  want_line '^codec +wkdm$'
  run_codec lz4 --codec lz4 --pages pages.bin
  want_line '^page 1 +single +4 bytes$'
  want_line '^page 2 +lz4 '
  want_line '^page 3 +raw +16384 bytes$'
  want_line '^forms +zero 1, single 1, sparse 0, wkdm 0, lz4 2, raw 2$'
  run_codec vs --vs-lz4 pages.bin
  want_line '^lz4 +ratio [0-9.]+, compress [0-9]+ MB/s, decompress [0-9]+ MB/s$'
  want_line '^hybrid / lz4 +ratio [0-9.]+x, compress [0-9.]+x, decompress [0-9.]+x$'
  verdict codec-codecs
}

# Every set of loops this CPU runs gives the same forms and sizes.
case_loops() {
  local l first='' ran=()
  for l in portable sse4.1 avx2 avx512; do
    run_codec "loops-$l" --loops "$l" --pages pages.bin
    if [ "$RC" -eq 2 ] && grep -q 'does not run' "$D/err"; then
      echo "    codec-loops: this CPU does not run the $l loops (skipped)"
      continue
    fi
    ran+=("$l")
    grep -qE "^loops +$l$" "$D/out" || WHY+=("--loops $l: the output does not say so")
    local pages; pages=$(grep '^page ' "$D/out")
    [ -z "$first" ] && first=$pages
    [ "$pages" = "$first" ] || WHY+=("--loops $l: other pages than --loops ${ran[0]}")
  done
  [ ${#ran[@]} -ge 1 ] || WHY+=("no set of loops ran")
  # --stats says which loops the machine chose, and how.
  D=$SCRATCH/codec-stats
  mkdir -p "$D"
  (cd "$WORK" && "${EMU[@]}" run --root "$WORK" --stats "$GUEST/hello" >"$D/out" 2>"$D/err")
  grep -qE '^WKdm loops: (portable|sse4\.1|avx2|avx512) \(measured at start-up, us per 4 pages: portable [0-9.]+' "$D/err" ||
    WHY+=("--stats has no 'WKdm loops:' line: $(grep -i wkdm "$D/err" | head -n 1)")
  verdict codec-loops
}

# bad NAME REGEX ARGS...: exit status 2, nothing on stdout, one stderr line "machemu: codec: ..."
bad() {
  local name=$1 re=$2; shift 2
  run_codec "bad-$name" "$@"
  [ "$RC" -eq 2 ] || WHY+=("$name: exit status $RC, want 2")
  [ "$(wc -l <"$D/err")" -eq 1 ] || WHY+=("$name: $(wc -l <"$D/err") stderr lines, want 1")
  grep -qE "^machemu: codec: .*$re" "$D/err" || WHY+=("$name: stderr '$(head -n 1 "$D/err")' does not match /$re/")
  [ -s "$D/out" ] && WHY+=("$name: output on stdout")
}

case_bad_input() {
  head -c 20000 "$PAGES" >"$WORK/partial.bin"
  : >"$WORK/empty.bin"
  mkdir -p "$WORK/dir"
  bad missing 'No such file' missing.bin
  bad partial 'not a multiple of 16 KB' partial.bin
  bad empty 'empty' empty.bin
  bad directory 'not a regular file' dir
  bad codec "unknown codec 'zstd'" --codec zstd pages.bin
  bad loops "unknown loops 'neon'" --loops neon pages.bin
  bad dump-range '--dump 6: .* has 6 pages' --dump 6 pages.bin
  bad dump-word "--dump wants a page number" --dump x pages.bin
  bad no-file 'no FILE given' --pages
  bad option "unknown option '--fast'" --fast pages.bin
  verdict codec-bad-input
}

# memapp holds 24 MB (6 KB zeros and 10 KB noise per 16 KB) until it exits: with 256 MB
# of RAM every page is resident at exit, with 20 MB most are in the compressor. Both
# dumps hold the same pages (the stack's few bytes of timing aside).
case_dump_pages() {
  local app=$GUEST/memapp a=$SCRATCH/dump-a.bin b=$SCRATCH/dump-b.bin
  D=$SCRATCH/codec-dump-pages
  mkdir -p "$D"
  (cd "$WORK" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" run -m 256M --root "$WORK" --dump-pages "$a" \
     "$app" steady 24 0 mixed >"$D/out" 2>"$D/err") || WHY+=("the 256 MB run failed: $(tail -n 1 "$D/err")")
  (cd "$WORK" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" run -m 20M --stats --root "$WORK" --dump-pages "$b" \
     "$app" steady 24 0 mixed >"$D/out" 2>"$D/err") || WHY+=("the 20 MB run failed: $(tail -n 1 "$D/err")")
  local sa sb c d
  sa=$(wc -c <"$a" 2>/dev/null || echo 0) sb=$(wc -c <"$b" 2>/dev/null || echo 0)
  [ "$sa" -ge $((24 << 20)) ] && [ $((sa % 16384)) -eq 0 ] || WHY+=("the dump has $sa bytes")
  [ "$sa" = "$sb" ] || WHY+=("dumps of $sa and $sb bytes")
  c=$(sed -nE 's/^Compressions: +([0-9]+)\.$/\1/p' "$D/err") d=$(sed -nE 's/^Decompressions: +([0-9]+)\.$/\1/p' "$D/err")
  [ -n "$c" ] && [ -n "$d" ] && [ "$c" -gt $((d + 1000)) ] ||
    WHY+=("the 20 MB run did not leave 1000 pages compressed at exit ($c compressions, $d decompressions)")
  local differ
  differ=$(cmp -l "$a" "$b" 2>/dev/null | awk '{ print int(($1 - 1) / 16384) }' | sort -u | wc -l)
  [ "$differ" -le 4 ] || WHY+=("$differ pages differ between the dumps")
  run_codec dump-pages-codec "$b"
  [ "$RC" -eq 0 ] || WHY+=("machemu codec on the dump: exit status $RC")
  want_line '^round trip +verified, [0-9]+ pages$'
  want_line '^forms +zero [0-9]+, single [0-9]+, sparse [0-9]+, wkdm 1[0-9]{3}, lz4 [0-9]+, raw [0-9]+$'
  # A file it cannot write: one line, exit status 2, nothing run.
  (cd "$WORK" && "${EMU[@]}" run --dump-pages "$WORK/no/such/dir/x" "$GUEST/hello" >"$D/out" 2>"$D/err")
  local rc=$?
  [ "$rc" -eq 2 ] && [ "$(wc -l <"$D/err")" -eq 1 ] && grep -q '^machemu: --dump-pages ' "$D/err" && [ ! -s "$D/out" ] ||
    WHY+=("--dump-pages into a missing directory: exit status $rc, '$(head -n 1 "$D/err")'")
  verdict codec-dump-pages
}

make_pages "$PAGES"
if [ "$(wc -c <"$PAGES")" -ne 98304 ]; then
  fail codec "could not make the page file (perl)"
else
  case_forms
  case_dump
  case_json
  case_codecs
  case_loops
  case_bad_input
fi
case_dump_pages
finish
