#!/usr/bin/env bash
# Integration: the Mach API of the Darwin personality (svc #0x80) and the guest SDK.
#  - guest/mach_vm, one case per area (mach-ports, mach-allocate, ...), then all areas in
#    one run (mach-all): exit status 0 and exactly the expected stdout. A failing check
#    exits with its own status and names itself and the kern_return_t it got on stderr.
#    Checks where machemu is known to differ from XNU are SKIPs (see DEVIATION below).
#  - machemu-cc: a user's C file built from a directory outside the tree (compile and link
#    in one step, and in two steps), then run; the wrapper's usage error.
# Emulator only: qemu-aarch64 cannot run svc #0x80 (no Darwin personality).
# Run on its own: tests/integration/test_mach.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

G=$GUEST
MACHEMU_CC=$BUILD/guest/machemu-cc

AREAS=(ports allocate deallocate protect map copy readwrite region pagequery wire inherit
       purgeable hoststats taskinfo)

# Checks of guest/mach_vm where machemu answers differently from XNU (the comment at each
# check in guest/programs/mach_vm.c gives XNU's reasoning). A case failing at one of these exit codes
# is a SKIP naming the deviation, unless STRICT_MACH=1; any other failure is a FAIL.
declare -A DEVIATION=()   # none known today
STRICT_MACH=${STRICT_MACH:-0}

# expected AREA: the lines guest/mach_vm prints for AREA.
expected() {
  case $1 in
    ports)
      echo "ports: task, host and thread ports valid; page size 16384"
      echo "errors: (os/kern) invalid address; (os/kern) no space available; (ipc/send) invalid destination port" ;;
    allocate) echo "allocate: anywhere, fixed, overwrite, page rounding, tags and errors" ;;
    deallocate) echo "deallocate: pages go away, holes and size 0 are fine, wrapping range refused" ;;
    protect) echo "protect: read-only and none fault, set_maximum lowers max, raising above it fails" ;;
    map) echo "map: anonymous memory with mask alignment, protections, inheritance, fixed" ;;
    copy) echo "copy: contents, a snapshot, unaligned byte ranges, errors" ;;
    readwrite) echo "read/write: read_overwrite and write move exactly the bytes asked; errors" ;;
    region) echo "region: basic info, lookup inside and below a region, end of the map" ;;
    pagequery) echo "page_query: untouched 0, read present+ref, write +dirty, file pages external" ;;
    wire) echo "wire: nested user wirings counted, VM_PROT_NONE unwires, errors" ;;
    inherit) echo "inherit: the child shares SHARE, has a private COPY and a hole for NONE" ;;
    purgeable) echo "purgeable: nonvolatile -> volatile -> nonvolatile keeps the contents; errors" ;;
    hoststats) echo "host_statistics64: page counts fit in RAM, touched pages are faults and zero fills" ;;
    taskinfo) echo "task_info: TASK_VM_INFO sizes follow mapped and touched memory, page_size 16384" ;;
  esac
}

# run_expect NAME EXPECTED-FILE PROGRAM ARGS...: under the emulator, in a fresh root,
# exit status 0 and stdout equal to EXPECTED-FILE.
run_expect() {
  local name=$1 want=$2; shift 2
  if [ ! -x "$1" ]; then fail "$name" "$1 missing (run make)"; return; fi
  local root d="$SCRATCH/$name.out" st
  root=$(new_root "$name")
  mkdir -p "$d"
  emu_run "$root" /dev/null "$d/out" "$d/err" -- "$@"
  st=$?
  local why=()
  [ "$st" = 0 ] || why+=("exit status $(status_text "$st")")
  cmp -s "$want" "$d/out" || why+=("stdout differs")
  if [ ${#why[@]} -eq 0 ]; then pass "$name"; return; fi
  local joined; joined=$(IFS=';'; echo "${why[*]}"); joined=${joined//;/; }
  if [ "$STRICT_MACH" != 1 ] && [ -n "${DEVIATION[$st]:-}" ]; then
    skip "$name" "known deviation from XNU at check $st: ${DEVIATION[$st]} (STRICT_MACH=1 counts it)"
    return
  fi
  fail "$name" "$joined"
  if ! cmp -s "$want" "$d/out"; then
    diff -u --label expected --label emulator "$want" "$d/out" | head -n 30 | indent
  fi
  [ -s "$d/err" ] && tail -n 5 "$d/err" | indent
}

mach_vm_cases() {
  local a all="$SCRATCH/mach-all.expected"
  : >"$all"
  for a in "${AREAS[@]}"; do
    expected "$a" >"$SCRATCH/mach-$a.expected"
    expected "$a" >>"$all"
    run_expect "mach-$a" "$SCRATCH/mach-$a.expected" "$G/mach_vm" "$a"
  done
  run_expect mach-all "$all" "$G/mach_vm"
  task_self_cached
  purgeable_under_pressure
  compressed_under_pressure
}

# A guest run under memory pressure whose stdout must be exactly the lines on stdin:
# pressure_case NAME RAM PROGRAM ARGS... <<'EOF' ...
pressure_case() {
  local name=$1 ram=$2 root d="$SCRATCH/$1.out" st
  shift 2
  root=$(new_root "$name")
  mkdir -p "$d"
  cat >"$d/want"
  emu_run "$root" /dev/null "$d/out" "$d/err" -m "$ram" -- "$@"
  st=$?
  if [ "$st" = 0 ] && cmp -s "$d/want" "$d/out"; then
    pass "$name"
  else
    fail "$name" "exit status $(status_text "$st")"
    diff -u --label expected --label emulator "$d/want" "$d/out" | indent
    tail -n 5 "$d/err" | indent
  fi
}

# Volatile purgeable memory emptied by the pageout scan when RAM runs short.
purgeable_under_pressure() {
  pressure_case purgeable-pressure 16M "$G/purgeable" 4 14 <<'EOF'
purgeable: 4 MB filled and made volatile
purgeable: emptied under memory pressure, counted as purges
purgeable: touching it is SIGBUS until nonvolatile again, then it reads zeros
EOF
}

# Compressed memory as page_query, task_info and host_statistics64 report it.
compressed_under_pressure() {
  pressure_case compressed-pressure 16M "$G/compressed" 28 <<'EOF'
compressed: 28 MB written
compressed: the first page is paged out, the footprint counts it
compressed: touched, it is back intact (a decompression)
compressed: a purgeable region leaves the footprint when it turns volatile
compressed: deallocated, its compressed pages are gone
EOF
}

# mach_task_self() asks the kernel once: guest/mach_vm calls it more than once, and the
# --strace output must show exactly one task_self trap.
task_self_cached() {
  local name=mach-task-self-cached root d="$SCRATCH/mach-task-self-cached.out" st n
  root=$(new_root "$name")
  mkdir -p "$d"
  emu_run "$root" /dev/null "$d/out" "$d/err" "--strace=$d/strace" -- "$G/mach_vm" ports
  st=$?
  n=$(grep -c '^\[[0-9]*\] mach task_self(' "$d/strace" 2>/dev/null)
  if [ "$st" = 0 ] && [ "$n" = 1 ]; then
    pass "$name"
  else
    fail "$name" "exit status $(status_text "$st"), ${n:-0} task_self traps in --strace (expected 1)"
  fi
}

# A program a user would write, built with machemu-cc from outside the source tree.
write_user_program() {
  cat >"$1" <<'EOF'
#include <mach/mach.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  mach_vm_address_t a = 0;
  kern_return_t kr = mach_vm_allocate(mach_task_self(), &a, 2 * vm_page_size, VM_FLAGS_ANYWHERE);
  if (kr != KERN_SUCCESS) {
    fprintf(stderr, "mach_vm_allocate: %s\n", mach_error_string(kr));
    return 1;
  }
  char *p = (char *)(uintptr_t)a;
  strcpy(p + vm_page_size, "written through the Mach API");
  integer_t disposition = 0, refs = 0;
  kr = mach_vm_page_query(mach_task_self(), a + vm_page_size, &disposition, &refs);
  printf("%s (%s), present %d\n", p + vm_page_size, mach_error_string(kr),
         (disposition & VM_PAGE_QUERY_PAGE_PRESENT) != 0);
  return mach_vm_deallocate(mach_task_self(), a, 2 * vm_page_size) == KERN_SUCCESS ? 0 : 2;
}
EOF
}

machemu_cc_cases() {
  local name=machemu-cc-user root
  if [ ! -x "$MACHEMU_CC" ]; then fail "$name" "$MACHEMU_CC missing (run make)"; return; fi
  root=$(new_root machemu-cc-src)
  write_user_program "$root/user.c"
  echo "written through the Mach API ((os/kern) successful), present 1" >"$root.expected"
  if ! (cd "$root" && "$MACHEMU_CC" -O2 -Wall -Wextra -Werror user.c -o user) >"$root.cc" 2>&1; then
    fail "$name" "machemu-cc user.c -o user failed"; indent <"$root.cc"
  else
    run_expect "$name" "$root.expected" "$root/user"
  fi

  # Two steps: -c (no libmach on the command line), then the link.
  name=machemu-cc-two-steps
  if (cd "$root" && "$MACHEMU_CC" -Wall -Werror -c user.c -o user.o &&
      "$MACHEMU_CC" user.o -o user2) >"$root.cc2" 2>&1; then
    run_expect "$name" "$root.expected" "$root/user2"
  else
    fail "$name" "machemu-cc -c, then link, failed"; indent <"$root.cc2"
  fi

  name=machemu-cc-usage
  local st
  "$MACHEMU_CC" >/dev/null 2>"$root.usage"; st=$?
  if [ "$st" = 2 ] && grep -q '^usage: machemu-cc' "$root.usage"; then
    pass "$name"
  else
    fail "$name" "machemu-cc with no arguments: status $st, stderr: $(head -c 200 "$root.usage")"
  fi
}

if emulator_is_qemu_standin; then
  skip mach "qemu-aarch64 cannot run svc #0x80 (the Darwin personality is machemu's)"
else
  mach_vm_cases
  machemu_cc_cases
fi
finish
