#!/usr/bin/env bash
# Integration: tens of thousands of small mappings (guest/mapmany), and the limit on how
# many entries a task's map may hold (65530, Linux's default vm.max_map_count).
#  - mapmany-touch, mapmany-map: one-page mappings, alternately read-write and read-only
#    so that none merge, made, touched, re-protected and unmapped; against qemu-aarch64.
#  - mapmany-limit, mapmany-mach: emulator only (under qemu the host's limit counts qemu's
#    own mappings too, and qemu runs out of memory of its own first): the mapping that
#    would pass the limit fails with ENOMEM (mmap) or KERN_NO_SPACE (mach_vm_allocate);
#    splitting a mapping there fails the same way and changes nothing; exit status 0 and
#    exactly the expected stdout.
# Run on its own: tests/integration/test_mapmany.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

G=$GUEST

compare mapmany-touch -- "$G/mapmany" touch 8000
compare mapmany-map -- "$G/mapmany" map 50000

# emu_expect NAME PROGRAM ARGS... <<'EOF' (lines): under the emulator alone, in a fresh
# root, exit status 0 and stdout exactly the lines on stdin.
emu_expect() {
  local name=$1; shift
  if [ ! -x "$1" ]; then fail "$name" "$1 missing (run make)"; return; fi
  if emulator_is_qemu_standin; then skip "$name" "machemu's own limit and Mach traps"; return; fi
  local root d="$SCRATCH/$name.out" st
  root=$(new_root "$name")
  mkdir -p "$d"
  cat >"$d/want"
  # The shared region's three entries would shift where the limit falls against the
  # alternating protections the program counts on: its map holds its own entries only.
  emu_run "$root" /dev/null "$d/out" "$d/err" --no-shared-region -- "$@"
  st=$?
  local why=()
  [ "$st" = 0 ] || why+=("exit status $(status_text "$st")")
  cmp -s "$d/want" "$d/out" || why+=("stdout differs")
  if [ ${#why[@]} -eq 0 ]; then pass "$name"; return; fi
  local joined; joined=$(IFS=';'; echo "${why[*]}"); fail "$name" "${joined//;/; }"
  diff -u --label expected --label emulator "$d/want" "$d/out" | head -n 20 | indent
  [ -s "$d/err" ] && tail -n 5 "$d/err" | indent
}

emu_expect mapmany-limit "$G/mapmany" limit <<'OUT'
limit: filling the address space with one-page mappings
limit: mmap failed with ENOMEM after more than 65000 mappings, all still intact
limit: mprotect and munmap of the middle of a mapping: ENOMEM, mapping unchanged
limit: munmap of one end and mprotect of a whole mapping still work
limit: one unmapped, one mapped again, the next refused (ENOMEM, not EEXIST)
limit: all unmapped; as many fit again, and one more
OUT

emu_expect mapmany-mach "$G/mapmany" mach <<'OUT'
mach: filling the address space with one-page allocations
mach: mach_vm_allocate returned KERN_NO_SPACE after more than 65000 allocations
mach: a split refused with KERN_NO_SPACE; a deallocation makes room again
OUT

finish
