#!/usr/bin/env bash
# Integration: guest file access is confined to --root (emulator only; qemu has no such
# thing, so the case is SKIPPED when MACHEMU is the qemu stand-in).
#
# Layout (host):  JAIL/secret        "TOP-SECRET..." - must never be read or changed
#                 JAIL/root/         the guest root, also the working directory
#                 JAIL/root/etc/passwd, JAIL/root/etc/hostname   "inside-root ..."
# guest/confine tries ~30 ways out (.., absolute paths, the secret's host path, symlinks it
# makes, directory fds, chdir, /proc/self/{root,cwd}, creating/renaming/linking outside).
# Pass: exit status 0; each line equals the expected line below (which is what a chroot
# gives) or has the result "blocked"; no line shows the secret or the host's /etc files;
# nothing appeared outside the root; the secret is unchanged.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

name=confine
if emulator_is_qemu_standin; then
  skip "$name" "the emulator (${EMU[*]}) is the qemu stand-in, which does not confine"
  finish; exit
fi
if [ ! -x "$GUEST/confine" ]; then fail "$name" "$GUEST/confine missing (run make)"; finish; exit; fi

expected() {
  cat <<'END'
open /../../etc/passwd: read inside-root passwd
open ../../../../etc/hostname: read inside-root hostname
open /../secret: blocked
open ../secret: blocked
open ../../../../../../../../secret: blocked
open host path of secret: blocked
stat ../secret: blocked
stat host path of secret: blocked
open link_passwd -> /etc/passwd: read inside-root passwd
open link_up/secret (link_up -> ../../..): blocked
open link_up/etc/passwd: read inside-root passwd
open link_secret -> host path of secret: blocked
open nest/up/secret: blocked
open link_rootup/secret (link_rootup -> /..): blocked
openat(open("/"), ../secret): blocked
openat(open(".."), secret): blocked
chdir(..) x8, open secret: blocked
chdir(..) x8, open etc/passwd: read inside-root passwd
open /proc/self/root + host path of secret: blocked
open /proc/self/cwd/../secret: blocked
create /../escaped1: created
create ../escaped2: created
create link_up/escaped3: created
rename inside.txt -> ../escaped4: created
link host path of secret -> hardlink: blocked
open hardlink: blocked
mkdir ../escaped5: created
symlink ../escaped6 -> /: created
confine: done
END
}

# JAIL two levels below SCRATCH, so that "../../.." from the root stays inside SCRATCH.
jail="$SCRATCH/confine/jail"
root="$jail/root"
out="$SCRATCH/confine.out"
mkdir -p "$root/etc" "$out"
jail=$(cd "$jail" && pwd -P) root=$(cd "$root" && pwd -P)
secret_text="TOP-SECRET-HOST-FILE $$ do not read"
echo "$secret_text" >"$jail/secret"
# Decoys higher up, for ways out that climb more than one level.
echo "$secret_text" >"$SCRATCH/confine/secret"
echo "$secret_text" >"$SCRATCH/secret"
echo "inside-root passwd" >"$root/etc/passwd"
echo "inside-root hostname" >"$root/etc/hostname"
# An emulator that maps guest "/" (or its working directory) to the host's / would create
# these there: they are reported and removed (unless they were there before).
host_junk=(/escaped1 /escaped2 /escaped3 /escaped4 /escaped5 /escaped6 /link_passwd /link_up
           /link_secret /link_rootup /nest /inside.txt /hardlink)
preexisting=()
for f in "${host_junk[@]}"; do [ -e "$f" ] || [ -L "$f" ] && preexisting+=("$f"); done

(cd "$root" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" run --root "$root" "$GUEST/confine" "$jail/secret" \
  </dev/null >"$out/stdout" 2>"$out/stderr") 2>/dev/null
st=$?

why=()
[ "$st" = 0 ] || why+=("exit status $(status_text "$st"), expected 0")
expected >"$out/expected"
# Line by line: the expected result, or "blocked".
if ! awk -v expf="$out/expected" '
  { got[NR] = $0 }
  END {
    n = 0; while ((getline line < expf) > 0) want[++n] = line
    bad = 0
    if (NR != n) { printf "%d output lines, expected %d\n", NR, n; bad = 1 }
    for (i = 1; i <= n && i <= NR; i++) {
      if (got[i] == want[i]) continue
      w = want[i]; sub(/: [^:]*$/, "", w)
      if (got[i] == w ": blocked") continue
      printf "line %d: got \"%s\", expected \"%s\"%s\n", i, got[i], want[i],
             want[i] ~ /: blocked$/ ? "" : " (or blocked)"; bad = 1
    }
    exit bad
  }' "$out/stdout" >"$out/lines" 2>&1; then
  why+=("unexpected output")
fi
grep -qF "TOP-SECRET" "$out/stdout" && why+=("the secret outside the root was read")
for f in /etc/passwd /etc/hostname; do
  first=$(head -n 1 "$f" 2>/dev/null)
  [ -n "$first" ] && grep -qxF "read $first" <(sed 's/^[^:]*: //' "$out/stdout") &&
    why+=("the host's $f was read")
done
for f in "$jail/secret" "$SCRATCH/confine/secret" "$SCRATCH/secret"; do
  [ "$(cat "$f" 2>/dev/null)" = "$secret_text" ] || why+=("the secret outside the root ($f) was changed")
done
outside=$(cd "$SCRATCH" && find . -path ./confine/jail/root -prune -o -path ./confine.out -prune \
  -o -mindepth 1 ! -path ./confine ! -path ./confine/jail ! -path ./confine/jail/secret \
  ! -path ./confine/secret ! -path ./secret -print)
[ -z "$outside" ] || why+=("created outside the root: $(echo "$outside" | tr '\n' ' ')")
for f in "${host_junk[@]}"; do
  case " ${preexisting[*]} " in *" $f "*) continue ;; esac
  if [ -e "$f" ] || [ -L "$f" ]; then
    why+=("created $f on the host")
    rm -rf "$f"
  fi
done

if [ ${#why[@]} -eq 0 ]; then
  pass "$name"
else
  joined=$(IFS=';'; echo "${why[*]}"); fail "$name" "${joined//;/; }"
  indent <"$out/lines"
  if [ -s "$out/stderr" ]; then echo "    --- emulator stderr (last 20 lines):"; tail -n 20 "$out/stderr" | indent; fi
fi

# The host's /proc is never visible, even with the host's / as the root: what machemu does
# not make itself is absent (ENOENT, never EACCES, which would tell that it exists).
name=host-proc-hidden
BB=${BUSYBOX:-$TOP/tests/.cache/busybox}
if [ ! -x "$BB" ]; then
  skip "$name" "no busybox binary ($BB): tests/fetch-busybox.sh fetches it"
else
  why=()
  for p in /proc/version /proc/1/environ /proc/1/root/etc/passwd /proc/sys/kernel/ostype /proc/self/mounts; do
    out=$(timeout -k 5 60 "${EMU[@]}" run --root / --system none "$BB" cat "$p" 2>&1)
    st=$?
    [ "$st" = 1 ] && [ "$out" = "cat: can't open '$p': No such file or directory" ] ||
      why+=("$p: status $st, '$(printf %s "$out" | head -c 80)'")
  done
  out=$(timeout -k 5 60 "${EMU[@]}" run --root / --system none "$BB" cat /proc/self/status 2>&1)
  printf '%s\n' "$out" | grep -q "^Pid:	1000$" || why+=("machemu's own /proc/self/status not read")
  if [ ${#why[@]} -eq 0 ]; then pass "$name"; else joined=$(IFS=';'; echo "${why[*]}"); fail "$name" "${joined//;/; }"; fi
fi
finish
