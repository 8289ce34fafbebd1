#!/usr/bin/env bash
# Integration: dynamically linked third-party programs from Debian's arm64 packages
# (coreutils, grep, sed, gawk, findutils, diffutils) under the emulator vs qemu-aarch64,
# with a sysroot that tests/fetch-sysroot.sh makes in tests/.cache/sysroot through
# scripts/sysroot.sh (SYSROOT=DIR to use another; NO_FETCH=1 to never download). Without
# it every case is SKIPPED. Each case's root gets the sysroot's loader and libraries and
# its own input files; the programs run from the sysroot; qemu gets the case's root as
# QEMU_LD_PREFIX. The report ends with the pass rate.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

SR=${SYSROOT:-$TOP/tests/.cache/sysroot}
if [ ! -f "$SR/.complete" ] && [ -z "${SYSROOT:-}" ] && [ "${NO_FETCH:-0}" != 1 ]; then
  timeout -k 10 600 "$TOP/tests/fetch-sysroot.sh" </dev/null 2>&1 | indent
fi

INPUTS="$SCRATCH/inputs"
mkdir -p "$INPUTS"
awk 'BEGIN { x = 12345; for (i = 0; i < 500; i++) { x = (x * 1103515245 + 12345) % 2147483648;
             printf "%d line-%05d %s\n", x % 1000, i, (x % 3 ? "alpha" : "omega") } }' >"$INPUTS/lines.txt"
printf 'one\ntwo\nthree\n' >"$INPUTS/a.txt"
printf 'one\n2\nthree\nfour\n' >"$INPUTS/b.txt"
printf 'apple\nkiwi\npear\n' >"$INPUTS/s1.txt"
printf 'fig\nkiwi\nplum\n' >"$INPUTS/s2.txt"

# The loader and the libraries, then the inputs.
put_root() {
  mkdir -p "$1/usr/lib/aarch64-linux-gnu" && cp -a "$SR/lib" "$1/" && ln -s a.txt "$1/link.txt" &&
    cp -a "$SR"/usr/lib/aarch64-linux-gnu/*.so* "$1/usr/lib/aarch64-linux-gnu/" &&
    cp "$INPUTS"/*.txt "$1/" && mkdir -p "$1/dir.d/sub" && echo 'int x;' >"$1/dir.d/sub/x.c"
}
export QEMU_LD_PREFIX=.            # qemu runs in the case's root

N=0
run() { # NAME [-e STATUS] [-i INPUT] PROGRAM ARGS...: PROGRAM is a path in the sysroot
  local name=sr-$1 opts=(); shift
  while [ "${1:-}" = -e ] || [ "${1:-}" = -i ]; do opts+=("$1" "$2"); shift 2; done
  local prog=$1; shift
  N=$((N + 1))
  if [ ! -f "$SR/.complete" ]; then skip "$name" "no sysroot ($SR): tests/fetch-sysroot.sh could not make it"; return; fi
  compare "$name" -s put_root "${opts[@]}" -- "$SR/$prog" "$@"
}

run ls bin/ls -1
run ls-la-dir bin/ls -1aR dir.d
run sort usr/bin/sort lines.txt
run sort-rn usr/bin/sort -rn lines.txt
run sort-k usr/bin/sort -t- -k2,2 -s lines.txt
run sort-u-stdin -i "$INPUTS/lines.txt" usr/bin/sort -u
run uniq-c usr/bin/uniq -c a.txt
run wc usr/bin/wc lines.txt
run head usr/bin/head -n 7 lines.txt
run tail usr/bin/tail -n 7 lines.txt
run cut usr/bin/cut -d' ' -f2,3 lines.txt
run tr -i "$INPUTS/a.txt" usr/bin/tr a-z A-Z
run md5sum usr/bin/md5sum lines.txt a.txt
run sha256sum usr/bin/sha256sum lines.txt
run cat-n bin/cat -n a.txt
run tac usr/bin/tac a.txt
run od usr/bin/od -c a.txt
run base64 usr/bin/base64 lines.txt
run seq usr/bin/seq 1 3 20
run expr usr/bin/expr 6 '*' 7
run printf usr/bin/printf '%05d|%-4s|%x\n' 42 ab 255
run date bin/date -u -d @86400 '+%F %T'
run stat usr/bin/stat -c '%s %F' lines.txt dir.d
run basename usr/bin/basename /a/b/c.txt .txt
run factor usr/bin/factor 1001 65537
run paste usr/bin/paste a.txt b.txt
run comm usr/bin/comm s1.txt s2.txt
run grep-c bin/grep -c alpha lines.txt
run grep-E bin/grep -nE 'line-0+1[0-9]\b' lines.txt
run grep-r bin/grep -rl x dir.d
run grep-none -e 1 bin/grep nothing-here a.txt
run sed-n bin/sed -n '3,6p' lines.txt
run sed-s bin/sed 's/alpha/ALPHA/g;s/[0-9]\+/#/' lines.txt
run gawk-sum usr/bin/gawk '{ s += $1 } END { print s, NR }' lines.txt
run gawk-fmt usr/bin/gawk -F- '{ printf "%s:%d\n", $2, length($0) }' lines.txt
run find-name usr/bin/find dir.d -name '*.c'
run find-type usr/bin/find dir.d -type d -name sub
run diff -e 1 usr/bin/diff a.txt b.txt
run diff-u -e 1 usr/bin/diff -u --label A --label B a.txt b.txt
run cmp -e 1 usr/bin/cmp a.txt b.txt
run mv bin/mv a.txt moved.txt
run cp-ls bin/cp -r dir.d copy.d
run rm bin/rm -r dir.d
run touch-t bin/touch -d @0 a.txt
run chmod bin/chmod 600 a.txt
run readlink bin/readlink link.txt
run sed-i bin/sed -i s/one/ONE/ a.txt
run split usr/bin/split -l 100 lines.txt part.

if [ "$N" -gt 0 ] && [ -f "$SR/.complete" ]; then
  echo "    sysroot programs: $IT_PASSED of $N invocations pass ($((100 * IT_PASSED / N))%)"
fi
finish
