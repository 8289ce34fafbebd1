#!/usr/bin/env bash
# Integration: static Go programs from Debian's arm64 packages under the emulator vs
# qemu-aarch64 — gojq, shfmt and mmark. The Go runtime starts its threads with clone,
# parks them on futexes, installs handlers for every signal on alternate stacks and asks
# sched_getaffinity how many CPUs to use; a garbage-collecting run keeps them busy.
# The binaries are fetched by tests/fetch-go.sh into tests/.cache/go (NO_FETCH=1: never
# download); without them every case is SKIPPED.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }

GO=$TOP/tests/.cache/go
cases=(go-gojq-file go-gojq-gc go-gojq-error go-shfmt go-mmark go-strace-threads)
if { [ ! -x "$GO/gojq" ] || [ ! -x "$GO/shfmt" ] || [ ! -x "$GO/mmark" ]; } && [ "${NO_FETCH:-0}" != 1 ]; then
  timeout -k 10 600 "$TOP/tests/fetch-go.sh" </dev/null 2>&1 | indent
fi
if [ ! -x "$GO/gojq" ] || [ ! -x "$GO/shfmt" ] || [ ! -x "$GO/mmark" ]; then
  for c in "${cases[@]}"; do skip "$c" "no Go programs in $GO: tests/fetch-go.sh could not fetch them"; done
  finish; exit
fi

INPUTS="$SCRATCH/go-inputs"
mkdir -p "$INPUTS"
printf '{"name":"machemu","pages":[16384,4096],"tasks":[{"pid":1000,"threads":5},{"pid":1001,"threads":1}]}\n' \
  >"$INPUTS/data.json"
printf 'if [ -n "$x" ];then\necho  hi;fi\nf(){ a=1;for i in 1 2;do echo $a$i;done; }\ncase $1 in a) echo A;; *) echo other;;esac\n' \
  >"$INPUTS/script.sh"
printf '# Threads\n\nA *thread* shares the **map**; see [the docs](docs/design.md).\n\n- one\n- two\n\n```\ncode\n```\n' \
  >"$INPUTS/doc.md"

put_json() { cp "$INPUTS/data.json" "$1/data.json"; }
put_md() { cp "$INPUTS/doc.md" "$1/doc.md"; }

compare go-gojq-file -s put_json -- "$GO/gojq" -c '[.tasks[] | select(.threads > 1) | .pid], (.pages | add)' data.json
# 300,000 strings: the collector runs, with its workers on other threads.
compare go-gojq-gc -- "$GO/gojq" -n '[range(300000) | tostring] | map(length) | add'
compare go-gojq-error -e 5 -- "$GO/gojq" -n '1 | error("stop")'
compare go-shfmt -i "$INPUTS/script.sh" -- "$GO/shfmt" -i 2
compare go-mmark -s put_md -- "$GO/mmark" -html doc.md

# The runtime made threads: --strace shows calls of more than one tid, and no ENOSYS.
go_strace() {
  local name=go-strace-threads root d
  if emulator_is_qemu_standin; then skip "$name" "--strace is the emulator's"; return; fi
  root=$(new_root "$name"); d="$SCRATCH/$name.out"; rm -rf "$d"; mkdir -p "$d"
  emu_run "$root" /dev/null "$d/out" "$d/err" --strace -- "$GO/gojq" -n '[range(300000) | tostring] | length'
  local st=$? why=()
  [ "$st" = 0 ] || why+=("exit status $(status_text "$st")")
  [ "$(grep -Eo '^\[[0-9]+ tid [0-9]+\]' "$d/err" | sort -u | wc -l)" -ge 2 ] || why+=("calls from fewer than 2 threads")
  grep -q '^\[[0-9]* tid [0-9]*\] clone(' "$d/err" || why+=("no clone")
  ! grep -q 'ENOSYS' "$d/err" || why+=("a call failed with ENOSYS: $(grep -m1 ENOSYS "$d/err")")
  if [ ${#why[@]} -eq 0 ]; then pass "$name"; else fail "$name" "${why[*]}"; fi
}
go_strace

finish
