#!/usr/bin/env bash
# Fetch Debian's busybox-static for arm64 into tests/.cache/busybox (a static AArch64 ELF),
# for the integration suite. Idempotent: does nothing if tests/.cache/busybox is there.
#
# The machine's apt configuration is never changed (no dpkg --add-architecture, nothing
# written under /etc or /var): the package index comes from the machine's own Debian archive
# (the URI apt-cache policy shows for <codename>/main), through a private sources list and
# private state, list and cache directories in a temporary directory that is removed at the
# end. Exit status: 0 if tests/.cache/busybox is present at the end, 1 otherwise.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache="$top/tests/.cache"
dest="$cache/busybox"

say() { printf 'fetch-busybox: %s\n' "$*" >&2; }

is_arm64_elf() {
  # ELF magic, 64-bit, little endian, e_machine = 183 (EM_AARCH64) at offset 18.
  [ -f "$1" ] && [ -x "$1" ] &&
    [ "$(od -An -tx1 -N4 "$1" | tr -d ' \n')" = "7f454c46" ] &&
    [ "$(od -An -tu2 -j18 -N2 "$1" | tr -d ' \n')" = "183" ]
}

if is_arm64_elf "$dest"; then
  say "already present: $dest"
  exit 0
fi

. "$top/scripts/apt-private.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say "downloading busybox-static:arm64 from $(debian_codename)/main"
deb=$(apt_private_fetch_arm64 busybox-static "$work") || exit 1
bin=""
for c in "$work/extract/bin/busybox" "$work/extract/usr/bin/busybox"; do
  [ -f "$c" ] && { bin=$c; break; }
done
[ -n "$bin" ] || { say "no busybox binary in $deb"; exit 1; }
mkdir -p "$cache"
cp "$bin" "$dest.tmp" && chmod 755 "$dest.tmp"
is_arm64_elf "$dest.tmp" || { rm -f "$dest.tmp"; say "$deb holds no AArch64 ELF"; exit 1; }
mv "$dest.tmp" "$dest"
printf '%s\n' "$deb" > "$cache/busybox.deb-name"
say "$dest from $deb"
