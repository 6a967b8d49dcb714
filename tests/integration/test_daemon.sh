#!/usr/bin/env bash
# zhibu-node daemon: syncs on its interval, backs off while the server is
# away and catches up when it returns, logs one line per session, lets the
# CLI write to the same data directory meanwhile, and stops on SIGTERM.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
zb_setup_sync

R="$WORK/roster"
gen_roster "$R" --townships 1 --branches 2 --members 40
S="$WORK/srv"
SLOG="$WORK/server.log"
DLOG="$WORK/daemon.log"
show_logs_on_failure "$SLOG" "$DLOG"
ok "$SERVER" init --data "$S"
ok "$SERVER" org import "$R/orgs.csv" --data "$S"
B="$WORK/b"
enroll_node "$S" "$B" b0101 430121-01-01
ok "$NODE" org import "$R/orgs.csv" --data "$B"
filter_members "$R/members.csv" "$WORK/b.csv" 430121-01-01
ok "$NODE" member import "$WORK/b.csv" --data "$B"
HEAD="$(node_field "$B" ops)"

say "the daemon starts while the server is down: it fails, backs off, keeps going"
start_server "$S" "$SLOG"
PORT=$SRV_PORT
stop_server
"$NODE" daemon --data "$B" --server "127.0.0.1:$PORT" --interval 1 --timeout 5 2>"$DLOG" &
DPID=$!
wait_grep "$DLOG" "sync failed" "the daemon's failed session" 20
pid_alive "$DPID" || fail "the daemon died when the server was unreachable"

say "the server comes back on the same port: the daemon catches up by itself"
"$SERVER" run --data "$S" --listen "127.0.0.1:$PORT" --port-file "$S.port" 2>>"$SLOG" &
SRV_PID=$!
wait_port_file "$S.port" "$SRV_PID" >/dev/null
wait_grep "$DLOG" "sync: pushed $HEAD," "the daemon's catching-up session" 40
assert_eq "$(node_field "$B" pending_ops)" 0 "pending ops after the daemon's sync"

say "the CLI writes while the daemon runs; the next session carries it"
ok "$NODE" member update M0000000001 --phone 13911112222 --data "$B"
wait_grep "$DLOG" "sync: pushed 1," "the session carrying the CLI's change" 20
assert_eq "$(server_digest "$S" 430121-01-01)" "$(digest_of "$B")" "node and server digests"

say "every session logged one line with pushed, pulled, conflicts, rejected, bytes, duration"
grep -E "sync: pushed [0-9]+, pulled [0-9]+, conflicts [0-9]+, rejected [0-9]+, [0-9]+ bytes out, [0-9]+ bytes in, [0-9.]+ s" "$DLOG" >/dev/null ||
  fail "no complete session line in the daemon's log"

say "SIGTERM stops it cleanly"
kill -TERM "$DPID"
wait_exit "$DPID" 20
assert_eq "$WAIT_RC" 0 "daemon exit status after SIGTERM"
grep -q "daemon stopped" "$DLOG" || fail "the daemon did not say it stopped"
ok "$NODE" verify --data "$B"
stop_server
echo "test_daemon: ok"
