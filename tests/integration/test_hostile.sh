#!/usr/bin/env bash
# Integration: a hostile guest or input file must not make machemu write a host file
# outside the guest root, follow a link the guest planted, or change machemu's umask
# (emulator only). Each case lays out, in its own scratch directory:
#   JAIL/victim   a host file outside the root: must keep its contents
#   JAIL/outside/ a host directory outside the root: must stay empty
#   JAIL/root/    the guest root and the working directory (as with the default --root .)
# guest/hostile plants links and gets itself killed by a memory limit, so that machemu
# writes a JetsamEvent report; the viewer writes PNGs; scenario files try to set output
# options. `modes` compares the modes guest files get under several umasks with qemu.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_emulator || { finish; exit 1; }
if emulator_is_qemu_standin; then
  skip hostile "the emulator (${EMU[*]}) is the qemu stand-in, which does not confine"
  finish; exit
fi
G=$GUEST

jail() {
  J=$(new_root "$1")
  mkdir -p "$J/root" "$J/outside"
  echo "victim: untouched" >"$J/victim"
  WHY=()
}

intact() {
  [ "$(cat "$J/victim")" = "victim: untouched" ] || WHY+=("the victim outside the root was written")
  [ -z "$(ls -A "$J/outside")" ] || WHY+=("something appeared outside the root: $(ls -A "$J/outside")")
}

# hostile STEPS...: the guest under a 8 MB fatal limit, in JAIL/root, with a 022 umask.
hostile() {
  (cd "$J/root" && umask 022 && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" run --root . \
      --memlimit 8 "$G/hostile" "$@" >"$J/out" 2>"$J/err")
  RC=$?
}

verdict_of() {
  if [ ${#WHY[@]} -eq 0 ]; then pass "$1"; else
    fail "$1" "$(IFS=';'; echo "${WHY[*]}")"; indent <"$J/err"; fi
}

# A link planted where the report goes: a fresh name is taken, the link is not followed.
# The name is the kill's date on the guest clock, the same in every run: a first run
# (planting a link of the same length elsewhere) says what it is.
jail report-link
hostile mkdir reports plant reports/JetsamEvent-0000-00-00-000000.ips "$J/victim" umask 0 hog 64
R=$(sed -nE 's/.*report reports\/(JetsamEvent-[0-9-]{17})\.ips$/\1/p' "$J/err")
rm -rf "$J/root/reports"
hostile mkdir reports plant "reports/${R:-none}.ips" "$J/victim" umask 0 hog 64
[ "$RC" = 137 ] || WHY+=("exit $RC, want 137 (killed)")
grep -q "report reports/${R:-none}-2\.ips$" "$J/err" || WHY+=("no report under a fresh name")
[ -f "$J/root/reports/${R:-none}-2.ips" ] || WHY+=("no report file")
[ -L "$J/root/reports/${R:-none}.ips" ] || WHY+=("the planted link is gone")
intact; verdict_of report-link

# The guest's umask(0) is the guest's: machemu's report keeps the user's 022.
mode=$(stat -c %a "$J/root/reports/${R:-none}-2.ips" 2>/dev/null)
if [ "$mode" = 644 ]; then pass report-umask; else fail report-umask "report mode $mode, want 644"; fi

# The reports directory itself a planted link: no report, one clear line, nothing outside.
jail report-dir-link
hostile plant reports "$J/outside" hog 64
[ "$RC" = 137 ] || WHY+=("exit $RC, want 137 (killed)")
grep -q 'no report: reports: reports: reports is a symbolic link inside the guest root; not followed$' \
  "$J/err" || WHY+=("no clear line about the link")
intact; verdict_of report-dir-link

# A link deeper in the --reports path, inside the root.
jail report-deep-link
(cd "$J/root" && mkdir -p a && ln -s "$J/outside" a/b)
(cd "$J/root" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" run --root . --memlimit 8 \
   --reports a/b/c "$G/hostile" hog 64 >"$J/out" 2>"$J/err")
grep -q 'no report: reports: a/b/c: b is a symbolic link inside the guest root; not followed$' \
  "$J/err" || WHY+=("no clear line about the link")
intact; verdict_of report-deep-link

# Outside the root the user's own links are followed: --reports through a link.
jail report-user-link
ln -s "$J/outside" "$J/mine"
(cd "$J/root" && timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" run --root . --memlimit 8 \
   --reports "$J/mine/r" "$G/hostile" hog 64 >"$J/out" 2>"$J/err")
if ls "$J"/outside/r/JetsamEvent-*.ips >/dev/null 2>&1; then pass report-user-link; else
  fail report-user-link "no report through the user's link"; indent <"$J/err"; fi

# --trace-faults=FILE where FILE is a link inside the root: refused before the run.
jail trace-link
ln -s "$J/victim" "$J/root/trace.txt"
(cd "$J/root" && "${EMU[@]}" run --root . --trace-faults=trace.txt "$G/hello" >"$J/out" 2>"$J/err")
RC=$?
[ "$RC" = 2 ] || WHY+=("exit $RC, want 2")
grep -q '^machemu: --trace-faults trace.txt is a symbolic link inside the guest root; not followed$' \
  "$J/err" || WHY+=("no clear line")
intact; verdict_of trace-link

# A FIFO inside the root would block the open: refused, not waited on.
jail trace-fifo
mkfifo "$J/root/fifo"
(cd "$J/root" && timeout 20 "${EMU[@]}" run --root . --strace=fifo "$G/hello" >"$J/out" 2>"$J/err")
RC=$?
[ "$RC" = 2 ] || WHY+=("exit $RC, want 2")
grep -q 'fifo is inside the guest root and not a plain file' "$J/err" || WHY+=("no clear line")
intact; verdict_of trace-fifo

# Scenario files set machine options only.
jail scenario-options
cp "$G/hello" "$J/root/hello"
for opt in "--trace-faults=$J/outside/t" "--root /" "--reports $J/outside" "--strace=$J/victim" \
           "--vmmap=$J/victim" "--swap-dir $J/outside" "--snapshot $J/outside/p.png"; do
  printf 'options %s\napp a -- hello\n' "$opt" >"$J/root/s.scn"
  (cd "$J/root" && "${EMU[@]}" scenario s.scn >"$J/out" 2>"$J/err")
  RC=$?
  [ "$RC" = 2 ] || WHY+=("'$opt': exit $RC, want 2")
  grep -q "is not a machine option" "$J/err" || WHY+=("'$opt': no clear line")
done
printf 'options -m 64M --seed 3 --stats\napp a -- hello\n' >"$J/root/s.scn"
(cd "$J/root" && "${EMU[@]}" scenario s.scn >"$J/out" 2>"$J/err") || WHY+=("machine options refused")
intact; verdict_of scenario-options

# The viewer's s key writes into the current directory, which is the guest root here.
jail view-key
ln -s "$J/victim" "$J/root/machemu-view-1.png"
printf 'key s\nquit\n' >"$J/script"
(cd "$J/root" && SDL_VIDEODRIVER=offscreen timeout -k 5 "$TEST_TIMEOUT" "${EMU[@]}" view \
   --root . --view-script "$J/script" "$G/hello" >"$J/out" 2>"$J/err")
[ -f "$J/root/machemu-view-1-2.png" ] || WHY+=("no PNG under a fresh name")
[ -L "$J/root/machemu-view-1.png" ] || WHY+=("the planted link is gone")
intact; verdict_of view-key

# Guest files get the guest's umask, exactly as under Linux.
compare modes -- "$G/hostile" modes

finish
