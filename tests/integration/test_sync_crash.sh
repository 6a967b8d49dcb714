#!/usr/bin/env bash
# kill -9 of either side in the middle of a sync loses nothing and applies
# nothing twice (docs/PROTOCOL.md; docs/DESIGN-NOTES.md, "Invariants" 1 and 2).
#
# A county node (scope 430121, so it may hold every branch) with 100,000
# members pushes them to the server.  Its sync is killed with SIGKILL at
# random moments, then the server is killed with SIGKILL at random moments
# of further syncs (and restarted on the same data directory, on a new
# port).  A last clean sync must converge: both sides verify, the digests
# agree with each other and with an uninterrupted sync of the same data on
# copies, and the server log holds exactly orgs + the node's ops (nothing
# twice).  Then a second county node, enrolled separately, pulls everything
# (its first pull cut by a reset half-way) and holds the same digest.
#
# The kill delays are drawn so that the kills of each side together span
# about half of an uninterrupted sync's duration, measured first on
# copies: every kill lands inside a session, and the sync still has work
# left after them.  ZB_SYNC_CRASH_SEED replays the same delays.
#
# 100,000 members: an uninterrupted sync takes ~3 s under ASan here.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
zb_setup_sync

MEMBERS=100000
KILLS=3            # of each side
SYNC_TIMEOUT=120   # seconds: --timeout of every sync

R="$WORK/roster"
gen_roster "$R" --townships 10 --branches 20 --members $MEMBERS --seed 7
ORGS="$(csv_rows "$R/orgs.csv")"
assert_eq "$ORGS" 211 "orgs in the roster (1 county, 10 townships, 200 branches)"
assert_eq "$(csv_rows "$R/members.csv")" $MEMBERS "members in the roster"

S="$WORK/srv"
SLOG="$WORK/server.log"
show_logs_on_failure "$SLOG" "$WORK/proxy.err"
C1="$WORK/c1"
say "server with the org tree; county node c1 with $MEMBERS members"
ok "$SERVER" init --data "$S"
ok "$SERVER" org import "$R/orgs.csv" --data "$S"
assert_eq "$(server_field "$S" server_seq)" "$ORGS" "server seq after org import"
enroll_node "$S" "$C1" c1 430121
assert_grep "$LAST_ERR" "；从登记文件取得本机范围内的 $ORGS 个组织" "the county's bundle brings the whole tree"
ok "$NODE" org import "$R/orgs.csv" --data "$C1"
assert_grep "$LAST_ERR" "$ORGS 行：新增 0，更新 0，未变 $ORGS" "county node keeps the whole tree"
t0=$SECONDS
ok "$NODE" member import "$R/members.csv" --data "$C1"
say "import took $((SECONDS - t0))s"
C1_OPS=$((ORGS + MEMBERS))
assert_eq "$(node_field "$C1" ops)" "$C1_OPS" "c1's ops"
assert_eq "$(node_field "$C1" pending_ops)" "$C1_OPS" "c1's pending ops"
WANT_SEQ=$((ORGS + C1_OPS))

# An uninterrupted sync on copies: how long it takes, and what the server
# holds after it.
say "calibration: one uninterrupted sync on copies"
cp -a "$S" "$WORK/calib-srv"
cp -a "$C1" "$WORK/calib-node"
start_server "$WORK/calib-srv" "$WORK/calib.log"
t0=$EPOCHREALTIME
ok timeout -k 5 $((SYNC_TIMEOUT + 15)) "$NODE" sync --data "$WORK/calib-node" \
  --server "127.0.0.1:$SRV_PORT" --timeout $SYNC_TIMEOUT
t1=$EPOCHREALTIME
stop_server
DUR="$(python3 -c "print('%.3f' % ($t1 - $t0))")"
assert_eq "$(server_field "$WORK/calib-srv" server_seq)" "$WANT_SEQ" "calibration: server seq"
CALIB_DIG="$(server_digest "$WORK/calib-srv" 430121)"
assert_eq "$(digest_of "$WORK/calib-node")" "$CALIB_DIG" "calibration: node digest"
rm -rf "$WORK/calib-srv" "$WORK/calib-node"
say "an uninterrupted sync of $C1_OPS ops takes ${DUR}s"

seed="${ZB_SYNC_CRASH_SEED:-$$}"
echo "ZB_SYNC_CRASH_SEED=$seed"
# 2 × KILLS delays; the first of each side tiny (during start-up or the
# handshake), the others up to DUR / 4 each (so the kills of each side
# together cover about half a sync: each lands inside a session).
mapfile -t DELAYS < <(python3 - "$DUR" "$seed" "$KILLS" <<'EOF'
import random, sys
dur, rng, k = float(sys.argv[1]), random.Random(int(sys.argv[2])), int(sys.argv[3])
hi = max(0.2, dur / 4)
for side in range(2):
    print("%.3f" % rng.uniform(0.005, 0.08))
    for i in range(k - 1):
        print("%.3f" % rng.uniform(0.1, hi))
EOF
)
echo "node kill delays (s): ${DELAYS[*]:0:KILLS}"
echo "server kill delays (s): ${DELAYS[*]:KILLS}"

# held_by_server: c1's ops the server holds (only c1 pushes here).
held_by_server() {
  echo $(($(server_field "$S" server_seq) - ORGS))
}
# check_not_ahead WHAT: c1 never believes the server holds more of its ops
# than it does (PushAck only after the server's commit), nor pulled past
# the server's head.
check_not_ahead() {
  local held acked cursor
  held="$(held_by_server)"
  acked="$(node_field "$C1" acked_seq)"
  cursor="$(node_field "$C1" cursor)"
  [[ $held -le $C1_OPS ]] || fail "$1: the server holds $held of c1's ops, c1 has $C1_OPS"
  [[ $acked -le $held ]] || fail "$1: c1 thinks $acked of its ops are held, the server holds $held"
  [[ $cursor -le $((held + ORGS)) ]] || fail "$1: c1's cursor $cursor is past the server's head"
  echo "$1: server holds $held, c1 acked $acked, cursor $cursor"
}

interrupted=0
start_server "$S" "$SLOG"
for ((i = 0; i < KILLS; i++)); do
  d=${DELAYS[$i]}
  sessions="$(grep -c 'session node=' "$SLOG" || true)"
  "$NODE" sync --data "$C1" --server "127.0.0.1:$SRV_PORT" --timeout $SYNC_TIMEOUT \
    >/dev/null 2>"$WORK/nodekill$i.err" &
  pid=$!
  sleep "$d"
  kill -9 "$pid" 2>/dev/null || true
  wait_exit "$pid" 30
  case $WAIT_RC in
  137) interrupted=$((interrupted + 1)) ;;
  0) echo "node kill $i: the sync had finished within ${d}s" ;;
  *)
    cat "$WORK/nodekill$i.err" >&2
    server_alive "node kill $i"
    fail "node kill $i: sync exited $WAIT_RC before the kill"
    ;;
  esac
  # The server must shrug off its peer's death: let it finish with the
  # session (no session line if the node died before its handshake).
  wait_sessions "$SLOG" $((sessions + 1)) 3 || true
  server_alive "node killed after ${d}s"
  check_not_ahead "node killed after ${d}s"
done

for ((i = 0; i < KILLS; i++)); do
  d=${DELAYS[$((KILLS + i))]}
  "$NODE" sync --data "$C1" --server "127.0.0.1:$SRV_PORT" --timeout $SYNC_TIMEOUT \
    >/dev/null 2>"$WORK/srvkill$i.err" &
  pid=$!
  sleep "$d"
  kill -9 "$SRV_PID"
  wait_exit "$SRV_PID" 30
  assert_eq "$WAIT_RC" 137 "server kill $i: server's exit status"
  SRV_PID=
  # With its server gone the node must give up promptly, as unreachable.
  wait_exit "$pid" 60
  case $WAIT_RC in
  5) interrupted=$((interrupted + 1)) ;;
  0) echo "server kill $i: the sync had finished within ${d}s" ;;
  *) cat "$WORK/srvkill$i.err" >&2; fail "server kill $i: the node's sync exited $WAIT_RC, want 5" ;;
  esac
  check_not_ahead "server killed after ${d}s"
  start_server "$S" "$SLOG"
done
say "$interrupted of $((2 * KILLS)) kills interrupted a session"
[[ $interrupted -ge $((2 * KILLS - 1)) ]] || fail "only $interrupted kills interrupted a session"

say "a clean sync converges"
ok timeout -k 5 $((SYNC_TIMEOUT + 15)) "$NODE" sync --data "$C1" --server "127.0.0.1:$SRV_PORT" \
  --timeout $SYNC_TIMEOUT
assert_eq "$(server_field "$S" server_seq)" "$WANT_SEQ" "server seq: orgs + c1's ops, each once"
assert_eq "$(node_field "$C1" pending_ops)" 0 "c1's pending ops"
assert_eq "$(node_field "$C1" acked_seq)" "$C1_OPS" "c1's acked seq"
assert_eq "$(node_field "$C1" members)" "$MEMBERS" "c1's members"
assert_eq "$(server_field "$S" members)" "$MEMBERS" "server's members"
ok "$SERVER" verify --data "$S"
ok "$NODE" verify --data "$C1"
SDIG="$(server_digest "$S" 430121)"
assert_eq "$(digest_of "$C1")" "$SDIG" "c1 digest vs the server's"
assert_eq "$SDIG" "$CALIB_DIG" "server digest vs an uninterrupted sync's"

say "a fresh county node pulls everything (first pull cut by a reset)"
C2="$WORK/c2"
enroll_node "$S" "$C2" c2 430121
CUT=$((200000 + seed % 2000000))
start_proxy "$SRV_PORT" "$WORK/c2.jsonl" --cut-down "$CUT" --rst --cut-count 1
expect_exit 5 timeout -k 5 $((SYNC_TIMEOUT + 15)) "$NODE" sync --data "$C2" \
  --server "127.0.0.1:$PX_PORT" --timeout $SYNC_TIMEOUT
stop_proxy
assert_eq "$(json_field "$WORK/c2.jsonl" cut)" true "the proxy cut c2's first pull"
pid_alive "$SRV_PID" || fail "the server died when c2's pull was reset after $CUT bytes"
echo "c2's pull reset after $CUT bytes: cursor $(node_field "$C2" cursor)"
ok timeout -k 5 $((SYNC_TIMEOUT + 15)) "$NODE" sync --data "$C2" --server "127.0.0.1:$SRV_PORT" \
  --timeout $SYNC_TIMEOUT
# c2's own ops are the orgs its bundle brought (init --enroll), pushed
# once: the server holds them after everything c2 pulled.
assert_eq "$(node_field "$C2" cursor)" "$((WANT_SEQ + ORGS))" "c2's cursor"
assert_eq "$(node_field "$C2" members)" "$MEMBERS" "c2's members"
assert_eq "$(node_field "$C2" ops)" "$ORGS" "c2's own ops (the bundle's orgs)"
assert_eq "$(node_field "$C2" pending_ops)" 0 "c2's pending ops"
ok "$NODE" verify --data "$C2"
assert_eq "$(digest_of "$C2")" "$SDIG" "c2 digest vs the server's"
stop_server
assert_eq "$(server_field "$S" server_seq)" "$((WANT_SEQ + ORGS))" "server seq at the end"
