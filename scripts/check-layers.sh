#!/usr/bin/env bash
# `make layers`: every #include of the product code points down the layers, and each
# outside library is included only where the design allows it. Prints one line per
# violation and exits 1 if there is any; prints the count of files checked otherwise.
#
#   tools -> emu -> jetsam, vm -> mmu, compressor      (guest/include: the guest ABI,
#                                                        the one source of its constants)
set -u
cd "$(dirname "$0")/.." || exit 2

# What each layer's files may include, besides their own folder.
declare -A may=(
  [mmu]="guest"
  [compressor]=""
  [jetsam]="vm mmu compressor guest"
  [vm]="mmu compressor guest"
  [emu]="jetsam vm mmu compressor guest"
  [tools]="emu jetsam vm mmu compressor guest"
)
# Outside libraries and the only places that may include them.
declare -A lib_home=(
  [unicorn/]="emu/cpu"
  [lz4]="compressor"
  [jansson]="jetsam"
  [capstone/]="tools/repl"
  [editline/]="tools/repl"
  [SDL]="tools/view"
)

# Headers private to a part of a layer, and the only places that may include them.
declare -A private_home=(
  [emu/cpu_unicorn.h]="emu/cpu"
)

bad=0 files=0
for layer in "${!may[@]}"; do
  for f in "$layer"/*.c "$layer"/*.h; do
    [ -f "$f" ] || continue
    files=$((files + 1))
    while IFS=: read -r line inc; do
      home=${private_home[$inc]:-}
      if [ -n "$home" ] && [[ $f != "$home"* ]]; then
        echo "$f:$line: includes \"$inc\": only $home* may"
        bad=$((bad + 1))
      fi
      dir=${inc%%/*}
      [ "$dir" = "$inc" ] && continue                # "x.h": the same folder
      [ "$dir" = "$layer" ] && continue
      case " ${may[$layer]} " in *" $dir "*) continue ;; esac
      echo "$f:$line: includes \"$inc\": $layer/ may include only ${may[$layer]:-its own headers}"
      bad=$((bad + 1))
    done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
             sed -E 's/^([0-9]+):[^"]*"([^"]*)".*/\1:\2/')
    while IFS=: read -r line inc; do
      for lib in "${!lib_home[@]}"; do
        case $inc in "$lib"*) ;; *) continue ;; esac
        case $f in "${lib_home[$lib]}"*) ;; *)
          echo "$f:$line: includes <$inc>: only ${lib_home[$lib]}* may"
          bad=$((bad + 1)) ;;
        esac
      done
    done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*<' "$f" |
             sed -E 's/^([0-9]+):[^<]*<([^>]*)>.*/\1:\2/')
  done
done
if [ "$bad" -gt 0 ]; then
  echo "layers: $bad include(s) against the layers (see docs/design.md)"
  exit 1
fi
echo "layers: $files files, every include points down"
