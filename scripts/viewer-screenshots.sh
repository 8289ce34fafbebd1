#!/usr/bin/env bash
# Makes the viewer's pictures in the docs again, with the commands docs/viewer.md and
# docs/jetsam.md show: docs/viewer.png (guest/viewpages under -m 16M) and
# docs/viewer-scenario.png (leak.scn stopped after the kill). Run from the repository's
# top after make; O= names another build directory.
set -eu
O=${O:-build}
cd "$(dirname "$0")/.."
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy
top=$PWD
# the guests' files and Jetsam's reports go to a scratch root, the pictures to docs/
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
printf '%s\n' 'until-fault zero-fill 0x7e0000000000' 'until-fault pagein 0x7d0000000000' \
  'until-page 0x7e0000000000 compressed' 'run 500000' 'select 37' \
  "snapshot $top/docs/viewer.png" 'quit' >"$root/viewer.script"
"$O/machemu" view --root "$root" -m 16M --view-script "$root/viewer.script" \
  "$O/guest/viewpages" 32 24 >/dev/null
printf '%s\n' 'until-level warning' 'until-kill' "snapshot $top/docs/viewer-scenario.png" \
  'quit' >"$root/scenario.script"
"$O/machemu" scenario --view --root "$root" --reports "$root/reports" \
  --view-script "$root/scenario.script" "$O/guest/scenarios/leak.scn" >/dev/null 2>&1
echo "wrote docs/viewer.png and docs/viewer-scenario.png"
