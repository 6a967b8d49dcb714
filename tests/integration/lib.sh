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
  # The programs speak Chinese unless --lang en or an English locale asks
  # otherwise (docs/DESIGN-NOTES.md, "Language"): the tests assert both,
  # so the caller's locale must not choose for them.
  export LANG=C.UTF-8
  unset LC_ALL LC_MESSAGES
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

# ---- sync helpers: a server, nodes enrolled with it, zhibu-faultproxy ----
# Every wait below has a deadline; background processes are jobs of the
# test's shell, so zb_cleanup's kill -9 of `jobs -p` ends them on exit.

# zb_setup_sync: zb_setup, plus $SERVER and $PROXY (zhibu-server and
# zhibu-faultproxy in $ZB_BIN; $ZB_PROXY names another proxy, so that a
# benchmark can measure older binaries through today's link emulation).
zb_setup_sync() {
  zb_setup
  SERVER="$ZB_BIN/zhibu-server"
  PROXY="${ZB_PROXY:-$ZB_BIN/zhibu-faultproxy}"
  [[ -x "$SERVER" ]] || fail "$SERVER is not an executable"
  [[ -x "$PROXY" ]] || fail "$PROXY is not an executable"
}

# pid_alive PID: true while PID runs (a zombie, i.e. exited but not yet
# reaped by `wait`, counts as gone; kill -0 would still succeed on it).
pid_alive() {
  local st
  st="$(sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$st" && "${st:0:1}" != Z ]]
}

# wait_port_file FILE PID [SECONDS]: waits for FILE to hold a port number
# written by PID, and prints it.  Fails if PID dies first or time runs out.
wait_port_file() {
  local file=$1 pid=$2 secs=${3:-30} i port
  for ((i = 0; i < secs * 20; i++)); do
    if [[ -s "$file" ]]; then
      port="$(head -n 1 "$file")"
      if [[ "$port" =~ ^[0-9]+$ && "$port" -gt 0 ]]; then
        echo "$port"
        return 0
      fi
    fi
    pid_alive "$pid" || fail "process $pid exited before writing $file"
    sleep 0.05
  done
  fail "no port in $file after ${secs}s"
}

# wait_exit PID [SECONDS]: waits for a background job of this shell to
# exit and sets WAIT_RC to its exit status; kills it (status 137) when time
# runs out.  Not in $(…): a subshell cannot wait for its parent's jobs.
wait_exit() {
  local pid=$1 secs=${2:-30} i
  WAIT_RC=0
  for ((i = 0; i < secs * 20; i++)); do
    pid_alive "$pid" || break
    sleep 0.05
  done
  if pid_alive "$pid"; then
    echo "process $pid still running after ${secs}s: killing it" >&2
    kill -9 "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || WAIT_RC=$?
}

# start_server DATA LOG: runs `zhibu-server run` on DATA listening on an
# ephemeral port of 127.0.0.1, stderr appended to LOG; sets SRV_PID and
# SRV_PORT.
start_server() {
  local data=$1 log=$2
  rm -f "$data.port"
  "$SERVER" run --data "$data" --listen 127.0.0.1:0 --port-file "$data.port" 2>>"$log" &
  SRV_PID=$!
  SRV_PORT="$(wait_port_file "$data.port" "$SRV_PID")"
}

# stop_server: SIGTERM to $SRV_PID; fails unless it exits 0 within 30 s
# (under ASan a leak or error at exit shows here as a nonzero status).
stop_server() {
  [[ -n "${SRV_PID:-}" ]] || return 0
  kill -TERM "$SRV_PID" 2>/dev/null || true
  wait_exit "$SRV_PID" 30
  SRV_PID=
  [[ "$WAIT_RC" -eq 0 ]] || fail "zhibu-server run exited $WAIT_RC after SIGTERM"
}

# start_proxy TARGET_PORT STATS [zhibu-faultproxy options…]: a proxy on an
# ephemeral port of 127.0.0.1 to 127.0.0.1:TARGET_PORT, one JSON line per
# connection in STATS; sets PX_PID and PX_PORT.
start_proxy() {
  local target=$1 stats=$2
  shift 2
  local pf
  pf="$(mktemp "$WORK/proxy-port.XXXXXX")"
  rm -f "$pf"
  "$PROXY" --listen 127.0.0.1:0 --port-file "$pf" --target "127.0.0.1:$target" \
    --stats-file "$stats" "$@" 2>>"$WORK/proxy.err" &
  PX_PID=$!
  PX_PORT="$(wait_port_file "$pf" "$PX_PID")"
}

# stop_proxy: SIGTERM to $PX_PID; fails unless it exits 0 within 10 s.
stop_proxy() {
  [[ -n "${PX_PID:-}" ]] || return 0
  kill -TERM "$PX_PID" 2>/dev/null || true
  wait_exit "$PX_PID" 10
  PX_PID=
  [[ "$WAIT_RC" -eq 0 ]] || fail "zhibu-faultproxy exited $WAIT_RC after SIGTERM"
}

# enroll_node SRVDATA NODEDIR ID ORG: the server enrolls node ID of ORG
# (bundle in NODEDIR.bundle) and a node is created from the bundle.
enroll_node() {
  local srv=$1 dir=$2 id=$3 org=$4
  ok "$SERVER" enroll --data "$srv" --node-id "$id" --org "$org" \
    --server 127.0.0.1:7420 --out "$dir.bundle"
  ok "$NODE" init --enroll "$dir.bundle" --data "$dir"
}

# json_value TEXT KEY: the value of KEY in a flat JSON object (the shape of
# `status --json` and of zhibu-faultproxy's stats lines): a number, true,
# false, null, or a string's raw contents (escapes left as they are).
# Fails if KEY is missing.  Pure bash: these run many times per test, and a
# python3 start costs ~0.1 s here.
json_value() {
  local re='"'"$2"'"[[:space:]]*:[[:space:]]*("(([^"\\]|\\.)*)"|(-?[0-9][0-9.eE+-]*|true|false|null))'
  [[ "$1" =~ $re ]] || fail "no field \"$2\" in: ${1:0:200}"
  if [[ -n "${BASH_REMATCH[4]}" ]]; then
    echo "${BASH_REMATCH[4]}"
  else
    echo "${BASH_REMATCH[2]}"
  fi
}

# json_field FILE KEY: json_value of FILE's contents.
json_field() {
  json_value "$(<"$1")" "$2"
}

# node_field DIR KEY / server_field DATA KEY: a field of status --json.
node_field() {
  ok "$NODE" status --json --data "$1"
  json_field "$LAST_OUT" "$2"
}
server_field() {
  ok "$SERVER" status --json --data "$1"
  json_field "$LAST_OUT" "$2"
}

# server_digest DATA ORG: the server's digest of ORG's subtree (checked hex).
server_digest() {
  ok "$SERVER" digest --data "$1" --org "$2"
  local d
  d="$(cat "$LAST_OUT")"
  [[ "$d" =~ ^[0-9a-f]{64}$ ]] || fail "server digest of $2 is not 64 hex digits: '$d'"
  echo "$d"
}

# filter_members IN OUT ORG: the rows of members CSV IN whose org_code lies
# in ORG's subtree, header kept.
filter_members() {
  python3 - "$1" "$2" "$3" <<'PYEOF'
import csv, sys
src, dst, org = sys.argv[1:4]
with open(src, newline="", encoding="utf-8") as f, \
     open(dst, "w", newline="", encoding="utf-8") as g:
    r = csv.reader(f)
    w = csv.writer(g, lineterminator="\n")
    head = next(r)
    w.writerow(head)
    i = head.index("org_code")
    for row in r:
        if row[i] == org or row[i].startswith(org + "-"):
            w.writerow(row)
PYEOF
}

# csv_rows FILE: data rows (lines after the header).
csv_rows() {
  echo $(($(wc -l <"$1") - 1))
}

# ---- conv_: helpers of test_sync_converge.sh and test_sync_hostile.sh ----
# (Own names, so that they never collide with the helpers above.)

# conv_setup: zb_setup, plus $SERVER (zhibu-server) and $FORGE (zhibu-forge,
# the hand-built client of tests/tools/forge_client.c).
conv_setup() {
  zb_setup
  SERVER="$ZB_BIN/zhibu-server"
  FORGE="$ZB_BIN/zhibu-forge"
  [[ -x "$SERVER" ]] || fail "$SERVER is not an executable"
  [[ -x "$FORGE" ]] || fail "$FORGE is not an executable"
}

# conv_start_server DATA LOG: `zhibu-server run` on an ephemeral port of
# 127.0.0.1, stderr to LOG; sets CONV_SRV_PID, CONV_PORT and CONV_ADDR.
# Fails if the server dies or writes no port within 30 s.
conv_start_server() {
  local data=$1 log=$2 i port=
  rm -f "$WORK/conv.port"
  "$SERVER" run --data "$data" --listen 127.0.0.1:0 --port-file "$WORK/conv.port" 2>>"$log" &
  CONV_SRV_PID=$!
  for ((i = 0; i < 600; i++)); do
    # The port is complete once its line ends with a newline.
    if [[ -s "$WORK/conv.port" && "$(tail -c 1 "$WORK/conv.port" | wc -l)" -eq 1 ]] &&
      port="$(head -n 1 "$WORK/conv.port")" && [[ "$port" =~ ^[0-9]+$ ]]; then
      CONV_PORT=$port
      CONV_ADDR="127.0.0.1:$port"
      return 0
    fi
    conv_running "$CONV_SRV_PID" || { cat "$log" >&2; fail "zhibu-server run died at start"; }
    sleep 0.05
  done
  fail "zhibu-server run wrote no port in 30 s"
}

# conv_running PID: true while PID runs (an exited, unreaped zombie is
# not running, though kill -0 still reaches it).
conv_running() {
  local st
  st="$(sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$st" && "${st:0:1}" != Z ]]
}

# conv_server_alive: fails unless the server of conv_start_server runs.
conv_server_alive() {
  conv_running "$CONV_SRV_PID" || fail "zhibu-server run (pid $CONV_SRV_PID) has exited"
}

# conv_stop_server: SIGTERM, then the server must exit 0 within 30 s (under
# ASan a leak or an error at exit shows as a nonzero status).
conv_stop_server() {
  [[ -n "${CONV_SRV_PID:-}" ]] || return 0
  local pid=$CONV_SRV_PID rc=0 i
  CONV_SRV_PID=
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 600; i++)); do
    conv_running "$pid" || break
    sleep 0.05
  done
  if conv_running "$pid"; then
    echo "zhibu-server still running 30 s after SIGTERM: killing it" >&2
    kill -9 "$pid" 2>/dev/null || true
  fi
  wait "$pid" || rc=$?
  [[ $rc -eq 0 ]] || fail "zhibu-server run exited $rc after SIGTERM"
}

# conv_enroll SRVDATA DIR ID ORG: the server enrolls ID for ORG (bundle at
# DIR.bundle) and a node is created in DIR from that bundle.
conv_enroll() {
  ok "$SERVER" enroll --data "$1" --node-id "$3" --org "$4" \
    --server 127.0.0.1:7420 --out "$2.bundle"
  ok "$NODE" init --enroll "$2.bundle" --data "$2"
}

# conv_sync DIR [WANT]: one `zhibu-node sync --json` of DIR with the
# server of conv_start_server, which must exit WANT (default 0); sets
# CONV_PUSHED and CONV_PULLED from its JSON.
conv_sync() {
  local dir=$1 want=${2:-0}
  expect_exit "$want" "$NODE" sync --json --data "$dir" --server "$CONV_ADDR" --timeout 60
  read -r CONV_PUSHED CONV_PULLED < <(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(j["pushed"], j["pulled"])' "$LAST_OUT") || fail "sync --json of $dir printed no JSON"
}

# conv_server_digest DATA ORG: the server's digest of ORG's subtree.
conv_server_digest() {
  ok "$SERVER" digest --data "$1" --org "$2"
  local d
  d="$(cat "$LAST_OUT")"
  [[ "$d" =~ ^[0-9a-f]{64}$ ]] || fail "server digest of $2 is not 64 hex digits: '$d'"
  echo "$d"
}

# conv_assert_converged SRVDATA DIR ORG WHAT: the node's digest equals the
# server's digest of ORG (the node's scope).
conv_assert_converged() {
  local n s
  n="$(digest_of "$2")"
  s="$(conv_server_digest "$1" "$3")"
  [[ "$n" == "$s" ]] || fail "$4: node $2 digest $n, server digest of $3 $s"
}

# conv_members_of IN OUT ORG: the rows of members CSV IN whose org_code is
# exactly ORG, header kept.
conv_members_of() {
  { head -n 1 "$1"; awk -F, -v o="$3" 'NR > 1 && $11 == o' "$1"; } >"$2"
  [[ "$(wc -l <"$2")" -gt 1 ]] || fail "no members of $3 in $1"
}

# conv_server_seq DATA: the server's head (server_seq of status --json).
conv_server_seq() {
  ok "$SERVER" status --json --data "$1"
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["server_seq"])' "$LAST_OUT"
}

# conv_json_field FILE KEY: one top-level field of the JSON object in FILE.
conv_json_field() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1], encoding="utf-8"))[sys.argv[2]])' \
    "$1" "$2"
}

# show_logs_on_failure FILE…: when the script fails, the last lines of each
# FILE (server logs, say) go to stderr before $WORK is removed.  Call after
# zb_setup; it wraps zb_cleanup in the EXIT trap.
show_logs_on_failure() {
  ZB_FAIL_LOGS=("$@")
  trap 'zb__show_logs' EXIT
}
zb__show_logs() {
  local rc=$? f
  if [[ $rc -ne 0 ]]; then
    for f in "${ZB_FAIL_LOGS[@]}"; do
      [[ -s "$f" ]] || continue
      echo "--- last lines of $f:" >&2
      tail -n 40 "$f" >&2
    done
  fi
  # zb_cleanup takes the script's status from $?; errexit must not stop
  # the trap on the way there.
  set +e
  (exit "$rc")
  zb_cleanup
}

# wait_grep FILE STRING WHAT [SECONDS]: waits until FILE holds STRING (fixed
# string), as a log written by another process does; fails after SECONDS
# (default 10).
wait_grep() {
  local file=$1 str=$2 what=$3 secs=${4:-10} i
  for ((i = 0; i < secs * 20; i++)); do
    grep -qF -- "$str" "$file" 2>/dev/null && return 0
    sleep 0.05
  done
  assert_grep "$file" "$str" "$what (after ${secs}s)"
}

# server_alive WHAT: fails, with the server's exit status, unless the
# server started by start_server still runs (141 is SIGPIPE, 134 abort).
server_alive() {
  pid_alive "$SRV_PID" && return 0
  wait_exit "$SRV_PID" 5
  fail "$1: zhibu-server run died (exit status $WAIT_RC)"
}

# wait_sessions LOG N [SECONDS]: waits until LOG holds at least N session
# lines ("session node=…", one per finished session) — the server has
# finished with every connection so far.  Returns 1 on timeout.
wait_sessions() {
  local log=$1 want=$2 secs=${3:-10} i
  for ((i = 0; i < secs * 20; i++)); do
    [[ "$(grep -c 'session node=' "$log" || true)" -ge $want ]] && return 0
    pid_alive "$SRV_PID" || return 1
    sleep 0.05
  done
  return 1
}
