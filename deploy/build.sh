#!/usr/bin/env bash
# Release build into build/ (binaries in build/bin/).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$SRC" -B "$SRC/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$SRC/build" -j"$(nproc)"
