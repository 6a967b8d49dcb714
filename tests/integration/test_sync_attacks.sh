#!/usr/bin/env bash
# Regression tests for a hostile peer that holds a REAL enrolled certificate
# (docs/DESIGN-NOTES.md, "Invariants" 5–7), one section per attack, against the real
# zhibu-server over mutual TLS on 127.0.0.1 with the hand-built client
# zhibu-forge (tests/tools/forge_client.c).
#
# Each section starts from a copy of one prepared deployment (a server with
# the org tree, branch 01's honest node h0101 with its members, branch 02's
# node v0102 with its members, the township's node t01, the forge's node
# f0101 of branch 01 and a second branch-01 certificate g0101, all synced),
# runs its own server on that copy, attacks it, and then checks that the
# server still runs and serves: the honest node edits a member and syncs
# (exit 0), and `zhibu-server verify` passes.  A section that fails is
# recorded and the script goes on; every failing section is listed at the
# end and the script exits 1 if there was any.
#
# What each section asserts is the behaviour the server must have once it
# is hardened (see each section); on a server that is not, they fail.  Two
# sections need options of `zhibu-server run` that a hardened server has:
# --idle-timeout SECONDS and --max-rejected-per-day N.
#
# A "protocol error" is: the forge receives an ErrorMsg frame of code 6,
# the session is closed, and nothing of that push is stored (the server's
# seq and the digests of both branches and of the township are unchanged).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup

TW=430121-01
B1=430121-01-01
B2=430121-01-02
R="$WORK/roster"
BASE="$WORK/base"
gen_roster "$R" --townships 1 --branches 2 --members 120 --seed 29

# Processes a section's subshell started in the background: killed on exit
# whatever happens (the parent's jobs are killed by zb_cleanup).
: >"$WORK/pids"
attack_cleanup() {
  local rc=$? p
  set +e
  while read -r p; do
    [[ -n "$p" ]] && kill -9 "$p" 2>/dev/null
  done <"$WORK/pids"
  (exit "$rc")
  zb_cleanup
}
trap attack_cleanup EXIT

# ------------------------------------------------------------ the deployment
say "a server, two branches and their township, the forge's node, all synced"
mkdir -p "$BASE"
ok "$SERVER" init --data "$BASE/srv"
ok "$SERVER" org import "$R/orgs.csv" --data "$BASE/srv"
conv_enroll "$BASE/srv" "$BASE/h0101" h0101 "$B1"
conv_enroll "$BASE/srv" "$BASE/v0102" v0102 "$B2"
conv_enroll "$BASE/srv" "$BASE/t01" t01 "$TW"
conv_enroll "$BASE/srv" "$BASE/f0101" f0101 "$B1"
conv_enroll "$BASE/srv" "$BASE/g0101" g0101 "$B1"
for n in h0101 v0102 t01 f0101; do
  ok "$NODE" org import "$R/orgs.csv" --data "$BASE/$n"
done
conv_members_of "$R/members.csv" "$WORK/m1.csv" "$B1"
conv_members_of "$R/members.csv" "$WORK/m2.csv" "$B2"
ok "$NODE" member import "$WORK/m1.csv" --data "$BASE/h0101"
ok "$NODE" member import "$WORK/m2.csv" --data "$BASE/v0102"
[[ "$(csv_rows "$WORK/m1.csv")" -ge 20 && "$(csv_rows "$WORK/m2.csv")" -ge 10 ]] ||
  fail "the roster has too few members per branch"
conv_start_server "$BASE/srv" "$WORK/base.log"
for n in v0102 h0101 f0101 t01 h0101 v0102; do
  conv_sync "$BASE/$n"
done
conv_assert_converged "$BASE/srv" "$BASE/h0101" "$B1" "branch 01 after setup"
conv_assert_converged "$BASE/srv" "$BASE/f0101" "$B1" "the forge's node after setup"
conv_assert_converged "$BASE/srv" "$BASE/v0102" "$B2" "branch 02 after setup"
conv_assert_converged "$BASE/srv" "$BASE/t01" "$TW" "the township after setup"
conv_stop_server

# b1_member K / b2_member K: the id of the K-th member (1-based) of branch
# 01 / 02 in the roster.  Member 1 of branch 01 is the honest node's own
# (the liveness check); each section uses other ones.
b1_member() { awk -F, -v k="$1" 'NR == k + 1 {print $1}' "$WORK/m1.csv"; }
b2_member() { awk -F, -v k="$1" 'NR == k + 1 {print $1}' "$WORK/m2.csv"; }
HONEST_MEMBER="$(b1_member 1)"

# The HLC of an instant: ms << 16.
hlc_of_date() { echo $(($(date -u -d "$1" +%s) * 1000 << 16)); }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
HLC_MAX=18446744073709551615
HLC_2200="$(hlc_of_date 2200-01-01)"

# ------------------------------------------------------------ section machinery
# Set per section (run_section): S (server data), LOG, HN h0101, VN v0102,
# TN t01, FN f0101, GN g0101, SEC_PID, CONV_ADDR.
FAILED=()
NSEC=0

vmrss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || true; }

# sec_start_server OPTS…: `zhibu-server run` on S with OPTS, port in the
# section's directory.  Returns 1 (with why on stderr) if it dies at start
# or writes no port in 30 s; never exits the script.
sec_start_server() {
  local i port pf="$SECDIR/port"
  rm -f "$pf"
  "$SERVER" run --data "$S" --listen 127.0.0.1:0 --port-file "$pf" "$@" 2>>"$LOG" &
  SEC_PID=$!
  CONV_SRV_PID=$SEC_PID
  for ((i = 0; i < 600; i++)); do
    if [[ -s "$pf" && "$(tail -c 1 "$pf" | wc -l)" -eq 1 ]] && port="$(head -n 1 "$pf")" &&
      [[ "$port" =~ ^[0-9]+$ ]]; then
      CONV_PORT=$port
      CONV_ADDR="127.0.0.1:$port"
      return 0
    fi
    if ! conv_running "$SEC_PID"; then
      local rc=0
      wait "$SEC_PID" || rc=$?
      SEC_PID=
      echo "FAIL: zhibu-server run $* exited $rc at start: $(tail -n 3 "$LOG" | tr '\n' ' ')" >&2
      return 1
    fi
    sleep 0.05
  done
  echo "FAIL: zhibu-server run wrote no port in 30 s" >&2
  return 1
}

# sec_stop_server: SIGTERM; returns 1 (why on stderr) unless the server
# exits 0 within 30 s, or if it had died already (its exit status and the
# sanitizer's summary are shown).
sec_stop_server() {
  [[ -n "${SEC_PID:-}" ]] || return 0
  local pid=$SEC_PID rc=0 i was_running=1
  SEC_PID=
  conv_running "$pid" || was_running=0
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
  if [[ $was_running -eq 0 ]]; then
    echo "FAIL: zhibu-server run had DIED during the section (exit status $rc):" >&2
    grep -E 'ERROR: AddressSanitizer|SUMMARY:|runtime error|Aborted|error:' "$LOG" |
      head -n 5 >&2 || true
    return 1
  fi
  if [[ $rc -ne 0 ]]; then
    echo "FAIL: zhibu-server run exited $rc after SIGTERM" >&2
    grep -E 'ERROR: AddressSanitizer|SUMMARY:' "$LOG" | head -n 3 >&2 || true
    return 1
  fi
}

# The check after every attack: the server still runs, an honest node of
# branch 01 edits one of its members and syncs (exit 0), verify passes.
alive_check() {
  conv_running "$SEC_PID" || fail "zhibu-server run is no longer running"
  ok "$NODE" member update "$HONEST_MEMBER" --phone "$(printf '135%08d' "$NSEC")" --data "$HN"
  conv_sync "$HN"
  [[ "$CONV_PUSHED" -ge 1 ]] || fail "the honest node's edit was not pushed"
  ok "$SERVER" verify --data "$S"
}

# run_section TITLE FUNCTION [zhibu-server run options…]: one attack on a
# fresh copy of the deployment.  FUNCTION runs in a subshell under set -e
# (lib.sh's fail ends the subshell only); then alive_check; failures are
# recorded, never fatal.
run_section() {
  local title=$1 fn=$2
  shift 2
  NSEC=$((NSEC + 1))
  SECDIR="$WORK/s$NSEC"
  cp -a "$BASE" "$SECDIR"
  S="$SECDIR/srv" LOG="$SECDIR/server.log" HN="$SECDIR/h0101" VN="$SECDIR/v0102"
  TN="$SECDIR/t01" FN="$SECDIR/f0101" GN="$SECDIR/g0101"
  SEC_PID=
  echo
  say "$title"
  local why=()
  set +e
  if ! sec_start_server "$@"; then
    why+=("the server did not start")
  else
    (
      set -e
      trap 'sec_sub_cleanup' EXIT
      "$fn"
    )
    [[ $? -eq 0 ]] || why+=("attack assertions")
    (
      set -e
      alive_check
    )
    [[ $? -eq 0 ]] || why+=("liveness after the attack")
    sec_stop_server || why+=("server exit")
  fi
  set -e
  if [[ ${#why[@]} -gt 0 ]]; then
    FAILED+=("$title [${why[*]}]")
    echo "SECTION FAILED: $title [${why[*]}]" >&2
    echo "--- last lines of the server log:" >&2
    grep -v '^    #' "$LOG" | tail -n 8 >&2 || true
  else
    echo "section passed: $title"
  fi
  rm -rf "$SECDIR"
}

# In a section's subshell: background jobs it started end with it.
sec_sub_cleanup() {
  local rc=$? j
  for j in $(jobs -p); do
    kill -9 "$j" 2>/dev/null || true
  done
  exit "$rc"
}

# forge ARGS…: zhibu-forge against the section's server (exit 0); its JSON
# in $LAST_OUT.
forge() {
  ok "$FORGE" --server "$CONV_ADDR" --timeout-ms 20000 "$@"
  is_json "$LAST_OUT" "zhibu-forge $*"
}

# jcheck WHAT CODE [ARGS…]: runs Python CODE with j = the forge's JSON (or
# the JSON in $JFILE), a = ARGS, and need(cond, msg); fails with WHAT: msg.
jcheck() {
  local what=$1 code=$2
  shift 2
  python3 - "$what" "${JFILE:-$LAST_OUT}" "$@" <<EOF || fail "$what"
import json, sys
what = sys.argv[1]
j = json.load(open(sys.argv[2], encoding="utf-8"))
a = sys.argv[3:]
def need(cond, msg):
    if not cond:
        print(what + ": " + msg, file=sys.stderr)
        sys.exit(1)
$code
EOF
}

# The session object of the forge's JSON that a check looks at: the top
# level, or sessions[i] with SESS=i.
PROTO_ERR='
s = j if sess is None else j["sessions"][sess]
need(s["hello_ack"], "the server did not answer hello (closed: %s)" % s["closed"])
need(s["push_ack"] is None,
     "the server acknowledged the push %r instead of refusing it" % (s["push_ack"],))
need(s["error"] is not None,
     "no error frame from the server; the session ended: %s (did the server die?)" % s["closed"])
need(s["error"]["code"] == 6,
     "error code %d (%r), want 6" % (s["error"]["code"], s["error"]["message"]))
need(a[0].lower() in s["error"]["message"].lower(),
     "error message %r does not say %r" % (s["error"]["message"], a[0]))
need(s["closed"] not in ("not-closed", "timeout"), "the session was not closed: " + s["closed"])
'
# expect_protocol_error WHAT WORD [SESSION]: the push drew ErrorMsg code 6
# whose message holds WORD (case-insensitive), and a closed session.
expect_protocol_error() {
  jcheck "$1" "sess = ${3:-None}
$PROTO_ERR" "$2"
}

# expect_push_ack WHAT REJECTED [SESSION]: a PushAck (no error frame) with
# REJECTED ops rejected in all.
expect_push_ack() {
  jcheck "$1" "
s = j if ${3:-None} is None else j['sessions'][${3:-0}]
need(s['hello_ack'], 'the server did not answer hello (closed: %s)' % s['closed'])
need(s['error'] is None, 'the server sent an error frame: %r' % (s['error'],))
need(s['push_ack'] is not None,
     'no PushAck; the session ended: %s (did the server die?)' % s['closed'])
need(s['push_ack']['rejected'] == int(a[0]),
     '%d ops rejected, want %s' % (s['push_ack']['rejected'], a[0]))" "$2"
}

# sent_seq: the seq of the (first) op the forge sent.
sent_seq() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"]["seq"])' "$LAST_OUT"
}

# snapshot / expect_nothing_stored WHAT: the server's seq and the digests of
# both branches and of the township, before and after.
snapshot() {
  SNAP_SEQ="$(conv_server_seq "$S")"
  SNAP_D="$(conv_server_digest "$S" "$B1") $(conv_server_digest "$S" "$B2") $(conv_server_digest "$S" "$TW")"
}
expect_nothing_stored() {
  assert_eq "$(conv_server_seq "$S")" "$SNAP_SEQ" "$1: server_seq"
  assert_eq "$(conv_server_digest "$S" "$B1") $(conv_server_digest "$S" "$B2") $(conv_server_digest "$S" "$TW")" \
    "$SNAP_D" "$1: digests of $B1 $B2 $TW"
}

expect_digests_unchanged() {
  assert_eq "$(conv_server_digest "$S" "$B1") $(conv_server_digest "$S" "$B2") $(conv_server_digest "$S" "$TW")" \
    "$SNAP_D" "$1: digests of $B1 $B2 $TW"
}

# rejected_row DIR SEQ: the row of `zhibu-node rejected --json` for own op
# SEQ, as JSON in $WORK/row.json (fails if there is none).
rejected_row() {
  ok "$NODE" rejected --json --data "$1"
  python3 - "$LAST_OUT" "$2" >"$SECDIR/row.json" <<'EOF' || fail "no row for op $2 in rejected --json of $1: $(head -c 600 "$LAST_OUT")"
import json, sys
rows = json.load(open(sys.argv[1], encoding="utf-8"))
hit = [r for r in rows if r["seq"] == int(sys.argv[2])]
assert len(hit) == 1, rows
print(json.dumps(hit[0], ensure_ascii=False))
EOF
}

# member_phone DIR ID: the phone of member ID at a node.
member_phone() {
  ok "$NODE" member show "$2" --json --data "$1"
  conv_json_field "$LAST_OUT" phone
}

# ============================================================ the attacks

# 1. A packed op over 16 KiB: the server died (heap corruption).
atk_large_name() {
  snapshot
  forge --bundle "$FN/enrollment.bundle" --member "$(b1_member 2)" --name-bytes 20000
  expect_protocol_error "20000-byte name" "too large"
  expect_nothing_stored "20000-byte name"
}
atk_large_actor() {
  snapshot
  forge --bundle "$FN/enrollment.bundle" --member "$(b1_member 2)" --actor-bytes 1000000
  expect_protocol_error "1 MB actor" "too large"
  expect_nothing_stored "1 MB actor"
}

# 2. One op setting phone 40 times, concurrent with another origin's write
# of that phone: 40 conflicts for one record killed the server.  Expected:
# the op is rejected (not a protocol error), the reason reaches the node.
atk_repeat_field() {
  local m
  m="$(b1_member 3)"
  # The township writes the phone; the forge's op is older and has seen
  # nothing (base cursor 0): every FieldSet meets a concurrent write.
  ok "$NODE" member update "$m" --phone 13512340001 --data "$TN"
  conv_sync "$TN"
  snapshot
  forge --data "$FN" --record --member "$m" --phone 13512340002 --repeat-field 40 \
    --base-cursor 0 --hlc $((($(now_ms) - 86400000) << 16))
  expect_push_ack "phone set 40 times" 1
  local seq
  seq="$(sent_seq)"
  conv_sync "$FN"
  rejected_row "$FN" "$seq"
  JFILE="$SECDIR/row.json" jcheck "phone set 40 times: rejected row" \
    'need("more than once" in j["reason"], "reason %r does not say more than once" % j["reason"])'
  expect_digests_unchanged "phone set 40 times"
}

# 3. A NUL byte inside a string: cut at the NUL and stored.
atk_nul() {
  local what=$1 k=$2
  snapshot
  forge --bundle "$FN/enrollment.bundle" --member "$(b1_member "$k")" --phone 13512340003 \
    --nul-in "$what"
  expect_protocol_error "NUL in $what" "canonical"
  expect_nothing_stored "NUL in $what"
}
atk_nul_name() { atk_nul name 4; }
atk_nul_key() { atk_nul key 5; }
atk_nul_org() { atk_nul org 6; }

# 4. An op from the far future wins last-writer-wins forever.  Expected:
# the township's later correction wins everywhere.  The township corrects
# the phone without having pulled the forged op (its secretary heard of
# the wrong number elsewhere): its op carries the real time of day, as any
# honest correction does.
atk_future_hlc() {
  local hlc=$1 m forged=13512340004 fixed=13512340005 n
  m="$(b1_member 7)"
  forge --bundle "$FN/enrollment.bundle" --member "$m" --phone "$forged" --hlc "$hlc"
  jcheck "HLC $hlc" '
need(j["error"] is None, "the op drew an error frame %r (want it accepted)" % (j["error"],))
need(j["push_ack"] is not None, "no PushAck; the session ended: %s" % j["closed"])'
  conv_sync "$HN"
  ok "$NODE" member update "$m" --phone "$fixed" --data "$TN"
  conv_sync "$TN"
  for n in "$HN" "$VN" "$TN" "$HN" "$VN" "$TN"; do
    conv_sync "$n"
  done
  conv_assert_converged "$S" "$HN" "$B1" "HLC $hlc: branch 01 after quiet sync"
  conv_assert_converged "$S" "$VN" "$B2" "HLC $hlc: branch 02 after quiet sync"
  conv_assert_converged "$S" "$TN" "$TW" "HLC $hlc: township after quiet sync"
  assert_eq "$(member_phone "$TN" "$m")" "$fixed" "HLC $hlc: the phone at the township"
  assert_eq "$(member_phone "$HN" "$m")" "$fixed" "HLC $hlc: the phone at the branch node"
}
atk_hlc_max() { atk_future_hlc "$HLC_MAX"; }
atk_hlc_2200() { atk_future_hlc "$HLC_2200"; }

# 5. A member born in 2120 who joined in 2150, created by an op dated
# 2200: "today" is the op's own date, so it passed.  Expected: rejected,
# "after today", not counted.
stats_total() {
  ok "$SERVER" report stats --org "$B1" --as-of 2999-01-01 --json --data "$S"
  conv_json_field "$LAST_OUT" total
}
atk_future_member() {
  local before
  before="$(stats_total)"
  forge --data "$FN" --record --create-member --id M9000000005 --name 未来人 \
    --birth-date 2120-01-01 --join-date 2150-01-01 --hlc "$HLC_2200"
  expect_push_ack "member born 2120" 1
  local seq
  seq="$(sent_seq)"
  conv_sync "$FN"
  rejected_row "$FN" "$seq"
  JFILE="$SECDIR/row.json" jcheck "member born 2120: rejected row" \
    'need("after today" in j["reason"], "reason %r does not say after today" % j["reason"])'
  assert_eq "$(stats_total)" "$before" "member born 2120: members counted in $B1 as of 2999-01-01"
}

# 6. A pull cursor beyond the head: 2^64-1 + 1 wrapped to 0 and the whole
# log came back.
atk_pull_cursor() {
  forge --bundle "$FN/enrollment.bundle" --pull-cursor "$HLC_MAX"
  jcheck "pull from 2^64-1" '
p = j["pull"]
need(p is not None, "no PullBatch (error %r, closed %s)" % (j["error"], j["closed"]))
need(p["count"] == 0, "%d ops returned, want 0" % p["count"])
need(p["cursor"] == a[0], "cursor %s returned, want %s echoed" % (p["cursor"], a[0]))
need(p["done"] is True, "done is false")' "$HLC_MAX"
  local far=$(($(conv_server_seq "$S") + 5))
  forge --bundle "$FN/enrollment.bundle" --pull-cursor "$far"
  jcheck "pull from head + 5" '
p = j["pull"]
need(p is not None, "no PullBatch (error %r, closed %s)" % (j["error"], j["closed"]))
need(p["count"] == 0, "%d ops returned, want 0" % p["count"])
need(p["cursor"] == a[0], "cursor %s returned, want %s echoed" % (p["cursor"], a[0]))
need(p["done"] is True, "done is false")' "$far"
}

# 7. Another op at a seq the server holds: taken as a duplicate and
# acknowledged.  Expected: a protocol error naming the fork, and the fork
# recorded in status --json.
atk_fork() {
  local m hlc base seq1
  m="$(b1_member 8)"
  hlc=$(($(now_ms) << 16))
  base="$(conv_server_seq "$S")"
  forge --bundle "$FN/enrollment.bundle" --member "$m" --phone 13512340006 --hlc "$hlc" \
    --base-cursor "$base"
  expect_push_ack "fork: the first op" 0
  seq1="$(sent_seq)"
  # The same op again (a resumed session does this): still fine.
  forge --bundle "$FN/enrollment.bundle" --member "$m" --phone 13512340006 --hlc "$hlc" \
    --base-cursor "$base" --seq-offset -1
  expect_push_ack "fork: the same op offered again" 0
  assert_eq "$(sent_seq)" "$seq1" "fork: the resend's seq"
  snapshot
  forge --bundle "$FN/enrollment.bundle" --member "$m" --phone 13512340007 --hlc "$hlc" \
    --base-cursor "$base" --seq-offset -1
  expect_protocol_error "fork: another op at held seq $seq1" "fork"
  expect_nothing_stored "fork"
  ok "$SERVER" status --json --data "$S"
  JFILE="$LAST_OUT" jcheck "fork: status --json" '
import re
need("forks" in j, "status --json has no key forks: %r" % j)
f = j["forks"]
need(isinstance(f, list) and len(f) == 1, "forks is %r, want one fork" % (f,))
f = f[0]
for k in ("node", "seq", "held_hash", "offered_hash"):
    need(k in f, "a fork has no key %s: %r" % (k, f))
need(f["node"] == "f0101", "fork node %r" % f["node"])
need(f["seq"] == int(a[0]), "fork seq %r, want %s" % (f["seq"], a[0]))
for k in ("held_hash", "offered_hash"):
    need(re.fullmatch("[0-9a-f]{64}", f[k] or "") is not None, "%s %r is not lowercase hex" % (k, f[k]))
need(f["held_hash"] != f["offered_hash"], "held and offered hashes are equal")' "$seq1"
}

# 7b. Two sessions of one certificate push different ops at the same new
# seq at once: both were acknowledged.
atk_race() {
  local before
  before="$(conv_server_seq "$S")"
  forge --bundle "$FN/enrollment.bundle" --race --member "$(b1_member 9)" \
    --phone 13512340008 --phone2 13512340009
  jcheck "race" '
ss = j["sessions"]
need(len(ss) == 2, "%d sessions reported" % len(ss))
need(all(s["hello_ack"] for s in ss), "a session got no HelloAck: %r" % ss)
need(ss[0]["sent"]["seq"] == ss[1]["sent"]["seq"], "the two ops were not at one seq")
acked = [s for s in ss if s["push_ack"] is not None and s["error"] is None]
forked = [s for s in ss if s["push_ack"] is None and s["error"] is not None
          and s["error"]["code"] == 6 and "fork" in s["error"]["message"].lower()]
need(len(acked) < 2, "both sessions were acknowledged at seq %d" % ss[0]["sent"]["seq"])
need(len(acked) == 1, "no session was acknowledged: %r" % [(s["error"], s["closed"]) for s in ss])
need(len(forked) == 1, "the other session got %r, want a code-6 error naming the fork"
     % ([s["error"] for s in ss if s not in acked],))'
  assert_eq "$(conv_server_seq "$S")" "$((before + 1))" "race: server_seq after the race"
}

# 8. Creating a member with the id_number of another branch's member: the
# reason named that member.  Expected: "another organization", and neither
# that member's id nor org code.
victim_create_args() {
  # --create-member options copying the identity of branch 02's member K.
  python3 - "$WORK/m2.csv" "$1" <<'EOF'
import csv, sys
r = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))[int(sys.argv[2]) - 1]
args = ["--gender", r["gender"], "--birth-date", r["birth_date"], "--id-number",
        r["id_number"], "--category", r["category"], "--join-date", r["join_date"]]
if r["full_date"]:
    args += ["--full-date", r["full_date"]]
print("\n".join(args))
EOF
}
create_twin() {
  local k=$1 id=$2
  local -a args
  mapfile -t args < <(victim_create_args "$k")
  forge --data "$FN" --record --create-member --id "$id" --name 李双 --org-code "$B1" "${args[@]}"
}
atk_idnum_privacy() {
  local victim seq
  victim="$(b2_member 2)"
  create_twin 2 M9000000008
  expect_push_ack "duplicate id_number" 1
  seq="$(sent_seq)"
  conv_sync "$FN"
  rejected_row "$FN" "$seq"
  JFILE="$SECDIR/row.json" jcheck "duplicate id_number: rejected row" '
r = j["reason"]
need("another organization" in r, "reason %r does not say another organization" % r)
need(a[0] not in r, "reason %r reveals the other member id %s" % (r, a[0]))
need(a[1] not in r, "reason %r reveals the other member org %s" % (r, a[1]))' "$victim" "$B2"
}
atk_edit_after_rejected_creation() {
  local cseq eseq
  create_twin 3 M9000000009
  expect_push_ack "creation with a duplicate id_number" 1
  cseq="$(sent_seq)"
  forge --data "$FN" --record --member M9000000009 --phone 13512340010
  expect_push_ack "edit of the member whose creation was rejected" 1
  eseq="$(sent_seq)"
  conv_sync "$FN"
  rejected_row "$FN" "$eseq"
  JFILE="$SECDIR/row.json" jcheck "edit after a rejected creation: rejected row" '
r = j["reason"]
need("creation" in r and "rejected" in r,
     "reason %r does not say the creation was rejected" % r)
need(j.get("caused_by") == int(a[0]),
     "caused_by is %r, want %s (the rejected creation)" % (j.get("caused_by"), a[0]))' "$cseq"
}

# 9. Many sessions of one certificate, each buffering a large partial
# frame: all were served and the server's memory grew without bound.
atk_sessions() {
  local rss0 rss max fpid i
  rss0="$(vmrss_kb "$SEC_PID")"
  [[ -n "$rss0" ]] || fail "cannot read VmRSS of the server"
  max=$rss0
  "$FORGE" --server "$CONV_ADDR" --bundle "$FN/enrollment.bundle" --sessions 8 \
    --partial-bytes 1572864 --hold-ms 4000 --timeout-ms 40000 >"$LAST_OUT" 2>"$LAST_ERR" &
  fpid=$!
  echo "$fpid" >>"$WORK/pids"
  for ((i = 0; i < 1200; i++)); do
    conv_running "$fpid" || break
    rss="$(vmrss_kb "$SEC_PID")"
    [[ -n "$rss" && "$rss" -gt "$max" ]] && max=$rss
    sleep 0.05
  done
  wait_exit "$fpid" 5
  [[ "$WAIT_RC" -eq 0 ]] || fail "zhibu-forge --sessions exited $WAIT_RC: $(head -c 300 "$LAST_ERR")"
  is_json "$LAST_OUT" "zhibu-forge --sessions"
  echo "server VmRSS ${rss0} kB before, ${max} kB at most during the attack"
  jcheck "8 sessions of one certificate" '
ss = j["sessions"]
opened = [s for s in ss if s["open_at_end"]]
refused = [s for s in ss if s["error"] is not None and s["error"]["code"] == 5
           and "sessions" in s["error"]["message"].lower()]
others = [s["error"] for s in ss if s["error"] is not None and s not in refused]
need(len(opened) <= 2, "%d sessions of one node served at once (refused: %d, other errors: %r)"
     % (len(opened), len(refused), others))
need(len(refused) >= len(ss) - 2,
     "%d sessions refused with code 5 naming sessions, want at least %d; other errors: %r"
     % (len(refused), len(ss) - 2, others))'
  [[ $((max - rss0)) -lt 40960 ]] ||
    fail "server VmRSS grew by $(((max - rss0) / 1024)) MiB during the attack, want < 40"
}

# 10. A session trickling one byte per second inside a frame outlived the
# idle timeout.  (Needs zhibu-server run --idle-timeout.)
atk_trickle() {
  forge --bundle "$FN/enrollment.bundle" --trickle-ms 1000 --timeout-ms 30000
  jcheck "trickle" '
t = j["trickle"]
need(j["hello_ack"], "no HelloAck (closed: %s)" % j["closed"])
need(t is not None, "nothing was trickled")
need(t["closed_after_ms"] is not None,
     "the server had not closed the session after %d bytes (%s)" % (t["bytes_sent"], j["closed"]))
need(t["closed_after_ms"] <= 15000,
     "the server closed the session after %d ms, want <= 15000" % t["closed_after_ms"])'
}

# 11. One oversized op in a group commit failed every push of the group
# with "server error".  Expected: the honest session is acknowledged.
atk_group() {
  local gm
  gm="$(b1_member 10)"
  forge --bundle "$FN/enrollment.bundle" --member "$(b1_member 11)" --name-bytes 20000 \
    --group-with "$GN/enrollment.bundle" --group-member "$gm" --group-phone 13512340011
  jcheck "group commit" '
ss = j["sessions"]
h = [s for s in ss if s["role"] == "honest"][0]
need(h["hello_ack"], "the honest session got no HelloAck (closed: %s)" % h["closed"])
need(h["error"] is None, "the honest session got an error frame %r" % (h["error"],))
need(h["push_ack"] is not None and h["push_ack"]["rejected"] == 0,
     "the honest session got %r, want a PushAck with nothing rejected (closed: %s)"
     % (h["push_ack"], h["closed"]))'
  expect_protocol_error "group commit: the oversized op" "too large" 0
  conv_sync "$HN"
  assert_eq "$(member_phone "$HN" "$gm")" 13512340011 "group commit: the honest op's phone"
}

# 12. 1500 rejected ops: every one kept whole.  Expected (server run with
# --max-rejected-per-day 1000): 500 kept as summaries, all 1500 listed at
# the node.
atk_rejected_junk() {
  forge --data "$FN" --record --count 1500 --member "$(b2_member 3)" --phone 13512340012 \
    --timeout-ms 120000
  expect_push_ack "1500 rejected ops" 1500
  ok "$SERVER" status --json --data "$S"
  JFILE="$LAST_OUT" jcheck "1500 rejected ops: status --json" '
need("rejected" in j, "status --json has no key rejected: %r" % j)
need(j["rejected"] >= 1500, "rejected is %r, want >= 1500" % j["rejected"])
need(j.get("rejected_summarized") == 500,
     "rejected_summarized is %r, want 500" % j.get("rejected_summarized"))'
  ok "$SERVER" verify --data "$S"
  conv_sync "$FN"
  ok "$NODE" rejected --json --data "$FN"
  JFILE="$LAST_OUT" jcheck "1500 rejected ops: rejected --json" \
    'need(len(j) == 1500, "%d rows, want 1500" % len(j))'
}

# 13. A 100-byte actor was accepted.  Expected: rejected, naming the actor.
atk_actor_cap() {
  local seq
  forge --data "$FN" --record --member "$(b1_member 12)" --phone 13512340013 --actor-bytes 100
  expect_push_ack "100-byte actor" 1
  seq="$(sent_seq)"
  conv_sync "$FN"
  rejected_row "$FN" "$seq"
  JFILE="$SECDIR/row.json" jcheck "100-byte actor: rejected row" \
    'need("actor" in j["reason"], "reason %r does not name the actor" % j["reason"])'
}

# ============================================================ run them all
run_section "regression: op over 16 KiB (20000-byte name) crashed the server" atk_large_name
run_section "regression: op with a 1 MB actor crashed the server" atk_large_actor
run_section "regression: op setting phone 40 times against a concurrent write crashed the server" \
  atk_repeat_field
run_section "regression: NUL byte in a name was cut and stored" atk_nul_name
run_section "regression: NUL byte in a record key was cut and stored" atk_nul_key
run_section "regression: NUL byte in an org code was cut and stored" atk_nul_org
run_section "regression: op with HLC 2^64-1 won over every later correction" atk_hlc_max
run_section "regression: op dated year 2200 won over every later correction" atk_hlc_2200
run_section "regression: member born 2120 created by an op dated 2200 was accepted" \
  atk_future_member
run_section "regression: pull from cursor 2^64-1 returned the log from seq 1" atk_pull_cursor
run_section "regression: a different op at a held seq was acknowledged as a duplicate" atk_fork
run_section "regression: two sessions racing different ops at one seq were both acknowledged" \
  atk_race
run_section "regression: a duplicate id_number rejection revealed the other member and org" \
  atk_idnum_privacy
run_section "regression: an edit after a rejected creation said only 'name is required'" \
  atk_edit_after_rejected_creation
run_section "regression: 8 sessions of one certificate with partial frames were all served" \
  atk_sessions
run_section "regression: a session trickling one byte a second outlived the idle timeout" \
  atk_trickle --idle-timeout 3
run_section "regression: one oversized op in a group commit failed every node's push" atk_group
run_section "regression: rejected ops beyond a daily cap were all kept whole" \
  atk_rejected_junk --max-rejected-per-day 1000
run_section "regression: a 100-byte actor was accepted" atk_actor_cap

echo
if [[ ${#FAILED[@]} -gt 0 ]]; then
  echo "FAIL: $ZB_TEST_NAME: ${#FAILED[@]} of $NSEC sections failed:" >&2
  for f in "${FAILED[@]}"; do
    echo "  - $f" >&2
  done
  exit 1
fi
say "all $NSEC sections passed"
