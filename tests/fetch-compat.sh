#!/usr/bin/env bash
# tests/fetch-compat.sh WHAT: fetch what the compatibility suite (test_compat_*.sh) runs
# into tests/.cache, through scripts/apt-private.sh (the machine's apt configuration is never
# changed). Idempotent: does nothing if the result is already there.
#
#   bbsuite       busybox's own testsuite (testsuite/ of Debian's busybox source package,
#                 the release of tests/.cache/busybox) and the configuration Debian built
#                 busybox-static with, into tests/.cache/bbsuite/{testsuite,.config}
#   bash-static   Debian's bash-static (arm64) as tests/.cache/bash-static
#   zsh-static    Debian's zsh-static (arm64) as tests/.cache/zsh-static
#
# Exit status 0 if the result is present at the end, 1 otherwise (the reason on stderr).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache="$top/tests/.cache"
what=${1:-}
say() { printf 'fetch-compat: %s\n' "$*" >&2; }

is_arm64_elf() {
  [ -f "$1" ] && [ -x "$1" ] &&
    [ "$(od -An -tx1 -N4 "$1" | tr -d ' \n')" = "7f454c46" ] &&
    [ "$(od -An -tu2 -j18 -N2 "$1" | tr -d ' \n')" = "183" ]
}

. "$top/scripts/apt-private.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache"

fetch_static() { # PKG: the package's one binary named PKG (bash-static, zsh-static)
  local pkg=$1 dest="$cache/$1" bin="" deb c
  if is_arm64_elf "$dest"; then say "already present: $dest"; return 0; fi
  say "downloading $pkg:arm64 from $(debian_codename)/main"
  deb=$(apt_private_fetch_arm64 "$pkg" "$work") || return 1
  for c in "$work/extract/bin/$pkg" "$work/extract/usr/bin/$pkg"; do
    [ -f "$c" ] && { bin=$c; break; }
  done
  [ -n "$bin" ] || { say "no $pkg binary in $deb"; return 1; }
  cp "$bin" "$dest.tmp" && chmod 755 "$dest.tmp"
  is_arm64_elf "$dest.tmp" || { rm -f "$dest.tmp"; say "$deb holds no AArch64 ELF"; return 1; }
  mv "$dest.tmp" "$dest"
  say "$dest from $deb"
}

fetch_bbsuite() {
  local dest="$cache/bbsuite" orig dt
  if [ -f "$dest/.complete" ]; then say "already present: $dest"; return 0; fi
  say "downloading the busybox source package from $(debian_codename)/main"
  APT_PRIVATE_SOURCE=1 apt_private_download "$(debian_codename)" arm64 "$work" busybox ||
    return 1
  orig=$(ls "$work"/busybox_*.orig.tar.* 2>/dev/null | head -n 1)
  dt=$(ls "$work"/busybox_*.debian.tar.* 2>/dev/null | head -n 1)
  [ -n "$orig" ] && [ -n "$dt" ] || { say "no orig or debian tarball downloaded"; return 1; }
  rm -rf "$dest.tmp"; mkdir -p "$dest.tmp"
  tar -xf "$orig" -C "$work" --wildcards '*/testsuite/*' &&
    tar -xf "$dt" -C "$work" debian/config/pkg/static || { say "cannot unpack the sources"; return 1; }
  mv "$work"/busybox-*/testsuite "$dest.tmp/testsuite"
  cp "$work/debian/config/pkg/static" "$dest.tmp/.config"
  basename "$orig" >"$dest.tmp/.complete"
  rm -rf "$dest"; mv "$dest.tmp" "$dest"
  say "$dest from $(basename "$orig")"
}

case $what in
  bbsuite) fetch_bbsuite ;;
  bash-static|zsh-static) fetch_static "$what" ;;
  *) echo "usage: $0 bbsuite|bash-static|zsh-static" >&2; exit 2 ;;
esac
