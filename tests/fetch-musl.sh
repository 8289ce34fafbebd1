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

for tool in apt-get apt-cache dpkg-deb; do
  command -v "$tool" >/dev/null 2>&1 || { say "$tool not found (not a Debian system?)"; exit 1; }
done

codename=$( (. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}") || true)
[ -n "$codename" ] || { say "no VERSION_CODENAME in /etc/os-release"; exit 1; }

# The URI of the machine's own Debian archive: the source serving <codename>/main.
mirror=$(apt-cache policy 2>/dev/null |
  awk -v s="$codename/main" '$3 == s && $2 ~ /^https?:/ { print $2; exit }')
[ -n "$mirror" ] || { say "no apt source for $codename/main on this machine"; exit 1; }

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || { say "$keyring missing (package debian-archive-keyring)"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/parts.d" "$work/prefs.d" \
         "$work/download" "$work/extract"
: > "$work/status"
echo "deb [arch=arm64 signed-by=$keyring] $mirror $codename main" > "$work/sources.list"

opts=(
  -o "Dir::Etc::sourcelist=$work/sources.list"
  -o "Dir::Etc::sourceparts=$work/parts.d"
  -o "Dir::Etc::preferencesparts=$work/prefs.d"
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache=$work/cache"
  -o "Dir::State::status=$work/status"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
  -o "APT::Architecture=arm64"
  -o "APT::Architectures=arm64"
  -o "Acquire::Retries=1"
  -o "Acquire::http::Timeout=30"
  -o "Acquire::https::Timeout=30"
)

say "updating a private package index for $codename/main arm64"
if ! apt-get "${opts[@]}" -qq update >&2 2>"$work/update.log"; then
  say "apt-get update failed (no network?):"; sed 's/^/  /' "$work/update.log" >&2; exit 1
fi
# apt-get update exits 0 even when every fetch failed: check that an index arrived.
if ! ls "$work/lists/"*Packages* >/dev/null 2>&1; then
  say "no package index downloaded (no network?)"; sed 's/^/  /' "$work/update.log" >&2; exit 1
fi
say "downloading musl-dev:arm64"
(cd "$work/download" && apt-get "${opts[@]}" -qq download musl-dev:arm64 >&2) ||
  { say "apt-get download musl-dev failed"; exit 1; }
deb=$(ls "$work/download"/musl-dev_*_arm64.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { say "no musl-dev .deb downloaded"; exit 1; }
dpkg-deb -x "$deb" "$work/extract"
is_complete "$work/extract" ||
  { say "$(basename "$deb") lacks libc.a, crt*.o or the headers for aarch64-linux-musl"; exit 1; }
mkdir -p "$cache"
rm -rf "$dest.tmp"
mv "$work/extract" "$dest.tmp"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
basename "$deb" > "$cache/musl.deb-name"
say "$dest from $(basename "$deb")"
