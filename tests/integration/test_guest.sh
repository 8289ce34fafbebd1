#!/usr/bin/env bash
# Integration: the guest programs of guest/ under the emulator vs qemu-aarch64.
# Run on its own: tests/integration/test_guest.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

G=$GUEST

# hello: argv (with spaces and an empty argument), an environment variable, printf + write.
compare hello -- "$G/hello"
compare hello-args -- "$G/hello" one "two words" "" 'sym$bols*?'

# Memory: mmap/mprotect/mremap/madvise with faults caught as SIGSEGV; brk and malloc;
# deep recursion and a stack overflow caught on a sigaltstack.
compare mmap -- "$G/mmap"
compare brk -- "$G/brk"
compare brk-20000-rounds -- "$G/brk" 20000
compare stack -- "$G/stack" 4

# Unhandled SIGSEGV: exit status 139 under both, one "machemu: crash:" line from the emulator.
compare segv-null -e 139 -c -- "$G/segv" null
compare segv-wild -e 139 -c -- "$G/segv" wild
compare segv-exec -e 139 -c -- "$G/segv" exec

# Processes: fork copy-on-write, pipes, exec, wait4 statuses.
compare fork -- "$G/fork"

# fork + exec + wait under the emulator alone (the image must be inside the root).
fork_exec() {
  local name=fork-exec root
  if emulator_is_qemu_standin; then skip "$name" "qemu-user cannot exec an AArch64 image"; return; fi
  root=$(new_root "$name")
  cp "$G/fork" "$root/fork"
  emu_run "$root" /dev/null "$root.out" "$root.err" -- "$root/fork" exec /fork
  local st=$?
  if [ "$st" = 0 ] && grep -q '^exec: child image runs with argv\[2\]=hello$' "$root.out" &&
     grep -q '^exec: status 42 through wait4$' "$root.out"; then
    pass "$name"
  else
    fail "$name" "exit $st"; indent < "$root.out"; tail -n 5 "$root.err" | indent
  fi
}
fork_exec

# File and process system calls (works in the scratch root).
compare files -- "$G/files"
# *at calls from a descriptor that is not a directory: ENOTDIR, and the emulator lives on.
compare dirfd -- "$G/dirfd"

# Code written at run time: patched, remapped at the same address, filled by read(2).
compare codegen -- "$G/codegen"
compare smc -- "$G/smc"

# CPU-bound work.
compare compute -- "$G/compute"
compare compute-small -- "$G/compute" 20000

# The same programs under emulator options that must not change what the guest sees.
compare mmap-tiny-tlb -o --tlb -o 2x1 -- "$G/mmap"
compare compute-tlb-4x2 -o --tlb -o 4x2 -- "$G/compute" 20000
compare brk-64M-ram -o -m -o "${SMALL_RAM:-64M}" -- "$G/brk" 5000
compare compute-stats-strace -o --stats -o --strace -- "$G/compute" 20000

# Pageout: a file of twice the machine's RAM read twice: clean file pages are dropped
# and read again, the anonymous memory written before survives.
pageout_happened() { # EMU_ROOT EMU_ERR: the --stats lines show the scan at work
  local reclaimed pageins
  reclaimed=$(grep -oE '^Clean file pages reclaimed: +[0-9]+' "$2" | grep -oE '[0-9]+$')
  pageins=$(grep -oE '^Pageins: +[0-9]+' "$2" | grep -oE '[0-9]+$')
  [ "${reclaimed:-0}" -gt 0 ] && [ "${pageins:-0}" -gt 2048 ] && return 0
  echo "reclaimed ${reclaimed:-?}, pageins ${pageins:-?}: want file pages dropped and read again"
  return 1
}
compare pageout-16M-ram -o -m -o 16M -o --stats -C pageout_happened -- "$G/pageout" 32 4

# The compressor: three times the RAM in heap-like anonymous memory, read back intact;
# under each codec; and incompressible memory in macOS mode, swapped out and back in.
stat_of() { grep -oE "^$1: +[0-9]+" "$2" | grep -oE '[0-9]+$'; }
compressed_back() { # EMU_ROOT EMU_ERR: pages went to the compressor and came back
  local c d
  c=$(stat_of Compressions "$2"); d=$(stat_of Decompressions "$2")
  [ "${c:-0}" -gt 8192 ] && [ "${d:-0}" -gt 8192 ] && return 0
  echo "compressions ${c:-?}, decompressions ${d:-?}: want more than the RAM's 4096 pages each way"
  return 1
}
# The compressor's capacity alone: under iOS's Jetsam (the default) the only app dies
# once free + file-backed pages fall under 5% of RAM, long before 3x RAM is stored.
compare compress-3x-64M-ram -o -m -o 64M -o --no-jetsam -o --stats -C compressed_back \
  -- "$G/compress" 192
compare compress-3x-64M-ram-macos -o -m -o 64M -o --platform=macos -o --stats -C compressed_back \
  -- "$G/compress" 192
compare compress-wkdm -o -m -o 32M -o --no-jetsam -o --codec=wkdm -- "$G/compress" 64
compare compress-lz4 -o -m -o 32M -o --no-jetsam -o --codec=lz4 -- "$G/compress" 64
swapped_back() { # EMU_ROOT EMU_ERR: segments went to the swap file and came back
  local o i
  o=$(stat_of Swapouts "$2"); i=$(stat_of Swapins "$2")
  [ "${o:-0}" -gt 0 ] && [ "${i:-0}" -gt 0 ] && return 0
  echo "swapouts ${o:-?}, swapins ${i:-?}: want segments written out and read back"
  return 1
}
compare compress-macos-swap -o -m -o 64M -o --platform=macos -o --stats -C swapped_back \
  -- "$G/compress" 96 random

trace_nonempty() { # EMU_ROOT EMU_ERR: the fault trace file was written
  [ -s "$SCRATCH/hello-trace.faults" ] || { echo "--trace-faults=FILE left FILE empty"; return 1; }
}
compare hello-trace-faults -o "--trace-faults=$SCRATCH/hello-trace.faults" -C trace_nonempty \
  -- "$G/hello" traced

finish
