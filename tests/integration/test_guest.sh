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

# The compressor, with XNU's sizes (vm_compressor_set_size): an iOS machine of 64 MB
# stores at most 7,680 pages (1.9x its RAM), a macOS one swaps. Twice the RAM of heap-like
# memory fits under iOS; three times fits only with swap, under each codec, with
# half-random memory too; incompressible memory goes to several swap files and back.
stat_of() { grep -oE "^$1: +[0-9]+" "$2" | grep -oE '[0-9]+$'; }
compressed_back() { # EMU_ROOT EMU_ERR: pages went to the compressor and came back
  local c d
  c=$(stat_of Compressions "$2"); d=$(stat_of Decompressions "$2")
  [ "${c:-0}" -gt 4096 ] && [ "${d:-0}" -gt 4096 ] && return 0
  echo "compressions ${c:-?}, decompressions ${d:-?}: want more than the RAM's 4096 pages each way"
  return 1
}
# --no-jetsam: this is the compressor's capacity alone, whatever Jetsam's triggers say.
compare compress-2x-64M-ram -o -m -o 64M -o --no-jetsam -o --stats -C compressed_back \
  -- "$G/compress" 128
compare compress-2x-64M-ram-pieces -o -m -o 64M -o --no-jetsam -o --stats -C compressed_back \
  -- "$G/compress" 128 heap pieces
compare compress-3x-64M-ram-macos -o -m -o 64M -o --platform=macos -o --stats -C compressed_back \
  -- "$G/compress" 192
compare compress-3x-64M-ram-macos-mixed -o -m -o 64M -o --platform=macos -C compressed_back \
  -o --stats -- "$G/compress" 192 mixed
for codec in wkdm lz4 hybrid; do
  compare "compress-3x-32M-ram-macos-mixed-$codec" -o -m -o 32M -o --platform=macos \
    -o "--codec=$codec" -- "$G/compress" 96 mixed
done
compare compress-wkdm -o -m -o 32M -o --no-jetsam -o --codec=wkdm -- "$G/compress" 64
compare compress-lz4 -o -m -o 32M -o --no-jetsam -o --codec=lz4 -- "$G/compress" 64
swapped_back() { # EMU_ROOT EMU_ERR: segments went to several swap files and came back
  local o i f
  o=$(stat_of Swapouts "$2"); i=$(stat_of Swapins "$2"); f=$(stat_of 'Swap files used' "$2")
  [ "${o:-0}" -gt 0 ] && [ "${i:-0}" -gt 0 ] && [ "${f:-0}" -gt 1 ] && return 0
  echo "swapouts ${o:-?}, swapins ${i:-?}, files ${f:-?}: want segments written to several files and read back"
  return 1
}
compare compress-macos-swap -o -m -o 64M -o --platform=macos -o --stats -C swapped_back \
  -- "$G/compress" 160 random

# Under the emulator alone: the outcomes a Linux machine does not share.
# emu_case NAME STATUS STDOUT-REGEX STDERR-REGEX [EMU-OPTS...] -- PROGRAM ARGS...
#   a regex may be empty (no check), or start with ! (no line may match the rest)
emu_case() {
  local name=$1 want=$2 out_re=$3 err_re=$4 root d st; shift 4
  root=$(new_root "$name") d="$SCRATCH/$name.out"
  mkdir -p "$d"
  emu_run "$root" /dev/null "$d/out" "$d/err" "$@"; st=$?
  local why=() f re
  [ "$st" = "$want" ] || why+=("exit status $(status_text "$st"), want $want")
  for f in out err; do
    [ "$f" = out ] && re=$out_re || re=$err_re
    case $re in
      '') ;;
      '!'*) ! grep -qE "${re#!}" "$d/$f" || why+=("a std$f line matches '${re#!}'") ;;
      *) grep -qE "$re" "$d/$f" || why+=("no std$f line matching '$re'") ;;
    esac
  done
  if [ ${#why[@]} -eq 0 ]; then pass "$name"; return; fi
  fail "$name" "$(IFS=';'; echo "${why[*]}")"; tail -n 5 "$d/out" "$d/err" | indent
}
if emulator_is_qemu_standin; then
  skip compress-3x-64M-ram-ios "qemu has no compressor"
  skip compress-low-swap-note "qemu has no swap files"
  skip compress-low-swap-no-jetsam "qemu has no swap files"
else
  # iOS: past 1.9x the RAM the compressor is full; with nothing to kill, the fault fails.
  emu_case compress-3x-64M-ram-ios 137 '!^compress: wrote' 'SIGKILL.*the compressor has no room' \
    -m 64M --no-jetsam -- "$G/compress" 192
  # macOS, 16 MB of swap for 48 MB of random memory: the low-swap note comes, once per 5 s.
  emu_case compress-low-swap-note 137 '^compress: told that swap is low$' '' \
    -m 16M --platform macos --swap-size 16M -- "$G/compress" 48 random low-swap
  emu_case compress-low-swap-no-jetsam 137 '!told that swap is low' '^machemu: crash: .*SIGKILL' \
    -m 16M --platform macos --swap-size 16M --no-jetsam -- "$G/compress" 48 random low-swap
fi

trace_nonempty() { # EMU_ROOT EMU_ERR: the fault trace file was written
  [ -s "$SCRATCH/hello-trace.faults" ] || { echo "--trace-faults=FILE left FILE empty"; return 1; }
}
compare hello-trace-faults -o "--trace-faults=$SCRATCH/hello-trace.faults" -C trace_nonempty \
  -- "$G/hello" traced

finish
