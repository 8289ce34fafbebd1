#!/usr/bin/env bash
# Integration: Mach-O programs that call libc and libmach in the shared cache
# (machemu-cc --macho; build/guest/macho/cached/*) against their static twins
# (machemu-cc --macho --static; build/guest/macho/*). Emulator only.
#  - scl-same-NAME: hello, malloc, vm, bsd give the same exit status and stdout linked
#    either way (run by the same path in the same root).
#  - scl-smaller: each cached program's file is smaller than its twin's.
#  - scl-trace: in bsd's fault trace the cache's code page is paged in from the cache file
#    by an execute fault of the program (task 1000) and by no other task: its children
#    (fork, execve) run the same code through the nested tables, resident; each child
#    writes the cache's __DATA and gets its own copy-on-write page. The static twin
#    executes nothing there.
#  - scl-no-region: with --no-shared-region the cached program is refused before it runs
#    (status 126, one line naming --no-shared-region and --static); its twin runs.
#  - scl-other-cache: a cache whose UUID differs from the one the program was linked
#    against is refused the same way.
#  - scl-cc-default: a file built outside the tree with machemu-cc --macho is linked
#    against the cache (refused under --no-shared-region), with --static it is not.
# Run on its own: tests/integration/test_shared_cache_link.sh   (see lib.sh)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

if emulator_is_qemu_standin; then
  skip shared-cache-link "machemu's own shared region"
  finish; exit 0
fi
S=$GUEST/macho
C=$GUEST/macho/cached
d="$SCRATCH/shared-cache-link"
mkdir -p "$d"

# same NAME ARGS...: the twins by the same path in one root, same status and stdout.
same() {
  local name=$1 root st_s st_c; shift
  if [ ! -x "$C/$name" ] || [ ! -x "$S/$name" ]; then fail "scl-same-$name" "missing (run make)"; return; fi
  root=$(new_root "scl-$name")
  cp "$S/$name" "$root/prog"
  emu_run "$root" /dev/null "$d/$name.s.out" "$d/$name.s.err" -- "$root/prog" "$@"
  st_s=$?
  cp "$C/$name" "$root/prog"
  emu_run "$root" /dev/null "$d/$name.c.out" "$d/$name.c.err" -- "$root/prog" "$@"
  st_c=$?
  if [ "$st_s" = "$st_c" ] && [ -s "$d/$name.s.out" ] && cmp -s "$d/$name.s.out" "$d/$name.c.out" &&
     [ "$(crash_lines "$d/$name.c.err")" = "$(crash_lines "$d/$name.s.err")" ]; then
    pass "scl-same-$name"
  else
    fail "scl-same-$name" "status $(status_text "$st_c") against the static twin's $(status_text "$st_s"), or stdout differs"
    diff -u "$d/$name.s.out" "$d/$name.c.out" | head -n 10 | indent
    tail -n 3 "$d/$name.c.err" | indent
  fi
}
same hello 3
same malloc
same vm
same bsd

sizes=""
smaller=1
for p in hello malloc vm bsd; do
  s=$(stat -c %s "$S/$p" 2>/dev/null || echo 0)
  c=$(stat -c %s "$C/$p" 2>/dev/null || echo 0)
  sizes="$sizes $p $c/$s"
  { [ "$c" -gt 0 ] && [ "$c" -lt "$s" ]; } || smaller=0
done
if [ "$smaller" = 1 ]; then pass "scl-smaller"; else fail "scl-smaller" "cached/static bytes:$sizes"; fi

# The image's code: __TEXT,__text of the dylib placed at 0x180004000 (guest/sdk/mkcache.c).
text_lo=$((0x180004000))
text_hi=$((0x182000000))
# exec_faults TRACE: "task kind" of every execute fault inside the image's text.
exec_faults() {
  local task va kind
  grep -o 'task=[0-9]* va=0x[0-9a-f]* access=X kind=[a-z-]*' "$1" |
    while read -r task va _ kind; do
      va=$((16#${va#va=0x}))
      [ "$va" -ge "$text_lo" ] && [ "$va" -lt "$text_hi" ] && echo "${task#task=} ${kind#kind=}"
    done
}
root=$(new_root scl-trace)
cp "$C/bsd" "$root/bsd"
emu_run "$root" /dev/null "$d/trace.out" "$d/trace.err" --trace-faults="$root/trace" -- "$root/bsd"
st=$?
ex=$(exec_faults "$root/trace" | sort | uniq -c | tr -s ' ' | tr '\n' ';')
children=$(grep -c '^fault task=10\(0[1-9]\|[1-9][0-9]\) va=0x000184[0-9a-f]* access=W kind=cow' "$root/trace")
root_s=$(new_root scl-trace-static)
cp "$S/bsd" "$root_s/bsd"
emu_run "$root_s" /dev/null "$d/trace_s.out" "$d/trace_s.err" --trace-faults="$root_s/trace" -- "$root_s/bsd"
ex_s=$(exec_faults "$root_s/trace" | wc -l)
if [ "$st" = 0 ] && [ "$ex" = " 1 1000 pagein;" ] && [ "$children" -ge 1 ] && [ "$ex_s" = 0 ]; then
  pass scl-trace
else
  fail scl-trace "status $(status_text "$st"); execute faults in the cache's text '$ex' (want one pagein by 1000); children's copy-on-write faults in its __DATA $children (want >= 1); the static twin's execute faults there $ex_s (want 0)"
fi

root=$(new_root scl-no-region)
cp "$C/hello" "$root/hello"
cp "$S/hello" "$root/hello-static"
emu_run "$root" /dev/null "$d/off.out" "$d/off.err" --no-shared-region -- "$root/hello"
st=$?
emu_run "$root" /dev/null "$d/off_s.out" "$d/off_s.err" --no-shared-region -- "$root/hello-static"
st_s=$?
if [ "$st" = 126 ] && [ "$(wc -l <"$d/off.err")" = 1 ] && [ ! -s "$d/off.out" ] &&
   grep -q 'linked against the shared cache.*--no-shared-region.*--static' "$d/off.err" && [ "$st_s" = 0 ]; then
  pass scl-no-region
else
  fail scl-no-region "status $(status_text "$st") (want 126 and one line), the static twin's $(status_text "$st_s") (want 0)"
  head -n 3 "$d/off.err" | indent
fi

root=$(new_root scl-other-cache)
cp "$C/hello" "$root/hello"
cp "$GUEST/dyld_shared_cache_arm64" "$root/cache"
printf '\377' | dd of="$root/cache" bs=1 seek=$((0x58)) conv=notrunc status=none
emu_run "$root" /dev/null "$d/other.out" "$d/other.err" --shared-cache "$root/cache" -- "$root/hello"
st=$?
if [ "$st" = 126 ] && [ "$(wc -l <"$d/other.err")" = 1 ] && grep -q 'another build of the shared cache' "$d/other.err"; then
  pass scl-other-cache
else
  fail scl-other-cache "status $(status_text "$st") (want 126 and one line)"
  head -n 3 "$d/other.err" | indent
fi

root=$(new_root scl-cc-default)
printf '#include <stdio.h>\nint main(void) { puts("built"); return 0; }\n' >"$root/u.c"
if (cd "$root" && "$BUILD/guest/machemu-cc" --macho u.c -o cached &&
    "$BUILD/guest/machemu-cc" --macho --static u.c -o static) >"$d/cc.log" 2>&1; then
  emu_run "$root" /dev/null "$d/cc1.out" "$d/cc1.err" --no-shared-region -- "$root/cached"
  st=$?
  emu_run "$root" /dev/null "$d/cc2.out" "$d/cc2.err" --no-shared-region -- "$root/static"
  st_s=$?
  emu_run "$root" /dev/null "$d/cc3.out" "$d/cc3.err" -- "$root/cached"
  st_r=$?
  if [ "$st" = 126 ] && [ "$st_s" = 0 ] && [ "$st_r" = 0 ] && [ "$(cat "$d/cc3.out")" = built ]; then
    pass scl-cc-default
  else
    fail scl-cc-default "under --no-shared-region: default build $(status_text "$st") (want 126), --static $(status_text "$st_s") (want 0); default build with the region $(status_text "$st_r") (want 0)"
  fi
else
  fail scl-cc-default "machemu-cc --macho failed"; indent <"$d/cc.log"
fi

finish
