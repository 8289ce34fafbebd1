#!/usr/bin/env bash
# Integration: the guest runs at EL0. guest/el0 tries privileged instructions, hints, the
# cache maintenance and system registers user code may use, and the ID registers Linux
# emulates, each under a SIGILL handler; qemu-aarch64 (a Linux user process at EL0) is
# the reference. Without a handler an undefined one kills with SIGILL (132, one crash line).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

G=$GUEST
compare el0-probes -- "$G/el0"
for p in currentel ttbr0_w daifset tlbi_all dc_ivac eret cntpct id_aa32; do
  compare "el0-sigill-$p" -e 132 -c -- "$G/el0" crash "$p"
done
# Run without a handler: WFI is a no-op, MRS of an ID register is emulated.
for p in wfi midr pfr0 dc_zva ctr cntvct; do
  compare "el0-runs-$p" -- "$G/el0" crash "$p"
done
finish
