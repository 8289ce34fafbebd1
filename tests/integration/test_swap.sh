#!/usr/bin/env bash
# Integration: the macOS swap file (emulator only: qemu-aarch64 has no swap).
#  - two runs share one --swap-dir: the first (guest/compress 48 random in 16 MB, which
#    swaps) writes its data out and waits; the second runs whole meanwhile; then the
#    first reads its data back. Each made swap files of its own (swapfileN, the first
#    names free), both read their data back intact, and each removed only its own files:
#    a swapfile0 and a swapfile1 (a symlink) that were there before are as they were;
#  - a swap file truncated by someone else under a waiting run: the guest's SIGBUS
#    says that its compressed page could not be read back, not "past the end of the
#    mapped file".
# Run on its own: tests/integration/test_swap.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

C=$GUEST/compress

# start NAME SWAPDIR [pause]: runs compress 48 random with --stats in the background;
# sets D and PID. With pause it waits after writing for a line on its stdin, which
# `release` sends.
start() {
  local name=$1 dir=$2 pause=${3:-} root in=/dev/null
  root=$(new_root "$name")
  D="$SCRATCH/$name.out"
  rm -rf "$D"; mkdir -p "$D"
  if [ -n "$pause" ]; then in=$D/in; mkfifo "$in"; fi
  (cd "$root" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" run --root "$root" -m 16M \
     --platform macos --swap-dir "$dir" --stats "$C" 48 random $pause <"$in" >"$D/out" 2>"$D/err";
   echo $? >"$D/status") &
  PID=$!
  if [ -n "$pause" ]; then exec {W}>"$in"; fi
}
release() { echo go >&"$W"; exec {W}>&-; }

# written D: waits (up to TEST_TIMEOUT) until the run in D has written its data.
written() {
  local i
  for i in $(seq $(( TEST_TIMEOUT * 20 ))); do
    grep -q '^compress: wrote ' "$1/out" 2>/dev/null && return 0
    [ -s "$1/status" ] && return 1
    sleep 0.05
  done
  return 1
}

# intact D NAME: the run read its data back, and swapped to do so.
intact() {
  local d=$1 name=$2
  [ "$(cat "$d/status" 2>/dev/null)" = 0 ] || WHY+=("$name: exit status $(status_text "$(cat "$d/status" 2>/dev/null)")")
  grep -q '^compress: read back intact twice, checksum ' "$d/out" || WHY+=("$name: data not read back intact")
  grep -Eq '^Swapouts: +[1-9][0-9]*\.$' "$d/err" || WHY+=("$name: it never swapped out")
  grep -Eq '^Swapins: +[1-9][0-9]*\.$' "$d/err" || WHY+=("$name: it never swapped in")
  if grep -q '^machemu: crash:' "$d/err"; then WHY+=("$name: $(grep '^machemu: crash:' "$d/err")"); fi
}

shared_dir() {
  local dir=$SCRATCH/swapdir-shared before mine
  mkdir -p "$dir"
  printf 'not machemu'"'"'s\n' >"$dir/swapfile0"
  printf 'elsewhere\n' >"$SCRATCH/swap-target"
  ln -s "$SCRATCH/swap-target" "$dir/swapfile1"
  touch -d '2001-01-01 00:00' "$dir/swapfile0"
  before=$(stat -c '%i %s %Y' "$dir/swapfile0")
  start swap-shared-first "$dir" pause; local first=$D pa=$PID
  if written "$first"; then
    mine=$(cd "$dir" && ls -A | tr '\n' ' ')
    # 48 MB in files of the RAM's size (16 MB): several files, from swapfile2 on.
    [[ $mine =~ ^swapfile0\ swapfile1\ swapfile2\ (swapfile[3-9]\ )+$ ]] ||
      WHY+=("with the first run waiting the directory holds '$mine', want swapfile2 and more added")
    start swap-shared-second "$dir"; local second=$D
    wait "$PID"
    intact "$second" second
  else
    WHY+=("the first run did not get to write its data")
  fi
  release
  wait "$pa"
  intact "$first" first
  [ "$(stat -c '%i %s %Y' "$dir/swapfile0" 2>/dev/null)" = "$before" ] &&
    [ "$(cat "$dir/swapfile0")" = "not machemu's" ] || WHY+=("swapfile0, there before, was changed")
  [ -L "$dir/swapfile1" ] && [ "$(cat "$SCRATCH/swap-target")" = elsewhere ] ||
    WHY+=("swapfile1 (a symlink) or its target was changed")
  local left; left=$(cd "$dir" && ls -A | tr '\n' ' ')
  [ "$left" = "swapfile0 swapfile1 " ] || WHY+=("after both runs the directory holds '$left', want only the two files there before")
  D=$first
  verdict swap-shared-dir
}

damaged() {
  local dir=$SCRATCH/swapdir-damaged
  mkdir -p "$dir"
  start swap-damaged "$dir" pause; local p=$PID
  if written "$D"; then
    : >"$dir/swapfile0"          # someone else truncates it under the run
  else
    WHY+=("the run did not get to write its data")
  fi
  release
  wait "$p"
  [ "$(cat "$D/status")" = 135 ] || WHY+=("exit status $(status_text "$(cat "$D/status")"), want 135 (SIGBUS)")
  grep -q '^machemu: crash: task 1000 (compress) killed by SIGBUS at pc=0x[0-9a-f]*: read of 0x[0-9a-f]*, its compressed page could not be read back (swap file unreadable or damaged)' "$D/err" ||
    WHY+=("no crash line saying the swap file could not be read: $(grep '^machemu: crash:' "$D/err")")
  verdict swap-damaged-file
}

shared_dir
damaged
finish
