#!/usr/bin/env bash
# Sync sessions cut at chosen bytes, and peers the server must refuse
# (docs/PROTOCOL.md: "a session cut at any byte loses nothing and applies
# nothing twice"; §8 invariants 1, 2 and 6).
#
# Part 1.  A branch node b1 with a few hundred members, some of them
# pending (not yet pushed), some updates that race a township node's
# updates (so conflicts come back), and a pull to do.  From that same
# starting point (copies of the server's and the node's data directories)
# each round syncs through zhibu-faultproxy, which cuts the first
# connection after N bytes in one direction, then syncs once more cleanly.
# After every round: the server holds every op exactly once (server_seq is
# exactly orgs + b1's ops + the township's ops), nothing is pending, the
# digests agree, and both sides verify.  N runs over tiny values, the TLS
# handshake and first frames, and the whole session, up and down; every
# other round cuts with a TCP reset instead of a close.
#
# Part 2.  Garbage before the handshake, a node of another deployment, a
# client certificate from another CA, a revoked node and an unenrolled node
# are each refused (and the server logs why), while an honest node's syncs,
# during and after, succeed.
#
# ZB_FAULT_SEED replays the same cut points.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
zb_setup_sync

SYNC_TIMEOUT=30   # seconds: --timeout of every sync (a hang is a failure)

# sync_via PORT DIR: one sync of node DIR with the server at 127.0.0.1:PORT,
# its exit status in SYNC_RC, its stderr in $LAST_ERR.
sync_via() {
  SYNC_RC=0
  timeout -k 5 $((SYNC_TIMEOUT + 15)) "$NODE" sync --data "$2" --server "127.0.0.1:$1" \
    --timeout "$SYNC_TIMEOUT" >"$LAST_OUT" 2>"$LAST_ERR" || SYNC_RC=$?
}

R="$WORK/roster"
gen_roster "$R" --townships 1 --branches 2 --members 640 --seed 2024
B1_ORG=430121-01-01
B2_ORG=430121-01-02
TWP_ORG=430121-01
ORGS="$(csv_rows "$R/orgs.csv")"
assert_eq "$ORGS" 4 "orgs in the roster"
filter_members "$R/members.csv" "$WORK/b1.csv" "$B1_ORG"
filter_members "$R/members.csv" "$WORK/b2.csv" "$B2_ORG"
B1_ROWS="$(csv_rows "$WORK/b1.csv")"
[[ $B1_ROWS -ge 200 ]] || fail "branch $B1_ORG has only $B1_ROWS members"
# b1 imports its first 60 rows and syncs; the other rows stay pending.
FIRST=60
head -n $((FIRST + 1)) "$WORK/b1.csv" >"$WORK/b1a.csv"
{ head -n 1 "$WORK/b1.csv"; tail -n +$((FIRST + 2)) "$WORK/b1.csv"; } >"$WORK/b1b.csv"
assert_eq "$(csv_rows "$WORK/b1b.csv")" $((B1_ROWS - FIRST)) "rows of the second import"
mapfile -t B1_IDS < <(python3 -c '
import csv, sys
print("\n".join(r["id"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))))' "$WORK/b1a.csv")

say "setting up: server, branch node b1 ($B1_ROWS members), township node"
S0="$WORK/srv0"
SLOG="$WORK/server.log"
show_logs_on_failure "$SLOG" "$WORK/proxy.err"
ok "$SERVER" init --data "$S0"
ok "$SERVER" org import "$R/orgs.csv" --data "$S0"
start_server "$S0" "$SLOG"
enroll_node "$S0" "$WORK/b1" b1 "$B1_ORG"
enroll_node "$S0" "$WORK/twp" twp "$TWP_ORG"
ok "$NODE" org import "$R/orgs.csv" --data "$WORK/b1"
assert_grep "$LAST_ERR" "新增 0，更新 0，未变 1" "b1 keeps its own org (the bundle brought it)"
ok "$NODE" member import "$WORK/b1a.csv" --data "$WORK/b1"
sync_via "$SRV_PORT" "$WORK/b1"
assert_eq "$SYNC_RC" 0 "first sync of b1"
sync_via "$SRV_PORT" "$WORK/twp"
assert_eq "$SYNC_RC" 0 "first sync of the township node"
# The township node changes the phones of b1's first 60 members, twice
# (so b1 has something to pull); b1 (not having pulled those) changes 20
# of the same phones concurrently and 20 others.
TWP_OPS=120
for ((i = 0; i < TWP_OPS; i++)); do
  ok "$NODE" member update "${B1_IDS[$((i % FIRST))]}" --phone "1390000$(printf '%04d' "$i")" \
    --data "$WORK/twp"
done
sync_via "$SRV_PORT" "$WORK/twp"
assert_eq "$SYNC_RC" 0 "township node pushes its updates"
ok "$NODE" member import "$WORK/b1b.csv" --data "$WORK/b1"
B1_UPDATES=40
for ((i = 10; i < 10 + B1_UPDATES; i++)); do
  ok "$NODE" member update "${B1_IDS[$i]}" --phone "1370000$(printf '%04d' "$i")" --data "$WORK/b1"
done
stop_server

# What the server must end up holding, counted from what was done above.
B1_OPS=$((1 + B1_ROWS + B1_UPDATES))
assert_eq "$(node_field "$WORK/b1" ops)" "$B1_OPS" "b1's ops (1 org, $B1_ROWS members, $B1_UPDATES updates)"
assert_eq "$(node_field "$WORK/b1" pending_ops)" $((B1_ROWS - FIRST + B1_UPDATES)) "b1's pending ops before the rounds"
# The township's bundle brought the orgs of its subtree: its first ops.
TWP_ORGS="$(awk -F, -v o="$TWP_ORG" 'NR > 1 && ($1 == o || index($1, o "-") == 1)' "$R/orgs.csv" | wc -l)"
assert_eq "$(node_field "$WORK/twp" ops)" "$((TWP_ORGS + TWP_OPS))" "township node's ops"
WANT_SEQ=$((ORGS + B1_OPS + TWP_ORGS + TWP_OPS))
SEQ0="$(server_field "$S0" server_seq)"
ACKED0="$(node_field "$WORK/b1" acked_seq)"
assert_eq "$SEQ0" $((WANT_SEQ - (B1_ROWS - FIRST) - B1_UPDATES)) "server seq before the rounds"
cp -a "$S0" "$WORK/pristine-srv"
cp -a "$WORK/b1" "$WORK/pristine-b1"

S="$WORK/srv"
D="$WORK/node"
restore() {
  rm -rf "$S" "$D"
  cp -a "$WORK/pristine-srv" "$S"
  cp -a "$WORK/pristine-b1" "$D"
}

# check_converged WHAT: the invariants after a clean sync.
check_converged() {
  assert_eq "$(server_field "$S" server_seq)" "$WANT_SEQ" "$1: server seq (every op exactly once)"
  assert_eq "$(node_field "$D" pending_ops)" 0 "$1: pending ops"
  assert_eq "$(node_field "$D" ops)" "$B1_OPS" "$1: node ops"
  assert_eq "$(node_field "$D" acked_seq)" "$B1_OPS" "$1: acked seq"
  assert_eq "$(node_field "$D" cursor)" "$WANT_SEQ" "$1: cursor"
  # b1's updates raced the township's: the conflicts the server recorded
  # (all in b1's scope) reach b1, once each.
  local cs
  cs="$(server_field "$S" conflicts)"
  [[ $cs -gt 0 ]] || fail "$1: the server recorded no conflict"
  assert_eq "$(node_field "$D" conflicts)" "$cs" "$1: conflicts at the node vs the server"
  ok "$SERVER" verify --data "$S"
  ok "$NODE" verify --data "$D"
  local dn ds
  dn="$(digest_of "$D")"
  ds="$(server_digest "$S" "$B1_ORG")"
  assert_eq "$dn" "$ds" "$1: node digest vs the server's for $B1_ORG"
}

# check_partial WHAT: after a broken session, before the clean one: both
# sides intact, nothing beyond the target, and the node never believes the
# server holds more of its ops than it does (PushAck after commit only).
check_partial() {
  ok "$SERVER" verify --data "$S"
  ok "$NODE" verify --data "$D"
  local seq acked cursor held
  seq="$(server_field "$S" server_seq)"
  acked="$(node_field "$D" acked_seq)"
  cursor="$(node_field "$D" cursor)"
  [[ $seq -ge $SEQ0 && $seq -le $WANT_SEQ ]] || fail "$1: server seq $seq outside $SEQ0..$WANT_SEQ"
  held=$((ACKED0 + seq - SEQ0))   # only b1 pushes in the rounds
  [[ $acked -le $held ]] || fail "$1: node thinks $acked of its ops are held, the server holds $held"
  [[ $cursor -le $seq ]] || fail "$1: node cursor $cursor beyond server seq $seq"
  PARTIAL="server holds $((held - ACKED0)) new ops, node knows of $((acked - ACKED0)), cursor $cursor"
  # The case that PushAck-after-commit and resuming from HelloAck exist
  # for: the server committed, the node never heard of it.
  [[ $acked -lt $held ]] && unacked_commits=$((unacked_commits + 1))
  return 0
}

say "reference: one uncut session through the proxy"
restore
start_server "$S" "$SLOG"
start_proxy "$SRV_PORT" "$WORK/ref.jsonl" --trace "$WORK/ref.trace"
sync_via "$PX_PORT" "$D"
assert_eq "$SYNC_RC" 0 "uncut sync through the proxy"
stop_proxy
stop_server
check_converged "reference"
assert_grep "$SLOG" "conflicts=" "server session line"
assert_eq "$(wc -l <"$WORK/ref.jsonl")" 1 "connections the proxy saw"
UP="$(json_field "$WORK/ref.jsonl" up)"
DOWN="$(json_field "$WORK/ref.jsonl" down)"
assert_eq "$(json_field "$WORK/ref.jsonl" cut)" false "cut reported by the uncut proxy"
say "a whole session moves $UP bytes up and $DOWN bytes down; the proxy's reads:"
sed 's/^/    /' "$WORK/ref.trace"
[[ $UP -gt 8000 && $DOWN -gt 2000 ]] || fail "session too small to cut meaningfully: up $UP, down $DOWN"

# Cut points, 30 per direction: 1, 10, 100; the first and the last byte
# of every burst the reference session read in that direction (the TLS
# handshake flights, Hello, HelloAck, the push, PushAck, the pull, PullAck,
# close_notify — each is one burst in the proxy's trace), so that every
# frame is cut right after it starts and right before it ends; the rest
# spread at random over the session and a little past its end (a cut
# there must break nothing).
seed="${ZB_FAULT_SEED:-$$}"
echo "ZB_FAULT_SEED=$seed"
cut_points() {   # TOTAL DIRECTION
  python3 - "$1" "$seed" "$2" "$WORK/ref.trace" <<'EOF'
import random, sys
total, seed, way, trace = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
rng = random.Random(seed * 2 + (way == "down"))
pts = {1, 10, 100}
for line in open(trace):
    conn, w, off, n = line.split()
    if w == way and int(n) > 1:
        pts |= {int(off) + 1, int(off) + int(n) - 1}
want = 30 - len(pts)
for i in range(max(0, want)):
    lo = 150 + (total - 50) * i // want
    pts.add(lo + rng.randrange(max(1, (total - 50) // want)))
print(" ".join(map(str, sorted(pts))))
EOF
}
read -r -a UP_CUTS <<<"$(cut_points "$UP" up)"
read -r -a DOWN_CUTS <<<"$(cut_points "$DOWN" down)"
# The PushAck: the first bytes the server sends once the push (all but
# the last ~100 bytes of the upstream) has gone up.  A cut inside it finds
# the push committed and the node unaware.  The burst cuts above put two
# there, near its edges; one more goes in its middle, because the
# handshake's length varies by a byte or two from run to run (ECDSA
# signatures).
read -r ACK_AT ACK_LEN < <(awk -v after=$((UP - 200)) \
  '$2 == "up" { u = $3 + $4 } $2 == "down" && u > after { print $3, $4; exit }' "$WORK/ref.trace")
[[ -n "${ACK_LEN:-}" && $ACK_LEN -ge 8 ]] || fail "no PushAck burst in the proxy's trace"
say "the PushAck is down bytes $ACK_AT..$((ACK_AT + ACK_LEN))"
DOWN_CUTS+=($((ACK_AT + ACK_LEN / 2)))
echo "up cuts: ${UP_CUTS[*]}"
echo "down cuts: ${DOWN_CUTS[*]}"

round=0
completed=0
unacked_commits=0
run_round() {   # DIRECTION N
  local dir=$1 n=$2 total rst=() what
  round=$((round + 1))
  [[ $dir == up ]] && total=$UP || total=$DOWN
  ((round % 2 == 0)) && rst=(--rst)
  what="round $round (cut $dir after $n bytes${rst:+, reset})"
  restore
  start_server "$S" "$SLOG"
  start_proxy "$SRV_PORT" "$WORK/round$round.jsonl" "--cut-$dir" "$n" --cut-count 1 "${rst[@]}"
  sync_via "$PX_PORT" "$D"
  local rc=$SYNC_RC err="$LAST_ERR"
  cp "$err" "$WORK/round$round.err"
  # The proxy's own account of the first connection.
  local line cut fwd
  line="$(head -n 1 "$WORK/round$round.jsonl")"
  cut="$(json_value "$line" cut)"
  fwd="$(json_value "$line" "$dir")"
  # (Sessions differ by a few bytes from run to run: HLCs and zstd.)
  if [[ $cut == true ]]; then
    [[ $fwd -eq $n ]] || fail "$what: proxy cut after $fwd bytes: $line"
  else
    [[ $fwd -lt $n ]] || fail "$what: proxy forwarded $fwd bytes and did not cut: $line"
  fi
  if [[ $rc -eq 0 ]]; then
    # Success despite a cut is right only when the node already had the
    # last pull batch: the cut fell in its final acknowledgement or the
    # TLS close (under 120 bytes of the session's end).
    [[ $cut == false || $n -ge $((total - 120)) ]] \
      || fail "$what: sync exited 0 although the session was cut $((total - n)) bytes before its end"
    completed=$((completed + 1))
  elif [[ $rc -eq 5 ]]; then
    [[ $cut == true ]] || fail "$what: sync exited 5 without a cut"
    grep -q '同步失败' "$WORK/round$round.err" || fail "$what: no failure line on stderr"
  else
    cat "$WORK/round$round.err" >&2
    fail "$what: sync exited $rc, want 5 (or 0 after the end): a cut is not a refusal"
  fi
  server_alive "$what"
  check_partial "$what"
  # The clean session: the proxy's second connection is not cut.
  sync_via "$PX_PORT" "$D"
  if [[ $SYNC_RC -ne 0 ]]; then
    cat "$LAST_ERR" >&2
    fail "$what: the clean sync after the cut exited $SYNC_RC"
  fi
  stop_proxy
  stop_server
  check_converged "$what"
  echo "$what: cut sync exited $rc ($PARTIAL); clean sync converged"
}

t0=$SECONDS
for n in "${UP_CUTS[@]}"; do run_round up "$n"; done
for n in "${DOWN_CUTS[@]}"; do run_round down "$n"; done
say "$round rounds in $((SECONDS - t0))s; $completed cut sessions had already finished"
[[ $((round - completed)) -ge 40 ]] || fail "only $((round - completed)) of $round cuts broke a session"
# The cut in the middle of the PushAck, at least, must have found the
# push committed and the node unaware.
[[ $unacked_commits -ge 1 ]] || fail "no cut fell between a push's commit and its acknowledgement"
say "$unacked_commits cuts fell after the server's commit and before the node learnt of it"

# ---------------------------------------------------------------------------
say "part 2: refused peers while an honest node syncs"
restore
: >"$SLOG"
start_server "$S" "$SLOG"
P=$SRV_PORT
enroll_node "$S" "$WORK/b2" b2 "$B2_ORG"
ok "$NODE" org import "$R/orgs.csv" --data "$WORK/b2"
ok "$NODE" member import "$WORK/b2.csv" --data "$WORK/b2"
B2_OPS=$((1 + $(csv_rows "$WORK/b2.csv")))
assert_eq "$(node_field "$WORK/b2" ops)" "$B2_OPS" "b2's ops"

# Garbage: connections that send random bytes, one that sends a TLS record
# header announcing 16 KB and stalls, one that says nothing — all open
# while b2 syncs.
# (A fixed prefix: random bytes that happened to start like a TLS record
# would leave the server waiting for the rest instead of refusing at once.)
{ printf 'zhibu-garbage:'; head -c 1000 /dev/urandom; } >"$WORK/garbage"
exec 7<>"/dev/tcp/127.0.0.1/$P"
exec 8<>"/dev/tcp/127.0.0.1/$P"
printf '\x16\x03\x01\x40\x00' >&8
for i in 1 2 3 4 5; do
  (exec 3<>"/dev/tcp/127.0.0.1/$P" && cat "$WORK/garbage" >&3 && sleep 0.3) &
done
sync_via "$P" "$WORK/b2"
assert_eq "$SYNC_RC" 0 "honest node's sync while garbage connections are open"
for j in $(jobs -p); do
  [[ $j == "$SRV_PID" ]] || wait_exit "$j" 10
done
exec 7>&- 8>&-
for ((i = 0; i < 100; i++)); do
  n_bad="$(grep -c 'handshake: .*wrong version number' "$SLOG" || true)"
  [[ $n_bad -ge 5 ]] && break
  sleep 0.05
done
[[ $n_bad -ge 5 ]] || fail "server logged $n_bad refused garbage handshakes, want 5"
pid_alive "$SRV_PID" || fail "the server died of garbage"

# A node of another deployment: it refuses our server's certificate (and
# the server logs the node's alert).
ok "$SERVER" init --data "$WORK/other-srv"
ok "$SERVER" org import "$R/orgs.csv" --data "$WORK/other-srv"
ok "$SERVER" enroll --data "$WORK/other-srv" --node-id fx --org "$B1_ORG" \
  --server "127.0.0.1:$P" --out "$WORK/fx.bundle"
ok "$NODE" init --enroll "$WORK/fx.bundle" --data "$WORK/fx"
sync_via "$P" "$WORK/fx"
assert_eq "$SYNC_RC" 6 "a node of another deployment"
assert_grep "$LAST_ERR" "不是本系统的服务器（它的证书不是本系统的证书机构签发的）" "node's reason for refusing the server"
wait_grep "$SLOG" "alert unknown ca" "server's log of the foreign node"

# A client that trusts our CA but presents a certificate from another CA:
# the server itself must refuse it.  (zhibu-node will not load such a
# bundle, so python's TLS client plays it.)
python3 - "$WORK/fx.bundle" "$WORK" <<'EOF'
import re, sys
b = open(sys.argv[1], encoding="utf-8").read()   # its org block is UTF-8
certs = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", b, re.S)
key = re.search(r"-----BEGIN PRIVATE KEY-----.*?-----END PRIVATE KEY-----\n", b, re.S).group(0)
open(sys.argv[2] + "/fx.crt", "w").write(certs[1])
open(sys.argv[2] + "/fx.key", "w").write(key)
EOF
python3 - "$P" "$S/pki/ca.crt" "$WORK/fx.crt" "$WORK/fx.key" <<'EOF' || fail "the foreign-certificate client did not see a refusal"
import socket, ssl, sys
port, ca, crt, key = sys.argv[1:5]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_verify_locations(ca)
ctx.load_cert_chain(crt, key)
with socket.create_connection(("127.0.0.1", int(port)), timeout=10) as s:
    with ctx.wrap_socket(s, server_hostname="127.0.0.1") as t:
        t.settimeout(10)
        try:
            data = t.recv(100)   # the server's alert, or EOF
        except (ssl.SSLError, ConnectionError):
            data = b""
        if data:
            sys.exit("the server answered a foreign certificate with data")
EOF
wait_grep "$SLOG" "certificate refused: unable to get local issuer certificate" \
  "server's log of a client certificate from another CA"

# A revoked node: syncs once, is revoked, is refused at its next session.
enroll_node "$S" "$WORK/rv" rv "$B2_ORG"
assert_eq "$(node_field "$WORK/rv" ops)" 1 "the node to be revoked: its bundle's org"
sync_via "$P" "$WORK/rv"
assert_eq "$SYNC_RC" 0 "the node to be revoked, before its revocation"
ok "$SERVER" revoke --data "$S" --node-id rv
sync_via "$P" "$WORK/rv"
assert_eq "$SYNC_RC" 6 "a revoked node's sync"
wait_grep "$SLOG" "certificate refused: certificate revoked" "server's log of the revoked node"
expect_exit 4 "$SERVER" revoke --data "$S" --node-id never-enrolled

# An unenrolled node (plain init) cannot sync at all; it never connects.
new_node "$WORK/un" "$B1_ORG" un1
lines_before="$(wc -l <"$SLOG")"
sync_via "$P" "$WORK/un"
assert_eq "$SYNC_RC" 4 "an unenrolled node's sync"
assert_grep "$LAST_ERR" "本机还没有登记到同步服务器" "unenrolled node's message"
sleep 0.2
assert_eq "$(wc -l <"$SLOG")" "$lines_before" "server log lines after the unenrolled node"

# After all that, honest nodes still sync: b2 again, and b1 (pending ops).
sync_via "$P" "$WORK/b2"
assert_eq "$SYNC_RC" 0 "honest b2 after the refusals"
sync_via "$P" "$D"
assert_eq "$SYNC_RC" 0 "honest b1 after the refusals"
stop_server
# rv pushed its one op before it was revoked: the org its bundle brought.
assert_eq "$(server_field "$S" server_seq)" $((WANT_SEQ + B2_OPS + 1)) "server seq after part 2"
assert_eq "$(digest_of "$WORK/b2")" "$(server_digest "$S" "$B2_ORG")" "b2 digest"
assert_eq "$(digest_of "$D")" "$(server_digest "$S" "$B1_ORG")" "b1 digest"
assert_eq "$(node_field "$WORK/b2" pending_ops)" 0 "b2 pending ops"
ok "$SERVER" verify --data "$S"
ok "$NODE" verify --data "$WORK/b2"
grep -q 'node=rv' "$SLOG" || fail "no session line for rv before its revocation"
[[ "$(grep -c 'session node=rv' "$SLOG")" -eq 1 ]] || fail "the revoked node had a session after its revocation"
