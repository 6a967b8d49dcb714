#!/usr/bin/env bash
# The test command: installs what is missing, builds with AddressSanitizer
# and UndefinedBehaviorSanitizer into build-test/, and runs every test.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
"$SRC/deploy/install-deps.sh"
cmake -S "$SRC" -B "$SRC/build-test" -DCMAKE_BUILD_TYPE=Debug -DZB_SANITIZE=ON >/dev/null
cmake --build "$SRC/build-test" -j"$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$SRC/build-test"
ctest --output-on-failure -j"$(nproc)" "$@"
