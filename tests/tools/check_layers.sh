#!/usr/bin/env bash
# check_layers.sh COMMON_DIR LAYER... — the layers of common/ (lowest first)
# may include headers of their own layer and of lower ones, never of a
# higher one (README "Layout").  Prints every upward include and fails if
# there is one, or if a file of common/ lies outside the layer folders.
set -euo pipefail
dir=$1
shift
declare -A rank owner
i=0
for l in "$@"; do
  rank[$l]=$i
  i=$((i + 1))
done
# Which layer owns each header (a file of a sub-folder, e.g.
# records/kinds/, belongs to the layer it lies in).
while IFS= read -r f; do
  rel=${f#"$dir"/}
  owner[$(basename "$f")]=${rel%%/*}
done < <(find "$dir" -name '*.h')
bad=0
while IFS= read -r f; do
  rel=${f#"$dir"/}
  layer=${rel%%/*}
  if [[ -z "${rank[$layer]+x}" || "$rel" != */* ]]; then
    echo "$f: not in a layer folder ($*)"
    bad=1
    continue
  fi
  while IFS= read -r h; do
    hl=${owner[$h]:-}
    [[ -z "$hl" ]] && continue   # generated (zhibu.pb-c.h) or a system header
    if ((rank[$hl] > rank[$layer])); then
      echo "$f includes $hl/$h: upward ($layer < $hl)"
      bad=1
    fi
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done < <(find "$dir" -name '*.[ch]' | sort)
((bad == 0)) && echo "layers ok: $*"
exit $bad
