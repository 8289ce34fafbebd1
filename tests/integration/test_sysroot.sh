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
printf '1 alice\n2 bob\n3 carol\n' >"$INPUTS/j1.txt"
printf '1 red\n3 blue\n4 green\n' >"$INPUTS/j2.txt"

# The loader and the libraries, then the inputs.
put_root() {
  mkdir -p "$1/usr/lib/aarch64-linux-gnu" && cp -a "$SR/lib" "$1/" && ln -s a.txt "$1/link.txt" &&
    cp -a "$SR"/usr/lib/aarch64-linux-gnu/*.so* "$1/usr/lib/aarch64-linux-gnu/" &&
    cp "$INPUTS"/*.txt "$1/" && mkdir -p "$1/dir.d/sub" && echo 'int x;' >"$1/dir.d/sub/x.c" &&
    echo 'doc' >"$1/dir.d/read.me" && touch -d @1000000000 "$1/a.txt" "$1/dir.d/sub/x.c" "$1/dir.d/sub" "$1/dir.d/read.me"
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
# grep, sed and gawk programs
run grep-iwc bin/grep -icw ALPHA lines.txt
run grep-o bin/grep -oE '[0-9]+ line-000[0-9]{2}' lines.txt
run grep-r-include bin/grep -rn --include='*.c' int dir.d
run grep-context bin/grep -n -A1 -B1 'line-00250' lines.txt
run grep-Fxf bin/grep -Fx -f s1.txt s2.txt
run sed-E bin/sed -E 's/^([0-9]+) line-([0-9]+) (.*)$/\3 \2 \1/' lines.txt
run sed-hold bin/sed -n -e '/omega/h' -e '${x;p}' lines.txt
run sed-join bin/sed -e '1i header' -e '$!N;s/\n/+/' a.txt
run gawk-arr usr/bin/gawk '{ c[$3]++; s[$3] += $1 }
  END { n = asorti(c, k); for (i = 1; i <= n; i++) printf "%-6s %4d %8.2f\n", k[i], c[k[i]], s[k[i]] / c[k[i]] }' lines.txt
run gawk-split usr/bin/gawk 'BEGIN { OFS = "," } { n = split($2, p, "-"); gsub(/a/, "A", $3); print NR, p[n] + 0, toupper(substr($3, 1, 3)) }' lines.txt
run gawk-printf usr/bin/gawk 'BEGIN { for (i = 1; i <= 5; i++) printf "%3d %5.2e %o %c %s\n", i, i ^ 10, i * 9, 64 + i, sprintf("%x", i * 4096) }'
# findutils, diffutils
run find-newer usr/bin/find . -maxdepth 1 -type f -newer a.txt -name 'b.txt'
run find-not-newer usr/bin/find dir.d -type f ! -newer a.txt
run find-printf usr/bin/find dir.d -mindepth 1 -name '*.c' -printf '%y %d %p %s\n'
run diff-c -e 1 usr/bin/diff -c --label A --label B a.txt b.txt
run diff-y -e 1 usr/bin/diff -y -W 40 a.txt b.txt
run cmp-l -e 1 usr/bin/cmp -l a.txt b.txt
# coreutils
run comm-12 usr/bin/comm -12 s1.txt s2.txt
run join usr/bin/join -a1 -e NONE -o 0,1.2,2.2 j1.txt j2.txt
run paste-sd usr/bin/paste -sd, a.txt
run seq-f usr/bin/seq -f '%04.1f' -s ' ' 0.5 0.25 2
run seq-w usr/bin/seq -w 8 11
run printf-b usr/bin/printf '%b|%q|%10.3f\n' 'a\tb' "it's" 3.14159
run date-0 bin/date -d @0 -u
run date-fmt bin/date -u -d '2024-02-29 13:45:00' '+%A %j %U %s'
run expr-match usr/bin/expr match hello-world 'hello-\(.*\)'
run expr-0 -e 1 usr/bin/expr 3 - 3
run dirname usr/bin/dirname /a/b/c.txt dir/ x
run basename-a usr/bin/basename -a -s .txt a.txt /x/b.txt
run numfmt usr/bin/numfmt --to=iec 1024 1536000 5000000000
run nl usr/bin/nl -ba -w3 a.txt
run ls-l bin/ls -lgG --time-style=+%s dir.d dir.d/sub
run cp-a bin/cp -a dir.d copy.d
run tr-d -i "$INPUTS/lines.txt" usr/bin/tr -d 'aeiou0-9'

if [ "$N" -gt 0 ] && [ -f "$SR/.complete" ]; then
  echo "    sysroot programs: $IT_PASSED of $N invocations pass ($((100 * IT_PASSED / N))%)"
fi
finish
