#!/usr/bin/env bash
# Integration: faults as the guest and the user see them.
#  - efault: wild pointers given to system calls are EFAULT, and the guest runs on (vs qemu);
#  - faults touch N: exactly N zero-fill faults in the range the guest maps, in the
#    --trace-faults file, and --stats counts at least N pages zero filled;
#  - faults rowrite: a write to a page made read-only, with no handler, is SIGSEGV (139) with
#    one crash line naming the signal, the exact address, the write and the protection.
#  - the trace with cost=split: reclaim= (pageout scans run for a frame) within cost=;
# Run on its own: tests/integration/test_fault.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

G=$GUEST
PAGES=64

compare efault -- "$G/efault"
compare faults-touch -- "$G/faults" touch "$PAGES"

# --- the fault trace and the statistics of a known number of first touches ----------
# hex_in_range HEX START END: true if START <= HEX < END (all hexadecimal, 0x optional).
hex_in_range() {
  local v=$((16#${1#0x})) s=$((16#${2#0x})) e=$((16#${3#0x}))
  [ "$v" -ge "$s" ] && [ "$v" -lt "$e" ]
}

trace_case() {
  local name=faults-trace
  if [ ! -x "$G/faults" ]; then fail "$name" "$G/faults missing (run make)"; return; fi
  local d="$SCRATCH/$name.out" root rc
  rm -rf "$d"; mkdir -p "$d"
  root=$(new_root "$name")
  emu_run "$root" /dev/null "$d/out" "$d/err" --stats "--trace-faults=$d/trace" \
    -- "$G/faults" touch "$PAGES"
  rc=$?
  if [ "$rc" != 0 ]; then
    fail "$name" "exit status $(status_text "$rc")"
    tail -n 20 "$d/err" | indent
    return
  fi
  local range start end
  range=$(sed -n 's/^range \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\)$/\1 \2/p' "$d/err" | head -n 1)
  read -r start end <<<"$range"
  if [ -z "${start:-}" ] || [ -z "${end:-}" ]; then
    fail "$name" "the guest printed no 'range 0xSTART-0xEND' line on stderr"
    tail -n 20 "$d/err" | indent
    return
  fi
  if [ ! -s "$d/trace" ]; then
    fail "$name" "--trace-faults=FILE left FILE empty"
    return
  fi

  # Every trace line in the range, and those of them that are zero fills.
  local zero=0 other=0 line va
  while IFS= read -r line; do
    va=${line#*va=}; va=${va%% *}
    hex_in_range "$va" "$start" "$end" || continue
    case $line in
      *" kind=zero-fill "*) zero=$((zero + 1)) ;;
      *) other=$((other + 1)) ;;
    esac
  done < <(grep '^fault ' "$d/trace")
  if [ "$zero" -eq "$PAGES" ]; then
    pass "$name-zero-fill-count"
  else
    fail "$name-zero-fill-count" "$zero zero-fill lines in [$start, $end), expected $PAGES"
    grep '^fault ' "$d/trace" | head -n 5 | indent
  fi
  # One byte written per page: the write fault maps it writable, the reads cost nothing.
  if [ "$other" -eq 0 ]; then
    pass "$name-no-other-faults"
  else
    fail "$name-no-other-faults" "$other more fault lines in [$start, $end) besides the zero fills"
  fi
  # Every line of the trace has the documented fields.
  local bad
  bad=$(grep -vcE '^fault task=[0-9]+ va=0x[0-9a-f]+ access=[RWX] kind=[a-z-]+ object=[0-9]+ offset=0x[0-9a-f]+ result=KERN_[A-Z_]+ pfn=-?[0-9]+ cost=[0-9.]+us$' "$d/trace")
  if [ "$bad" = 0 ]; then
    pass "$name-format"
  else
    fail "$name-format" "$bad trace lines do not match the documented format"
    grep -vE '^fault task=' "$d/trace" | head -n 3 | indent
  fi

  local zf
  zf=$(sed -n 's/^Pages zero filled: *\([0-9][0-9]*\)\.$/\1/p' "$d/err" | head -n 1)
  if [ -z "$zf" ]; then
    fail "$name-stats" "--stats printed no 'Pages zero filled:' line"
    tail -n 30 "$d/err" | indent
  elif [ "$zf" -lt "$PAGES" ]; then
    fail "$name-stats" "Pages zero filled: $zf, expected >= $PAGES"
  else
    # The total agrees with the trace (every zero fill is traced).
    local traced
    traced=$(grep -c ' kind=zero-fill ' "$d/trace")
    if [ "$traced" = "$zf" ]; then
      pass "$name-stats"
    else
      fail "$name-stats" "Pages zero filled: $zf, but the trace has $traced zero-fill lines"
    fi
  fi
}
trace_case

# cost=split: under pressure some decompress faults run a pageout scan for a frame; its
# time is in reclaim=, a part of cost= (so never above it), and 0 for the others.
split_case() {
  local name=faults-trace-split root rc
  root=$(new_root "$name")
  emu_run "$root" /dev/null "$root.out" "$root.err" -m 32M --trace-faults="$root.trace" \
    --trace-filter cost=split -- "$G/compress" 48
  rc=$?
  local verdict
  verdict=$(awk '/^fault / { n++; if ($NF !~ /^reclaim=[0-9.]+us$/ || $(NF-1) !~ /^cost=[0-9.]+us$/) bad++
      c = substr($(NF-1), 6) + 0; r = substr($NF, 9) + 0; if (r > c) over++
      if (r > 0 && / kind=decompress /) scans++; if (r == 0 && / kind=decompress /) own++ }
      END { printf "%d %d %d %d %d", n, bad, over, scans, own }' "$root.trace")
  local n bad over scans own
  read -r n bad over scans own <<<"$verdict"
  if [ "$rc" = 0 ] && [ "$n" -gt 0 ] && [ "$bad" = 0 ] && [ "$over" = 0 ] &&
     [ "$scans" -gt 0 ] && [ "$own" -gt 0 ]; then
    pass "$name"
  else
    fail "$name" "exit $rc; $n lines, $bad badly formed, $over with reclaim above cost;" \
      "decompress faults with a scan $scans, without $own"
    tail -n 3 "$root.trace" | indent
  fi
}
split_case

# --- an unhandled write to a read-only page -------------------------------------------
crash_names_write_fault() { # EMU_ROOT EMU_ERR
  local err=$2 addr line
  addr=$(sed -n 's/^fault address \(0x[0-9a-f]*\)$/\1/p' "$err" | head -n 1)
  [ -n "$addr" ] || { echo "the guest printed no 'fault address 0x...' line"; return 1; }
  line=$(grep '^machemu: crash:' "$err")
  local w
  for w in SIGSEGV write protection; do
    case $line in *"$w"*) ;; *) echo "crash line lacks '$w': $line"; return 1 ;; esac
  done
  grep -qE "^machemu: crash:.*[^0-9a-fx]${addr}([^0-9a-f]|\$)" "$err" ||
    { echo "crash line does not name the address $addr: $line"; return 1; }
}
compare faults-rowrite -e 139 -c -C crash_names_write_fault -- "$G/faults" rowrite

# The same crash in the fault trace: a refused write fault on the address's 16 KB page
# (Unicorn reports only the page of a CPU access; emu/cpu.c finds the byte for the crash
# line, the trace keeps the page).
rowrite_traced() { # EMU_ROOT EMU_ERR
  local addr pad
  addr=$(sed -n 's/^fault address 0x\([0-9a-f]*\)$/\1/p' "$2" | head -n 1)
  [ -n "$addr" ] || { echo "the guest printed no 'fault address 0x...' line"; return 1; }
  pad=$(printf '%012x' "$(( 16#$addr & ~0x3fff ))")
  grep -qE "^fault .* va=0x$pad access=W kind=invalid .*result=KERN_PROTECTION_FAILURE " \
    "$SCRATCH/rowrite.trace" ||
    { echo "no refused write fault on page 0x$pad in the trace"; tail -n 3 "$SCRATCH/rowrite.trace"; return 1; }
}
compare faults-rowrite-traced -e 139 -c -o "--trace-faults=$SCRATCH/rowrite.trace" \
  -C rowrite_traced -- "$G/faults" rowrite

# More incompressible anonymous memory than the machine and its compressor hold (iOS:
# no swap). Jetsam kills the app first, with a cause and a JetsamEvent report; without
# Jetsam the page fault that finds no frame kills it. Either way the task ends with
# SIGKILL and a reason, and the emulator itself does not fail. 48 MB, not less: the
# pageout's reserve of 128 frames is under Jetsam's 5% line only from 40 MB up.
oom_case() {
  local name=$1 want=$2 root rc; shift 2
  root=$(new_root "$name")
  emu_run "$root" /dev/null "$root.out" "$root.err" -m 48M "$@" -- "$G/compress" 128 random
  rc=$?
  if [ "$rc" = 137 ] && grep -Eq "$want" "$root.err"; then
    pass "$name"
  else
    fail "$name" "exit $(status_text "$rc"), want 137 and a line matching $want"
    tail -n 5 "$root.err" | indent
  fi
}
oom_case oom-anonymous-jetsam \
  '^machemu: jetsam: killed task 1000 \(compress\), band 100 \(foreground\): vm-(pageshortage|compressor-space-shortage), footprint [0-9.]+ MB; report reports/JetsamEvent-2025-01-01-[0-9]{6}\.ips$'
oom_case oom-anonymous '^machemu: crash: .*SIGKILL.*out of memory' --no-jetsam

finish
