#!/usr/bin/env bash
# Integration: memory entries, copy-on-write copies, reusable pages and region recursion
# (guest/programs/mach_entries.c, whose checks state Darwin's results from XNU's source).
#  - the ELF build (libmach over glibc) and the Mach-O build (guest/programs/macho/entries.c)
#    print the same lines, area by area and all at once, with exit status 0
#  - without the shared region the recursion finds no sub-map (its check 103 fails)
#  - --vmmap prints the share modes XNU's region walk gives (SM=COW after mach_vm_copy,
#    SM=SHM for a memory entry's object mapped in place)
#  - --stats counts Linux MADV_FREE pages in the reusable ledger, out of phys_footprint
#  - --trace-faults: a 1 MB mach_vm_copy read back costs 64 soft faults on the source's
#    pages and no zero fill; memcpy of the same range zero-fills its 64 pages
#    (guest/bench/bench_copy)
#  - --stats counts the shared region's pages as file-backed (guest/shared_region read
#    pages in the cache: more file-backed pages than with --no-shared-region, where it
#    reads nothing)
# Emulator only: qemu-aarch64 cannot run svc #0x80.
# Run on its own: tests/integration/test_entries.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

ELF=$GUEST/mach_entries
MACHO=$GUEST/macho/entries

expected() {
  case $1 in
    entries) echo "entries: shared and copied mappings, offsets, KERN_INVALID_RIGHT, lifetime by port and mapping" ;;
    copies) echo "copies: copy, read, read_overwrite and write share pages copy-on-write above 32 KB" ;;
    reusable) echo "reusable: pages leave phys_footprint and come back" ;;
    recurse) echo "recurse: one shared-region sub-map, its entries at depth 1, share modes" ;;
  esac
}

# run NAME WANT-FILE STATUS [OPTIONS --] PROGRAM ARGS...: exit status and stdout.
run() {
  local name=$1 want=$2 status=$3; shift 3
  local root d="$SCRATCH/$name" st
  root=$(new_root "$name")
  mkdir -p "$d"
  emu_run "$root" /dev/null "$d/out" "$d/err" "$@"
  st=$?
  if [ "$st" = "$status" ] && { [ -z "$want" ] || cmp -s "$want" "$d/out"; }; then
    pass "$name"
    return
  fi
  fail "$name" "exit status $(status_text "$st") (want $status)"
  [ -n "$want" ] && diff -u --label expected --label emulator "$want" "$d/out" | head -n 20 | indent
  tail -n 5 "$d/err" | indent
}

AREAS=(entries copies reusable recurse)
all="$SCRATCH/all.expected"
: >"$all"
for a in "${AREAS[@]}"; do
  expected "$a" >"$SCRATCH/$a.expected"
  expected "$a" >>"$all"
done
for kind in elf macho; do
  prog=$ELF; [ "$kind" = macho ] && prog=$MACHO
  if [ ! -x "$prog" ]; then fail "entries-$kind" "$prog missing (run make)"; continue; fi
  for a in "${AREAS[@]}"; do
    run "entries-$kind-$a" "$SCRATCH/$a.expected" 0 -- "$prog" "$a"
  done
  run "entries-$kind-all" "$all" 0 -- "$prog"
  run "entries-$kind-no-shared-region" "" 103 --no-shared-region -- "$prog" recurse
done

# --vmmap: the columns come from the same region walk as mach_vm_region.
vmmap_modes() {
  local name=entries-vmmap root d="$SCRATCH/entries-vmmap"
  root=$(new_root "$name")
  mkdir -p "$d"
  emu_run "$root" /dev/null "$d/out" "$d/err" "--vmmap=$d/vmmap" -- "$ELF" entries copies
  local st=$? why=()
  [ "$st" = 0 ] || why+=("exit status $(status_text "$st")")
  grep -q ' SM=COW ' "$d/vmmap" || why+=("no SM=COW region")
  grep -q ' SM=SHM ' "$d/vmmap" || why+=("no SM=SHM region")
  grep -q ' SM=PRV ' "$d/vmmap" || why+=("no SM=PRV region")
  grep -q '^shared region .* r-x/r-x SM=COW ' "$d/vmmap" || why+=("the shared region's text not SM=COW")
  grep -q '^REGION TYPE .* SHRMOD ' "$d/vmmap" || why+=("no SHRMOD column")
  if [ ${#why[@]} -eq 0 ]; then pass "$name"; else fail "$name" "${why[*]}"; fi
}
vmmap_modes

# --stats: MADV_FREE leaves 8 pages reusable, the write takes one back: 7 at exit.
reusable_stats() {
  local name=entries-stats-reusable root d="$SCRATCH/entries-stats"
  root=$(new_root "$name")
  mkdir -p "$d"
  emu_run "$root" /dev/null "$d/out" "$d/err" --stats -- "$ELF" reusable
  local st=$?
  if [ "$st" = 0 ] && grep -q 'not counted: .*, reusable 7$' "$d/err" "$d/out"; then
    pass "$name"
  else
    fail "$name" "exit status $(status_text "$st"), no 'reusable 7' ledger line"
    grep -h 'not counted' "$d/err" "$d/out" | indent
  fi
}
reusable_stats

file_backed() { awk '/^File-backed pages:/ { print $3 + 0 }' "$1"; }
shared_region_file_backed() {
  local name=entries-sr-file-backed root d="$SCRATCH/entries-sr" on off
  root=$(new_root "$name")
  mkdir -p "$d"
  emu_run "$root" /dev/null "$d/on.out" "$d/on.err" --stats -- "$GUEST/shared_region" read
  emu_run "$root" /dev/null "$d/off.out" "$d/off.err" --stats --no-shared-region -- \
    "$GUEST/shared_region" probe
  on=$(file_backed "$d/on.err")
  off=$(file_backed "$d/off.err")
  if [ -n "$on" ] && [ -n "$off" ] && [ "$on" -gt "$off" ]; then
    pass "$name"
  else
    fail "$name" "file-backed pages '$on' with the shared region, '$off' without"
  fi
}
shared_region_file_backed

copy_trace() {
  local name=entries-copy-trace root d="$SCRATCH/entries-trace" m zf=() soft=()
  root=$(new_root "$name")
  mkdir -p "$d"
  for m in vmcopy memcpy; do
    emu_run "$root" /dev/null "$d/$m.out" "$d/$m.err" "--trace-faults=$d/$m.trace" -- \
      "$GUEST/bench_copy" "$m" 1
    zf+=("$(grep -c 'kind=zero-fill' "$d/$m.trace")")
    soft+=("$(grep -c 'kind=soft' "$d/$m.trace")")
  done
  if [ "$((zf[1] - zf[0]))" = 64 ] && [ "${soft[0]}" -ge 64 ] && [ "${soft[1]}" -lt 64 ]; then
    pass "$name"
  else
    fail "$name" "zero fills vmcopy ${zf[0]} memcpy ${zf[1]}; soft faults ${soft[0]} and ${soft[1]}"
  fi
}
copy_trace

finish
