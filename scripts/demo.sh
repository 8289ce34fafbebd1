#!/usr/bin/env bash
# A short tour: one guest program, its page faults as they happen, and the
# vm_stat-style summary at exit.
set -euo pipefail
O=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
trace="$root/faults.txt"
echo "== machemu run --trace-faults --stats $O/guest/mmap"
"$top/$O/machemu" run --root "$root" --trace-faults="$trace" --stats "$top/$O/guest/mmap" \
    2> "$root/stats.txt" | sed 's/^/   guest| /'
echo
echo "== the first page faults (of $(wc -l < "$trace")): the loader, the stack, the heap"
head -n 12 "$trace" | sed 's/^/   /'
echo "   ..."
echo
echo "== fault kinds in this run"
awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^kind=/) n[substr($i, 6)]++ }
     END { for (k in n) printf "   %-10s %6d\n", k, n[k] }' "$trace" | sort
echo
echo "== at exit (--stats)"
sed 's/^/   /' "$root/stats.txt"
