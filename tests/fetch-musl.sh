#!/usr/bin/env bash
# Fetch Debian's musl-dev for arm64 into tests/.cache/musl (the unpacked package tree:
# usr/lib/aarch64-linux-musl/{libc.a,crt1.o,crti.o,crtn.o,...} and
# usr/include/aarch64-linux-musl/), so that the integration suite can link the guest
# programs statically against musl (tests/integration/test_musl.sh). Only musl-dev is
# needed: its libc.a is the whole static C library (the musl package holds only the dynamic
# loader and libc.so). Idempotent: does nothing if tests/.cache/musl is complete.
#
# The machine's apt configuration is never changed (no dpkg --add-architecture, nothing
# written under /etc or /var): the package index comes from the machine's own Debian archive
# (the URI apt-cache policy shows for <codename>/main), through a private sources list and
# private state, list and cache directories in a temporary directory that is removed at the
# end (the same approach as tests/fetch-busybox.sh).
# Exit status: 0 if tests/.cache/musl is complete at the end, 1 otherwise.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache="$top/tests/.cache"
dest="$cache/musl"

say() { printf 'fetch-musl: %s\n' "$*" >&2; }

# True if DIR holds what a static musl link needs.
is_complete() {
  local d=$1 f
  for f in usr/lib/aarch64-linux-musl/libc.a usr/lib/aarch64-linux-musl/crt1.o \
           usr/lib/aarch64-linux-musl/crti.o usr/lib/aarch64-linux-musl/crtn.o \
           usr/include/aarch64-linux-musl/stdio.h usr/include/aarch64-linux-musl/bits/syscall.h; do
    [ -s "$d/$f" ] || return 1
  done
  # libc.a must be an ar archive of AArch64 objects: check the archive magic and that the
  # first object (crt1.o, an ELF) has e_machine = 183 (EM_AARCH64) at offset 18.
  [ "$(head -c 8 "$d/usr/lib/aarch64-linux-musl/libc.a")" = '!<arch>' ] || return 1
  [ "$(od -An -tx1 -N4 "$d/usr/lib/aarch64-linux-musl/crt1.o" | tr -d ' \n')" = "7f454c46" ] &&
    [ "$(od -An -tu2 -j18 -N2 "$d/usr/lib/aarch64-linux-musl/crt1.o" | tr -d ' \n')" = "183" ]
}

if is_complete "$dest"; then
  say "already present: $dest"
  exit 0
fi

. "$top/scripts/apt-private.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say "downloading musl-dev:arm64 from $(debian_codename)/main"
deb=$(apt_private_fetch_arm64 musl-dev "$work") || exit 1
is_complete "$work/extract" ||
  { say "$deb lacks libc.a, crt*.o or the headers for aarch64-linux-musl"; exit 1; }
mkdir -p "$cache"
rm -rf "$dest.tmp"
mv "$work/extract" "$dest.tmp"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
printf '%s\n' "$deb" > "$cache/musl.deb-name"
say "$dest from $deb"
