#!/usr/bin/env bash
# Integration: `machemu debug`, driven by command scripts, by a terminal and by gdb.
#  - zero fill, copy-on-write after fork, a protection fault: the fault-stop blocks, the
#    table walk level by level, x through the MMU, object chains, frames and their mappings;
#  - a decompress fault (segment and slot; from the swap file in macOS mode), a compressed
#    marker in the walk, x reading a compressed page without decompressing it, compressed
#    pages of objects and tasks, a compressor frame; a forked child's compressed copy of a
#    page above the parent's;
#  - breakpoints, stepi, bt and registers; bad commands and options;
#  - pressure and jetsam: the level and its numbers at normal, warning and critical (the
#    numbers the level changed on), Jetsam stops on level changes, notes and a kill, the
#    table (bands, states, limits, notes sent), a band change in the kill order, the
#    kills list, every "at icount" (exact: the kill's is the report's age), errors; a
#    fault that finds no free frame with Jetsam off;
#  - determinism: the fault trace under the debugger, with thousands of stops, equals the
#    trace of `machemu run` (fault costs aside);
#  - line editing and history through libedit, in a tmux terminal;
#  - the gdb stub with gdb-multiarch in batch mode: break, continue, registers, x, monitor.
# Run on its own: tests/integration/test_debug.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }
if emulator_is_qemu_standin; then
  skip debug "the qemu stand-in has no debugger"
  finish
  exit 0
fi
G=$GUEST

# debug_session NAME SCRIPT -- PROGRAM ARGS...: runs the script (commands, one per line,
# on its standard input as a file) and leaves the transcript in $D/out, stderr in $D/err,
# the exit status in $RC.
debug_session() {
  local name=$1 script=$2; shift 3
  D="$SCRATCH/$name.out"
  rm -rf "$D"; mkdir -p "$D"
  printf '%s\n' "$script" >"$D/script"
  local root; root=$(new_root "$name")
  (cd "$root" && "${DBG_ENV[@]}" timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" debug --root "$root" "${ALONE[@]}" "${DBG_OPTS[@]}" \
      -x "$D/script" "$@" </dev/null >"$D/out" 2>"$D/err") 2>/dev/null
  RC=$?
}
DBG_OPTS=()
DBG_ENV=()                         # a command prefix, e.g. (env -i LC_ALL=C)

# Checks add reasons to WHY; verdict (lib.sh) reports them.
expect() {   # expect REGEX WHAT: the transcript must match the extended regex
  grep -Eq -- "$1" "$D/out" || WHY+=("no $2")
}

# The range `faults touch` maps, from a plain run (the same in every run).
touch_range() {
  local root; root=$(new_root touch-range)
  (cd "$root" && "${EMU[@]}" run --root "$root" "${ALONE[@]}" "$G/faults" touch 4 2>&1 >/dev/null) |
    sed -n 's/^range \(0x[0-9a-f]*\)-.*/\1/p'
}

# --- zero fill: the fault block, the walk, x before and after the store ---------------
zero_fill_case() {
  local start; start=$(touch_range)
  [ -n "$start" ] || { fail debug-zero-fill "faults touch printed no range"; return; }
  local second; second=$(printf '0x%x' $((start + 16384)))
  debug_session debug-zero-fill "break fault zero $start-$((start + 4 * 16384))
continue
walk $start w
x/1bx $start
x/1gx $second
stepi
x/1bx $start
object $start
quit" -- "$G/faults" touch 4
  local pte
  pte=$(sed -n 's/^  pte    \(0x[0-9a-f]*\) .*/\1/p' "$D/out" | head -n 1)
  expect "^fault: task 1000 write at $start, zero-fill \(translation fault, level [0-3], ESR 0x9200004[4-7]\)$" \
    "fault line (write, zero-fill, translation fault, ESR)"
  expect "^  insn   0x[0-9a-f]+ <main\+0x[0-9a-f]+>:  st" "disassembled store in main"
  expect "^  vm     zero-filled a new page at offset 0x0 of object [0-9]+$" "zero-fill resolution"
  expect "^  pte    0x[0-9a-f]{16} page pfn [0-9]+, AF=1, EL0 rw-" "new PTE (AF set, rw)"
  expect "^  cost   [0-9.]+ us$" "cost line"
  expect "^fault breakpoint 1, stopped before the faulting instruction runs again in task 1000" \
    "stop line"
  local l
  for l in 0 1 2 3; do
    expect "^  L$l  table pfn [0-9]+ +index [0-9]+ +@PA 0x[0-9a-f]+ +desc 0x[0-9a-f]{16}  " "walk level $l"
  done
  [ -n "$pte" ] && expect "^  L3 .*desc $pte  page pfn" "L3 descriptor equal to the fault block's PTE"
  expect "^  result  translated: VA $start -> PA 0x[0-9a-f]+ \(pfn [0-9]+ \+ 0x0\), EL0 may rw-$" \
    "walk verdict"
  # Before the store runs again the byte is 0; after one step it is 1.
  expect "^$start:  0x00$" "zero byte before the store"
  expect "^$start:  0x01$" "byte 1 after stepi"
  expect "^  \(page $second: not resident: the first touch zero-fills it\)$" \
    "the untouched next page described as not resident"
  expect "^$second:  0x0000000000000000$" "zeros read from the untouched page"
  expect "^  top object [0-9]+: anonymous, size 0x10000, 1 resident" "object view of the mapping"
  [ "$RC" = 0 ] || WHY+=("exit status $RC after quit, expected 0")
  verdict debug-zero-fill
}

# --- copy-on-write after fork: the block names both objects; object and page views --------
cow_case() {
  local script="break fault cow" i
  for i in $(seq 1 40); do script+=$'\ncontinue'; done
  debug_session debug-cow "$script" -- "$G/fork"
  # The first copy made by the child (task 1001).
  local block
  block=$(awk '/^fault: task 1001 write at .* cow /{p=1} p{print} p&&/^  cost/{exit}' "$D/out")
  if [ -z "$block" ]; then
    fail debug-cow "no copy-on-write fault in the child within 40 stops"
    tail -n 20 "$D/out" | indent
    return
  fi
  local va from to pfn
  va=$(sed -n 's/^fault: task 1001 write at \(0x[0-9a-f]*\), cow .*/\1/p' <<<"$block")
  read -r from to < <(sed -n 's/.*copied the page at offset 0x[0-9a-f]* of object \([0-9]*\) into object \([0-9]*\)$/\1 \2/p' <<<"$block")
  pfn=$(sed -n 's/^  pte    0x[0-9a-f]* page pfn \([0-9]*\),.*/\1/p' <<<"$block")
  [ -n "${from:-}" ] && [ -n "${to:-}" ] || WHY+=("no 'copied the page ... of object N into object M' line")
  [ "${from:-x}" != "${to:-x}" ] || WHY+=("copy from and into the same object ${from:-?}")
  if [ ${#WHY[@]} -eq 0 ]; then
    # Second session: stop at that same fault (stops are deterministic) and look around.
    local n; n=$(grep -c '^fault: task .* cow ' <(awk '{print} /^fault: task 1001 write at .* cow /{exit}' "$D/out"))
    script="break fault cow"
    for i in $(seq 1 "$n"); do script+=$'\ncontinue'; done
    script+=$'\n'"object $va"$'\n'"page $pfn"$'\n'"tasks"$'\n'"task 1000"$'\n'"walk $va w"$'\nquit'
    debug_session debug-cow-views "$script" -- "$G/fork"
    expect "^fault: task 1001 write at $va, cow " "the same fault on the second run"
    expect "^  top object $to: anonymous, .*the page is at offset" "top object $to in the chain"
    expect "^    shadows object $from: " "object $from below it"
    expect "^  owner  object $to offset 0x[0-9a-f]+; queue active" "frame $pfn owned by object $to"
    local page; page=$(printf '0x%x' $((va & ~16383)))
    expect "^    task 1001  VA $page " "the child's mapping of frame $pfn in the reverse map"
    expect "^\* 1001 +1000 +running" "tasks: the child running"
    expect "^  +1000 +999 +blocked" "tasks: the parent blocked"
    expect "^task 1000 \(fork\), blocked-[a-z]+, at 0x" "task 1000 selected"
    expect "^walk $va for a write by task 1000: ASID [0-9]+" "a walk in the parent's tables"
  fi
  verdict debug-cow
}

# --- a protection fault: the block, the signal, the walk, the exit status -------------------
prot_case() {
  debug_session debug-prot "break fault prot
continue
walk x21 w
continue
continue" -- "$G/faults" rowrite
  expect "^fault: task 1000 write at 0x[0-9a-f]+, invalid \(permission fault, level 3, ESR 0x9200004f\)$" \
    "permission fault line"
  expect "^  vm     not resolved: KERN_PROTECTION_FAILURE \(the mapping does not allow this access\)$" \
    "protection failure"
  expect "^  pte    0x[0-9a-f]{16} page pfn [0-9]+, AF=1, EL0 r-- \(AP read-only\)" "read-only PTE"
  expect "^task 1000 will get SIGSEGV on continue, at 0x[0-9a-f]+ <main\+0x[0-9a-f]+>:  st" \
    "signal stop on the store"
  expect "^  result  permission fault at level 3 \(ESR 0x9200004f\): the descriptor does not allow this access$" \
    "walk verdict for the write"
  expect "^the program exited: status 139$" "exit by SIGSEGV"
  expect "^the program has exited \(status 139\)$" "continue after the exit"
  [ "$RC" = 139 ] || WHY+=("exit status $RC, expected 139 (the guest's)")
  grep -q '^machemu: crash: task 1000 (faults) killed by SIGSEGV' "$D/err" || WHY+=("no crash line on stderr")
  verdict debug-prot
}

# --- breakpoints, registers, backtrace, disassembly, bad commands ------------------------------
state_case() {
  debug_session debug-state "help
break main
info breakpoints
continue
regs
bt
disas pc 2
x/2i main
x/4gx 0x100
walk 0x100000000000
stepi 3
frobnicate
x/q 0
break fault compressed
break fault sideways
task 77
page 99999999
delete 9
quit" -- "$G/faults" touch 2
  local c
  for c in run continue stepi nextfault break delete regs x/FMT disas bt walk tlb vmmap object page \
           vm_stat pressure jetsam tasks task help quit; do
    grep -q "^${c%%/*}[ /]" "$D/out" || WHY+=("help does not list $c")
  done
  expect "^breakpoint 1 at 0x[0-9a-f]+ <main>$" "breakpoint at main"
  expect "^1   code   0x[0-9a-f]+ <main>, hit 0 times$" "breakpoint list"
  expect "^breakpoint 1, task 1000 at 0x[0-9a-f]+ <main>:  " "stop at main"
  expect "^sp  0x[0-9a-f]{16}  pc  0x[0-9a-f]{16} <main>$" "pc at main in regs"
  expect "^#1  0x[0-9a-f]+ <__libc_start" "caller in the backtrace"
  expect "^=> 0x[0-9a-f]+ <main>:  " "disassembly at pc"
  expect "^0x100:  cannot read: unmapped$" "unmapped address in x"
  expect "^  result  translation fault at level [12] .*nothing mapped in this region yet$" \
    "walk of an unmapped address"
  expect "^  vm      unmapped$" "walk says unmapped"
  expect "^task 1000 at 0x[0-9a-f]+ <main\+0xc>:  " "stepi 3 from main"
  expect "^unknown command 'frobnicate' \(try help\)$" "unknown command message"
  expect "^unknown format letter 'q'" "bad format message"
  expect "^fault breakpoint 2$" "a fault breakpoint on decompressions"
  expect "^unknown fault kind 'sideways'; the kinds: zero-fill, soft, pagein, cow, decompress, " "unknown kind message"
  expect "^no live task 77" "bad task message"
  expect "^pfn 99999999 is outside guest RAM$" "bad pfn message"
  expect "^no breakpoint 9$" "bad delete message"
  verdict debug-state
}

# --- a page in the compressor: the decompress fault, the marker, x without a fault -----------
decompress_case() {
  # guest/compress writes 28 MB into 16 MB of RAM (what a 16 MB iPhone's compressor
  # holds: 1.9x its RAM at most), then reads it back from the start.
  debug_session debug-decompress-map "break fault compressed"$'\n'"continue"$'\n'"vmmap"$'\n'"quit" \
    -- -m 16M "$G/compress" 28
  local lo hi
  read -r lo hi < <(sed -nE 's/^anonymous +([0-9a-f]{16})-([0-9a-f]{16}) \[ +28M .*/0x\1 0x\2/p' "$D/out")
  if [ -z "${lo:-}" ]; then
    fail debug-decompress "no 28 MB buffer in the vmmap of guest/compress"; tail -n 20 "$D/out" | indent; return
  fi
  local b0 b1 i script
  b0=$(printf '0x%x' $((lo))) b1=$(printf '0x%x' $((lo + 16384)))
  script="break fault compressed $lo-$hi
continue
walk $b1
vm_stat
x/2gx $b1
vm_stat
walk $b1
object $b1
tasks"
  for i in $(seq 1 1023); do script+=$'\n'"page $i"; done
  script+=$'\n'"continue"$'\n'"x/2gx $b1"$'\n'"quit"
  debug_session debug-decompress "$script" -- -m 16M "$G/compress" 28
  # The first read of the buffer: its first page comes back from the compressor.
  expect "^fault: task 1000 read at $b0, decompress \(translation fault, level 3, ESR 0x9200000[4-7]\)$" \
    "decompress fault line (read, translation fault at level 3)"
  expect "^  vm     decompressed the page at offset 0x0 of object [0-9]+ from the compressor \(segment [0-9]+, slot [0-9]+: (wkdm|sparse|lz4|raw), [0-9]+ bytes\) into a new frame; its slot is freed$" \
    "decompress resolution with segment and slot"
  expect "^  pte    0x[0-9a-f]{16} page pfn [0-9]+, AF=1, EL0 r--" "new PTE of the decompressed page"
  expect "^fault breakpoint 1, stopped before the faulting instruction runs again in task 1000" "stop line"
  # The next page is still compressed: a marker in its PTE, read without a fault.
  expect "^  L3 .* desc 0x[0-9a-f]{16}  invalid: compressed marker \(the page went to the compressor\)$" \
    "compressed marker in the walk"
  expect "^  result  translation fault at level 3 \(ESR 0x[0-9a-f]+\): a compressed marker: the page went to the compressor, an access decompresses it$" \
    "walk verdict on the marker"
  expect "^  vm      not resident: in the compressor; the first touch decompresses it$" "walk's vm line"
  local note="not resident: in the compressor; the first touch decompresses it"
  expect "^  \(page $b1: $note\)$" "x's page note"
  # Block 1 of the heap-like pattern: its id 1024 + 0, then the flags word.
  [ "$(grep -c "^$b1:  0x0000000000000400  0x0000000100000002$" "$D/out")" = 2 ] ||
    WHY+=("x did not read block 1's words, compressed and then resident")
  [ "$(grep -c 'invalid: compressed marker' "$D/out")" = 2 ] || WHY+=("the marker gone after x (x faulted?)")
  local decomp comp
  decomp=$(sed -n 's/^Decompressions: *\([0-9]*\)\.$/\1/p' "$D/out" | sort -u | wc -l)
  comp=$(sed -n 's/^Compressions: *\([0-9]*\)\.$/\1/p' "$D/out" | sort -u | wc -l)
  [ "$decomp" = 1 ] && [ "$comp" = 1 ] || WHY+=("x changed the compressor's counters")
  expect "^  top object [0-9]+: anonymous, size 0x1c00000, [0-9]+ resident, [1-9][0-9]* compressed, refs 1, the page is at offset 0x4000$" \
    "compressed count in the object view"
  expect "^      compressed \(offset\): 0x4000 0x8000 " "compressed offsets of the object"
  expect "^\* 1000 +999 +running +[0-9]+ +[0-9]+ +[1-9][0-9]* +[0-9]+ KB" "compressed pages of the task"
  expect "^frame [0-9]+ \(PA 0x[0-9a-f]+\): compressor, " "a frame of the compressor"
  expect "^  compressor segment [0-9]+: frame [0-9]+ of its [0-9]+; [1-9][0-9]* pages stored in it, [0-9]+ of its [0-9]+ bytes live$" \
    "the segment of a compressor frame"
  expect "^fault: task 1000 read at $b1, decompress " "the second page decompressed on continue"
  verdict debug-decompress
  # macOS: random data does not compress, segments go to the swap file and come back;
  # x reads a page of a swapped-out segment from the file, leaving it there.
  local b64; b64=$(printf '0x%x' $((lo + 64 * 16384)))
  script="break fault compressed $lo-$hi"$'\n'"continue"$'\n'"vm_stat"$'\n'"x/2gx $b64"$'\n'"vm_stat"
  for i in $(seq 1 40); do script+=$'\n'"continue"; done
  script+=$'\n'"delete"$'\n'"break fault compressed $b64"$'\n'"continue"$'\n'"x/2gx $b64"
  debug_session debug-decompress-swap "$script" -- -m 16M --platform macos "$G/compress" 48 random
  expect "^  vm     decompressed the page at offset 0x[0-9a-f]+ of object [0-9]+ from the compressor \(segment [0-9]+, slot [0-9]+: raw, 16384 bytes; its segment was read back from the swap file\) into a new frame; its slot is freed$" \
    "a decompression from a segment in the swap file"
  expect "^  \(page $b64: $note\)$" "block 64 compressed at the first stop"
  local swapins words
  swapins=$(sed -n 's/^Swapins: *\([0-9]*\)\.$/\1/p' "$D/out" | sort -u | wc -l)
  [ "$swapins" = 1 ] || WHY+=("x swapped a segment in")
  words=$(grep "^$b64:  " "$D/out" | sort -u | wc -l)
  [ "$(grep -c "^$b64:  0x" "$D/out")" = 2 ] && [ "$words" = 1 ] ||
    WHY+=("block 64 read from the swap file differs from block 64 resident again")
  verdict debug-decompress-swap
}

# --- a shadow chain: the first object that has the page decides, compressed or not -------------
shadow_compressed_case() {
  # guest/forkcompress: a child's copy of block 0 sits above the parent's blocks; both
  # go to the compressor, then the parent reads its blocks back.
  local b0=0x7c0000000000 b1=0x7c0000004000
  debug_session debug-shadow-compressed "break pressure_done
continue
task 1001
x/2gx $b0
x/2gx $b1
object $b0
task 1000
x/2gx $b0
delete
break parent_checked
continue
task 1001
x/2gx $b0
x/2gx $b1
continue" -- -m 16M --no-jetsam "$G/forkcompress"
  local note="not resident: in the compressor; the first touch decompresses it"
  expect "^breakpoint 1, task 1000 at 0x[0-9a-f]+ <pressure_done>:  " "stop after the pressure"
  [ "$(grep -c "^$b0:  0xc41d000000000000  0xc41d000000000001$" "$D/out")" = 2 ] ||
    WHY+=("the child's block 0 is not its own copy at both stops")
  [ "$(grep -c "^  (page $b0: $note)$" "$D/out")" = 3 ] || WHY+=("block 0 not compressed in both tasks")
  expect "^  \(page $b1: $note\)$" "the parent's block 1 compressed under the child's chain"
  [ "$(grep -c "^$b1:  0x0000000100000000  0x0000000100000001$" "$D/out")" = 2 ] ||
    WHY+=("the child does not see the parent's block 1")
  expect "^$b0:  0x0000000000000000  0x0000000000000001$" "the parent's own block 0"
  expect "^  top object [0-9]+: anonymous, size 0x100000, 0 resident, 1 compressed, refs 1, the page is at offset 0x0$" \
    "the child's top object with its compressed copy"
  expect "^    shadows object [0-9]+: anonymous, size 0x100000, 0 resident, 64 compressed, refs 2, " \
    "the parent's object below, all compressed"
  # Once the parent has read its blocks back, block 1 is resident below the child's
  # chain while block 0 stays compressed in the child's own object above.
  expect "^breakpoint 2, task 1000 at 0x[0-9a-f]+ <parent_checked>:  " "stop after the parent's check"
  expect "^  \(page $b1: resident in its object but not in the page tables\)$" \
    "the parent's block 1 resident again, seen from the child"
  expect "^forkcompress: parent and child read their own blocks back after 24 MB$" "the guest's result"
  expect "^the program exited: status 0$" "a clean exit"
  verdict debug-shadow-compressed
}

# --- memory pressure and Jetsam: pressure, jetsam, break jetsam ---------------------------------
# pressure_numbers_agree FILE: the lines of the last `pressure` block in FILE checked
# against each other (the sums it shows) and its thresholds against the library's rule
# (50%, 30%, 60%, 35% of the available memory, truncated); sets PRESSURE_NC, _WARN, _LEAVE.
pressure_numbers_agree() {
  local file=$1 nc a i f s avail cf warn crit normal leave
  read -r nc a i f s < <(sed -nE 's/^  non-compressed  ([0-9]+) pages \(active ([0-9]+) \+ inactive ([0-9]+) \+ free ([0-9]+) \+ speculative ([0-9]+)\),$/\1 \2 \3 \4 \5/p' "$file" | tail -n 1)
  read -r avail cf < <(sed -nE 's/^ +[0-9.]+% of ([0-9]+) available \(non-compressed \+ ([0-9]+) frames of the compressor\)$/\1 \2/p' "$file" | tail -n 1)
  read -r warn crit < <(sed -nE 's/^  thresholds      normal -> warning below ([0-9]+) \(50%\), -> critical below ([0-9]+) \(30%\);$/\1 \2/p' "$file" | tail -n 1)
  read -r normal leave < <(sed -nE 's/^ +back to normal above ([0-9]+) \(60%\), critical -> warning above ([0-9]+) \(35%\)$/\1 \2/p' "$file" | tail -n 1)
  if [ -z "${nc:-}" ] || [ -z "${avail:-}" ] || [ -z "${warn:-}" ] || [ -z "${normal:-}" ]; then
    WHY+=("pressure: no non-compressed, available or threshold lines"); return
  fi
  [ "$nc" = $((a + i + f + s)) ] || WHY+=("non-compressed $nc is not active + inactive + free + speculative")
  [ "$avail" = $((nc + cf)) ] || WHY+=("available $avail is not non-compressed + compressor frames")
  local c=$((avail * 10 / 40))
  [ "$warn $crit $normal $leave" = "$((avail * 10 / 20)) $((12 * c / 10)) $((12 * (avail * 10 / 20) / 10)) $((14 * c / 10))" ] ||
    WHY+=("thresholds $warn $crit $normal $leave are not those of $avail available pages")
  PRESSURE_NC=$nc PRESSURE_WARN=$warn PRESSURE_LEAVE=$leave
  local ap af ab
  read -r ap af ab < <(sed -nE 's/^  available pages ([0-9]+) = free ([0-9]+) \+ file-backed ([0-9]+) .*/\1 \2 \3/p' "$file" | tail -n 1)
  [ -n "${ap:-}" ] && [ "$ap" = $((af + ab)) ] || WHY+=("available pages ${ap:-?} are not free + file-backed")
}

pressure_normal_case() {
  debug_session debug-pressure-normal "pressure
jetsam
break main
continue
pressure
jetsam
jetsam eval
jetsam state 1000 idle suspended
jetsam
pressure now
break jetsam sideways
jetsam frob
jetsam band
jetsam band x 3
jetsam band 77 3
jetsam band 1000 999
jetsam state 1000 sideways
jetsam state 1000 none idle
jetsam state 4242 none
break jetsam kill note
info breakpoints
quit" -- "$G/hello"
  expect "^  \(Jetsam has not evaluated yet: it does once the program runs; " \
    "'not evaluated yet' at the first instruction"
  expect "^  \(none yet: tasks join the table at Jetsam's first evaluation" "an empty table at first"
  [ "$(grep -c '^pressure: normal$' "$D/out")" = 2 ] || WHY+=("not 'pressure: normal' twice")
  expect "^  why             normal: [0-9]+ is not below [0-9]+ \(50%\), the way to warning$" \
    "why normal"
  expect "^  compressor      0 pages stored in 0 frames; low on space: no$" "empty compressor"
  expect "^  free            [0-9]+ pages \(now [0-9]+\); the pageout scan's free_min [0-9]+, free_target [0-9]+$" \
    "free against the targets"
  expect "^  notes           last: none$" "no note yet"
  pressure_numbers_agree "$D/out"
  [ "${PRESSURE_NC:-0}" -ge "${PRESSURE_WARN:-1}" ] || WHY+=("normal with $PRESSURE_NC below $PRESSURE_WARN")
  expect "^  1000 +hello +100 \(foreground\) +frontmost +[0-9]+\.[0-9] MB - +- +none +-$" \
    "hello in the table: foreground, frontmost, no limits, no handler, no notes"
  expect "^  1000 +hello +100 \(foreground\) +suspended,idle +[0-9]+\.[0-9] MB " "states set by jetsam state"
  expect "^evaluated: nothing changed \(level normal\)$" "jetsam eval at normal"
  expect "^2   jetsam note,kill, hit 0 times$" "a Jetsam breakpoint in the list"
  expect "^no kills so far$" "no kills"
  expect "^usage: pressure$" "pressure's usage"
  expect "^unknown Jetsam event 'sideways' \(level, note, kill, any\)$" "bad break jetsam"
  [ "$(grep -c '^usage: jetsam \[band PID BAND | state PID STATE... | eval\]$' "$D/out")" = 1 ] ||
    WHY+=("jetsam's usage for an unknown subcommand")
  expect "^usage: jetsam band PID BAND$" "jetsam band's usage"
  expect "^'x' is not a pid$" "bad pid"
  [ "$(grep -c '^no live task \(77\|4242\) (see `jetsam` or `tasks`)$' "$D/out")" = 2 ] ||
    WHY+=("no 'no live task' for pids 77 and 4242")
  expect "^'999' is not a band: 0-210 or a name " "bad band"
  expect "^unknown state 'sideways' " "bad state"
  expect "^unknown state 'none' \(frontmost, suspended, idle; or none alone\)$" "none with another state"
  verdict debug-pressure-normal
  debug_session debug-jetsam-off "pressure"$'\n'"jetsam"$'\n'"break jetsam"$'\n'"quit" -- --no-jetsam "$G/hello"
  [ "$(grep -c '^Jetsam is off (--no-jetsam): no pressure levels, notes or kills$' "$D/out")" = 2 ] ||
    WHY+=("pressure and jetsam do not say Jetsam is off")
  expect "^Jetsam is off \(--no-jetsam\): nothing to stop at$" "break jetsam with Jetsam off"
  verdict debug-jetsam-off
}

# No free frame and no Jetsam to make one: the fault stop says the task dies on continue.
# (With Jetsam the stop names whom Jetsam kills instead: test_emu_jetsam.c checks that
# prediction against the kill; memorystatus's next_victim_is_the_next_kill the rules.)
no_frame_case() {
  debug_session debug-no-frame "continue"$'\n'"continue" -- -m 16M --no-jetsam "$G/compress" 64 random
  expect "^  vm     not resolved: KERN_RESOURCE_SHORTAGE \(no free frame\)$" "the fault's resolution"
  expect "^task 1000 found no free frame and Jetsam is off: it will get SIGKILL on continue, at 0x[0-9a-f]+ <main\+0x[0-9a-f]+>:  " \
    "the stop line"
  expect "^the program exited: status 137$" "the SIGKILL on continue"
  verdict debug-no-frame
}

# Rising pressure in macOS mode (no page-shortage kill there): a leak of half-compressible
# blocks fills 4 MB of swap, then the compressor, until it holds more than the
# uncompressed memory (with room in swap, the swapper keeps it under 3/13 of memory).
pressure_levels_case() {
  debug_session debug-pressure-levels "break jetsam level
continue
pressure
jetsam
jetsam eval
continue
pressure
info breakpoints
quit" -- -m 32M --platform macos --swap-size 4M "$G/memapp" leak 256 mixed
  local nc avail
  read -r nc avail < <(sed -nE 's/^jetsam: level normal -> warning: non-compressed ([0-9]+) of ([0-9]+) available pages \([0-9.]+%\) \(at icount [0-9]+\)$/\1 \2/p' "$D/out")
  [ -n "${nc:-}" ] || WHY+=("no stop at normal -> warning")
  expect "^jetsam: note WARN -> memapp \(pid 1000\), queued for its handler" "the WARN note in the stop block"
  expect "^jetsam breakpoint 1, task 1000 at 0x[0-9a-f]+ <[a-z_]+\+0x[0-9a-f]+>:  " "the stop line"
  expect "^pressure: warning$" "pressure: warning"
  # The warning stop's pressure block shows the numbers the level changed on.
  sed -n '/^pressure: warning$/,/^  (the counters/p' "$D/out" >"$D/warning"
  sed -n '/^pressure: critical$/,/^  (the counters/p' "$D/out" >"$D/critical"
  grep -q "^  non-compressed  ${nc:-x} pages " "$D/warning" &&
    grep -Eq "^ +[0-9.]+% of ${avail:-x} available " "$D/warning" ||
    WHY+=("pressure does not show the ${nc:-?} of ${avail:-?} pages the level changed on")
  pressure_numbers_agree "$D/warning"
  [ "${PRESSURE_NC:-0}" -lt "${PRESSURE_WARN:-0}" ] || WHY+=("warning with $PRESSURE_NC not below $PRESSURE_WARN")
  expect "^  why             warning: [0-9]+ is neither above [0-9]+ \(60%\), the way back to normal,$" "why warning"
  expect "^  notes           last: WARN -> memapp \(pid 1000\), queued for its handler" "the last note"
  expect "^  1000 +memapp +100 \(foreground\) +frontmost +[0-9]+\.[0-9] MB - +- +N,W,C,LW,LC +WARN$" \
    "memapp in the table with its handler's notes and WARN sent"
  expect "^evaluated: nothing changed \(level warning\)$" "jetsam eval at the stop"
  expect "^jetsam: level warning -> critical: non-compressed [0-9]+ of [0-9]+ available pages" \
    "the stop at warning -> critical"
  expect "^pressure: critical$" "pressure: critical"
  expect "^  why             critical: [0-9]+ is not above [0-9]+ \(35%\), the way back to warning$" "why critical"
  expect "^                  next: the pressure thread's turn at icount [0-9]+ \(in [0-9]+ instructions: notes are spaced, a fall waits 5 s\)$" \
    "the CRITICAL note waiting"
  expect "^1   jetsam level, hit 2 times$" "the breakpoint's hits"
  pressure_numbers_agree "$D/critical"
  [ "${PRESSURE_NC:-1}" -le "${PRESSURE_LEAVE:-0}" ] || WHY+=("critical with $PRESSURE_NC above $PRESSURE_LEAVE")
  verdict debug-pressure-levels
}

# A fatal limit: PROC_LIMIT_WARN past 80% of it, then the kill, each a Jetsam stop.
jetsam_kill_case() {
  debug_session debug-jetsam-kill "break jetsam note
continue
jetsam
delete
break jetsam kill
continue
regs
jetsam
pressure
books
continue" -- --memlimit 24 "$G/memapp" grow 40
  expect "^jetsam: note PROC_LIMIT_WARN -> memapp \(pid 1000\), queued for its handler \(at icount [1-9][0-9]*\)$" "the limit note"
  expect "^  1000 +memapp +100 \(foreground\) +frontmost +(19|2[0-3])\.[0-9] MB 24 MB fatal\* +24 MB fatal +N,W,C,LW,LC +PROC_LIMIT_WARN$" \
    "memapp past 80% of its limit, the active limit in force, PROC_LIMIT_WARN sent"
  expect "^jetsam: killed memapp \(pid 1000\), band 100 \(foreground\): per-process-limit, footprint 24\.0 MB \(at icount [1-9][0-9]*\)$" \
    "the kill in the stop block"
  # The debugger counts every instruction: the kill's icount is the report's time and age.
  local at
  at=$(sed -nE 's/^jetsam: killed memapp .* \(at icount ([0-9]+)\)$/\1/p' "$D/out" | head -n 1)
  local report
  report=$(ls "$SCRATCH"/debug-jetsam-kill/reports/JetsamEvent-*.ips 2>/dev/null | head -n 1)
  python3 - "${report:-none}" "${at:-x}" <<'PYEOF' ||
import json, sys
with open(sys.argv[1]) as f:
    header, body = json.loads(f.readline()), json.loads(f.read())
p = body["processes"][0]
# 100 MIPS: the kill's icount in seconds, from 2025-01-01 00:00:00 UTC
secs = int(sys.argv[2]) / 1e8
assert abs(p["age"] - secs) < 1e-9 and p["age"] == p["cpuTime"], (secs, p)
assert header["timestamp"] == "2025-01-01 00:00:%02d.%02d +0000" % (int(secs), int(secs * 100) % 100), header
assert p["clockExact"] is True, p
PYEOF
    WHY+=("the report's timestamp, age and cpuTime are not the kill's icount ${at:-x}, exactly")
  expect "^the books balance: every frame on one queue" "the books balancing after the kill"
  expect "^jetsam breakpoint 2, task 1000, which was on the CPU, is gone$" "the stop line after the kill"
  expect "^the task that was on the CPU has no address space any more \(killed or exited: " \
    "regs after the kill"
  expect "^kills so far:$" "the kills list"
  expect "^  #1 at icount [1-9][0-9]*: memapp \(pid 1000\), band 100 \(foreground\): per-process-limit, footprint 24\.[0-9] MB; report reports/JetsamEvent-2025-01-01-[0-9]{6}\.ips$" \
    "the kill with its cause and report"
  [ -s "${report:-none}" ] || WHY+=("no report file")
  expect "^  \(no live process\)$" "an empty table after the kill"
  expect "^  notes           last: PROC_LIMIT_WARN -> memapp \(pid 1000\)" "the last note in pressure"
  expect "^the program exited: status 137$" "the exit by SIGKILL"
  [ "$RC" = 137 ] || WHY+=("exit status $RC, expected 137")
  verdict debug-jetsam-kill
}

# Bands: a change moves a task in the kill order at once, and the machine keeps it.
jetsam_band_case() {
  debug_session debug-jetsam-band "break work
continue
jetsam
jetsam band 1001 idle
jetsam
jetsam band 1001 home
continue
jetsam
quit" -- "$G/interleave"
  local tables
  tables=$(awk '/^Jetsam: level /{n++} /^  10[0-9][0-9] /{printf "%d %s %s\n", n, $1, $3}' "$D/out")
  [ "$(grep -c '^1 ' <<<"$tables")" -ge 2 ] || WHY+=("the first table lacks the parent and the worker")
  grep -q '^1 1001 100$' <<<"$tables" || WHY+=("the worker 1001 not in band 100 at first")
  [ "$(grep '^2 ' <<<"$tables" | head -n 1)" = "2 1001 0" ] || WHY+=("after band idle, 1001 is not first in band 0")
  [ "$(grep '^3 ' <<<"$tables" | tail -n 1)" = "3 1001 160" ] ||
    WHY+=("after band home and a continue, 1001 is not last in band 160")
  expect "^task 1001: band 0 \(idle\), at the tail of its list; Jetsam evaluates before the program runs on$" \
    "jetsam band's answer"
  verdict debug-jetsam-band
}

bad_usage_case() {
  local name=debug-usage out rc why=()
  out=$("${EMU[@]}" debug 2>&1); rc=$?
  [ "$rc" = 2 ] && grep -q "no PROGRAM given" <<<"$out" || why+=("no program: status $rc, '$out'")
  out=$("${EMU[@]}" debug --gdb nine "$G/hello" 2>&1); rc=$?
  [ "$rc" = 2 ] && grep -q "bad --gdb 'nine'" <<<"$out" || why+=("bad port: status $rc, '$out'")
  out=$("${EMU[@]}" run --gdb 1 "$G/hello" 2>&1); rc=$?
  [ "$rc" = 2 ] && grep -q "gdb belongs to machemu debug" <<<"$out" || why+=("run --gdb: status $rc")
  out=$("${EMU[@]}" debug -x /nonexistent/script "$G/hello" </dev/null 2>&1); rc=$?
  [ "$rc" = 2 ] && grep -q "/nonexistent/script: No such file" <<<"$out" || why+=("missing script: status $rc")
  # Commands on standard input (not a terminal) and the guest's exit status.
  out=$(printf 'continue\n' | "${EMU[@]}" debug "$G/hello" 2>&1); rc=$?
  grep -q "^(machemu) continue$" <<<"$out" && grep -q "^the program exited: status 0$" <<<"$out" ||
    why+=("stdin commands: '$out'")
  if [ ${#why[@]} -eq 0 ]; then pass "$name"; else fail "$name" "${why[*]}"; fi
}

# --- determinism: the same faults in the same order as machemu run ------------------------------
same_trace() {   # same_trace NAME SCRIPT PROGRAM ARGS...  (JETSAM_STOPS=N: at least N Jetsam stops)
  local name=$1 script=$2 stops=${JETSAM_STOPS:-0}; shift 2
  # The same root, launcher and environment on both sides: the guest gets the host's
  # environment, whose size moves its first stack, and with it every fault after.
  local root; root=$(new_root "$name")
  local fixed=(env -i LC_ALL=C)
  # Standard output to a file, as under the debugger: a guest's stdio takes other paths
  # (other code pages) for a file than for /dev/null.
  (cd "$root" && "${fixed[@]}" timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" run --root "$root" "${ALONE[@]}" \
    --trace-faults="$SCRATCH/$name.run.trace" "$@" >"$SCRATCH/$name.run.out" 2>&1)
  DBG_OPTS=(--trace-faults="$SCRATCH/$name.dbg.trace")
  DBG_ENV=("${fixed[@]}")
  debug_session "$name" "$script" -- "$@"
  DBG_OPTS=() DBG_ENV=()
  local a="$SCRATCH/$name.a" b="$SCRATCH/$name.b"
  sed -E 's/ cost=[0-9.]+us//' "$SCRATCH/$name.run.trace" >"$a"
  sed -E 's/ cost=[0-9.]+us//' "$SCRATCH/$name.dbg.trace" >"$b"
  if [ ! -s "$a" ]; then
    fail "$name" "machemu run left no fault trace"
  elif [ "$(grep -c '^jetsam breakpoint ' "$D/out")" -lt "$stops" ]; then
    fail "$name" "fewer than $stops Jetsam stops under the debugger"
  elif cmp -s "$a" "$b"; then
    pass "$name"
  else
    fail "$name" "the fault sequence under the debugger differs from machemu run"
    diff "$a" "$b" | head -n 10 | indent
  fi
}

determinism_cases() {
  local s="break work"$'\n'"continue"$'\n'"delete" i
  for i in $(seq 1 20000); do s+=$'\nstepi'; done
  s+=$'\nbreak fault cow\nnextfault zero'
  for i in $(seq 1 200); do s+=$'\ncontinue'; done
  # Two tasks taking turns by quantum: stops inside blocks must not move a task switch.
  same_trace debug-same-faults-interleave "$s"$'\ndelete\ncontinue' "$G/interleave"
  s="break fault any"
  for i in $(seq 1 3000); do s+=$'\ncontinue'; done
  same_trace debug-same-faults-fork "$s" "$G/fork"
  # Decompressions, with reads of compressed pages at every stop.
  s="break fault compressed"
  for i in $(seq 1 300); do s+=$'\ncontinue\nx/2gx 0x7f0000100000'; done
  same_trace debug-same-faults-compress "$s"$'\ndelete\ncontinue' -m 16M "$G/compress" 24
  # Jetsam stops (levels, notes delivered as upcalls, a kill) move nothing either.
  s="break jetsam"
  for i in $(seq 1 20); do s+=$'\ncontinue\npressure\njetsam'; done
  JETSAM_STOPS=3 same_trace debug-same-faults-jetsam-levels "$s" -m 32M --platform macos \
    --swap-size 4M "$G/memapp" cache 24 16
  JETSAM_STOPS=2 same_trace debug-same-faults-jetsam-kill "$s" --memlimit 24 "$G/memapp" grow 40
}

# --- a terminal: libedit editing and history, Ctrl-C ------------------------------------------------------
tmux_case() {
  local name=debug-tmux
  if ! command -v tmux >/dev/null 2>&1; then skip "$name" "tmux not installed"; return; fi
  local sock="$SCRATCH/tmux.sock" sess=machemu-debug-test log="$SCRATCH/tmux.log"
  local root; root=$(new_root "$name")
  tmux -S "$sock" new-session -d -s "$sess" -x 160 -y 50 \
    "cd '$root' && ${EMU[*]} debug --root '$root' '$G/faults' touch 2; echo SESSION-END; sleep 30"
  wait_for() {   # wait_for REGEX: up to 10 s for the pane to show it
    local i
    for i in $(seq 1 100); do
      tmux -S "$sock" capture-pane -p -t "$sess" -S -200 >"$log" 2>/dev/null
      grep -Eq -- "$1" "$log" && return 0
      sleep 0.1
    done
    return 1
  }
  local why=()
  wait_for '^\(machemu\) ?$' || why+=("no prompt")
  # Type "rgs", move left twice, insert "e": line editing makes it "regs".
  tmux -S "$sock" send-keys -t "$sess" 'rgs' Left Left 'e' Enter
  wait_for '^x0  0x0000000000000000' || why+=("editing did not give 'regs'")
  # History: Up brings "regs" back; then break and continue.
  tmux -S "$sock" send-keys -t "$sess" 'break main' Enter
  wait_for '^breakpoint 1 at 0x' || why+=("break main")
  tmux -S "$sock" send-keys -t "$sess" 'continue' Enter
  wait_for '^breakpoint 1, task 1000 at' || why+=("continue to main")
  tmux -S "$sock" send-keys -t "$sess" Up Up Up Enter
  wait_for '^\(machemu\) regs$' || why+=("history did not bring back 'regs'")
  wait_for 'pc  0x[0-9a-f]{16} <main>$' || why+=("regs from history at main")
  tmux -S "$sock" send-keys -t "$sess" 'quit' Enter
  wait_for '^SESSION-END' || why+=("quit did not end the session")
  tmux -S "$sock" kill-server 2>/dev/null
  # Ctrl-C stops a program that would run for minutes, at an instruction boundary.
  sock="$SCRATCH/tmux2.sock"
  tmux -S "$sock" new-session -d -s "$sess" -x 160 -y 50 \
    "cd '$root' && ${EMU[*]} debug --root '$root' '$G/bench_tlb' 64 4000000000; echo SESSION-END; sleep 30"
  wait_for '^\(machemu\) ?$' || why+=("no prompt for bench_tlb")
  tmux -S "$sock" send-keys -t "$sess" 'continue' Enter
  sleep 1
  tmux -S "$sock" send-keys -t "$sess" C-c
  wait_for 'interrupted: task 1000 at 0x[0-9a-f]+ <main\+0x[0-9a-f]+>:  ' || why+=("Ctrl-C did not stop the program")
  tmux -S "$sock" send-keys -t "$sess" 'quit' Enter
  wait_for '^SESSION-END' || why+=("quit after Ctrl-C")
  tmux -S "$sock" kill-server 2>/dev/null
  if [ ${#why[@]} -eq 0 ]; then pass "$name"; else
    fail "$name" "${why[*]}"
    tail -n 20 "$log" | indent
  fi
}

# --- gdb-multiarch against the stub ------------------------------------------------------------------
gdb_case() {
  local name=debug-gdb
  if ! command -v gdb-multiarch >/dev/null 2>&1; then skip "$name" "gdb-multiarch not installed"; return; fi
  local d="$SCRATCH/$name.out" root; rm -rf "$d"; mkdir -p "$d"
  root=$(new_root "$name")
  (cd "$root" && exec timeout -k 5 60 "${EMU[@]}" debug --root "$root" "${ALONE[@]}" --gdb 0 "$G/faults" touch 4 \
    >"$d/out" 2>"$d/err") &
  local pid=$! port="" i
  for i in $(seq 1 100); do
    port=$(sed -n 's/^machemu: waiting for gdb on 127.0.0.1:\([0-9]*\)$/\1/p' "$d/err")
    [ -n "$port" ] && break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    fail "$name" "the stub did not say where it listens"; kill "$pid" 2>/dev/null; return
  fi
  timeout 60 gdb-multiarch -batch -nx -ex "file $G/faults" -ex "target remote 127.0.0.1:$port" \
    -ex 'break main' -ex 'continue' -ex 'info registers pc sp' -ex 'x/2xg $sp' \
    -ex 'monitor walk pc' -ex 'monitor continue' -ex 'stepi' -ex 'info registers pc' \
    -ex 'set var $x0 = 0x1234' -ex 'p/x $x0' -ex 'kill' >"$d/gdb" 2>&1
  wait "$pid"
  local rc=$? why=() g="$d/gdb"
  grep -Eq '^Breakpoint 1, 0x[0-9a-f]+ in main \(\)$' "$g" || why+=("no stop at the breakpoint")
  grep -Eq '^pc +0x[0-9a-f]+ +0x[0-9a-f]+ <main\+[0-9]+>$' "$g" || why+=("no pc in main")
  grep -Eq '^sp +0x7f' "$g" || why+=("no sp")
  grep -Eq '^0x7f[0-9a-f]+:[[:space:]]+0x[0-9a-f]{16}[[:space:]]+0x[0-9a-f]{16}$' "$g" || why+=("no x/2xg output")
  grep -Eq '^  L3  table pfn [0-9]+ .* page pfn [0-9]+, AF=1, EL0 r-x' "$g" || why+=("no monitor walk")
  grep -q "monitor: use gdb's own continue and stepi" "$g" || why+=("monitor continue not refused")
  local pc1 pc2
  pc1=$(sed -n 's/^pc *\(0x[0-9a-f]*\) .*/\1/p' "$g" | sed -n 1p)
  pc2=$(sed -n 's/^pc *\(0x[0-9a-f]*\) .*/\1/p' "$g" | sed -n 2p)
  [ -n "$pc1" ] && [ -n "$pc2" ] && [ $((pc2)) -eq $((pc1 + 4)) ] ||
    why+=("stepi did not move pc by 4 ($pc1 -> $pc2)")
  grep -q '^\$1 = 0x1234$' "$g" || why+=("register write not read back")
  grep -q 'killed' "$g" || why+=("kill")
  [ "$rc" = 0 ] || why+=("machemu exit status $rc")
  if [ ${#why[@]} -eq 0 ]; then pass "$name"; else
    fail "$name" "${why[*]}"
    tail -n 30 "$g" | indent
    tail -n 5 "$d/err" | indent
  fi
}

zero_fill_case
cow_case
prot_case
state_case
decompress_case
shadow_compressed_case
pressure_normal_case
pressure_levels_case
no_frame_case
jetsam_kill_case
jetsam_band_case
bad_usage_case
determinism_cases
tmux_case
gdb_case
finish
