#!/usr/bin/env bash
# Make this machine ready to build and test machemu.
#  - installs the Debian packages the build needs (apt-get install -y, only what is missing)
#  - provides Unicorn >= 2.1.2: the system one if new enough, else libunicorn2t64 and
#    libunicorn-dev from Debian unstable, extracted into .deps/ (never installed system-wide),
#    else the same packages kept in scripts/unicorn/ (amd64 only), checked by SHA256SUMS.
# The machine's apt configuration is never changed: unstable is reached through a private
# sources list and private state directories, with the mirror taken from the machine's own
# Debian source.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
prefix="$top/.deps"
need_unicorn=2.1.2

say() { printf 'deps: %s\n' "$*" >&2; }

pkgs=(build-essential pkg-config libcapstone-dev libsdl2-dev check liblz4-dev libjansson-dev
      libsdl2-ttf-dev libsdl2-image-dev libpng-dev fonts-dejavu-core xvfb
      libedit-dev gcc-aarch64-linux-gnu libc6-dev-arm64-cross clang lld qemu-user
      gdb-multiarch tmux llvm
      libclang-rt-14-dev   # clang's sanitizer and libFuzzer runtimes (make fuzz)
      xz-utils ca-certificates)

install_packages() {
  local missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing: ${missing[*]}"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq || say "apt-get update failed; trying the install anyway"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

. "$top/scripts/apt-private.sh"

fetch_unstable_unicorn() {
  local work rc
  work=$(mktemp -d)
  apt_private_download unstable "$(dpkg --print-architecture)" "$work" libunicorn2t64 libunicorn-dev &&
    extract_unicorn "$work"/libunicorn2t64_*.deb "$work"/libunicorn-dev_*.deb
  rc=$?
  rm -rf "$work"
  return $rc
}

fetch_kept_unicorn() {
  local d="$top/scripts/unicorn"
  [ "$(dpkg --print-architecture)" = amd64 ] || { say "the kept copy is for amd64 only"; return 1; }
  [ -f "$d/SHA256SUMS" ] || { say "no $d"; return 1; }
  (cd "$d" && sha256sum -c --quiet SHA256SUMS) || { say "$d fails its SHA256SUMS"; return 1; }
  extract_unicorn "$d"/libunicorn2t64_*.deb "$d"/libunicorn-dev_*.deb
}

extract_unicorn() {
  rm -rf "$prefix.tmp"; mkdir -p "$prefix.tmp"
  for deb in "$@"; do dpkg-deb -x "$deb" "$prefix.tmp" || return 1; done
  local pc
  pc=$(find "$prefix.tmp" -name unicorn.pc | head -n 1)
  [ -n "$pc" ] || { say "no unicorn.pc in the packages"; return 1; }
  # Paths in the .pc file relative to the file itself (pkg-config's ${pcfiledir}), so the
  # checkout can move: /usr/X becomes ${pcfiledir}/<from usr/lib/TRIPLET/pkgconfig to X>.
  local pcdir=${pc#"$prefix.tmp"} key val
  pcdir=$(dirname "$pcdir")
  for key in prefix exec_prefix libdir includedir; do
    val=$(sed -n -E "s#^$key=(/usr.*)#\1#p" "$pc")
    [ -n "$val" ] || continue
    sed -i -E "s#^$key=.*#$key=\${pcfiledir}/$(realpath -m --relative-to="$pcdir" "$val")#" "$pc"
  done
  rm -rf "$prefix"; mv "$prefix.tmp" "$prefix"
  # The -dev package's libunicorn.so symlink points at the runtime .so.2 from the other package.
  say "Unicorn $(PKG_CONFIG_PATH=$(dirname "${pc/#$prefix.tmp/$prefix}") pkg-config --modversion unicorn) in $prefix"
}

local_unicorn_ok() {
  local pcdir
  pcdir=$(find "$prefix" -name unicorn.pc -printf '%h\n' 2>/dev/null | head -n 1)
  [ -n "$pcdir" ] && PKG_CONFIG_PATH=$pcdir pkg-config --atleast-version=$need_unicorn unicorn
}

provide_unicorn() {
  if pkg-config --atleast-version=$need_unicorn unicorn 2>/dev/null; then
    say "system Unicorn $(pkg-config --modversion unicorn) is new enough"; return 0
  fi
  local_unicorn_ok && { say "Unicorn already in $prefix"; return 0; }
  fetch_unstable_unicorn && local_unicorn_ok && return 0
  say "could not fetch Unicorn from Debian unstable; using the copy in scripts/unicorn"
  fetch_kept_unicorn && local_unicorn_ok && return 0
  say "no Unicorn >= $need_unicorn: install libunicorn-dev >= $need_unicorn (Debian 13 or"
  say "unstable has it), or put its libunicorn2t64 and libunicorn-dev .debs in scripts/unicorn"
  return 1
}

install_packages
provide_unicorn
say "ready"
