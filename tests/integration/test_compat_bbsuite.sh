#!/usr/bin/env bash
# Compatibility: busybox's own upstream testsuite (testsuite/ of Debian's busybox source
# package, fetched by `tests/fetch-compat.sh bbsuite` into tests/.cache/bbsuite with the
# configuration Debian built busybox-static with) run against Debian's busybox-static
# (tests/.cache/busybox) twice: every applet the suite starts runs under qemu-aarch64, then
# under the emulator (`machemu run --root /`, so both see the same files). The suite's own
# runner (testsuite/runtest) runs each applet's tests, on each side in a fresh copy, under
# a timeout. Among the cases that pass under qemu, at least 97% must pass under machemu.
#
# `make check` runs the applets of CHECK_APPLETS (a fixed subset, about 530 cases; 3-4
# minutes on 2 busy cores); COMPAT_FULL=1 (`make compat`) runs every applet that has tests.
# NO_FETCH=1: never download; without the files the set is SKIPPED with the reason.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/compat_lib.sh"
require_emulator || { finish; exit 1; }

BB=${BUSYBOX:-$TOP/tests/.cache/busybox}
SUITE=$TOP/tests/.cache/bbsuite
if [ "${NO_FETCH:-0}" != 1 ]; then
  [ -x "$BB" ] || timeout -k 10 600 "$TOP/tests/fetch-busybox.sh" </dev/null 2>&1 | indent
  [ -f "$SUITE/.complete" ] || timeout -k 10 600 "$TOP/tests/fetch-compat.sh" bbsuite </dev/null 2>&1 | indent
fi
set_name=bbsuite
[ "${COMPAT_FULL:-0}" = 1 ] && set_name=bbsuite-full
if [ ! -x "$BB" ]; then skip "compat-$set_name" "no busybox binary ($BB): tests/fetch-busybox.sh could not fetch it"; finish; exit; fi
if [ ! -f "$SUITE/.complete" ]; then skip "compat-$set_name" "no busybox testsuite ($SUITE): tests/fetch-compat.sh bbsuite could not fetch it"; finish; exit; fi
if ! have_qemu; then skip "compat-$set_name" "$QEMU not found: nothing to compare against"; finish; exit; fi
case $BB in /*) ;; *) BB=$PWD/$BB ;; esac

# The applets make check runs: those whose cases pass fastest, over text, files, archives
# and numbers (about 530 cases; the hash sums, bc and printf take minutes under qemu too).
CHECK_APPLETS=${CHECK_APPLETS:-"sed awk grep dc cp cut unexpand seq sort uuencode diff test
uniq mv find echo tr dirname ln cat wc paste dd du gunzip id hostname"}
if [ "${COMPAT_FULL:-0}" = 1 ]; then
  applets=$(cd "$SUITE/testsuite" && { ls -d */ | tr -d /; ls ./*.tests | sed 's|^\./||; s|\.tests$||'; } | sort -u)
else
  applets=$CHECK_APPLETS
fi
# Seconds per applet's tests; the whole suite's hash sums need more than 120 on a busy
# machine under machemu.
APPLET_TIMEOUT=${APPLET_TIMEOUT:-120}
[ "${COMPAT_FULL:-0}" = 1 ] && APPLET_TIMEOUT=${APPLET_TIMEOUT_FULL:-300}

# side NAME COMMAND...: a bin directory with the suite, Debian's .config and a busybox that
# runs the real one under COMMAND (runtest links every applet to it).
side() {
  local dir="$SCRATCH/$1"; shift
  mkdir -p "$dir"
  cp -a "$SUITE/testsuite" "$dir/" && cp "$SUITE/.config" "$dir/.config" || return 1
  # runtest remakes its directory of applet links on every run (300 processes); as its own
  # comment allows, keep the links of the first run.
  sed -i -e 's|^rm -rf "$LINKSDIR" 2>/dev/null$|: keep the links|' \
    -e 's|^\tln -s "$bindir/busybox" "$LINKSDIR/$i"|\t[ -e "$LINKSDIR/$i" ] \|\| ln -s "$bindir/busybox" "$LINKSDIR/$i"|' \
    "$dir/testsuite/runtest"
  {
    echo '#!/bin/sh'
    echo 'a=${0##*/}; [ "$a" = busybox ] || set -- "$a" "$@"'
    printf 'exec'; printf ' %q' "$@" "$BB"; echo ' "$@"'
  } >"$dir/busybox"
  chmod 755 "$dir/busybox"
}

# run_side NAME: runs every applet's tests in that side's copy, one log per applet.
run_side() {
  local dir="$SCRATCH/$1" a
  for a in $applets; do
    (cd "$dir/testsuite" && env "${GUEST_ENV[@]}" ECHO=/bin/echo bindir="$dir" tsdir="$dir/testsuite" \
       timeout -k 5 "$APPLET_TIMEOUT" ./runtest "$a" </dev/null >"$dir/log.$a" 2>&1)
    [ $? = 124 ] && echo "TIMEOUT: $a after ${APPLET_TIMEOUT}s" >>"$dir/log.$a"
  done
}

# results NAME APPLET: "KEY STATUS" per case of the applet's log, KEY = applet:name#k.
results() {
  awk -v a="$2" '/^(PASS|FAIL|SKIPPED|UNTESTED): / {
      s = $1; sub(/:$/, "", s); n = $0; sub(/^[A-Z]+: /, "", n); gsub(/ /, "_", n)
      k = a ":" n; seen[k]++; print k "#" seen[k], s }' "$SCRATCH/$1/log.$2"
}

side ref "$QEMU" || { fail "compat-$set_name" "cannot copy the testsuite"; finish; exit; }
side emu "${EMU[@]}" run --root / "${ALONE[@]}" || { fail "compat-$set_name" "cannot copy the testsuite"; finish; exit; }
start=$(date +%s)
run_side ref & ref_pid=$!
run_side emu
wait "$ref_pid"
echo "    $(wc -w <<<"$applets") applets in $(( $(date +%s) - start )) s"

for a in $applets; do
  ref=$(results ref "$a"); emu=$(results emu "$a")
  unk=$(first_unknown_call "$SCRATCH/emu/log.$a")
  while read -r key rs; do
    [ "$rs" = PASS ] || continue
    COMPAT_N=$((COMPAT_N + 1))
    es=$(k=$key awk '$1 == ENVIRON["k"] { print $2 }' <<<"$emu")
    if [ "$es" = PASS ]; then
      COMPAT_OK=$((COMPAT_OK + 1))
      [ "${VERBOSE:-0}" = 1 ] && echo "    ok $key"
    else
      COMPAT_FAILED+=("$key")
      why="under machemu: ${es:-no result}"
      grep -q '^TIMEOUT' "$SCRATCH/emu/log.$a" && why="$why (the applet's tests timed out)"
      [ -n "$unk" ] && why="first unknown system call: $unk; $why"
      echo "    not ok $key: $why"
    fi
  done <<<"$ref"
done
compat_set_result "$set_name" 97
finish
