#!/usr/bin/env bash
# Integration: Mach-O guests end to end (emulator only: qemu-aarch64 cannot load Mach-O).
#  - build/guest/macho/* (built by make with machemu-cc --macho --static): exact stdout and exit
#    status of hello (printf formats, main's return value), nocrt (no libc: main returns
#    to the loader's exit stub), malloc (the SDK allocator under stress; double and wild
#    frees), vm (Mach VM calls), bsd (Darwin BSD calls: files, memory, fork/wait4/kill,
#    execve), pie (slid, rebased, the slide set by --seed) and nopie (not slid);
#  - machemu-cc --macho: a user's file built outside the tree, in one step and in two,
#    against the shared cache (the default) and --static;
#  - crash reports: EXC_BAD_ACCESS (SIGSEGV) KERN_INVALID_ADDRESS for a NULL write,
#    (SIGBUS) KERN_PROTECTION_FAILURE for writes to __TEXT and to memory made read-only,
#    EXC_BREAKPOINT for brk, EXC_BAD_INSTRUCTION for udf; abort() is SIGABRT, no report;
#  - LC_UNIXTHREAD instead of LC_MAIN, and corrupt files, each refused with one clear line
#    and status 126 (these need python3 to edit the binaries; SKIPPED without it).
# Run on its own: tests/integration/test_macho.sh   (see lib.sh for the environment)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

M=$GUEST/macho

# macho NAME STATUS EXPECTED-STDOUT [CHECK] -- PROGRAM ARGS...
#   Runs PROGRAM under the emulator in a fresh root holding a copy of it (so that it can
#   exec itself by its own path); requires the exit status and the exact stdout (where
#   @ROOT@ stands for the root's host path), and, if given, CHECK ERR-FILE (prints why
#   not). Without a crash expected (status < 128 or 134), stderr must have no
#   "machemu: crash:" line.
macho() {
  local name=$1 status=$2 want=$3 check=""
  shift 3
  if [ "${1:-}" != -- ]; then check=$1; shift; fi
  shift
  local prog=$1; shift
  if [ ! -x "$prog" ]; then fail "$name" "$prog missing (run make)"; return; fi
  local root d="$SCRATCH/$name.out" st
  root=$(new_root "$name")
  mkdir -p "$d"
  cp "$prog" "$root/"
  emu_run "$root" /dev/null "$d/out" "$d/err" -- "$root/$(basename "$prog")" "$@"
  st=$?
  printf '%s' "${want//@ROOT@/$root}" >"$d/want"
  local why=()
  [ "$st" = "$status" ] || why+=("exit status $(status_text "$st"), expected $status")
  cmp -s "$d/want" "$d/out" || why+=("stdout differs")
  if [ "$status" -lt 128 ] || [ "$status" = 134 ]; then
    [ "$(crash_lines "$d/err")" = 0 ] || why+=("a 'machemu: crash:' line but no crash expected")
  fi
  if [ -n "$check" ] && [ ${#why[@]} -eq 0 ]; then
    local msg; msg=$("$check" "$d/err" 2>&1) || why+=("${msg:-check $check failed}")
  fi
  if [ ${#why[@]} -eq 0 ]; then pass "$name"; return; fi
  local joined; joined=$(IFS=';'; echo "${why[*]}"); joined=${joined//;/; }
  fail "$name" "$joined"
  cmp -s "$d/want" "$d/out" ||
    diff -u --label expected --label emulator "$d/want" "$d/out" | head -n 30 | indent
  [ -s "$d/err" ] && { echo "    --- stderr:"; tail -n 25 "$d/err" | indent; }
}

# has ERR-FILE PATTERN...: every extended regular expression matches a line of ERR-FILE.
has() {
  local err=$1 p; shift
  for p in "$@"; do
    grep -qE -- "$p" "$err" || { echo "stderr lacks /$p/"; return 1; }
  done
}

# --- programs ----------------------------------------------------------------------------

HELLO_OUT='hello from Mach-O: argc=2
argv[0]=[@ROOT@/hello]
argv[1]=[3]
HELLO_VAR=hello from the harness
envp has entries
apple: executable_path=/hello
d=42 i=-7 u=3000000000 neg=-2147483648
x=beef X=BEEF o=10 #x=0xff #X=0XFF #o=010 zero#x=0
width=[   42] left=[42   ] zeros=[00042] plus=[+42] space=[ 42] neg0=[-0042]
prec=[007] prec0=[] wprec=[    -007] str=[ab] wstr=[    ab] lstr=[ab    ]
ll=-9223372036854775808 llu=18446744073709551615 lx=feedfacecafebeef zu=1099511627776 hh=44 h=4464 star=[    17] [3   ]
c=Z pct=% p=0x1234abcd null=(null)
snprintf=18 [truncated-00c0f]
puts works
!
'
hello_stderr() { has "$1" '^to stderr$'; }
macho hello 3 "$HELLO_OUT" hello_stderr -- "$M/hello" 3

macho nocrt 42 'nocrt: main returns 42
' -- "$M/nocrt"

macho malloc 0 'malloc: 6455 mallocs, 904 callocs, 4186 reallocs, 7359 frees; sizes: 7140 tiny, 3923 small, 482 large; 3229 blocks live at the end, all freed; patterns intact; every region returned
' -- "$M/malloc"
malloc_error() {
  has "$1" '^malloc: \*\*\* error for object 0x[0-9a-f]+: pointer being freed was not allocated$' \
    '^malloc: \*\*\* set a breakpoint in malloc_error_break to debug$'
}
macho malloc-double-free 134 '' malloc_error -- "$M/malloc" double
macho malloc-wild-free 134 '' malloc_error -- "$M/malloc" wild

macho vm 0 'allocate: 4 zero-filled pages, written
protect: read-only, maximum lowered, raising above it is KERN_PROTECTION_FAILURE
deallocate: a hole, refilled FIXED with zeros; neighbours kept
__PAGEZERO: FIXED below the image is KERN_INVALID_ADDRESS; ANYWHERE lands above it
' -- "$M/vm"

macho bsd 0 'files: O_CREAT|O_EXCL, O_APPEND, lseek(SEEK_END), fstat and stat, unlink, EEXIST/ENOENT/EBADF
memory: MAP_ANON zero fill, mprotect, madvise DONTNEED keeps data, MAP_FIXED, munmap
exec'"'"'d child says 9
processes: ids, fork/wait4 exit 7, SIGUSR1 is Darwin'"'"'s 30, execve, ECHILD
time and errors: gettimeofday, ENOSYS is 78 with the carry flag set
' -- "$M/bsd"

PIE_TAIL='add(6, 3) = 9
sub(6, 3) = 3
mul(6, 3) = 18
seven plus 7 = 14
seven times 7 = 49
'
slide_of() { sed -n 's/^slide \(0x[0-9a-f]*\)$/\1/p' "$1"; }
nonzero_slide() {
  local s; s=$(slide_of "$1")
  [ -n "$s" ] && [ "$s" != 0x0 ] || { echo "slide '$s', expected a nonzero one"; return 1; }
}
no_slide() { [ "$(slide_of "$1")" = 0x0 ] || { echo "slide '$(slide_of "$1")', expected 0x0"; return 1; }; }
macho pie 0 "pie: slid by a nonzero multiple of 16 KB below 1 GB
$PIE_TAIL" nonzero_slide -- "$M/pie"
macho nopie 0 "no_pie: loaded at its link address, no slide
$PIE_TAIL" no_slide -- "$M/nopie"

# The slide comes from --seed: the same seed gives the same one, another seed another.
slide_seeds() {
  local name=pie-seed root a b c
  if [ ! -x "$M/pie" ]; then fail "$name" "$M/pie missing (run make)"; return; fi
  root=$(new_root "$name")
  emu_run "$root" /dev/null /dev/null "$root.1" --seed 1 -- "$M/pie"
  emu_run "$root" /dev/null /dev/null "$root.2" --seed 1 -- "$M/pie"
  emu_run "$root" /dev/null /dev/null "$root.3" --seed 2 -- "$M/pie"
  a=$(slide_of "$root.1") b=$(slide_of "$root.2") c=$(slide_of "$root.3")
  if [ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" != "$c" ] && [ -n "$c" ]; then
    pass "$name"
  else
    fail "$name" "slides: seed 1 '$a' and '$b', seed 2 '$c'"
  fi
}
slide_seeds

# --- machemu-cc --macho: a user's file built outside the tree ---------------------------

USER_C='#include <mach/mach.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  mach_vm_address_t a = 0;
  kern_return_t kr = mach_vm_allocate(mach_task_self(), &a, 2 * vm_page_size, VM_FLAGS_ANYWHERE);
  char *s = strdup(argc > 1 ? argv[1] : "none");
  printf("%s: %s, %zu-byte block\n", s, mach_error_string(kr), strlen(s));
  free(s);
  return kr == KERN_SUCCESS ? 0 : 1;
}
'
# user_build NAME STEPS [LINK-FLAGS...]: builds user.c in a directory of its own, in one
# step or in two (-c, then link), and runs it.
user_build() {
  local name=$1 steps=$2; shift 2
  local cc=$BUILD/guest/machemu-cc dir="$SCRATCH/$name.src"
  if [ ! -x "$cc" ]; then fail "$name" "$cc missing (run make)"; return; fi
  mkdir -p "$dir" && printf '%s' "$USER_C" >"$dir/user.c"
  if [ "$steps" = 1 ]; then
    (cd "$dir" && "$cc" --macho -O2 -Wall -Werror user.c -o prog "$@") >"$dir/cc.log" 2>&1
  else
    (cd "$dir" && "$cc" --macho -O2 -Wall -Werror -c user.c -o user.o &&
      "$cc" --macho user.o -o prog "$@") >"$dir/cc.log" 2>&1
  fi || { fail "$name" "machemu-cc --macho failed"; indent <"$dir/cc.log"; return; }
  macho "$name" 0 'hello: (os/kern) successful, 5-byte block
' -- "$dir/prog" hello
}
user_build macho-cc-one-step 1
user_build macho-cc-two-steps 2
user_build macho-cc-no-pie 1 -Wl,-no_pie
user_build macho-cc-static 1 --static

# --- crash reports -----------------------------------------------------------------------

# report ERR TYPE SIGNAL CODES: the report's lines, one "machemu: crash:" line, the pc.
report() {
  local err=$1 type=$2 sig=$3 codes=$4
  [ "$(crash_lines "$err")" = 1 ] || { echo "$(crash_lines "$err") 'machemu: crash:' lines"; return 1; }
  has "$err" "^machemu: crash: task [0-9]+ \\([a-z]+\\): $type \\($sig\\), $codes, pc=0x[0-9a-f]+\$" \
    '^Process: +[a-z]+ \[[0-9]+\]$' '^Path: +/[a-z]+$' \
    "^Exception Type: +$type \\($sig\\)\$" "^Exception Codes: +$codes\$" \
    '^Termination Reason: +Namespace SIGNAL, Code [0-9]+' \
    '^Thread 0 crashed with ARM Thread State \(64-bit\):$' ' pc: 0x[0-9a-f]{16} ' || return 1
  # The summary line's pc is the thread state's.
  local pc1 pc2
  pc1=$(sed -n 's/^machemu: crash: .*, pc=0x\([0-9a-f]*\)$/\1/p' "$err")
  pc2=$(sed -n 's/.* pc: 0x0*\([0-9a-f]*\) .*/\1/p' "$err")
  [ "$pc1" = "$pc2" ] || { echo "pc $pc1 in the first line, $pc2 in the thread state"; return 1; }
}
null_report() {
  report "$1" EXC_BAD_ACCESS SIGSEGV 'KERN_INVALID_ADDRESS at 0x0000000000000000' &&
    has "$1" '^Exception Note: +write of 0x0: ' '^VM Region Info: +0x0 is not in any region' \
      'Code 11, Segmentation fault: 11$'
}
text_report() {
  report "$1" EXC_BAD_ACCESS SIGBUS 'KERN_PROTECTION_FAILURE at 0x0000000[0-9a-f]{9}' &&
    has "$1" '^---> +__TEXT ' 'Code 10, Bus error: 10$'
}
brk_report() { report "$1" EXC_BREAKPOINT SIGTRAP '0x0000000000000001, 0x00000000d4200020'; }
udf_report() { report "$1" EXC_BAD_INSTRUCTION SIGILL '0x0000000000000001, 0x0000000000000000'; }
el1_report() { report "$1" EXC_BAD_INSTRUCTION SIGILL '0x0000000000000001, 0x00000000d5384240'; }
midr_report() { report "$1" EXC_BAD_INSTRUCTION SIGILL '0x0000000000000001, 0x00000000d5380000'; }
rowrite_report() {
  local addr; addr=$(sed -n 's/^fault address 0x\([0-9a-f]*\)$/\1/p' "$1")
  [ -n "$addr" ] || { echo "the guest printed no fault address"; return 1; }
  report "$1" EXC_BAD_ACCESS SIGBUS "KERN_PROTECTION_FAILURE at 0x0*$addr" &&
    has "$1" '^---> +VM_ALLOCATE '
}
no_report() { [ "$(crash_lines "$1")" = 0 ] || { echo "abort() printed a crash report"; return 1; }; }
macho crash-null 139 'crash: null
' null_report -- "$M/crash" null
macho crash-text 138 'crash: text
' text_report -- "$M/crash" text
macho crash-brk 133 'crash: brk
' brk_report -- "$M/crash" brk
macho crash-udf 132 'crash: udf
' udf_report -- "$M/crash" udf
macho crash-el1 132 'crash: el1
' el1_report -- "$M/crash" el1
macho crash-midr 132 'crash: midr
' midr_report -- "$M/crash" midr
macho crash-abort 134 'crash: abort
' no_report -- "$M/crash" abort
macho vm-rowrite 138 '' rowrite_report -- "$M/vm" rowrite

# --- edited binaries: LC_UNIXTHREAD, and corrupt files -------------------------------------

# edit SRC DST HOW: a copy of the Mach-O SRC changed as HOW says (python3 parses the load
# commands so the edits land on the right bytes).
edit() {
  python3 - "$@" <<'EOF'
import struct, sys
src, dst, how = sys.argv[1], sys.argv[2], sys.argv[3]
b = bytearray(open(src, 'rb').read())
ncmds, sizeofcmds = struct.unpack_from('<II', b, 16)
cmds, at = [], 32
for _ in range(ncmds):
    cmd, size = struct.unpack_from('<II', b, at)
    cmds.append((cmd, at, size))
    at += size
def find(c, name=None):
    for cmd, off, size in cmds:
        if cmd == c and (name is None or b[off+8:off+24].rstrip(b'\0') == name):
            return off
    return None
LC_SEGMENT_64, LC_MAIN, LC_UNIXTHREAD, LC_UUID = 0x19, 0x80000028, 0x5, 0x1b
text, data = find(LC_SEGMENT_64, b'__TEXT'), find(LC_SEGMENT_64, b'__DATA')
main = find(LC_MAIN)
if how == 'unixthread':      # LC_MAIN out, an ARM_THREAD_STATE64 with its pc in
    entry = struct.unpack_from('<Q', b, text + 24)[0] + struct.unpack_from('<Q', b, main + 8)[0]
    state = bytearray(272)
    struct.pack_into('<Q', state, 256, entry)
    kept = b''.join(bytes(b[off:off + size]) for cmd, off, size in cmds if cmd != LC_MAIN)
    new = kept + struct.pack('<IIII', LC_UNIXTHREAD, 16 + 272, 6, 68) + state
    b[32:32 + max(len(new), sizeofcmds)] = new.ljust(sizeofcmds, b'\0')
    struct.pack_into('<II', b, 16, ncmds, len(new))
elif how == 'truncated':     b = b[:20]
elif how == 'magic32':       struct.pack_into('<I', b, 0, 0xfeedface)
elif how == 'fat':           b[0:4] = bytes.fromhex('cafebabe')
elif how == 'cputype':       struct.pack_into('<I', b, 4, 0x01000007)
elif how == 'dylib':         struct.pack_into('<I', b, 12, 6)
elif how == 'sizeofcmds':    struct.pack_into('<I', b, 20, len(b))
elif how == 'cmdsize':       struct.pack_into('<I', b, cmds[2][1] + 4, 0)
elif how == 'past-eof':      b = b[:struct.unpack_from('<Q', b, data + 40)[0] + 100]
elif how == 'overlap':       struct.pack_into('<Q', b, data + 24, struct.unpack_from('<Q', b, text + 24)[0])
elif how == 'absurd':        struct.pack_into('<Q', b, data + 32, 0x7fffffffff000000)
elif how == 'unaligned':     struct.pack_into('<Q', b, data + 24, struct.unpack_from('<Q', b, data + 24)[0] + 0x100)
elif how == 'no-entry':      struct.pack_into('<I', b, main, LC_UUID)
elif how == 'bad-entry':     struct.pack_into('<Q', b, main + 8, 0x7ffffff0)
elif how == 'two-mains':     b[find(LC_UUID):find(LC_UUID) + 24] = b[main:main + 24]
else: raise SystemExit('unknown edit ' + how)
open(dst, 'wb').write(b)
EOF
  [ $? = 0 ] && chmod +x "$2"
}

have_python() { command -v python3 >/dev/null 2>&1; }

unixthread_case() {
  local name=unixthread-nocrt
  if ! have_python; then skip "$name" "python3 not found (needed to edit the binary)"; return; fi
  mkdir -p "$SCRATCH/bin"
  edit "$M/nocrt" "$SCRATCH/bin/nocrt" unixthread || { fail "$name" "cannot edit $M/nocrt"; return; }
  macho "$name" 42 'nocrt: main returns 42
' -- "$SCRATCH/bin/nocrt"
  edit "$M/hello" "$SCRATCH/bin/hello" unixthread || { fail unixthread-hello "cannot edit"; return; }
  macho unixthread-hello 3 "$HELLO_OUT" hello_stderr -- "$SCRATCH/bin/hello" 3
}

# refused HOW MESSAGE: the edited hello is refused with status 126 and one stderr line
# that contains MESSAGE.
refused() {
  local how=$1 msg=$2 name=corrupt-$1
  if ! have_python; then skip "$name" "python3 not found (needed to edit the binary)"; return; fi
  local root; root=$(new_root "$name")
  edit "$M/hello" "$root/hello" "$how" 2>"$root.edit" || { fail "$name" "edit failed: $(cat "$root.edit")"; return; }
  emu_run "$root" /dev/null "$root.out" "$root.err" -- "$root/hello"
  local st=$? lines; lines=$(wc -l <"$root.err")
  if [ "$st" = 126 ] && [ "$lines" = 1 ] && grep -qF -- "$msg" "$root.err" && [ ! -s "$root.out" ]; then
    pass "$name"
  else
    fail "$name" "exit status $(status_text "$st"), $lines stderr lines, expected 126 and one line with '$msg'"
    head -n 5 "$root.err" | indent
  fi
}

unixthread_case
refused truncated 'truncated Mach-O header (20 bytes)'
refused magic32 '32-bit Mach-O'
refused fat 'universal (fat) Mach-O'
refused cputype 'Mach-O for cputype 0x1000007, not arm64'
refused dylib 'Mach-O filetype 6 is not an executable'
refused sizeofcmds 'run past the end of the file'
refused cmdsize 'has a bad size 0'
refused past-eof 'past the end of the file'
refused overlap 'segments __TEXT and __DATA overlap'
refused absurd 'outside the 47-bit address space'
refused unaligned 'not 16 KB aligned'
refused no-entry 'no entry point (neither LC_MAIN nor LC_UNIXTHREAD)'
refused bad-entry 'is not in an executable segment'
refused two-mains 'more than one LC_MAIN'

# Bytes that are neither ELF nor Mach-O.
not_executable() {
  local name=corrupt-garbage root
  root=$(new_root "$name")
  printf 'this is not a program\n' >"$root/prog"
  emu_run "$root" /dev/null "$root.out" "$root.err" -- "$root/prog"
  local st=$?
  if [ "$st" = 126 ] && grep -qF 'neither ELF nor Mach-O' "$root.err" && [ "$(wc -l <"$root.err")" = 1 ]; then
    pass "$name"
  else
    fail "$name" "exit status $(status_text "$st")"; indent <"$root.err"
  fi
}
not_executable

finish
