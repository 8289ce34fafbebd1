#!/usr/bin/env bash
# scripts/bench-dynls.sh — section 8 of `make bench` (scripts/bench.sh), runnable alone:
# the start-up of a dynamically linked program, the sysroot's /bin/ls -1 on a directory
# of 8 files, LS_N times in a row (loader, libc and libselinux mapped each time), under
# machemu (--root with the sysroot's loader and libraries) and under qemu-aarch64 -L the
# same root, in the same run. Prints the best of REPS wall times and qemu/machemu.
# Skipped with the reason when the sysroot (tests/fetch-sysroot.sh) or qemu is missing.
# Environment: O, MACHEMU, QEMU, REPS (default 3), LS_N (default 20), SYSROOT.
set -euo pipefail
O=${O:-build}
MACHEMU=${MACHEMU:-$O/machemu}
QEMU=${QEMU:-qemu-aarch64}
REPS=${REPS:-3}
LS_N=${LS_N:-20}
SR=${SYSROOT:-tests/.cache/sysroot}

echo "== 8. start-up of a dynamic program: the sysroot's /bin/ls -1 on 8 files, $LS_N runs (best of $REPS)"
if [[ ! -f $SR/.complete ]]; then
    echo "skipped: no sysroot in $SR (tests/fetch-sysroot.sh makes it)"
    exit 0
fi
if ! command -v "$QEMU" >/dev/null 2>&1; then
    echo "skipped: $QEMU not found"
    exit 0
fi
case $SR in /*) ;; *) SR=$PWD/$SR ;; esac
case $MACHEMU in /*) ;; *) MACHEMU=$PWD/$MACHEMU ;; esac
ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT/usr/lib/aarch64-linux-gnu" "$ROOT/d"
cp -a "$SR/lib" "$ROOT/"
cp -a "$SR"/usr/lib/aarch64-linux-gnu/*.so* "$ROOT/usr/lib/aarch64-linux-gnu/"
for f in a b c d e f g h; do echo "$f" >"$ROOT/d/$f.txt"; done

now() { date +%s.%N; }
loop() { local k; for ((k = 0; k < LS_N; k++)); do "$@" >/dev/null || return 1; done; }
best() {   # CMD...: the best wall time of REPS runs of loop CMD
    local b="" t0 d i
    for ((i = 0; i < REPS; i++)); do
        t0=$(now)
        loop "$@" || { echo "bench: failed: $*" >&2; exit 1; }
        d=$(echo "$(now) - $t0" | bc -l)
        if [[ -z $b ]] || (($(echo "$d < $b" | bc -l))); then b=$d; fi
    done
    printf '%.3f\n' "$b"
}
cd "$ROOT"
want=$(printf '%s.txt\n' a b c d e f g h)
got_m=$("$MACHEMU" run --system none --root "$ROOT" "$SR/bin/ls" -1 d)
got_q=$(env QEMU_LD_PREFIX= "$QEMU" -L "$ROOT" "$SR/bin/ls" -1 d)
if [[ $got_m != "$want" || $got_q != "$want" ]]; then
    echo "bench: ls -1 d printed something else: machemu '$got_m', qemu '$got_q'" >&2
    exit 1
fi
m=$(best "$MACHEMU" run --system none --root "$ROOT" "$SR/bin/ls" -1 d)
q=$(best "$QEMU" -L "$ROOT" "$SR/bin/ls" -1 d)
printf '%-28s %10s %10s %8s\n' benchmark machemu qemu ratio
printf '%-28s %10s %10s %7sx   (qemu / machemu; per run: machemu %.1f ms, qemu %.1f ms)\n' \
    "dynamic ls -1 x$LS_N" "$m" "$q" "$(printf '%.2f' "$(echo "$q / $m" | bc -l)")" \
    "$(echo "1000 * $m / $LS_N" | bc -l)" "$(echo "1000 * $q / $LS_N" | bc -l)"
