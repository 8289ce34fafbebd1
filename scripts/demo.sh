#!/usr/bin/env bash
# A short tour: one guest program, its page faults as they happen, the
# vm_stat-style summary at exit; then Jetsam killing a leaking app (scenario 2).
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
echo
echo "== machemu scenario $O/guest/scenarios/leak.scn: two apps and the system under Jetsam"
echo "   (a leaking app in the background, an app in front; time is guest instructions)"
(cd "$root" && "$top/$O/machemu" scenario --root "$root" "$top/$O/guest/scenarios/leak.scn") \
    2> "$root/jetsam.txt" | sed 's/^/   /'
sed 's/^/   /' "$root/jetsam.txt"
report="$root/reports/JetsamEvent-1-memapp.ips"
if [ -f "$report" ]; then
    echo
    echo "== its JetsamEvent report (reports/JetsamEvent-1-memapp.ips), the killed process"
    python3 - "$report" <<'PYEOF' | sed 's/^/   /'
import json, sys
with open(sys.argv[1]) as f:
    f.readline()
    body = json.load(f)
print("memoryStatus.memoryPages:", json.dumps(body["memoryStatus"]["memoryPages"]))
print("largestProcess:", body["largestProcess"])
for p in body["processes"]:
    if p.get("reason"):
        print(json.dumps(p, indent=2))
PYEOF
fi
