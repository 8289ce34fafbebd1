#!/usr/bin/env bash
# Integration: Debian's busybox-static (arm64) under the emulator vs qemu-aarch64.
# The binary is fetched by tests/fetch-busybox.sh into tests/.cache/busybox (BUSYBOX=PATH to
# use another one; NO_FETCH=1 to never download). Without it every case is SKIPPED.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

BB=${BUSYBOX:-$TOP/tests/.cache/busybox}
if [ ! -x "$BB" ] && [ -z "${BUSYBOX:-}" ] && [ "${NO_FETCH:-0}" != 1 ]; then
  timeout -k 10 600 "$TOP/tests/fetch-busybox.sh" </dev/null 2>&1 | indent
fi
cases=(bb-echo bb-sort bb-sort-rn bb-md5sum bb-wc bb-ls bb-sh-while bb-gzip-pipeline bb-sh-fork bb-sh-fork-nested
       bb-sh-jobs bb-sh-applets bb-sh-pipes)
if [ ! -x "$BB" ]; then
  for c in "${cases[@]}"; do skip "$c" "no busybox binary ($BB): tests/fetch-busybox.sh could not fetch it"; done
  finish; exit
fi
case $BB in /*) ;; *) BB=$PWD/$BB ;; esac

# Deterministic inputs.
INPUTS="$SCRATCH/inputs"
mkdir -p "$INPUTS"
awk 'BEGIN { x = 12345; for (i = 0; i < 500; i++) { x = (x * 1103515245 + 12345) % 2147483648;
             printf "%d line-%05d %s\n", x % 1000, i, (x % 3 ? "alpha" : "omega") } }' >"$INPUTS/lines.txt"
awk 'BEGIN { x = 7; for (i = 0; i < 20000; i++) { x = (x * 69069 + 1) % 4294967296;
             printf "%08x %s\n", x, (i % 7 ? "the quick brown fox" : "jumps over the lazy dog") } }' >"$INPUTS/data.txt"

put_data() { cp "$INPUTS/data.txt" "$1/data.txt"; }
put_files() { mkdir -p "$1/dir.d"; : >"$1/b.txt"; : >"$1/a.txt"; cp "$INPUTS/lines.txt" "$1/c.txt"; }

compare bb-echo -- "$BB" echo hello from busybox
compare bb-sort -i "$INPUTS/lines.txt" -- "$BB" sort
compare bb-sort-rn -i "$INPUTS/lines.txt" -- "$BB" sort -rn
compare bb-md5sum -s put_data -- "$BB" md5sum data.txt
compare bb-wc -s put_data -- "$BB" wc data.txt
compare bb-ls -s put_files -- "$BB" ls -1a
compare bb-sh-while -- "$BB" sh -c 'i=0; while [ $i -lt 20 ]; do i=$((i+1)); done; echo $i'

# gzip -c FILE | gzip -dc: two busybox processes in a host shell pipeline, each under the
# emulator; the output must be the original file, as under qemu.
gzip_pipeline() {
  local name=bb-gzip-pipeline d="$SCRATCH/bb-gzip-pipeline.out" root
  mkdir -p "$d"
  if ! have_qemu; then skip "$name" "$QEMU not found: nothing to compare against"; return; fi
  root=$(new_root "$name.ref"); put_data "$root"
  (cd "$root" && env "${GUEST_ENV[@]}" timeout -k 5 "$TEST_TIMEOUT" "$QEMU" "$BB" gzip -c data.txt </dev/null 2>"$d/ref.err1" |
    env "${GUEST_ENV[@]}" timeout -k 5 "$TEST_TIMEOUT" "$QEMU" "$BB" gzip -dc >"$d/ref.out" 2>"$d/ref.err2"
    echo "${PIPESTATUS[*]}" >"$d/ref.status") 2>/dev/null
  root=$(new_root "$name.emu"); put_data "$root"
  (cd "$root" && env "${GUEST_ENV[@]}" timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" run --root "$root" "$BB" gzip -c data.txt </dev/null 2>"$d/emu.err1" |
    env "${GUEST_ENV[@]}" timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" run --root "$root" "$BB" gzip -dc >"$d/emu.out" 2>"$d/emu.err2"
    echo "${PIPESTATUS[*]}" >"$d/emu.status") 2>/dev/null
  local why=()
  [ "$(cat "$d/ref.status")" = "0 0" ] || why+=("reference pipeline statuses $(cat "$d/ref.status")")
  [ "$(cat "$d/emu.status")" = "0 0" ] || why+=("emulator pipeline statuses $(cat "$d/emu.status") (gzip -c, gzip -dc)")
  cmp -s "$d/ref.out" "$d/emu.out" || why+=("stdout differs")
  cmp -s "$INPUTS/data.txt" "$d/emu.out" || why+=("output is not the original file")
  if [ ${#why[@]} -eq 0 ]; then pass "$name"; return; fi
  local joined; joined=$(IFS=';'; echo "${why[*]}"); fail "$name" "${joined//;/; }"
  cmp "$d/ref.out" "$d/emu.out" 2>&1 | indent
  for f in emu.err1 emu.err2; do
    [ -s "$d/$f" ] && { echo "    --- $f:"; tail -n 10 "$d/$f" | indent; }
  done
}
gzip_pipeline

# fork: command substitution and a pipeline inside sh (shell builtins only, as an external
# command would be looked up in the host's PATH under qemu).
compare bb-sh-fork -- "$BB" sh -c \
  'x=$(echo sub); echo "$x shell" | while read a b; do echo "$b $a"; done; echo "status $?"'
compare bb-sh-fork-nested -- "$BB" sh -c \
  'n=$(echo 5 | while read x; do echo $((x*2)); done); echo "n=$n"; (exit 3); echo "sub $?"'

# Issue 18: background jobs and wait, applets run by exec of /proc/self/exe (mv, cat,
# mkfifo), pipelines with writes far larger than a pipe and readers that stop early.
compare bb-sh-jobs -- "$BB" sh -c \
  'sleep 0.2 & echo started; wait $!; echo "waited $?"; (exit 3) & wait $!; echo "job $?"; sleep 5 & kill $!; wait $!; echo "killed $?"'
compare bb-sh-applets -- "$BB" sh -c \
  'echo a > f; mv f g; cat g; mkfifo ff; (echo through-fifo > ff &); cat ff; rm g ff; ls'
compare bb-sh-pipes -- "$BB" sh -c \
  'seq 1 100000 | sort -rn | head -n 2; yes | head -c 5; echo; dd if=/dev/zero bs=200000 count=5 2>/dev/null | wc -c'

finish
