#!/usr/bin/env bash
# Integration: memory the guest unmaps is given back (emulator only: the guest reads
# the machine's free pages through host_statistics64).
#  - guest/leakdemo: two neighbouring mmaps merge into one entry and one object; each
#    munmap of the big one must free all its pages while the small one lives on, over
#    16 rounds of 16 MB in a 64 MB machine, with nothing compressed or scanned for
#    (`--stats`: Compressions and Pageout scans 0) (unmap-merged);
#  - guest/hog 192 in a 256 MB machine: once the memory is freed, the emulator's own RSS
#    is at least 96 MB under its peak (`--stats`, Host memory) (unmap-host-rss).
# Run on its own: tests/integration/test_unmap.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

# session NAME [EMU-OPTS...] -- PROGRAM ARGS...: runs in a fresh root; sets D (the
# output directory: out, err) and ST (the exit status).
session() {
  local name=$1 root; shift
  root=$(new_root "$name")
  D="$SCRATCH/$name.out"
  rm -rf "$D"; mkdir -p "$D"
  emu_run "$root" /dev/null "$D/out" "$D/err" "$@"
  ST=$?
}

# stat_is NAME VALUE: the --stats line "NAME: VALUE." is in $D/err.
stat_is() {
  grep -Eq "^$1: +$2\.\$" "$D/err" || WHY+=("--stats: not '$1: $2' ($(grep -E "^$1:" "$D/err" | tr -s ' '))")
}

session unmap-merged -m 64M --stats -- "$GUEST/leakdemo" 16
[ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST")")
grep -qx 'leakdemo: 16 rounds, munmap gave back all 16384 pages' "$D/out" ||
  WHY+=("stdout: $(head -n 1 "$D/out")")
stat_is Compressions 0
stat_is 'Pageout scans' 0
[ "$(crash_lines "$D/err")" = 0 ] || WHY+=("a 'machemu: crash:' line")
verdict unmap-merged

session unmap-host-rss -m 256M --stats -- "$GUEST/hog" 192
[ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST")")
read -r rss peak back <<<"$(sed -n 's/^Host memory: resident \([0-9]*\) MB, peak \([0-9]*\) MB; free frames given back \([0-9]*\) .*/\1 \2 \3/p' "$D/err")"
if [ -z "${rss:-}" ]; then
  WHY+=("no 'Host memory:' line in --stats")
elif [ $((peak - rss)) -lt 96 ] || [ "$back" -eq 0 ]; then
  WHY+=("resident $rss MB, peak $peak MB, $back frames given back: expected 96 MB or more given back")
fi
verdict unmap-host-rss

finish
