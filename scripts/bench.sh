#!/usr/bin/env bash
# scripts/bench.sh — machemu benchmarks (run by `make bench`; needs `make all` first).
#
# Every benchmark compares against a reference measured in the same run and prints
# a ratio. Times are wall-clock seconds, best of $REPS runs. See BENCHMARKS.md.
#   1. guest speed: build/guest/compute under machemu vs qemu-aarch64, plus store-,
#      load- and memset-heavy loops (bench_stores) on RW and RWX buffers, and 4 threads
#      on a shared heap (bench_threads);
#   2. fault path: us per zero-fill fault (bench_faults N MB vs 0 MB) and us per
#      Unicorn TLB refill (bench_tlb over many pages vs over 4 pages);
#   2c. per fault kind: soft refault, copy-on-write, pagein, fork of 64 MB, and the mean
#       cost of a decompress fault from the fault trace
#      (bench_vm, timed inside the guest, qemu-aarch64 as the host-kernel reference).
#   2d. many mappings: 50,000 one-page mappings made and unmapped (mapmany map),
#      machemu vs qemu-aarch64.
#   1b. machemu (exact clock and --clock auto) against a bare Unicorn
#      ($O/bench/raw_unicorn: no MMU, VM or clock) and qemu-aarch64 on the four guests of
#      guest/bench/bench_raw.c: CPU seconds, median of $RAW_REPS alternating runs;
#   3. compressor codecs: WKdm, LZ4 and hybrid on page corpora built on this host
#      ($O/bench/compressor_bench; the reference is LZ4 on the same pages).
# Environment: O (build dir, default build), REPS (default 3), QEMU (default
# qemu-aarch64), COMPUTE_N (default 4000000), MACHEMU (default $O/machemu),
# COMP_PAGES (pages per corpus, default 1536), COMP_REPS (default 5), RAW_REPS (default 5).
# A figure with a goal is followed by "ok" or "MISSES GOAL" (figures differ by host:
# the host's CPU model is printed first; BENCHMARKS.md keeps a table per host class).
#   4. Jetsam: from a level change to the guest's handler, and killing a 64 MB task
#      ($O/bench/jetsam_bench; references from the same run, see its header).
#   5. the cost of compression: guest/compress with 2x or 3x the RAM, against the same
#      run with RAM enough for it.
#   7. a 64 MB mach_vm_copy (copy-on-write) against memcpy of the same range in the guest.
#   8. the start-up of a dynamic program: the sysroot's ls, 20 runs, against qemu-aarch64
#      -L the same root (scripts/bench-dynls.sh; skipped without the sysroot).
set -euo pipefail
cd "$(dirname "$0")/.."

O=${O:-build}
REPS=${REPS:-3}
QEMU=${QEMU:-qemu-aarch64}
COMPUTE_N=${COMPUTE_N:-4000000}
MACHEMU=${MACHEMU:-$O/machemu}
# Every run below is the program alone (--system none): the figures measure it, not the
# system image's boot; section 6 measures the shared region.
COMP_PAGES=${COMP_PAGES:-1536}
COMP_REPS=${COMP_REPS:-5}
RAW_REPS=${RAW_REPS:-5}
G=$O/guest
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

for p in "$MACHEMU" "$G/compute" "$G/compress" "$G/bench_stores" "$G/bench_faults" "$G/bench_tlb" "$O/bench/compressor_bench" \
         "$O/bench/jetsam_bench" "$O/bench/shared_region_bench" "$G/memapp" "$G/mapmany" \
         "$G/bench_raw" "$O/bench/raw_unicorn" "$O/bench/host_faults" "$G/bench_copy"; do
    [[ -x $p ]] || { echo "bench: $p missing (run make all)" >&2; exit 1; }
done
HAVE_QEMU=1
command -v "$QEMU" >/dev/null 2>&1 || { HAVE_QEMU=0; echo "bench: $QEMU not found, qemu columns skipped" >&2; }

now() { date +%s.%N; }

# best CMD...: runs CMD $REPS times (stdout to $TMP/out, stderr to $TMP/err of the
# last run) and prints the best wall time in seconds. Fails if CMD fails.
best() {
    local b="" t0 t1 d i
    for ((i = 0; i < REPS; i++)); do
        t0=$(now)
        "$@" >"$TMP/out" 2>"$TMP/err" || { echo "bench: failed: $*" >&2; cat "$TMP/err" >&2; exit 1; }
        t1=$(now)
        d=$(echo "$t1 - $t0" | bc -l)
        if [[ -z $b ]] || (( $(echo "$d < $b" | bc -l) )); then b=$d; fi
    done
    printf '%.3f\n' "$b"
}
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
# goal VALUE LIMIT: "ok" if VALUE < LIMIT (<= for ratios: LIMIT given as <=X), else
# "MISSES GOAL (< LIMIT)".
goal() {
    local v=$1 lim=$2 op='<'
    [[ $lim == '<='* ]] && { op='<='; lim=${lim#<=}; }
    if (( $(echo "$v $op $lim" | bc -l) )); then echo ok; else echo "MISSES GOAL ($op $lim)"; fi
}
# cpu_secs CMD...: runs CMD (output to $TMP/out, $TMP/err) and prints its user + system
# CPU seconds. Fails if CMD fails.
cpu_secs() {
    local TIMEFORMAT='%U %S' u s
    { time "$@" >"$TMP/out" 2>"$TMP/err"; } 2>"$TMP/time" ||
        { echo "bench: failed: $*" >&2; cat "$TMP/err" >&2; exit 1; }
    read -r u s <"$TMP/time"
    printf '%.3f\n' "$(echo "$u + $s" | bc -l)"
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# stat_field REGEX: the first number after REGEX in $TMP/err (the --stats output).
stat_field() { grep -oE "$1 [0-9]+" "$TMP/err" | head -1 | grep -oE '[0-9]+$'; }

echo "machemu benchmarks: $MACHEMU, best of $REPS, wall seconds; $(nproc) host CPUs; tree at $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
avx512=$(grep -qw avx512f /proc/cpuinfo && echo ", AVX-512" || true)
echo "host CPU: ${model:-unknown}$avx512 (figures and goals hold per host class: BENCHMARKS.md)"
echo

echo "== 1. guest speed (qemu_time / machemu_time: 1.00 = as fast as qemu-aarch64, goal >= 0.50)"
printf '%-28s %10s %10s %8s\n' benchmark machemu qemu ratio
guest_row() {   # NAME MEM ARGS...: one row, machemu vs qemu
    local name=$1 mem=$2; shift 2
    local m q=""
    m=$(best "$MACHEMU" run --system none -m "$mem" "$@")
    if ((HAVE_QEMU)); then
        q=$(best "$QEMU" "$@")
        printf '%-28s %10s %10s %7sx\n' "$name" "$m" "$q" "$(ratio "$q" "$m")"
    else
        printf '%-28s %10s %10s %8s\n' "$name" "$m" - -
    fi
    eval "T_${name//[^a-zA-Z0-9]/_}=$m"
    Q_LAST=$q
}
guest_row "compute $COMPUTE_N" 512M "$G/compute" "$COMPUTE_N"
# By default Jetsam's clock counts guest instructions at every block: the same run with
# the clock counting only when needed (here: never), and the default's time against it.
tj_var="T_compute_${COMPUTE_N}"
m=$(best "$MACHEMU" run --system none -m 512M --clock auto "$G/compute" "$COMPUTE_N")
if ((HAVE_QEMU)); then mq=$(ratio "$Q_LAST" "$m")x; else mq=-; fi
printf '%-28s %10s %10s %8s   (the exact clock: %sx this time)\n' "compute, --clock auto" "$m" - \
    "$mq" "$(ratio "${!tj_var}" "$m")"
SKB=1024 SPASS=400
for mode in store load memset store-x load-x memset-x; do
    guest_row "stores $mode ${SKB}K x$SPASS" 64M "$G/bench_stores" "$mode" "$SKB" "$SPASS"
done
# Threads: 4 on one shared heap (malloc, a shared table, a mutex and a barrier each
# round), switched by the scheduler's quantum on the one emulated CPU.
guest_row "threads 4 x 400 rounds" 256M "$G/bench_threads" 400
echo "store/load gap under machemu (store time / load time):" \
     "RW $(ratio "$T_stores_store_1024K_x400" "$T_stores_load_1024K_x400")x," \
     "RWX $(ratio "$T_stores_store_x_1024K_x400" "$T_stores_load_x_1024K_x400")x;" \
     "RWX store / RW store $(ratio "$T_stores_store_x_1024K_x400" "$T_stores_store_1024K_x400")x"
echo

echo "== 1b. against a bare Unicorn (raw_unicorn: identity virtual TLB, no MMU/VM/clock) and qemu-aarch64"
echo "   CPU seconds, median of $RAW_REPS alternating runs; goals: auto/raw <= 1.1, exact/raw <= 1.15"
printf '%-14s %8s %8s %8s %8s %10s %10s %10s\n' guest exact auto raw qemu exact/raw auto/raw exact/qemu
raw_row() {     # MODE N
    local i e=() a=() r=() q=() me ma mr mq
    for ((i = 0; i < RAW_REPS; i++)); do
        e+=("$(cpu_secs "$MACHEMU" run --system none "$G/bench_raw" "$@")")
        a+=("$(cpu_secs "$MACHEMU" run --system none --clock auto "$G/bench_raw" "$@")")
        r+=("$(cpu_secs "$O/bench/raw_unicorn" "$G/bench_raw" "$@")")
        if ((HAVE_QEMU)); then q+=("$(cpu_secs "$QEMU" "$G/bench_raw" "$@")"); fi
    done
    me=$(median "${e[@]}") ma=$(median "${a[@]}") mr=$(median "${r[@]}")
    mq=$( ((HAVE_QEMU)) && median "${q[@]}" || echo -)
    printf '%-14s %8s %8s %8s %8s %9sx %9sx %9sx   exact %s, auto %s\n' "$1 $2" "$me" "$ma" "$mr" "$mq" \
        "$(ratio "$me" "$mr")" "$(ratio "$ma" "$mr")" \
        "$( ((HAVE_QEMU)) && ratio "$me" "$mq" || echo -)" \
        "$(goal "$(ratio "$me" "$mr")" '<=1.15')" "$(goal "$(ratio "$ma" "$mr")" '<=1.1')"
}
raw_row loop 400
raw_row mem 60
raw_row chase 2
raw_row sort 1
echo

echo "== 2a. zero-fill faults (bench_faults: mmap MB, write 1 byte per 16 KB, munmap; x ROUNDS)"
FMB=64 FROUNDS=64
t_ref=$(best "$MACHEMU" run --system none --stats -m 256M "$G/bench_faults" 0 "$FROUNDS")
t_f=$(best "$MACHEMU" run --system none --stats -m 256M "$G/bench_faults" "$FMB" "$FROUNDS")
zf=$(stat_field 'zero-fill')
zf_ref_cmd=("$MACHEMU" run --system none --stats -m 256M "$G/bench_faults" 0 "$FROUNDS")
"${zf_ref_cmd[@]}" >/dev/null 2>"$TMP/err"
zf_ref=$(stat_field 'zero-fill')
n=$((zf - zf_ref))
us=$(echo "($t_f - $t_ref) * 1000000 / $n" | bc -l)
printf 'reference (0 MB): %ss; %d MB x %d: %ss; extra zero-fill faults %d\n' "$t_ref" "$FMB" "$FROUNDS" "$t_f" "$n"
printf 'us per zero-fill fault (incl. its TLB fills and the munmap of the page): %.2f  (goal < 1.5: %s)\n' \
    "$us" "$(goal "$us" 1.5)"
if ((HAVE_QEMU)); then
    q_ref=$(best "$QEMU" "$G/bench_faults" 0 "$FROUNDS")
    q_f=$(best "$QEMU" "$G/bench_faults" "$FMB" "$FROUNDS")
    qus=$(echo "($q_f - $q_ref) * 1000000 / ($FMB * 64 * $FROUNDS)" | bc -l)
    printf 'qemu-aarch64 (host kernel faults, 4 KB pages, same 16 KB stride): %.2f us per touched 16 KB; ratio qemu/machemu %s\n' \
        "$qus" "$(ratio "$qus" "$us")"
fi
echo

echo "== 2b. TLB refills (bench_tlb PAGES ACCESSES: loads cycling over PAGES pages)"
TACC=4000000
tlb_row() {     # LABEL TLBGEOM PAGES: us per Unicorn TLB fill vs the 4-page reference
    local label=$1 geom=$2 pages=$3 t_ref t fills fills_ref flushes
    t_ref=$(best "$MACHEMU" run --system none --stats --tlb "$geom" "$G/bench_tlb" 4 "$TACC")
    fills_ref=$(stat_field 'CPU: TLB fills')
    t=$(best "$MACHEMU" run --system none --stats --tlb "$geom" "$G/bench_tlb" "$pages" "$TACC")
    fills=$(stat_field 'CPU: TLB fills')
    flushes=$(stat_field 'CPU TLB flushes')
    local n=$((fills - fills_ref))
    printf '%-44s ref %ss, run %ss, extra fills %d (CPU TLB flushes %d): %.3f us/fill, %.2f M fills/s\n' \
        "$label" "$t_ref" "$t" "$n" "$flushes" \
        "$(echo "($t - $t_ref) * 1000000 / $n" | bc -l)" "$(echo "$n / ($t - $t_ref) / 1000000" | bc -l)"
}
tlb_row "our TLB hit (--tlb 1024x8, 1024 pages)" 1024x8 1024
tlb_row "our TLB miss+walk+evict (64x4, 512 pages)" 64x4 512
echo

echo "== 2c. fault kinds (bench_vm MODE MB, timed inside the guest; qemu-aarch64's host-kernel figure as reference)"
VMB=64
printf '%-8s %14s %14s %10s   %s\n' kind machemu qemu qemu/machemu goal
vm_row() {      # MODE GOAL: best of $REPS of the guest's own per-fault (or per-fork) figure
    local mode=$1 goal=$2 m q i v
    m="" q=""
    for ((i = 0; i < REPS; i++)); do
        v=$(cd "$TMP" && "$OLDPWD/$MACHEMU" run --system none -m 512M "$OLDPWD/$G/bench_vm" "$mode" "$VMB" | grep -oE '[0-9.]+ us' | grep -oE '[0-9.]+')
        if [[ -z $m ]] || (( $(echo "$v < $m" | bc -l) )); then m=$v; fi
        if ((HAVE_QEMU)); then
            v=$(cd "$TMP" && "$QEMU" "$OLDPWD/$G/bench_vm" "$mode" "$VMB" | grep -oE '[0-9.]+ us' | grep -oE '[0-9.]+')
            if [[ -z $q ]] || (( $(echo "$v < $q" | bc -l) )); then q=$v; fi
        fi
    done
    local lim=${goal#< }
    lim=${lim%% *}
    [[ $goal == '<'* ]] && goal="$goal: $(goal "$m" "$lim")"
    printf '%-8s %11s us %11s us %10s   %s\n' "$mode" "$m" "${q:--}" \
        "$( [[ -n $q ]] && ratio "$q" "$m" || echo -)" "$goal"
}
vm_row soft "< 0.6 us (mprotect NONE/RW then re-touch; Linux keeps the PTEs: no fault under qemu)"
vm_row cow "< 3 us (child writes after fork; 3rd round, frames already host-backed)"
vm_row pagein "(64 MB file mapped again after munmap: machemu reads it again, Linux's page cache keeps it)"
vm_row fork "(whole fork() with $VMB MB resident)"
# Decompression, from the fault trace (cost=split) of compress 48 in 32 MB, where most
# pages come back from the pool: a decompress fault's own cost (lookup, decode, map:
# cost= less reclaim=) and its whole cost, which adds the pageout scans it ran for a
# frame (each compresses a batch of victims; the mean spreads them over all faults).
dc_row() {
    local own="" all="" i v w scans
    for ((i = 0; i < REPS; i++)); do
        (cd "$TMP" && "$OLDPWD/$MACHEMU" run --system none -m 32M --trace-faults="$TMP/dc.trace" \
            --trace-filter cost=split "$OLDPWD/$G/compress" 48 >/dev/null 2>&1) ||
            { echo "bench: compress 48 failed" >&2; exit 1; }
        read -r v w scans < <(awk '/kind=decompress/ { n++; c = substr($(NF-1), 6) + 0;
            r = substr($NF, 9) + 0; s += c; o += c - r; if (r > 0) k++ }
            END { if (n) printf "%.2f %.2f %d/%d\n", o / n, s / n, k, n }' "$TMP/dc.trace")
        if [[ -z $own ]] || (( $(echo "$v < $own" | bc -l) )); then own=$v; fi
        if [[ -z $all ]] || (( $(echo "$w < $all" | bc -l) )); then all=$w; fi
    done
    printf '%-8s %11s us %14s %10s   %s\n' decomp "$own" - - \
        "< 6 us: $(goal "$own" 6) (own cost: lookup, decode, map; mean over the trace, compress 48 in 32M)"
    printf '%-8s %11s us %14s %10s   %s\n' +victim "$all" - - \
        "< 6 us: $(goal "$all" 6) (the same faults with the scans they ran to free frames: $scans ran one)"
}
dc_row
echo "the host kernel's own faults (host_faults $VMB, a native program; the physical anchor):"
"$O/bench/host_faults" "$VMB" | sed 's/^/  /'
echo

echo "== 2d. many mappings (mapmany map N: N one-page mappings that cannot merge, every 64th touched, all unmapped)"
printf '%-28s %10s %10s %8s\n' benchmark machemu qemu ratio
guest_row "mapmany map 50000" 256M "$G/mapmany" map 50000
echo

echo "== 3. compressor codecs (MB/s of 16 KB pages per CPU second, best of $COMP_REPS; ratio = bytes in / out; 1val = single-value pages; lz4 = pages hybrid gave to LZ4)"
"$O/bench/compressor_bench" "$COMP_PAGES" "$COMP_REPS"
echo

echo "== 4. Jetsam (jetsam_bench, best of $REPS; guest instructions are the emulator's clock)"
"$O/bench/jetsam_bench" "$G" "$REPS" 2>/dev/null | grep -v '^memapp:'
echo

echo "== 5. the cost of compression (guest/compress MB: written, then read back twice; the same run with RAM enough for it)"
printf '%-44s %10s %10s %8s %12s\n' benchmark squeezed roomy ratio compressions
squeeze_row() {   # NAME MB KIND RAM OPTS...: 'compress MB KIND' under RAM, against 512M
    local name=$1 mb=$2 kind=$3 ram=$4; shift 4
    local r t c
    r=$(best "$MACHEMU" run --system none -m 512M --stats "$@" "$G/compress" "$mb" "$kind")
    t=$(best "$MACHEMU" run --system none -m "$ram" --stats "$@" "$G/compress" "$mb" "$kind")
    c=$(stat_field 'Compressions: *')
    printf '%-44s %10s %10s %7sx %12s\n' "$name" "$t" "$r" "$(ratio "$t" "$r")" "$c"
}
squeeze_row "ios 2x RAM (128 MB heap in 64M)" 128 heap 64M --no-jetsam
for codec in hybrid wkdm lz4; do
    squeeze_row "macos 3x RAM (192 MB heap in 64M), $codec" 192 heap 64M --platform macos --codec "$codec"
    squeeze_row "macos 3x RAM (192 MB mixed in 64M), $codec" 192 mixed 64M --platform macos --codec "$codec"
done
echo

echo "== 6. the shared region: task starts with its tables nested and without (shared_region_bench, best of 3)"
"$O/bench/shared_region_bench" "$G/dyld_shared_cache_arm64" 64 8
echo

echo "== 7. a 64 MB copy in the guest (bench_copy, timed inside it, best of $REPS): mach_vm_copy against memcpy"
copy_us() {
    local b="" v i
    for ((i = 0; i < REPS; i++)); do
        v=$(cd "$TMP" && "$OLDPWD/$MACHEMU" run --system none -m 512M "$OLDPWD/$G/bench_copy" "$1" 64 |
            grep -oE '[0-9.]+ us' | grep -oE '[0-9.]+')
        if [[ -z $b ]] || (( $(echo "$v < $b" | bc -l) )); then b=$v; fi
    done
    echo "$b"
}
cv=$(copy_us vmcopy)
cm=$(copy_us memcpy)
printf '%-28s %12s %12s %8s\n' benchmark mach_vm_copy memcpy ratio
if (( $(echo "$cm > 10 * $cv" | bc -l) )); then cg=ok; else cg="MISSES GOAL (> 10)"; fi
printf '%-28s %10s us %10s us %7sx   (memcpy / mach_vm_copy; goal > 10: %s)\n' "copy 64 MB" "$cv" "$cm" \
    "$(ratio "$cm" "$cv")" "$cg"
echo

O=$O MACHEMU=$MACHEMU QEMU=$QEMU REPS=$REPS "$(dirname "$0")/bench-dynls.sh"
