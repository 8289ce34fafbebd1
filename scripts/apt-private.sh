# shellcheck shell=bash
# scripts/apt-private.sh — sourced: fetch Debian packages without touching the
# machine's apt configuration (no dpkg --add-architecture, nothing written under /etc
# or /var). The archive is the machine's own Debian source (the URI apt-cache policy
# shows for <codename>/main); sources list, state, lists and cache are private and
# temporary.

# The URI of the machine's own Debian archive; empty if none.
debian_mirror() {
  local codename
  codename=$( (. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}") || true)
  [ -n "$codename" ] || return 0
  apt-cache policy 2>/dev/null |
    awk -v s="$codename/main" '$3 == s && $2 ~ /^https?:/ { print $2; exit }'
}

debian_codename() {
  (. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}") || true
}

# apt_private_download SUITE ARCH OUTDIR PKG...: downloads the .debs of PKG... for ARCH
# from SUITE/main into OUTDIR (with APT_PRIVATE_DEPS=1, and of everything they depend
# on; with APT_PRIVATE_SOURCE=1, the source packages PKG...: .dsc, tarballs). Messages go
# to stderr; non-zero on any failure.
apt_private_download() {
  local suite=$1 arch=$2 out=$3; shift 3
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg mirror work rc=0
  for tool in apt-get apt-cache dpkg-deb; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$tool not found (not a Debian system?)" >&2; return 1; }
  done
  [ -f "$keyring" ] || { echo "$keyring missing (package debian-archive-keyring)" >&2; return 1; }
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || { echo "no Debian apt source configured on this machine" >&2; return 1; }
  work=$(mktemp -d)
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/parts.d" "$work/prefs.d" "$out"
  : > "$work/status"
  local type=deb index=Packages verb=(download)
  [ "${APT_PRIVATE_SOURCE:-0}" = 1 ] && type=deb-src index=Sources verb=(source --download-only)
  echo "$type [arch=$arch signed-by=$keyring] $mirror $suite main" > "$work/sources.list"
  local opts=(
    -o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=$work/parts.d"
    -o "Dir::Etc::preferencesparts=$work/prefs.d" -o "Dir::State::Lists=$work/lists"
    -o "Dir::Cache=$work/cache" -o "Dir::State::status=$work/status"
    -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root"
    -o "APT::Architecture=$arch" -o "APT::Architectures=$arch"
    -o "Acquire::Retries=1" -o "Acquire::http::Timeout=30" -o "Acquire::https::Timeout=30"
  )
  if ! apt-get "${opts[@]}" -qq update >"$work/update.log" 2>&1 ||
     ! ls "$work/lists/"*"$index"* >/dev/null 2>&1; then
    # apt-get update exits 0 even when every fetch failed: an index must have arrived.
    echo "apt-get update of $suite/main $arch failed (no network?):" >&2
    sed 's/^/  /' "$work/update.log" >&2
    rc=1
  elif [ "${APT_PRIVATE_DEPS:-0}" = 1 ] &&
       ! set -- $(apt-cache "${opts[@]}" depends --recurse --no-recommends --no-suggests \
                    --no-conflicts --no-breaks --no-replaces --no-enhances "$@" 2>/dev/null |
                  grep -v '^[ <]' | sort -u); then
    rc=1
  elif ! (cd "$out" && apt-get "${opts[@]}" -qq "${verb[@]}" "$@" >&2); then
    echo "apt-get ${verb[*]} $* failed" >&2
    rc=1
  fi
  rm -rf "$work"
  return $rc
}

# apt_private_fetch_arm64 PKG WORK: downloads PKG:arm64 from this machine's Debian release
# and unpacks it into WORK/extract; prints the .deb's file name. Non-zero on failure
# (messages on stderr).
apt_private_fetch_arm64() {
  local pkg=$1 work=$2 deb
  mkdir -p "$work/download" "$work/extract"
  apt_private_download "$(debian_codename)" arm64 "$work/download" "$pkg" ||
    { echo "cannot download $pkg" >&2; return 1; }
  deb=$(ls "$work/download/$pkg"_*_arm64.deb 2>/dev/null | head -n 1)
  [ -n "$deb" ] || { echo "no $pkg .deb downloaded" >&2; return 1; }
  dpkg-deb -x "$deb" "$work/extract" || return 1
  basename "$deb"
}
