#!/usr/bin/env bash
# A stand-in for `machemu run` built on qemu-aarch64, to validate the integration suite
# (and the guest programs) without machemu:
#
#     MACHEMU=tests/integration/qemu-machemu.sh tests/run-all.sh integration
#
# It accepts machemu's run options and runs the guest under qemu-aarch64 with 16 KB pages
# (-p 16384, machemu's page size), so comparing it with plain qemu-aarch64 (4 KB pages) also
# checks that no guest output depends on the page size. Options it cannot honour are
# accepted and ignored: -m, --tlb, --stats (prints a note on stderr), --trace-faults=FILE
# (writes a one-line placeholder trace), and --root (it only changes directory there: NO
# confinement, so the suite skips its confinement test for this wrapper).
# A guest killed by a signal gives one `machemu: crash:` line on stderr and status 128+signo,
# as machemu does.
set -u
usage() { echo "usage: $0 run [-m SIZE] [--root DIR] [--stats] [--trace-faults[=FILE]] [--strace] [--tlb SETSxWAYS] PROGRAM [ARGS...]" >&2; exit 2; }
[ "${1:-}" = run ] || usage
shift
root=. trace="" strace=() stats=0
while [ $# -gt 0 ]; do
  case $1 in
    -m|--tlb|--system) [ $# -ge 2 ] || usage; shift 2 ;;
    --system=*|--no-shared-region) shift ;;
    -m*|--tlb=*|--mem=*) shift ;;
    --root) [ $# -ge 2 ] || usage; root=$2; shift 2 ;;
    --root=*) root=${1#*=}; shift ;;
    --stats) stats=1; shift ;;
    --trace-faults) trace=/dev/stderr; shift ;;
    --trace-faults=*) trace=${1#*=}; shift ;;
    --strace) strace=(-strace); shift ;;
    --) shift; break ;;
    -*) echo "qemu-machemu: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || usage
prog=$1; shift
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
case $trace in ""|/*) ;; *) trace=$PWD/$trace ;; esac
cd "$root" || exit 2
[ -n "$trace" ] && echo "qemu-machemu: no fault trace under qemu" >>"$trace"
ulimit -c 0
"${QEMU:-qemu-aarch64}" -p 16384 "${strace[@]}" "$prog" "$@"
rc=$?
[ "$stats" = 1 ] && echo "qemu-machemu: no statistics under qemu" >&2
if [ $rc -gt 128 ] && [ $rc -lt 160 ]; then
  echo "machemu: crash: guest killed by signal $((rc - 128)) (qemu stand-in)" >&2
fi
exit $rc
