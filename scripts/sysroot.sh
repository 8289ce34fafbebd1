#!/usr/bin/env bash
# scripts/sysroot.sh DIR PKG...: a sysroot for dynamically linked AArch64 programs, made
# of Debian's arm64 packages PKG... and everything they depend on (libc6 always), unpacked
# into DIR. Run them with `machemu run --root DIR DIR/usr/bin/sort ...`, as
# `qemu-aarch64 -L DIR` runs them. The machine's apt configuration is not touched (see
# scripts/apt-private.sh); nothing is installed, no maintainer script runs.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 DIR [PKG...]" >&2
  exit 2
fi
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$1; shift
. "$top/scripts/apt-private.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "sysroot: downloading libc6 $* (arm64) and their dependencies" >&2
APT_PRIVATE_DEPS=1 apt_private_download "$(debian_codename)" arm64 "$work" libc6 "$@"
mkdir -p "$dir"
n=0
for deb in "$work"/*.deb; do
  dpkg-deb -x "$deb" "$dir"
  n=$((n + 1))
done
echo "sysroot: $n packages unpacked into $dir" >&2
