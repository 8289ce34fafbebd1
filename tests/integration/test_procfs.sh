#!/usr/bin/env bash
# Integration: busybox's ps on machemu's own /proc (emu/procfs.c), with Debian's
# busybox-static (tests/.cache/busybox, fetched by tests/fetch-busybox.sh; NO_FETCH=1 never
# downloads). Compared with expected output, not with qemu-aarch64: qemu shows the host's
# /proc, whose processes are the host's.
#   procfs-ps-job: `ps -o pid,ppid,stat,comm` in a shell with a background job lists the
#                  shell, the job and ps itself, and plain `ps` shows the job's command line
#   procfs-ps-system: with the system image, ps lists its daemons (launchd is pid 1)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

BB=${BUSYBOX:-$TOP/tests/.cache/busybox}
if [ ! -x "$BB" ] && [ -z "${NO_FETCH:-}" ]; then
  timeout -k 10 600 "$TOP/tests/fetch-busybox.sh" </dev/null 2>&1 | indent
fi
if [ ! -x "$BB" ]; then skip procfs-ps "no busybox binary ($BB): tests/fetch-busybox.sh could not fetch it"; finish; exit; fi
if emulator_is_qemu_standin; then skip procfs-ps "qemu shows the host's processes"; finish; exit; fi

root=$(new_root procfs)
mkdir -p "$root/bin" && cp "$BB" "$root/bin/busybox"

# The shell is pid 1000 (its parent 999 is no guest task), the job 1001, ps 1002.
want='PID   PPID  STAT COMMAND
 1000   999 S    busybox
 1001  1000 S    sleep
 1002  1000 R    ps
 1001 1000     sleep 30'
got=$( (cd "$root" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" run --root "$root" "${ALONE[@]}" \
        "$root/bin/busybox" sh -c 'sleep 30 & ps -o pid,ppid,stat,comm; ps | grep " sleep 30$"; kill $!; wait') 2>&1)
if [ "$got" = "$want" ]; then
  pass procfs-ps-job
else
  fail procfs-ps-job "got:
$(echo "$got" | indent)
want:
$(echo "$want" | indent)"
fi

got=$( (cd "$root" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" run --root "$root" \
        "$root/bin/busybox" ps -o pid,comm) 2>&1)
if echo "$got" | grep -qx '    1 launchd' && echo "$got" | grep -qx ' 1000 busybox'; then
  pass procfs-ps-system
else
  fail procfs-ps-system "no '    1 launchd' and ' 1000 busybox' lines in:
$(echo "$got" | indent)"
fi
finish
