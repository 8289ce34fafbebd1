#!/usr/bin/env bash
# Integration: the guest programs of guest/ linked statically against musl instead of glibc,
# under the emulator vs qemu-aarch64 (the same cases as test_guest.sh, named musl-*).
# Run on its own: tests/integration/test_musl.sh   (see lib.sh for the environment)
#
# musl comes from Debian's musl-dev for arm64 (tests/fetch-musl.sh unpacks it into
# tests/.cache/musl; Debian has no musl cross compiler), the compiler is clang with lld, and
# the compiler support routines (long double arithmetic in printf, __clear_cache) come from
# the AArch64 cross toolchain's libgcc.a (or clang's compiler-rt builtins if installed):
#
#   clang --target=aarch64-linux-musl -static -fuse-ld=lld -nostdlib -nostdinc \
#     -isystem tests/.cache/musl/usr/include/aarch64-linux-musl \
#     -isystem "$(clang -print-resource-dir)/include" -Iguest/include -O2 -Wall -Wextra \
#     $L/crt1.o $L/crti.o guest/PROG.c $L/libc.a LIBGCC $L/crtn.o -o $O/guest-musl/PROG
#   (L=tests/.cache/musl/usr/lib/aarch64-linux-musl,
#    LIBGCC=$(aarch64-linux-gnu-gcc -print-libgcc-file-name))
#
# Programs are built here (not by the Makefile) into $O/guest-musl/, again only when the
# source, guest/include/ or libc.a is newer. If musl cannot be fetched, or there is no clang,
# lld or libgcc, every case is SKIPPED; a program that does not build against musl has its
# cases SKIPPED with the compiler's first error. Environment as lib.sh, plus
#   MUSL_CLANG   the clang to use (default clang)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

MUSL_CLANG=${MUSL_CLANG:-clang}
MG=$BUILD/guest-musl
MUSL=$TOP/tests/.cache/musl/usr
ML=$MUSL/lib/aarch64-linux-musl
MI=$MUSL/include/aarch64-linux-musl

# Every case of this script, by program, so that each can be SKIPPED by name.
declare -A CASES=(
  [hello]="musl-hello musl-hello-args"
  [mmap]="musl-mmap musl-mmap-tiny-tlb"
  [brk]="musl-brk musl-brk-20000-rounds musl-brk-64M-ram"
  [stack]="musl-stack"
  [segv]="musl-segv-null musl-segv-wild musl-segv-exec"
  [files]="musl-files"
  [codegen]="musl-codegen"
  [compute]="musl-compute musl-compute-small musl-compute-tlb-4x2 musl-compute-stats-strace"
  [threads]="musl-threads musl-threads-guard-page"
)
PROGS=(hello mmap brk stack segv files codegen compute threads)

skip_prog() { # PROG WHY: every case of PROG is skipped
  local c
  for c in ${CASES[$1]}; do skip "$c" "$2"; done
}
skip_all() {
  local p
  for p in "${PROGS[@]}"; do skip_prog "$p" "$1"; done
  finish
  exit $?
}

# --- musl, the compiler, the support library ------------------------------------------------
if ! command -v "$MUSL_CLANG" >/dev/null 2>&1; then skip_all "$MUSL_CLANG not found"; fi
if ! command -v ld.lld >/dev/null 2>&1; then skip_all "ld.lld not found (package lld)"; fi
if ! fetch_log=$("$TOP/tests/fetch-musl.sh" 2>&1); then
  echo "$fetch_log" | indent
  skip_all "musl-dev for arm64 could not be fetched (tests/fetch-musl.sh failed)"
fi
RESDIR=$("$MUSL_CLANG" -print-resource-dir 2>/dev/null)
if [ -z "$RESDIR" ] || [ ! -d "$RESDIR/include" ]; then
  skip_all "no resource include directory for $MUSL_CLANG"
fi

# The compiler support routines musl's libc.a and the programs need (__addtf3 and the other
# long double helpers of vfprintf, __clear_cache): clang's compiler-rt builtins for aarch64
# if installed, else the AArch64 cross gcc's libgcc.a.
RTLIB=$("$MUSL_CLANG" --target=aarch64-linux-musl --rtlib=compiler-rt -print-libgcc-file-name 2>/dev/null)
if [ ! -f "$RTLIB" ]; then
  RTLIB=$(aarch64-linux-gnu-gcc -print-libgcc-file-name 2>/dev/null || true)
  if [ ! -f "$RTLIB" ]; then
    RTLIB=$(ls -d /usr/lib/gcc-cross/aarch64-linux-gnu/*/libgcc.a 2>/dev/null | sort -V | tail -n 1)
  fi
fi
[ -f "$RTLIB" ] || skip_all "no compiler support library for aarch64 (libgcc.a of gcc-aarch64-linux-gnu, or compiler-rt)"

MUSL_CFLAGS=(--target=aarch64-linux-musl -static -fuse-ld=lld -nostdlib -nostdinc
  -isystem "$MI" -isystem "$RESDIR/include" -I"$TOP/guest/include" -I"$TOP/guest/programs" -O2 -Wall -Wextra)

# build PROG: $MG/PROG up to date, or prints why not and returns 1.
build() {
  local p=$1 src=$TOP/guest/programs/$1.c out=$MG/$1
  [ -f "$src" ] || { echo "guest/$p.c missing"; return 1; }
  local newer=0 f
  if [ -x "$out" ]; then
    for f in "$src" "$TOP"/guest/include/*.h "$ML/libc.a"; do
      [ "$f" -nt "$out" ] && newer=1
    done
  else
    newer=1
  fi
  [ "$newer" = 1 ] || return 0
  mkdir -p "$MG"
  if ! "$MUSL_CLANG" "${MUSL_CFLAGS[@]}" "$ML/crt1.o" "$ML/crti.o" "$src" "$ML/libc.a" "$RTLIB" \
       "$ML/crtn.o" -o "$out.tmp.$$" >"$MG/$p.log" 2>&1; then
    rm -f "$out.tmp.$$"
    grep -m 1 -E 'error' "$MG/$p.log" || head -n 1 "$MG/$p.log"
    return 1
  fi
  mv -f "$out.tmp.$$" "$out"
  [ -s "$MG/$p.log" ] && { echo "    $p: compiler warnings (kept in $MG/$p.log):"; indent <"$MG/$p.log" | indent; }
  return 0
}

declare -A BUILT=()
for p in "${PROGS[@]}"; do
  if why=$(build "$p"); then
    BUILT[$p]=1
    [ -n "$why" ] && echo "$why"
  else
    skip_prog "$p" "does not build against musl: ${why:-see $MG/$p.log}"
  fi
done
built() { [ -n "${BUILT[$1]:-}" ]; }

G=$MG

# hello: argv (with spaces and an empty argument), an environment variable, printf + write.
if built hello; then
  compare musl-hello -- "$G/hello"
  compare musl-hello-args -- "$G/hello" one "two words" "" 'sym$bols*?'
fi

# Memory: mmap/mprotect/mremap/madvise with faults caught as SIGSEGV; deep recursion and a
# stack overflow caught on a sigaltstack.
if built mmap; then
  compare musl-mmap -- "$G/mmap"
  compare musl-mmap-tiny-tlb -o --tlb -o 2x1 -- "$G/mmap"
fi
if built stack; then compare musl-stack -- "$G/stack" 4; fi

# brk: musl's sbrk(n != 0) and brk() never move the break (they fail with ENOMEM by design;
# musl's malloc calls the brk system call itself), so guest/brk's first check fails under
# qemu too (exit 11). Its cases are SKIPPED while the reference run says so, and compared
# as usual if a musl ever lets them pass.
if built brk; then
  probe=$(new_root musl-brk-probe)
  ref_run "$probe" /dev/null "$probe.out" "$probe.err" "$G/brk" 1
  rs=$?
  if [ "$rs" = 11 ] && grep -q 'old == start' "$probe.err"; then
    skip_prog brk "musl's sbrk() refuses to grow the break (ENOMEM by design), guest/brk exits 11 under $QEMU too"
  else
    compare musl-brk -- "$G/brk"
    compare musl-brk-20000-rounds -- "$G/brk" 20000
    compare musl-brk-64M-ram -o -m -o "${SMALL_RAM:-64M}" -- "$G/brk" 5000
  fi
fi

# Unhandled SIGSEGV: exit status 139 under both, one "machemu: crash:" line from the emulator.
if built segv; then
  compare musl-segv-null -e 139 -c -- "$G/segv" null
  compare musl-segv-wild -e 139 -c -- "$G/segv" wild
  compare musl-segv-exec -e 139 -c -- "$G/segv" exec
fi

# File and process system calls (works in the scratch root).
if built files; then compare musl-files -- "$G/files"; fi

# Code written at run time: patched, remapped at the same address, filled by read(2).
if built codegen; then compare musl-codegen -- "$G/codegen"; fi

# CPU-bound work, also under emulator options that must not change what the guest sees.
if built compute; then
  compare musl-compute -- "$G/compute"
  compare musl-compute-small -- "$G/compute" 20000
  compare musl-compute-tlb-4x2 -o --tlb -o 4x2 -- "$G/compute" 20000
  compare musl-compute-stats-strace -o --stats -o --strace -- "$G/compute" 20000
fi

# Threads through musl's pthread_create (its own clone flags and futex use).
if built threads; then
  compare musl-threads -- "$G/threads"
  compare musl-threads-guard-page -e 139 -c -- "$G/threads" guard
fi

finish
