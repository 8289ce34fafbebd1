#!/usr/bin/env bash
# Fetch three static Go programs from Debian's arm64 packages into tests/.cache/go/:
# gojq (a jq in Go), shfmt (a shell formatter) and mmark (a Markdown processor), for the
# thread tests (test_go.sh): the Go runtime starts several threads, waits on futexes and
# takes signals on alternate stacks. Cached like fetch-busybox.sh (the same private apt
# state, nothing of the machine's configuration changed). Idempotent.
# Exit status: 0 if all three are present at the end, 1 otherwise.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dest="$top/tests/.cache/go"

say() { printf 'fetch-go: %s\n' "$*" >&2; }

is_arm64_elf() {
  [ -f "$1" ] && [ -x "$1" ] &&
    [ "$(od -An -tx1 -N4 "$1" | tr -d ' \n')" = "7f454c46" ] &&
    [ "$(od -An -tu2 -j18 -N2 "$1" | tr -d ' \n')" = "183" ]
}

# PACKAGE:PATH-IN-PACKAGE
progs=(gojq:usr/bin/gojq shfmt:usr/bin/shfmt mmark:usr/bin/mmark)
missing=()
for p in "${progs[@]}"; do
  is_arm64_elf "$dest/${p%%:*}" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  say "already present: $dest"
  exit 0
fi

. "$top/scripts/apt-private.sh"
mkdir -p "$dest"
rc=0
for p in "${missing[@]}"; do
  pkg=${p%%:*} path=${p#*:}
  work=$(mktemp -d)
  say "downloading $pkg:arm64 from $(debian_codename)/main"
  if deb=$(apt_private_fetch_arm64 "$pkg" "$work") && is_arm64_elf "$work/extract/$path"; then
    cp "$work/extract/$path" "$dest/$pkg.tmp" && mv "$dest/$pkg.tmp" "$dest/$pkg"
    printf '%s\n' "$deb" >"$dest/$pkg.deb-name"
    say "$dest/$pkg from $deb"
  else
    say "no AArch64 $path in $pkg"
    rc=1
  fi
  rm -rf "$work"
done
exit $rc
