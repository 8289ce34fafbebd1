#!/usr/bin/env bash
# Fetch a Debian arm64 sysroot for the integration suite into tests/.cache/sysroot:
# libc6, coreutils, grep, sed, gawk, findutils, diffutils and their dependencies, unpacked
# by scripts/sysroot.sh (the machine's apt configuration is never changed). Idempotent:
# does nothing if the sysroot is there. Exit status 0 if it is present at the end.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dest="$top/tests/.cache/sysroot"
PKGS=(coreutils grep sed gawk findutils diffutils)
if [ -f "$dest/.complete" ]; then
  echo "fetch-sysroot: already present: $dest" >&2
  exit 0
fi
rm -rf "$dest.tmp"
"$top/scripts/sysroot.sh" "$dest.tmp" "${PKGS[@]}"
[ -f "$dest.tmp/lib/ld-linux-aarch64.so.1" ] || { echo "fetch-sysroot: no dynamic loader" >&2; exit 1; }
printf '%s\n' "${PKGS[@]}" >"$dest.tmp/.complete"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "fetch-sysroot: $dest" >&2
