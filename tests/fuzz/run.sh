#!/usr/bin/env bash
# Fuzzes one target for SECONDS and folds what it learnt back into the
# committed corpus:
#
#     tests/fuzz/run.sh TARGET SECONDS        TARGET: frame batch sync csv push opcheck parcel xlsx
#
# 1. builds the libFuzzer binaries if needed (clang, -DZB_FUZZ=ON, in
#    $ZB_FUZZ_BUILD, default build-fuzz/; only the target's own files are
#    recompiled when the tree changed);
# 2. runs build-fuzz/bin/fuzz_TARGET on a working corpus (a copy of
#    tests/fuzz/corpus/TARGET/ that grows) for SECONDS, one process, with
#    -fork=1 -ignore_crashes=1 so that it goes on after a crash: every
#    crash, leak, timeout or OOM lands in tests/fuzz/crashers/TARGET/ as
#    crash-<sha1> (rename it crash-<what> once you know what it is);
# 3. minimizes working corpus + committed corpus with -merge=1 into
#    tests/fuzz/corpus/TARGET/ (the seed-* files are kept as they are).
#
# ZB_FUZZ_MERGE=0 skips step 3; ZB_FUZZ_FORK=0 runs without fork mode
# (stops at the first crash); ZB_FUZZ_ARGS adds libFuzzer flags.  Stores of
# the push / opcheck targets live in a temp dir on /dev/shm when it exists
# (LMDB fsyncs each commit), removed at the end.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
T=${1:?usage: run.sh TARGET SECONDS}
SECS=${2:?usage: run.sh TARGET SECONDS}
case $T in
  frame) MAXLEN=100000 ;;
  csv) MAXLEN=20000 ;;
  xlsx) MAXLEN=65536 ;;
  batch | sync | push | opcheck | parcel) MAXLEN=65536 ;;
  *) echo "run.sh: unknown target $T (frame batch sync csv push opcheck parcel xlsx)" >&2; exit 2 ;;
esac
BUILD=${ZB_FUZZ_BUILD:-$SRC/build-fuzz}
CLANG=${CC:-clang}
command -v "$CLANG" >/dev/null || { echo "run.sh: $CLANG not found (apt install clang)" >&2; exit 1; }
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S "$SRC" -B "$BUILD" -DCMAKE_C_COMPILER="$CLANG" -DZB_FUZZ=ON -DZB_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$BUILD" -j2 --target "fuzz_$T" >/dev/null
BIN=$BUILD/bin/fuzz_$T

CORPUS=$SRC/tests/fuzz/corpus/$T
CRASHERS=$SRC/tests/fuzz/crashers/$T
WORK=$BUILD/corpus-work/$T
mkdir -p "$CORPUS" "$CRASHERS" "$WORK"
cp -n "$CORPUS"/* "$WORK"/ 2>/dev/null || true

SHM=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && SHM=/dev/shm
TMPDIR=$(mktemp -d "$SHM/zb-fuzz-run.XXXXXX")
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT

LOG=$BUILD/fuzz-$T.log
FORK=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
[ "${ZB_FUZZ_FORK:-1}" = 0 ] && FORK=()
echo "run.sh: fuzzing $T for ${SECS}s (log: $LOG)"
set +e
# shellcheck disable=SC2086
"$BIN" "${FORK[@]}" -max_total_time="$SECS" -rss_limit_mb=2048 -max_len="$MAXLEN" \
  -timeout=25 -print_final_stats=1 -artifact_prefix="$CRASHERS/" ${ZB_FUZZ_ARGS:-} \
  "$WORK" >"$LOG" 2>&1
rc=$?
set -e
grep -E '^#[0-9]+' "$LOG" | tail -n 1 || true
grep -E '^(stat::|INFO: exiting|INFO: fuzzed for)' "$LOG" || true
echo "run.sh: exit $rc; working corpus: $(find "$WORK" -type f | wc -l) files;" \
  "crashers of $T: $(find "$CRASHERS" -type f | wc -l)"
grep -E '^(==[0-9]+==ERROR|SUMMARY:|fuzz_[a-z]+: )' "$LOG" | sort | uniq -c | sort -rn | head -n 20 || true

if [ "${ZB_FUZZ_MERGE:-1}" != 0 ]; then
  NEW=$BUILD/corpus-merge/$T
  rm -rf "$NEW"
  mkdir -p "$NEW"
  cp "$CORPUS"/seed-* "$NEW"/ 2>/dev/null || true
  # Coverage of each input on a fresh fixture, as the ctest replay runs it.
  ZB_FUZZ_PUSH_RESET=1 "$BIN" -merge=1 -rss_limit_mb=2048 -max_len="$MAXLEN" -timeout=25 \
    "$NEW" "$CORPUS" "$WORK" >"$BUILD/merge-$T.log" 2>&1 || {
    echo "run.sh: merge failed, corpus left as it was (see $BUILD/merge-$T.log)" >&2; exit 1; }
  find "$CORPUS" -maxdepth 1 -type f ! -name 'seed-*' -delete
  cp -n "$NEW"/* "$CORPUS"/
  echo "run.sh: corpus/$T: $(find "$CORPUS" -type f | wc -l) files," \
    "$(du -sk "$CORPUS" | cut -f1) KiB"
fi
exit $rc
