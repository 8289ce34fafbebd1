#!/usr/bin/env bash
# Integration: dynamically linked programs (PT_INTERP) under the emulator vs qemu-aarch64.
# Run on its own: tests/integration/test_dynamic.sh   (see lib.sh for the environment)
#
# Guest programs are linked dynamically against glibc by the AArch64 cross compiler
# (GUEST_CC, default aarch64-linux-gnu-gcc) into $O/guest-dyn/ (only when out of date).
# Each case's root gets the dynamic loader and the libraries from the cross toolchain's
# sysroot (DYN_SYSROOT, default that of GUEST_CC), where a Debian system has them:
# /lib/ld-linux-aarch64.so.1 and /lib/aarch64-linux-gnu/. The emulator finds the loader
# inside its --root; qemu-aarch64 gets the same root as QEMU_LD_PREFIX. Without the
# compiler or the libraries every case is SKIPPED.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

GUEST_CC=${GUEST_CC:-aarch64-linux-gnu-gcc}
DG=$BUILD/guest-dyn
CASES=(dyn-hello dyn-hello-args dyn-files dyn-compute dyn-calls dyn-pipes-bigpipe
       dyn-semantics-bigio dyn-exec dyn-no-loader)
skip_all() { local c; for c in "${CASES[@]}"; do skip "$c" "$1"; done; finish; exit $?; }

command -v "$GUEST_CC" >/dev/null 2>&1 || skip_all "$GUEST_CC not found"
SYSROOT=${DYN_SYSROOT:-$("$GUEST_CC" -print-sysroot 2>/dev/null)}
LIBDIR=""
for d in "$SYSROOT/lib" "/usr/aarch64-linux-gnu/lib"; do
  [ -f "$d/ld-linux-aarch64.so.1" ] && [ -f "$d/libc.so.6" ] && { LIBDIR=$d; break; }
done
[ -n "$LIBDIR" ] || skip_all "no ld-linux-aarch64.so.1 and libc.so.6 for $GUEST_CC"

mkdir -p "$DG"
for p in hello files compute calls pipes semantics fork; do
  src=$TOP/guest/programs/$p.c
  if [ ! -x "$DG/$p" ] || [ "$src" -nt "$DG/$p" ]; then
    "$GUEST_CC" -O2 -Wall -Wextra -I"$TOP/guest/include" -I"$TOP/guest/programs" \
      -o "$DG/$p" "$src" >"$DG/$p.log" 2>&1 || { rm -f "$DG/$p"; }
  fi
done

# with_libs ROOT: the loader and libc where the program and its loader look for them.
with_libs() {
  mkdir -p "$1/lib/aarch64-linux-gnu" &&
    cp "$LIBDIR/ld-linux-aarch64.so.1" "$1/lib/" &&
    cp "$LIBDIR/libc.so.6" "$1/lib/aarch64-linux-gnu/"
}
export QEMU_LD_PREFIX=.            # qemu runs in the case's root

dyn_compare() { # NAME PROG ARGS...
  local name=$1 prog=$DG/$2; shift 2
  if [ ! -x "$prog" ]; then fail "$name" "$prog did not build: $(head -n 3 "$prog.log")"; return; fi
  compare "$name" -s with_libs -- "$prog" "$@"
}
dyn_compare dyn-hello hello
dyn_compare dyn-hello-args hello one "two words" "" 'sym$bols*?'
dyn_compare dyn-files files
dyn_compare dyn-compute compute 20000
dyn_compare dyn-calls calls
dyn_compare dyn-pipes-bigpipe pipes bigpipe
dyn_compare dyn-semantics-bigio semantics bigio

# Emulator only (qemu-user cannot exec an AArch64 image): a dynamic program forks and
# execs itself from inside the root.
if emulator_is_qemu_standin; then
  skip dyn-exec "qemu-user cannot exec an AArch64 image"
  skip dyn-no-loader "qemu's message differs"
else
  root=$(new_root dyn-exec)
  with_libs "$root" && cp "$DG/fork" "$root/fork"
  emu_run "$root" /dev/null "$root.out" "$root.err" -- "$root/fork" exec /fork; st=$?
  if [ "$st" = 0 ] && grep -q '^exec: child image runs with argv\[2\]=hello$' "$root.out" &&
     grep -q '^exec: status 42 through wait4$' "$root.out"; then
    pass dyn-exec
  else
    fail dyn-exec "exit $st"; tail -n 5 "$root.out" "$root.err" | indent
  fi
  # A root without the loader: one line naming it, status 126.
  root=$(new_root dyn-no-loader)
  emu_run "$root" /dev/null "$root.out" "$root.err" -- "$DG/hello"; st=$?
  if [ "$st" = 126 ] && grep -q 'interpreter /lib/ld-linux-aarch64.so.1 (PT_INTERP): No such file' "$root.err"; then
    pass dyn-no-loader
  else
    fail dyn-no-loader "exit $st"; tail -n 5 "$root.err" | indent
  fi
fi

finish
