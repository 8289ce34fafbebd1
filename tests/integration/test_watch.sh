#!/usr/bin/env bash
# Integration: watching a run (docs/run.md, "Watching a run").
#  - --stats: the peak block (footprint, each task's "Physical footprint (peak)", vm_stat at
#    the peak) after the counters at exit; Compactions shows two numbers (stats-peak);
#  - --vmmap: every task's listing at the peak, a SWAP column, footprint(1)'s two lines
#    (vmmap-peak, vmmap-swap);
#  - --stats=interval:N: a vm_stat header, then one line per N guest instructions, events as
#    differences (stats-interval); a bad N is refused (stats-interval-bad);
#  - SIGINT on run: status 130, the statistics printed, the fault trace ends with a whole
#    line (sigint-compute); a sleeping guest too (sigint-sleep);
#  - SIGUSR1 prints a status line and the run goes on (usr1); --progress prints them
#    (progress);
#  - --trace-filter kind=, va=, task= and older kind spellings (trace-filter-*), a bad kind
#    lists the valid ones; --trace-faults-no-cost: two runs give the same bytes (trace-no-cost);
#  - --strace decodes arguments: AT_FDCWD, strings, open, prot and map flags, signals, errors
#    as -1 ENAME (text) (strace-decode).
# Run on its own: tests/integration/test_watch.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }
G=$GUEST
if emulator_is_qemu_standin; then
  skip watch "the qemu stand-in has no machine to watch"
  finish
  exit 0
fi

# run_case NAME [OPTS...] -- PROGRAM ARGS...: machemu run in a fresh root; sets D (out, err)
# and ST.
run_case() {
  local name=$1; shift
  local root; root=$(new_root "$name")
  D="$SCRATCH/$name.d"; mkdir -p "$D"
  emu_run "$root" /dev/null "$D/out" "$D/err" --reports "$root/reports" "$@"
  ST=$?
}
has() { grep -qE -- "$2" "$1"; }

# --- the peak ------------------------------------------------------------------------
run_case stats-peak -m 64M --stats -- "$G/compress" 48
[ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST")")
has "$D/err" '^==== at the peak footprint: 4[89]\.[0-9] MB \([0-9]+ pages\) in 1 task, guest instruction [0-9]+$' ||
  WHY+=("no peak line of about 48 MB")
has "$D/err" '^task 1000 \(compress\): Physical footprint \(peak\): 4[89]\.[0-9] MB' || WHY+=("no task peak")
# at exit the buffer is gone, at the peak it was there: Anonymous pages of each block
anon=$(sed -nE 's/^( {4})?Anonymous pages: +([0-9]+)\.$/\2/p' "$D/err" | tr '\n' ' ')
read -r at_exit at_peak <<<"$anon"
[ "${at_exit:-x}" -lt 100 ] 2>/dev/null && [ "${at_peak:-0}" -gt 3000 ] ||
  WHY+=("Anonymous pages at exit / at peak: '$anon' (want < 100, then > 3000)")
has "$D/err" '^Compactions \(minor / major\): +[0-9]+ / [0-9]+\.$' || WHY+=("Compactions is not two numbers")
[ "$(grep -c '^Pageins:' "$D/err")" = 1 ] || WHY+=("the peak's counters are not indented")
verdict stats-peak

run_case vmmap-peak -m 64M "--vmmap=$SCRATCH/vmmap-peak.txt" -- "$G/compress" 48
V=$SCRATCH/vmmap-peak.txt
has "$V" '^==== vmmap at the peak footprint: 48\.[0-9] MB, guest instruction [0-9]+$' || WHY+=("no peak listing")
has "$V" '^anonymous +[0-9a-f]{16}-[0-9a-f]{16} \[ +48M +48M +48M +0K ' || WHY+=("no 48M region at the peak")
has "$V" 'VSIZE +RSDNT +DIRTY +SWAP +WIRED\]' || WHY+=("no SWAP column")
has "$V" '^Physical footprint \(peak\): +48\.[0-9]M$' || WHY+=("no Physical footprint (peak) line")
[ "$(grep -c '^==== vmmap: task 1000' "$V")" = 2 ] || WHY+=("want 2 listings (at exit, at the peak)")
verdict vmmap-peak

# 96 MB in 64 MB of RAM without Jetsam: 40-odd MB compressed at the peak, in SWAP
run_case vmmap-swap -m 64M --no-jetsam "--vmmap=$SCRATCH/vmmap-swap.txt" -- "$G/compress" 96
swap=$(sed -nE '/^==== vmmap at the peak/,$ s/^anonymous +[0-9a-f-]+ \[ +96M +[0-9.]+M +[0-9.]+M +([0-9.]+)M .*/\1/p' \
       "$SCRATCH/vmmap-swap.txt")
[ "${swap%%.*}" -ge 20 ] 2>/dev/null || WHY+=("SWAP of the 96M region at the peak: '${swap}' (want >= 20M)")
verdict vmmap-swap

# --- vm_stat every N instructions ----------------------------------------------------
run_case stats-interval -m 64M --stats=interval:50000000 -- "$G/compress" 48
[ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST")")
has "$D/err" '^ +free +active +specul +inactive +throttle +wired +prgable +faults +copy +0fill .* swapouts +icount$' ||
  WHY+=("no vm_stat header")
lines=$(grep -cE '^( +[0-9]+){23}$' "$D/err")
[ "${lines:-0}" -ge 5 ] || WHY+=("$lines vm_stat lines (want >= 5)")
# the faults column adds up to no more than the faults at exit; line k is at k*N or past
awk 'NF == 23 && $1 ~ /^[0-9]+$/ { f += $8; if ($23 < k * 50000000) bad = 1; k++ }
     $1 == "\"Translation" && !t { t = $3 + 0 }
     END { exit !(f > 0 && f <= t && !bad) }' "$D/err" || WHY+=("the lines do not add up (faults, icount)")
verdict stats-interval

run_case stats-interval-bad --stats=interval:x -- "$G/hello"
[ "$ST" = 2 ] && has "$D/err" "^machemu: bad --stats 'interval:x'" || WHY+=("status $ST, $(head -1 "$D/err")")
verdict stats-interval-bad

# --- signals -------------------------------------------------------------------------
gone() { ! kill -0 "$1" 2>/dev/null; }
within() {
  local n=$(( $1 * 10 )) i; shift
  for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done
  return 1
}
# bg NAME OPTS... -- PROGRAM ARGS...: machemu run in the background; sets PID and D.
bg() {
  local name=$1; shift
  local root; root=$(new_root "$name")
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  D="$SCRATCH/$name.d"; mkdir -p "$D"
  (cd "$root" && exec "${EMU[@]}" run --root "$root" --reports "$root/reports" "${opts[@]}" "$@" \
     </dev/null >"$D/out" 2>"$D/err") &
  PID=$!
}

bg sigint-compute --stats "--trace-faults=$SCRATCH/sigint.trace" -- "$G/compute" 3000000
sleep 1.5
kill -INT "$PID"
if within 10 gone "$PID"; then
  wait "$PID"; ST=$?
  [ "$ST" = 130 ] || WHY+=("exit status $(status_text "$ST") (want 130)")
  has "$D/err" '^machemu: interrupted at guest instruction [0-9]+: the guest is stopped$' || WHY+=("no interrupted line")
  has "$D/err" '^Pages free: ' || WHY+=("no statistics")
  has "$D/err" '^==== at the peak footprint: ' || WHY+=("no peak block")
  [ -s "$SCRATCH/sigint.trace" ] && [ "$(tail -c 1 "$SCRATCH/sigint.trace" | od -An -c | tr -d ' ')" = '\n' ] ||
    WHY+=("the trace does not end with a whole line")
  grep -vqE '^fault task=[0-9]+ va=0x[0-9a-f]+ access=[RWX] kind=[a-z-]+ object=[0-9]+ offset=0x[0-9a-f]+ result=[A-Z_]+ pfn=[0-9-]+ cost=[0-9.]+us$' \
    "$SCRATCH/sigint.trace" && WHY+=("a trace line is cut")
else
  kill -KILL "$PID"; wait "$PID"; WHY+=("still running 10 s after SIGINT")
fi
verdict sigint-compute

bg sigint-sleep --stats -- "$G/sleeper" sleep 60
within 5 grep -q . "$D/out"
kill -INT "$PID"
if within 3 gone "$PID"; then
  wait "$PID"; ST=$?
  [ "$ST" = 130 ] || WHY+=("exit status $(status_text "$ST") (want 130)")
  has "$D/err" '^Pages free: ' || WHY+=("no statistics")
else
  kill -KILL "$PID"; wait "$PID"; WHY+=("still sleeping 3 s after SIGINT")
fi
verdict sigint-sleep

bg usr1 -- "$G/compute" 1500000
sleep 1
kill -USR1 "$PID"
wait "$PID"; ST=$?
[ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST") after SIGUSR1")
has "$D/err" '^machemu: [0-9]+ guest instructions, [0-9]+ faults, footprint [0-9.]+ MB, pressure normal$' ||
  WHY+=("no status line")
verdict usr1

run_case progress --progress -- "$G/compute" 1500000
[ "$ST" = 0 ] || WHY+=("exit status $(status_text "$ST")")
has "$D/err" '^machemu: [0-9]+ guest instructions, [0-9]+ faults, footprint [0-9.]+ MB, pressure normal$' ||
  WHY+=("no status line from --progress")
verdict progress

# --- the fault trace -----------------------------------------------------------------
trace() { run_case "$1" "--trace-faults=$SCRATCH/$1.trace" "${@:2}" -- "$G/fork"; T=$SCRATCH/$1.trace; }
trace trace-all
all=$(wc -l <"$T")
trace trace-filter-kind --trace-filter kind=cow,zero-fill
n=$(wc -l <"$T")
[ "$n" -gt 0 ] && [ "$n" -lt "$all" ] || WHY+=("$n lines of $all")
grep -vqE ' kind=(cow|zero-fill) ' "$T" && WHY+=("a fault of another kind")
has "$T" ' kind=cow ' && has "$T" ' kind=zero-fill ' || WHY+=("not both kinds")
verdict trace-filter-kind

trace trace-filter-alias --trace-filter kind=zero
[ -s "$T" ] && ! grep -vqE ' kind=zero-fill ' "$T" || WHY+=("kind=zero is not zero-fill")
verdict trace-filter-alias

trace trace-filter-task --trace-filter task=1001
[ -s "$T" ] && ! grep -vq '^fault task=1001 ' "$T" || WHY+=("not only task 1001")
verdict trace-filter-task

trace trace-filter-va --trace-filter va=0x400000-0x480000 --trace-filter kind=pagein
[ -s "$T" ] || WHY+=("no pagein of the text")
while read -r _ _ va _ kind _; do
  va=${va#va=}
  { [ $((va)) -ge $((0x400000)) ] && [ $((va)) -lt $((0x480000)) ] && [ "$kind" = kind=pagein ]; } ||
    { WHY+=("a fault outside the range or of another kind: $va $kind"); break; }
done <"$T"
verdict trace-filter-va

run_case trace-filter-bad --trace-faults --trace-filter kind=bogus -- "$G/hello"
[ "$ST" = 2 ] && has "$D/err" '^machemu: --trace-filter: unknown fault kind .bogus.: want zero-fill, soft, pagein, cow, decompress, fast or invalid$' ||
  WHY+=("status $ST: $(head -1 "$D/err")")
verdict trace-filter-bad

trace trace-no-cost-1 --trace-faults-no-cost; cp "$T" "$SCRATCH/nc1"
trace trace-no-cost-2 --trace-faults-no-cost
[ -s "$T" ] && cmp -s "$T" "$SCRATCH/nc1" || WHY+=("two runs differ")
grep -q 'cost=' "$T" && WHY+=("a cost field")
verdict trace-no-cost

# --- strace --------------------------------------------------------------------------
run_case strace-decode --strace -- "$G/files"
S=$D/err
for want in \
  '^\[1000\] openat\(AT_FDCWD, "files_test.txt", O_RDWR\|O_CREAT\|O_TRUNC, 0640\) = 3$' \
  '^\[1000\] newfstatat\(AT_FDCWD, "no_such_file_here", 0x[0-9a-f]+, 0\) = -1 ENOENT \(No such file or directory\)$' \
  '^\[1000\] close\(41\) = -1 EBADF \(Bad file descriptor\)$' \
  '^\[1000\] brk\(NULL\) = 0x[0-9a-f]+$' \
  '^\[1000\] mprotect\(0x[0-9a-f]+, 16384, PROT_READ\) = 0$' \
  '^\[1000\] readlinkat\(AT_FDCWD, "/proc/self/exe", 0x[0-9a-f]+, 4096\) = [0-9]+$'; do
  has "$S" "$want" || WHY+=("no line /$want/")
done
verdict strace-decode
run_case strace-mmap --strace -- "$G/mmap"
has "$D/err" '^\[1000\] mmap\(NULL, [0-9]+, PROT_READ\|PROT_WRITE, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0\) = 0x[0-9a-f]+$' ||
  WHY+=("no decoded mmap line")
has "$D/err" '^\[1000\] rt_sigaction\(SIGSEGV, 0x[0-9a-f]+, (NULL|0x[0-9a-f]+), 8\) = 0$' || WHY+=("no decoded rt_sigaction")
verdict strace-mmap

finish
