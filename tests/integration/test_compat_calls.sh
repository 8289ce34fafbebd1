#!/usr/bin/env bash
# Integration: what the compatibility suite (test_compat_*.sh) found missing, in
# guest/programs/compat.c: get/setpriority (`compat-priority`), /proc/PID/cmdline and
# /proc/PID/stat (`compat-proc`), /proc listed and stat'ed as a directory (`compat-procdir`),
# getrusage (`compat-rusage`), AF_UNIX sockets bound to a
# path: bind, listen, accept, connect (`compat-unix`); datagram pairs, getsockname,
# getpeername, sendmsg/recvmsg passing a file between tasks (`compat-unixmsg`), each
# against qemu-aarch64; statfs, fstatfs, fadvise64 that the sysroot's find, grep, sed and
# join make, copy_file_range that cp makes (`compat-fsinfo`); the extended attributes ls -l and cp -a read
# (`compat-xattr`);
# emulator only: a run starts in machemu's working directory when it lies inside --root,
# else at the root's top (`compat-cwd`; qemu shows the host's path).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

compare compat-priority -- "$GUEST/compat" priority
compare compat-proc -- "$GUEST/compat" proc
compare compat-procdir -- "$GUEST/compat" procdir
compare compat-rusage -- "$GUEST/compat" rusage
compare compat-unix -- "$GUEST/compat" unix
compare compat-unixmsg -- "$GUEST/compat" unixmsg
compare compat-fsinfo -- "$GUEST/compat" fsinfo
compare compat-xattr -- "$GUEST/compat" xattr

if emulator_is_qemu_standin; then
  skip compat-cwd "qemu shows the host's directory"
else
  root=$(new_root compat-cwd)
  mkdir -p "$root/sub/deeper"
  got=$( (cd "$root/sub/deeper" && "${EMU[@]}" run --root "$root" "${ALONE[@]}" "$GUEST/compat" cwd) 2>&1)
  top=$( (cd "$SCRATCH" && "${EMU[@]}" run --root "$root" "${ALONE[@]}" "$GUEST/compat" cwd) 2>&1)
  if [ "$got" = "cwd: /sub/deeper" ] && [ "$top" = "cwd: /" ]; then
    pass compat-cwd
  else
    fail compat-cwd "inside the root: '$got' (want 'cwd: /sub/deeper'); outside: '$top' (want 'cwd: /')"
  fi
fi
finish
