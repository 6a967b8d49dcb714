#!/bin/sh
# check_layers.sh COMMON_DIR LAYER... — the layers of common/ (lowest first)
# may include headers of their own layer and of lower ones, never of a
# higher one (README "Layout").  Prints every upward include and fails if
# there is one, or if a file of common/ lies outside the layer folders.
set -eu
dir=$1; shift
layers="$*"
rank() { i=0; for l in $layers; do [ "$l" = "$1" ] && { echo $i; return; }; i=$((i+1)); done; echo -1; }
bad=0
# Which layer owns each header.
owner() { for l in $layers; do [ -n "$(find "$dir/$l" -name "$1" -print -quit)" ] && { echo "$l"; return; }; done; echo ""; }
for f in $(find "$dir" -name '*.[ch]' | sort); do
  rel=${f#"$dir"/}
  layer=${rel%%/*}
  r=$(rank "$layer")
  if [ "$r" -lt 0 ]; then echo "$f: not in a layer folder ($layers)"; bad=1; continue; fi
  for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
    hl=$(owner "$h")
    [ -z "$hl" ] && continue          # generated (zhibu.pb-c.h) or system
    hr=$(rank "$hl")
    if [ "$hr" -gt "$r" ]; then echo "$f includes $hl/$h: upward ($layer < $hl)"; bad=1; fi
  done
done
[ $bad -eq 0 ] && echo "layers ok: $layers"
exit $bad
