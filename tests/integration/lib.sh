# Shared helpers for the zhibu-node integration tests (tests/integration).
# Source it from a test script that runs under `set -euo pipefail`:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   zb_setup                      # $WORK (removed on exit), $NODE, $GEN
#   expect_exit 3 "$NODE" member import bad.csv --data "$WORK/n"
#   grep -q 'bad.csv:4: id_number' "$LAST_ERR" || fail "line 4 not reported"
#
# Environment (set by tests/CMakeLists.txt): ZB_BIN holds zhibu-node and
# zhibu-genroster; ZB_SRC is the source root.  Nothing here needs
# /work/shared: rosters come from zhibu-genroster.

# The script's name, for messages.
ZB_TEST_NAME="$(basename "${0%.sh}")"

# Prints what is being checked.
say() {
  echo "== $ZB_TEST_NAME: $*"
}

# Reports a failure and stops the script (the EXIT trap cleans up).
fail() {
  echo "FAIL: $ZB_TEST_NAME: $*" >&2
  exit 1
}

# Checks the environment, makes $WORK and removes it on exit, sets $NODE
# and $GEN.  An unset ZB_BIN is a failure, not a skip: ctest always sets it.
zb_setup() {
  : "${ZB_BIN:?ZB_BIN must name the build directory holding zhibu-node}"
  NODE="$ZB_BIN/zhibu-node"
  GEN="$ZB_BIN/zhibu-genroster"
  [[ -x "$NODE" ]] || fail "$NODE is not an executable"
  [[ -x "$GEN" ]] || fail "$GEN is not an executable"
  command -v python3 >/dev/null || fail "python3 is needed to check outputs"
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/zb-$ZB_TEST_NAME.XXXXXX")"
  # Background jobs a test started are its own; end them before removing
  # the directory they write into.
  trap 'zb_cleanup' EXIT
  LAST_OUT="$WORK/last.out"
  LAST_ERR="$WORK/last.err"
  # The node refuses nothing for these, but a stray ZHIBU_DATA from the
  # caller's shell must not point the tests at a real node.
  unset ZHIBU_DATA
}

zb_cleanup() {
  local rc=$?
  local j
  for j in $(jobs -p); do
    kill -9 "$j" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  [[ -n "${WORK:-}" ]] && rm -rf "$WORK"
  if [[ $rc -eq 0 ]]; then
    echo "$ZB_TEST_NAME: all checks passed"
  fi
  exit "$rc"
}

# expect_exit CODE CMD ARGS…: runs CMD with stdout in $LAST_OUT and stderr
# in $LAST_ERR, and fails unless it exits with CODE.
expect_exit() {
  local want=$1
  shift
  local rc=0
  "$@" >"$LAST_OUT" 2>"$LAST_ERR" || rc=$?
  if [[ $rc -ne $want ]]; then
    echo "--- stdout (first lines):" >&2
    head -n 20 "$LAST_OUT" >&2 || true
    echo "--- stderr (first lines):" >&2
    head -n 20 "$LAST_ERR" >&2 || true
    fail "exit status $rc, want $want: $(printf '%q ' "$@")"
  fi
}

# ok CMD ARGS…: expect_exit 0.
ok() {
  expect_exit 0 "$@"
}

# stdout of a command that must succeed (stderr kept in $LAST_ERR).
out_of() {
  ok "$@"
  cat "$LAST_OUT"
}

# gen_roster OUTDIR [zhibu-genroster options…]: writes OUTDIR/orgs.csv and
# OUTDIR/members.csv.
gen_roster() {
  local dir=$1
  shift
  "$GEN" "$dir" "$@" || fail "zhibu-genroster $dir $* failed"
  [[ -s "$dir/orgs.csv" && -s "$dir/members.csv" ]] || fail "zhibu-genroster wrote no roster in $dir"
}

# new_node DIR ORG [NODE-ID]: a fresh node for ORG in DIR.
new_node() {
  local dir=$1 org=$2 id=${3:-node-$RANDOM}
  ok "$NODE" init --data "$dir" --node-id "$id" --org "$org"
}

# members_count DIR: the "members" field of status --json.
members_count() {
  ok "$NODE" status --json --data "$1"
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["members"])' "$LAST_OUT"
}

# ops_count DIR: the "ops" field of status --json.
ops_count() {
  ok "$NODE" status --json --data "$1"
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ops"])' "$LAST_OUT"
}

# digest_of DIR: the node's digest (64 lowercase hex digits, checked).
digest_of() {
  ok "$NODE" digest --data "$1"
  local d
  d="$(cat "$LAST_OUT")"
  [[ "$d" =~ ^[0-9a-f]{64}$ ]] || fail "digest of $1 is not 64 hex digits: '$d'"
  echo "$d"
}

# assert_eq GOT WANT WHAT
assert_eq() {
  [[ "$1" == "$2" ]] || fail "$3: got '$1', want '$2'"
}

# assert_grep FILE PATTERN WHAT: fixed-string search.
assert_grep() {
  grep -qF -- "$2" "$1" || {
    echo "--- $1:" >&2
    head -n 40 "$1" >&2
    fail "$3: '$2' not found"
  }
}

# is_json FILE: the whole file is one JSON value and nothing else.
is_json() {
  python3 -c 'import json,sys; json.loads(open(sys.argv[1], encoding="utf-8").read())' "$1" \
    2>/dev/null || fail "${2:-output} is not exactly one JSON value: $(head -c 200 "$1")"
}
