#!/usr/bin/env bash
# Integration: the shared region, the shared cache mapped at 0x180000000 into every task
# (emulator only: qemu maps nothing there).
#  - sr-read: guest/shared_region reads the cache's header and mappings, writes its
#    __DATA, forks; exact stdout, status 0.
#  - sr-nested: in its fault trace the text page is paged in once, by the parent; the
#    child reads it through the nested tables without a fault of its own.
#  - sr-cow: the parent's write to __DATA is one copy-on-write fault.
#  - sr-vmmap-elf, sr-vmmap-macho: --vmmap shows three "shared region" lines in an ELF
#    and in a Mach-O task, and the same phys_footprint as with --no-shared-region.
#  - sr-change: mach_vm_wire, mprotect, MADV_DONTNEED and munmap of parts of the region (each
#    unnests it for the task; a write right above its maximum is refused), and the text
#    still reads the same in the task and in a child.
#  - sr-off: with --no-shared-region a read there is SIGSEGV (139, one crash line).
#  - sr-bad-cache: --shared-cache naming a file that is no cache: status 2, one line.
# Run on its own: tests/integration/test_shared_region.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

G=$GUEST
if emulator_is_qemu_standin; then
  skip shared-region "machemu's own shared region"
  finish; exit 0
fi

d="$SCRATCH/shared-region"
mkdir -p "$d"
root=$(new_root sr-read)
emu_run "$root" /dev/null "$d/out" "$d/err" --trace-faults="trace" -- "$G/shared_region" read
st=$?
cat >"$d/want" <<'OUT'
magic: dyld_v1   arm64
mapping 0: r-x/r-x 40 MB
mapping 1: r--/r-- 8 MB
mapping 2: rw-/rw- 2 MB
data: written, a private copy
child: same text, the parent's data, its own write
parent: its data unchanged by the child
OUT
if [ "$st" = 0 ] && cmp -s "$d/want" "$d/out"; then pass sr-read; else
  fail sr-read "exit status $(status_text "$st"), or stdout differs"
  diff -u "$d/want" "$d/out" | head -n 20 | indent; tail -n 5 "$d/err" | indent
fi

trace="$root/trace"
text_faults=$(grep -c 'va=0x000180000000 ' "$trace" 2>/dev/null)
child_text=$(grep -c 'task=1001 va=0x00018[0-3]' "$trace" 2>/dev/null)
if [ "$text_faults" = 1 ] && [ "$child_text" = 0 ] && grep -q 'task=1000 va=0x000180000000 access=R kind=pagein' "$trace"; then
  pass sr-nested
else
  fail sr-nested "text faults $text_faults (want 1, the parent's page-in), child's text faults $child_text (want 0)"
fi
if grep -q 'task=1000 va=0x000184000000 access=W kind=cow' "$trace"; then pass sr-cow; else
  fail sr-cow "no copy-on-write fault of task 1000 at 0x184000000"
  grep 'va=0x000184' "$trace" | head -n 5 | indent
fi

# vmmap_case NAME PROGRAM: three shared-region lines, and the footprint without it.
vmmap_case() {
  local name=$1 prog=$2 r
  if [ ! -x "$prog" ]; then fail "$name" "$prog missing (run make)"; return; fi
  r=$(new_root "$name")
  emu_run "$r" /dev/null "$d/$name.out" "$d/$name.err" --vmmap -- "$prog"
  emu_run "$r" /dev/null "$d/$name.off" "$d/$name.offerr" --vmmap --no-shared-region -- "$prog"
  local n fp fp_off
  # The listings at exit only: --vmmap adds every task's at the peak after them.
  sed -i '/^==== vmmap at the peak/,$d' "$d/$name.err" "$d/$name.offerr"
  n=$(grep -c '^shared region  00000001' "$d/$name.err")
  fp=$(grep -o 'phys_footprint [^;]*' "$d/$name.err")
  fp_off=$(grep -o 'phys_footprint [^;]*' "$d/$name.offerr")
  if [ "$n" = 3 ] && [ -n "$fp" ] && [ "$fp" = "$fp_off" ] && ! grep -q '^shared region' "$d/$name.offerr"; then
    pass "$name"
  else
    fail "$name" "shared region lines $n (want 3); footprint '$fp' against '$fp_off' without it"
  fi
}
vmmap_case sr-vmmap-elf "$G/hello"
vmmap_case sr-vmmap-macho "$G/macho/hello"

root=$(new_root sr-change)
emu_run "$root" /dev/null "$d/chg.out" "$d/chg.err" -- "$G/shared_region" change
st=$?
if [ "$st" = 0 ] && grep -q '^change: wired, re-protected, advised and cut; the text reads the same$' "$d/chg.out"; then
  pass sr-change
else
  fail sr-change "exit status $(status_text "$st")"
  tail -n 3 "$d/chg.err" | indent
fi

root=$(new_root sr-off)
emu_run "$root" /dev/null "$d/off.out" "$d/off.err" --no-shared-region -- "$G/shared_region" probe
st=$?
if [ "$st" = 139 ] && [ "$(crash_lines "$d/off.err")" = 1 ] && grep -q 'read of 0x180000000' "$d/off.err"; then
  pass sr-off
else
  fail sr-off "exit status $(status_text "$st") (want 139 and one crash line at 0x180000000)"
fi

root=$(new_root sr-bad-cache)
emu_run "$root" /dev/null "$d/bad.out" "$d/bad.err" --shared-cache "$G/hello" -- "$G/hello"
st=$?
if [ "$st" = 2 ] && [ "$(wc -l <"$d/bad.err")" = 1 ] && grep -q 'not a dyld shared cache' "$d/bad.err"; then
  pass sr-bad-cache
else
  fail sr-bad-cache "exit status $st (want 2 and one line saying it is not a cache)"
  head -n 3 "$d/bad.err" | indent
fi

finish
