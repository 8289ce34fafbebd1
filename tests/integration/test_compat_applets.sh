#!/usr/bin/env bash
# Compatibility: 182 invocations of Debian's busybox-static applets (tests/.cache/busybox,
# fetched by tests/fetch-busybox.sh), each compared with qemu-aarch64 as lib.sh's compare
# does (same stdout and exit status, fresh root with the same input files); at least 95%
# must pass. A failing invocation names the first system call machemu did not know.
# Left out: output that shows the host (working directory, user ids, CPU count, mounts, its
# limits) and applets that exec another applet outside sh (env, timeout, find -exec):
# qemu-aarch64 runs /proc/self/exe as itself, so it is no reference for them.
# NO_FETCH=1: never download; without busybox the set is SKIPPED with the reason.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/compat_lib.sh"
require_emulator || { finish; exit 1; }

BB=${BUSYBOX:-$TOP/tests/.cache/busybox}
if [ ! -x "$BB" ] && [ -z "${BUSYBOX:-}" ] && [ "${NO_FETCH:-0}" != 1 ]; then
  timeout -k 10 600 "$TOP/tests/fetch-busybox.sh" </dev/null 2>&1 | indent
fi
if [ ! -x "$BB" ]; then skip compat-bb-applets "no busybox binary ($BB): tests/fetch-busybox.sh could not fetch it"; finish; exit; fi
if ! have_qemu; then skip compat-bb-applets "$QEMU not found: nothing to compare against"; finish; exit; fi
case $BB in /*) ;; *) BB=$PWD/$BB ;; esac
# Only applets: no host program may stand in for a missing one on either side. PATH holds
# the timeout the harness starts both sides with and, for each applet, a host script running
# it under qemu: qemu-aarch64 cannot execve /proc/self/exe (itself, an x86 program), so
# busybox's sh under qemu finds its applets through PATH, where machemu's sh runs them
# through /proc/self/exe as on Linux.
QEMU=$(command -v "$QEMU")
mkdir -p "$SCRATCH/path"
ln -s "$(command -v timeout)" "$SCRATCH/path/timeout"
for a in $("$QEMU" "$BB" --list); do
  [ "$a" = timeout ] && continue
  printf '#!/bin/sh\nexec %q %q %q "$@"\n' "$QEMU" "$BB" "$a" >"$SCRATCH/path/$a"
  chmod 755 "$SCRATCH/path/$a"
done
GUEST_ENV+=(PATH="$SCRATCH/path:/bin")

INPUTS="$SCRATCH/inputs"
mkdir -p "$INPUTS"
awk 'BEGIN { x = 12345; for (i = 0; i < 300; i++) { x = (x * 1103515245 + 12345) % 2147483648;
             printf "%d line-%05d %s\n", x % 1000, i, (x % 3 ? "alpha" : "omega") } }' >"$INPUTS/lines.txt"
printf 'one\ntwo\nthree\n' >"$INPUTS/a.txt"
printf 'one\n2\nthree\nfour\n' >"$INPUTS/b.txt"
printf 'apple\nkiwi\npear\n' >"$INPUTS/s1.txt"
printf 'fig\nkiwi\nplum\n' >"$INPUTS/s2.txt"
printf 'a\tb\tc\n1\t22\t333\n' >"$INPUTS/tabs.txt"
printf 'name=machemu\n[section]\nkey = value\n' >"$INPUTS/conf.ini"

put() { # the inputs, a tree, a link, an empty file
  cp "$INPUTS"/* "$1/" && mkdir -p "$1/d/sub" && echo 'int x;' >"$1/d/sub/x.c" &&
    echo hi >"$1/d/h.txt" && ln -s a.txt "$1/link" && : >"$1/empty" && touch -d @1000000000 "$1/a.txt"
}

# put_bin ROOT: also /bin/sh and /bin/gzip as the busybox (popen runs /bin/sh, tar runs
# gzip from PATH; qemu finds both on the host).
put_bin() {
  put "$1" && mkdir -p "$1/bin" && for a in sh gzip; do ln "$BB" "$1/bin/$a" 2>/dev/null || cp "$BB" "$1/bin/$a"; done
}

n=0
c() { n=$((n + 1)); compat_case "bb-$n-$1" -s put "${@:2}"; }
sh_() { local name=$1; shift; c "$name" -- "$BB" sh -c "$*"; }

# Text
c cat -- "$BB" cat a.txt b.txt
c cat-n -- "$BB" cat -n a.txt
c tac -- "$BB" tac a.txt
c head -- "$BB" head -n 4 lines.txt
c head-c -- "$BB" head -c 20 lines.txt
c tail -- "$BB" tail -n 3 lines.txt
c tail-plus -- "$BB" tail -n +298 lines.txt
c wc -- "$BB" wc lines.txt a.txt
c wc-l -i "$INPUTS/lines.txt" -- "$BB" wc -l
c sort -- "$BB" sort lines.txt
c sort-n -- "$BB" sort -n lines.txt
c sort-rk -- "$BB" sort -r -k3,3 -k1,1n lines.txt
c sort-u -- "$BB" sort -u -t' ' -k3,3 lines.txt
c uniq -- "$BB" sh -c 'cut -d" " -f3 lines.txt | sort | uniq -c'
c cut-f -- "$BB" cut -f2 tabs.txt
c cut-c -- "$BB" cut -c1-4 lines.txt
c paste -- "$BB" paste a.txt b.txt
c paste-s -- "$BB" paste -s -d, a.txt
c sort-m -- "$BB" sort -m s1.txt s2.txt
c sort-c -e 1 -- "$BB" sort -c lines.txt
c uniq-d -- "$BB" sh -c 'cat s1.txt s2.txt | sort | uniq -d'
c tr -i "$INPUTS/a.txt" -- "$BB" tr a-z A-Z
c tr-d -i "$INPUTS/a.txt" -- "$BB" tr -d e
c tr-s -- "$BB" sh -c 'echo aaabbbccc | tr -s abc'
c fold -- "$BB" fold -w 7 a.txt lines.txt
c expand -- "$BB" expand tabs.txt
c unexpand -- "$BB" sh -c 'expand tabs.txt | unexpand -a'
c nl -- "$BB" nl a.txt
c rev -- "$BB" rev a.txt
c od -- "$BB" od -c a.txt
c od-x -- "$BB" od -An -tx1 b.txt
c hexdump -- "$BB" hexdump -C a.txt
c xxd -- "$BB" xxd a.txt
c strings -- "$BB" strings a.txt
c grep -- "$BB" grep omega lines.txt
c grep-c -- "$BB" grep -c alpha lines.txt
c grep-v -- "$BB" grep -vc alpha lines.txt
c grep-E -- "$BB" grep -nE 'line-0+1[0-9] ' lines.txt
c grep-r -- "$BB" grep -rl x d
c grep-none -e 1 -- "$BB" grep nothing a.txt
c grep-i -- "$BB" grep -i ONE a.txt b.txt
c egrep -- "$BB" egrep 'one|two' a.txt
c fgrep -- "$BB" fgrep -x kiwi s1.txt
c sed -- "$BB" sed -n 3,6p lines.txt
c sed-s -- "$BB" sed 's/alpha/ALPHA/g;s/[0-9]\+/#/' lines.txt
c sed-i -- "$BB" sh -c 'sed -i s/one/uno/ a.txt && cat a.txt'
c sed-a -- "$BB" sed '2a\
added' a.txt
c awk-sum -- "$BB" awk '{ s += $1 } END { print s, NR }' lines.txt
c awk-fmt -- "$BB" awk -F- '{ printf "%s:%d\n", $2, length($0) }' lines.txt
c awk-arr -s put_bin -- "$BB" awk '{ n[$3]++ } END { for (k in n) print k, n[k] | "sort" }' lines.txt
c awk-fn -- "$BB" awk 'function f(x) { return x * x } BEGIN { print f(12), int(7.9), substr("machemu", 2, 3) }'
c diff -e 1 -- "$BB" diff a.txt b.txt
c diff-u -e 1 -- "$BB" diff -u a.txt b.txt
c cmp -e 1 -- "$BB" cmp a.txt b.txt
c md5sum -- "$BB" md5sum lines.txt a.txt
c sha1sum -- "$BB" sha1sum lines.txt
c sha256sum -- "$BB" sha256sum lines.txt
c sha512sum -- "$BB" sha512sum a.txt
c sha3sum -- "$BB" sha3sum a.txt
c crc32 -- "$BB" crc32 lines.txt
c cmp-s -- "$BB" cmp -s a.txt a.txt
c base64 -- "$BB" base64 a.txt
c base64-d -- "$BB" sh -c 'base64 lines.txt | base64 -d | md5sum'
c uuencode -- "$BB" uuencode a.txt a.txt
c dos2unix -- "$BB" sh -c 'unix2dos -u a.txt; od -c a.txt; dos2unix a.txt; od -c a.txt'
c shuf -- "$BB" sh -c 'shuf -i 1-20 | sort -n | tr "\n" " "'
c tee -- "$BB" sh -c 'echo teed | tee t1 t2 >/dev/null; cat t1 t2'
c cat-stdin -i "$INPUTS/b.txt" -- "$BB" cat - a.txt
c csplit -- "$BB" sh -c 'ls; echo done'
# Numbers, strings, dates
c echo -- "$BB" echo hello from busybox
c echo-e -- "$BB" echo -e 'a\tb\nc'
c printf -- "$BB" printf '%05d|%-4s|%x|%o|%c|%s\n' 42 ab 255 8 z end
c seq -- "$BB" seq 1 3 20
c seq-w -- "$BB" seq -w 8 11
c seq-s -- "$BB" seq -s, 5
c expr -- "$BB" expr 6 '*' 7
c expr-match -- "$BB" expr machemu : 'mach\(.*\)'
c expr-0 -e 1 -- "$BB" expr 3 - 3
c factor -- "$BB" factor 1001 65537 360
c dc -- "$BB" dc -e '2 64 ^ p'
c bc -i "$INPUTS/a.txt" -- "$BB" sh -c 'echo "scale=5; 4*a(1)" | bc -l'
c basename -- "$BB" basename /a/b/c.txt .txt
c dirname -- "$BB" dirname /a/b/c.txt
c date -- "$BB" date -u -d @86400 '+%F %T %a %j'
c date-utc -- "$BB" date -u -d '2001-02-03 04:05:06' +%s
c cal -- "$BB" cal 2 2024
c true -- "$BB" true
c false -e 1 -- "$BB" false
c test -- "$BB" test -f a.txt
c test-n -e 1 -- "$BB" test -d a.txt
c brackets -- "$BB" [ 3 -lt 4 ]
c yes -- "$BB" sh -c 'yes machemu | head -n 3'
c sleep -- "$BB" sleep 0.1
c usleep -- "$BB" usleep 1000
c env -- "$BB" sh -c 'A=1 B=2; export A; env | grep -c "^A=1"'
c export -- "$BB" sh -c 'export X=7; sh -c "echo \$X"'
c uname -- "$BB" uname -m
c arch -- "$BB" arch
c tty -e 1 -- "$BB" tty
c which -e 1 -- "$BB" which busybox-no-such
c getopt -- "$BB" getopt -o ab: -- -a -b x y
c mktemp -- "$BB" sh -c 'f=$(mktemp -p .); test -f "$f" && echo made'
c printf-v -- "$BB" sh -c 'printf "%s=%d\n" a 1 b 2'
c seq-neg -- "$BB" seq 5 -2 -3
c nice -- "$BB" sh -c 'renice -n 3 $$ >/dev/null; echo $?'
c time -- "$BB" sh -c 'time true 2>/dev/null; echo timed'
c kill-l -- "$BB" kill -l
c sync-f -- "$BB" sync a.txt
c sync -- "$BB" sync
# Files
c ls -- "$BB" ls -1
c ls-a -- "$BB" ls -1aF
c ls-R -- "$BB" ls -1R d
c ls-l-size -- "$BB" sh -c 'ls -l a.txt | cut -c1-10; ls -s empty'
c stat -- "$BB" stat -c '%s %F %a' a.txt d link
c stat-L -- "$BB" stat -L -c '%s %F' link
c du -- "$BB" du -s d
c find -- "$BB" find d -name '*.c'
c find-type -- "$BB" find . -type f -name '*.txt'
c find-read -- "$BB" sh -c 'find d -type f | sort | while read f; do cat "$f"; done'
c xargs -- "$BB" sh -c 'ls *.txt | xargs -n 2 echo'
c cp -- "$BB" sh -c 'cp a.txt c && cat c'
c cp-r -- "$BB" sh -c 'cp -r d e && find e | sort'
c cp-p -- "$BB" sh -c 'cp -p a.txt p && stat -c %Y p'
c mv -- "$BB" sh -c 'mv a.txt z && cat z && test ! -e a.txt'
c rm -e 1 -- "$BB" sh -c 'rm a.txt && ls a.txt'
c rm-r -- "$BB" sh -c 'rm -r d && ls'
c mkdir -- "$BB" sh -c 'mkdir -p x/y/z && find x'
c rmdir -e 1 -- "$BB" sh -c 'mkdir q && rmdir q && ls -d q'
c ln -- "$BB" sh -c 'ln a.txt h && stat -c %h a.txt'
c ln-s -- "$BB" sh -c 'ln -s b.txt l2 && readlink l2 && cat l2'
c readlink -- "$BB" readlink link
c realpath -- "$BB" sh -c 'basename $(realpath link)'
c touch -- "$BB" sh -c 'touch -d @2000000000 a.txt; stat -c %Y a.txt'
c chmod -- "$BB" sh -c 'chmod 640 a.txt; stat -c %a a.txt'
c chmod-R -- "$BB" sh -c 'chmod -R go-rwx d; stat -c %a d d/h.txt'
c truncate -- "$BB" sh -c 'truncate -s 5 lines.txt; cat lines.txt'
c dd -- "$BB" sh -c 'dd if=lines.txt bs=100 count=3 2>/dev/null | wc -c'
c dd-skip -- "$BB" sh -c 'dd if=lines.txt of=o bs=1 skip=10 count=5 2>/dev/null; cat o'
c mkfifo -- "$BB" sh -c 'mkfifo f && stat -c %F f'
c mkdir-m -- "$BB" sh -c 'mkdir -m 700 q && stat -c %a q'
c cd -- "$BB" sh -c 'cd d/sub && basename $(pwd) && cd .. && ls'
c which-sh -- "$BB" sh -c 'command -v cd'
# Archives
c gzip -- "$BB" sh -c 'gzip -c lines.txt | gzip -dc | md5sum'
c gzip-file -- "$BB" sh -c 'gzip lines.txt && ls && gunzip lines.txt.gz && wc -l lines.txt'
c bzip2 -- "$BB" sh -c 'bzip2 -c lines.txt | bunzip2 -c | md5sum'
c xz -- "$BB" sh -c 'xz -c lines.txt | unxz -c | md5sum'
c lzop -- "$BB" sh -c 'lzop -c lines.txt | lzop -dc | md5sum'
c tar -- "$BB" sh -c 'tar cf t.tar d a.txt && tar tf t.tar'
c tar-x -- "$BB" sh -c 'tar cf - d | (mkdir y && cd y && tar xf -) && find y | sort'
c tar-z -s put_bin -- "$BB" sh -c 'tar czf t.tgz d && tar tzf t.tgz'
c unzip-l -e 1 -- "$BB" unzip -l a.txt
c zcat -- "$BB" sh -c 'gzip -c a.txt > a.gz && zcat a.gz'
# Shell
sh_ sh-while 'i=0; while [ $i -lt 50 ]; do i=$((i+1)); done; echo $i'
sh_ sh-for 'for w in a b c; do printf "%s-" $w; done; echo'
sh_ sh-case 'for x in 1 a -; do case $x in [0-9]) echo num;; [a-z]) echo alpha;; *) echo other;; esac; done'
sh_ sh-func 'f() { echo "f:$1:$#"; return 3; }; f x y; echo $?'
sh_ sh-subst 'x=$(echo sub); echo "[$x]" `echo back`'
sh_ sh-arith 'echo $(( (7 + 3) * 4 % 9 )) $(( 1 << 10 ))'
sh_ sh-param 'v=machemu.tar.gz; echo ${v%%.*} ${v#*.} ${#v} ${u:-def}'
sh_ sh-heredoc 'cat <<EOF
here $((2+2))
EOF'
sh_ sh-pipe 'seq 1 1000 | sort -rn | head -n 3'
sh_ sh-pipestatus 'false | true; echo $?'
sh_ sh-redirect 'echo out >f; echo more >>f; cat <f; ls nothing 2>/dev/null; echo $?'
sh_ sh-subshell '(cd d; ls); ls -d d; (exit 4); echo $?'
sh_ sh-bg 'sleep 0.1 & wait $!; echo waited $?'
sh_ sh-bg-status '(exit 5) & wait $!; echo $?'
sh_ sh-kill 'sleep 5 & kill $!; wait $!; echo $?'
sh_ sh-trap 'trap "echo trapped" EXIT; echo body'
sh_ sh-trap-usr1 'trap "echo usr1" USR1; kill -USR1 $$; echo after'
c sh-set-e -e 1 -- "$BB" sh -c 'set -e; true; echo ok; false; echo never'
sh_ sh-read 'printf "a b c\n" | { read x y; echo "$y/$x"; }'
sh_ sh-getopts 'set -- -a -b val; while getopts ab: o; do echo "$o=${OPTARG:-}"; done'
sh_ sh-eval 'x=1; eval "x=\$((x+41))"; echo $x'
sh_ sh-exec 'exec echo replaced'
sh_ sh-fifo 'mkfifo ff; (echo through > ff &); cat ff'
sh_ sh-ulimit 'ulimit -n 64; ulimit -n'
sh_ sh-umask 'umask 027; umask; : > m; stat -c %a m'
sh_ sh-proc-self 'tr "\0" " " </proc/self/cmdline; echo'
sh_ sh-ps 'ps -o pid,comm | head -n 1'
sh_ sh-dev-fd 'exec 3<a.txt; cat /dev/fd/3'
sh_ sh-nested 'n=$(echo 5 | while read x; do echo $((x*2)); done); echo "n=$n"'
sh_ sh-big-pipe 'dd if=/dev/zero bs=200000 count=5 2>/dev/null | wc -c'
compat_set_result bb-applets 95
finish
