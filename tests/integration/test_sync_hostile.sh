#!/usr/bin/env bash
# Hostile peers against a running zhibu-server (docs/DESIGN-NOTES.md, "Invariants" 5–7):
# while an honest node syncs in a loop in the background, a hand-built
# client (zhibu-forge) holding a REAL node certificate sends
#   - an op setting the phone of another branch's member (scope forgery),
#   - an op naming another node as its origin,
#   - an op that skips a seq,
#   - a frame of random bytes, a 2 GiB length prefix, a push before hello,
# and other peers send random bytes before TLS, an expired certificate and
# a certificate of another deployment's CA.  For each: the server warns
# (or, for the scope forgery, logs the rejection), keeps serving (every
# honest sync exits 0), and applies nothing: the other branch's digest and
# the server's seq move only by the honest node's ops, `verify` passes.
# The forged op's rejection reaches its origin's `rejected` list.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup

B1=430121-01-01
B2=430121-01-02
SRV="$WORK/srv"
LOG="$WORK/server.log"
HN="$WORK/h0101"    # honest node of branch 01, syncing in the background
FN="$WORK/f0101"    # branch 01's node whose certificate the forge uses
VN="$WORK/v0102"    # the victim: branch 02, idle during the attacks

R="$WORK/roster"
gen_roster "$R" --townships 1 --branches 2 --members 120 --seed 23

say "server, an honest node and a victim branch with members, a node for the forge"
ok "$SERVER" init --data "$SRV"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
conv_enroll "$SRV" "$HN" h0101 "$B1"
conv_enroll "$SRV" "$FN" f0101 "$B1"
conv_enroll "$SRV" "$VN" v0102 "$B2"
for n in "$HN" "$FN" "$VN"; do
  ok "$NODE" org import "$R/orgs.csv" --data "$n"
done
conv_members_of "$R/members.csv" "$WORK/m1.csv" "$B1"
conv_members_of "$R/members.csv" "$WORK/m2.csv" "$B2"
ok "$NODE" member import "$WORK/m1.csv" --data "$HN"
ok "$NODE" member import "$WORK/m2.csv" --data "$VN"
VICTIM="$(awk -F, 'NR == 2 {print $1}' "$WORK/m2.csv")"
VICTIM_PHONE="$(awk -F, 'NR == 2 {print $12}' "$WORK/m2.csv")"
HONEST_MEMBER="$(awk -F, 'NR == 2 {print $1}' "$WORK/m1.csv")"
FORGED_PHONE=13666666666
[[ "$VICTIM_PHONE" != "$FORGED_PHONE" ]] || fail "the roster already holds the forged phone"

conv_start_server "$SRV" "$LOG"
for n in "$VN" "$HN" "$FN" "$HN"; do
  conv_sync "$n"
done
conv_assert_converged "$SRV" "$VN" "$B2" "victim after setup"
conv_assert_converged "$SRV" "$FN" "$B1" "forge's node after setup"
victim_digest="$(conv_server_digest "$SRV" "$B2")"
seq0="$(conv_server_seq "$SRV")"

# warned TEXT WHAT: the server log gets a warning line holding TEXT
# (fixed string) within 10 s.
warned() {
  local i
  for ((i = 0; i < 200; i++)); do
    grep -F "warning:" "$LOG" | grep -qF -- "$1" && return 0
    sleep 0.05
  done
  echo "--- server log:" >&2
  tail -n 30 "$LOG" >&2
  fail "$2: no server warning holding '$1'"
}

# forge ARGS…: runs zhibu-forge against the server; its JSON in $LAST_OUT.
forge() {
  ok "$FORGE" --server "$CONV_ADDR" --timeout-ms 20000 "$@"
  is_json "$LAST_OUT" "zhibu-forge $*"
}

# fj EXPR: a Python expression over the forge's JSON (as j), printed.
fj() {
  python3 -c 'import json,sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
    "$LAST_OUT" "$1"
}

# The honest node edits one of its members and syncs, again and again, until
# $WORK/stop exists; each sync's exit status goes to $WORK/honest.rc.
honest_loop() {
  local i
  for ((i = 0; i < 400; i++)); do
    [[ -e "$WORK/stop" ]] && break
    "$NODE" member update "$HONEST_MEMBER" --phone "$(printf '1380000%04d' "$i")" \
      --data "$HN" >/dev/null 2>>"$WORK/honest.err" || { echo "update $?" >>"$WORK/honest.rc"; continue; }
    echo edit >>"$WORK/honest.edits"
    local rc=0
    "$NODE" sync --data "$HN" --server "$CONV_ADDR" --timeout 60 >/dev/null 2>>"$WORK/honest.err" || rc=$?
    echo "$rc" >>"$WORK/honest.rc"
    sleep 0.1
  done
}
: >"$WORK/honest.rc"
: >"$WORK/honest.edits"
honest_loop &
HONEST_PID=$!
# Let it get going, so that the attacks meet a server busy with it.
for ((i = 0; i < 200; i++)); do
  [[ -s "$WORK/honest.rc" ]] && break
  sleep 0.05
done
[[ -s "$WORK/honest.rc" ]] || fail "the honest node's first sync did not finish in 10 s"

# ------------------------------------------------------------ scope forgery
say "an op for another branch's member, pushed with a real certificate, is rejected"
forge --data "$FN" --record --member "$VICTIM" --phone "$FORGED_PHONE"
assert_eq "$(fj 'j["hello_ack"]')" True "forge: hello answered"
assert_eq "$(fj 'j["org"]')" "$B1" "forge: the server takes the org from the certificate"
assert_eq "$(fj 'j["error"]')" None "forge: an out-of-scope op is no protocol error"
assert_eq "$(fj 'j["push_ack"]["rejected"]')" 1 "forge: ops rejected"
forged_seq="$(fj 'j["sent"]["seq"]')"
assert_eq "$(fj 'j["push_ack"]["held_seq"]')" "$forged_seq" "forge: the server holds the forged op (as rejected)"
assert_eq "$(fj 'j["sent"]["origin"]')" f0101 "forge: origin"
assert_grep "$LOG" "session node=f0101 org=$B1 pushed=1 pulled=0 conflicts=0 rejected=1" \
  "server log of the forged session"
assert_eq "$(conv_server_digest "$SRV" "$B2")" "$victim_digest" "victim branch digest after the forged op"
ok "$SERVER" verify --data "$SRV"

say "the forging node's next ordinary sync shows the rejection"
conv_sync "$FN"
ok "$NODE" rejected --json --data "$FN"
# The reason says it is a matter of scope, but never where the out-of-scope
# member is: not the victim's org code ($B2).
python3 - "$LAST_OUT" "$forged_seq" "$VICTIM" "$B2" <<'EOF' || fail "rejected --json at the forging node"
import json, sys
rows = json.load(open(sys.argv[1], encoding="utf-8"))
assert len(rows) == 1, rows
r = rows[0]
assert r["seq"] == int(sys.argv[2]) and r["key"] == sys.argv[3] and r["kind"] == "member", r
assert "scope" in r["reason"] and sys.argv[4] not in r["reason"], r
EOF
ok "$NODE" verify --data "$FN"
# (Its digest is compared at the end: the honest node is still writing to
# the same branch.)

# ------------------------------------------------------------ protocol abuse
say "an op naming another node as origin closes the session, applies nothing"
forge --data "$FN" --mode wrong-origin --origin h0101 --member "$HONEST_MEMBER" --phone "$FORGED_PHONE"
assert_eq "$(fj 'j["push_ack"]')" None "wrong origin: acknowledged"
assert_eq "$(fj 'j["error"]["code"]')" 6 "wrong origin: error class"
# The server sends its error frame, then closes the session (cleanly, so
# that the frame arrives): either way the session must be over.
closed="$(fj 'j["closed"]')"
[[ "$closed" != not-closed && "$closed" != timeout ]] || fail "wrong origin: the session was not closed ($closed)"
warned 'an op names origin "h0101" but the certificate is f0101' "wrong origin"
held="$(fj 'j["held_seq"]')"

say "an op that skips a seq closes the session, applies nothing"
forge --data "$FN" --mode gap --member "$VICTIM" --phone "$FORGED_PHONE"
assert_eq "$(fj 'j["held_seq"]')" "$held" "gap: the wrong-origin op was not held"
assert_eq "$(fj 'j["push_ack"]')" None "gap: acknowledged"
assert_eq "$(fj 'j["error"]["code"]')" 6 "gap: error class"
warned "op $((held + 2)) follows $held: ops must arrive in order" "gap"

say "a frame of random bytes closes the session"
forge --data "$FN" --mode garbage-frame
assert_eq "$(fj 'j["held_seq"]')" "$held" "garbage: the gap op was not held"
closed="$(fj 'j["closed"]')"
[[ "$closed" != not-closed && "$closed" != timeout ]] || fail "garbage frame: the session was not closed ($closed)"
warned "(node f0101): malformed frame (512 bytes)" "garbage frame"

say "a 2 GiB length prefix is refused from the header alone"
forge --data "$FN" --mode huge-length
[[ "$(fj 'j["closed"]')" != clean ]] || fail "2 GiB frame: the session was not cut"
warned "bad frame" "2 GiB frame"

say "a push before hello closes the session"
forge --data "$FN" --mode push-first --member "$VICTIM" --phone "$FORGED_PHONE"
assert_eq "$(fj 'j["hello_ack"]')" False "push before hello: hello answered"
warned "(node f0101): the session must start with hello" "push before hello"

say "random bytes before TLS"
lines_before="$(wc -l <"$LOG")"
exec 3<>"/dev/tcp/127.0.0.1/$CONV_PORT"
head -c 2000 /dev/urandom >&3 || true
exec 3>&-
for ((i = 0; i < 200; i++)); do
  tail -n +"$((lines_before + 1))" "$LOG" | grep -F "warning:" | grep -qF "handshake" && break
  sleep 0.05
done
tail -n +"$((lines_before + 1))" "$LOG" | grep -F "warning:" | grep -qF "handshake" ||
  fail "no server warning about the handshake for bytes that are not TLS"
conv_server_alive

say "an expired certificate is refused at the handshake"
ok "$FORGE" --expire-bundle "$FN/enrollment.bundle" --ca-dir "$SRV/pki" --out "$WORK/expired.bundle"
forge --bundle "$WORK/expired.bundle"
assert_eq "$(fj 'j["hello_ack"]')" False "expired certificate: hello answered"
assert_eq "$(fj 'j["closed"]')" ZB_EREFUSED "expired certificate: close reason"
warned "certificate refused: certificate has expired" "expired certificate"
ok "$NODE" init --enroll "$WORK/expired.bundle" --data "$WORK/expired"
expect_exit 6 "$NODE" sync --data "$WORK/expired" --server "$CONV_ADDR" --timeout 30

say "a certificate of another deployment's CA is refused"
ok "$SERVER" init --data "$WORK/other"
ok "$SERVER" org import "$R/orgs.csv" --data "$WORK/other"
ok "$SERVER" enroll --data "$WORK/other" --node-id f0101 --org "$B1" --server "$CONV_ADDR" \
  --out "$WORK/other.bundle"
forge --bundle "$WORK/other.bundle" --member "$VICTIM" --phone "$FORGED_PHONE"
assert_eq "$(fj 'j["hello_ack"]')" False "foreign CA: hello answered"
assert_eq "$(fj 'j["closed"]')" ZB_EREFUSED "foreign CA: close reason"
warned "certificate refused" "foreign CA"

# ------------------------------------------------------------ the aftermath
say "the honest node synced throughout; nothing hostile was applied"
touch "$WORK/stop"
for ((i = 0; i < 1200; i++)); do
  conv_running "$HONEST_PID" || break
  sleep 0.05
done
conv_running "$HONEST_PID" && fail "the honest sync loop did not stop within 60 s"
wait "$HONEST_PID" || fail "the honest sync loop failed"
syncs="$(wc -l <"$WORK/honest.rc")"
edits="$(wc -l <"$WORK/honest.edits")"
[[ "$syncs" -ge 3 ]] || fail "the honest node synced only $syncs times during the attacks"
if grep -qvx 0 "$WORK/honest.rc"; then
  cat "$WORK/honest.err" >&2
  fail "an honest sync failed during the attacks: $(sort "$WORK/honest.rc" | uniq -c | tr '\n' ' ')"
fi
conv_server_alive
conv_sync "$HN"
assert_eq "$CONV_PUSHED" 0 "the honest node had everything pushed"
for n in "$VN" "$FN" "$HN"; do
  conv_sync "$n"
done
assert_eq "$(conv_server_seq "$SRV")" "$((seq0 + edits + 1))" \
  "server seq: the honest edits and the one forged (rejected) op, nothing else"
assert_eq "$(conv_server_digest "$SRV" "$B2")" "$victim_digest" "victim branch digest after the attacks"
conv_assert_converged "$SRV" "$VN" "$B2" "victim after the attacks"
conv_assert_converged "$SRV" "$HN" "$B1" "honest node after the attacks"
conv_assert_converged "$SRV" "$FN" "$B1" "forging node after the attacks"
ok "$NODE" member show "$VICTIM" --json --data "$VN"
assert_eq "$(conv_json_field "$LAST_OUT" phone)" "$VICTIM_PHONE" "the victim's phone"
ok "$NODE" member show "$HONEST_MEMBER" --json --data "$HN"
assert_eq "$(conv_json_field "$LAST_OUT" phone)" "$(printf '1380000%04d' $((edits - 1)))" \
  "the honest member's phone is the honest node's last write"
for n in "$VN" "$FN" "$HN"; do
  ok "$NODE" verify --data "$n"
done
ok "$SERVER" verify --data "$SRV"

# ------------------------------------------------------------ a stolen key
# The forge pushes an op with the node's real key that the node's own log
# does not hold, then the node (which knows nothing of it) writes and syncs.
# Both now claim the same seq.  The node must not lose its write silently:
# either its write reaches the server, or its sync fails (and says so).
say "an op pushed with a stolen key does not silently replace the node's own"
forge --data "$FN" --member "$VICTIM" --phone "$FORGED_PHONE"
assert_eq "$(fj 'j["push_ack"]["rejected"]')" 1 "stolen key: ops rejected"
assert_eq "$(conv_server_digest "$SRV" "$B2")" "$victim_digest" "victim branch digest after the stolen-key op"
ok "$NODE" member update "$HONEST_MEMBER" --phone 13712345678 --data "$FN"
rc=0
"$NODE" sync --data "$FN" --server "$CONV_ADDR" --timeout 60 >"$LAST_OUT" 2>"$LAST_ERR" || rc=$?
if [[ $rc -eq 0 ]]; then
  # Then the node's write must be at the server: another node of the
  # branch sees it, and the node agrees with the server.
  conv_sync "$HN"
  ok "$NODE" member show "$HONEST_MEMBER" --json --data "$HN"
  assert_eq "$(conv_json_field "$LAST_OUT" phone)" 13712345678 \
    "stolen key: the node's own write after a sync that exited 0"
  conv_assert_converged "$SRV" "$FN" "$B1" "stolen key: the node after a sync that exited 0"
  ok "$NODE" verify --data "$FN"
else
  # Or the node refuses to go on with a server whose log of this node is
  # not its own, says why, and keeps its write.
  [[ $rc -eq 6 ]] || fail "stolen key: sync exited $rc, want 0 or 6"
  [[ -s "$LAST_ERR" ]] || fail "stolen key: a refused sync said nothing"
  ok "$NODE" member show "$HONEST_MEMBER" --json --data "$FN"
  assert_eq "$(conv_json_field "$LAST_OUT" phone)" 13712345678 "stolen key: the node's own write, kept"
  ok "$NODE" verify --data "$FN"
fi
ok "$SERVER" verify --data "$SRV"

conv_stop_server
