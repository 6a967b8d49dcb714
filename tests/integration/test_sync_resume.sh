#!/usr/bin/env bash
# Cheap reconnects (issue 13, item 3; docs/PROTOCOL.md, "Reconnecting
# cheaply"): TLS 1.3 resumption with short-lived, single-use tickets kept
# by the server, and by the node in its data directory across runs, that
# never let a revoked node in.
#
#   - a node's first sync is a full handshake and leaves DIR/tls-session
#     (mode 0600); its next sync resumes (sync --json "resumed", the
#     server's session line tls=resumed) and a no-op sync then moves at
#     most 1 KB both ways together, in 3 round trips: the pull request
#     travels with the Hello;
#   - a ticket is used once (an old copy put back is not resumed), and a
#     damaged file, another enrollment's ticket, an expired ticket
#     (--ticket-lifetime), a server restarted since, and a server with
#     tickets off each cost a full handshake, never a failed sync;
#   - a node revoked while the server runs, holding a valid ticket, is
#     refused (exit 6): the server does not resume its session (its
#     certificate fails the new CRL) and the full handshake refuses it.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
zb_setup_sync

B1=430121-01-01
R="$WORK/roster"
gen_roster "$R" --townships 1 --branches 2 --members 40 --seed 5
filter_members "$R/members.csv" "$WORK/b.csv" "$B1"
S="$WORK/srv"
SLOG="$WORK/server.log"
show_logs_on_failure "$SLOG" "$WORK/proxy.err"
ok "$SERVER" init --data "$S"
ok "$SERVER" org import "$R/orgs.csv" --data "$S"
enroll_node "$S" "$WORK/b" b "$B1"
enroll_node "$S" "$WORK/c" c "$B1"
enroll_node "$S" "$WORK/rv" rv "$B1"
ok "$NODE" org import "$R/orgs.csv" --data "$WORK/b"
ok "$NODE" member import "$WORK/b.csv" --data "$WORK/b"
start_server "$S" "$SLOG"

# sync_json DIR [PORT]: one sync --json that must succeed; sets RESUMED.
sync_json() {
  expect_exit 0 "$NODE" sync --json --data "$1" --server "127.0.0.1:${2:-$SRV_PORT}"
  RESUMED="$(json_field "$LAST_OUT" resumed)"
}
sessions_of() { grep -c "session node=$1 " "$SLOG" || true; }
# server_tls NODE N: tls= of the server's Nth session line of NODE (the
# line comes when the server has closed the session: waits for it).
server_tls() {
  local i
  for ((i = 0; i < 200; i++)); do
    [[ "$(sessions_of "$1")" -ge $2 ]] && break
    sleep 0.05
  done
  grep "session node=$1 " "$SLOG" | sed -n "$2p" | sed -n 's/.* tls=\([a-z]*\) .*/\1/p'
}

say "a first sync is a full handshake and keeps the server's ticket (mode 0600)"
[[ ! -e "$WORK/b/tls-session" ]] || fail "a ticket before any sync"
sync_json "$WORK/b"
assert_eq "$RESUMED" false "first sync resumed"
[[ -s "$WORK/b/tls-session" ]] || fail "no ticket kept after the first sync"
assert_eq "$(stat -c %a "$WORK/b/tls-session")" 600 "mode of the ticket file"
assert_eq "$(server_tls b 1)" full "server's account of the first sync"

say "the next sync resumes; a no-op sync moves at most 1 KB in 3 round trips"
start_proxy "$SRV_PORT" "$WORK/noop.jsonl" --trace "$WORK/noop.trace"
sync_json "$WORK/b" "$PX_PORT"
assert_eq "$RESUMED" true "second sync resumed"
assert_grep "$LAST_ERR" "（恢复了 TLS 会话）" "the sync line says so"
assert_eq "$(json_field "$LAST_OUT" pushed)" 0 "pushed by the no-op sync"
for ((i = 0; i < 200; i++)); do
  [[ -s "$WORK/noop.jsonl" ]] && break
  sleep 0.05
done
stop_proxy
up="$(json_field "$WORK/noop.jsonl" up)"
down="$(json_field "$WORK/noop.jsonl" down)"
say "a resumed no-op sync: $up bytes up, $down down"
[[ $((up + down)) -le 1024 ]] || fail "a resumed no-op sync moved $((up + down)) bytes (goal: at most 1024)"
# Bursts of bytes in one direction, in order: the ClientHello; the
# server's flight; Finished, Hello and the pull request together; the
# ticket, HelloAck and the (empty) pull batch; the acknowledgement and the
# closes.  Three waits for the server, where a full handshake took four.
bursts="$(awk '$2 != last { n++; last = $2 } END { print n }' "$WORK/noop.trace")"
echo "the proxy's reads:"
sed 's/^/    /' "$WORK/noop.trace"
[[ $bursts -le 6 ]] || fail "a resumed no-op sync took $bursts bursts (want at most 6: 3 round trips)"
assert_eq "$(server_tls b 2)" resumed "server's account of the second sync"

say "a ticket is used once: an old copy put back costs a full handshake"
cp -p "$WORK/b/tls-session" "$WORK/old-ticket"
sync_json "$WORK/b"
assert_eq "$RESUMED" true "sync with the fresh ticket"
cp -p "$WORK/old-ticket" "$WORK/b/tls-session"
sync_json "$WORK/b"
assert_eq "$RESUMED" false "sync offering a ticket already used"
sync_json "$WORK/b"
assert_eq "$RESUMED" true "the sync after it (a new ticket came)"

say "a damaged ticket file, and another enrollment's, cost a full handshake"
head -c 300 /dev/urandom >"$WORK/b/tls-session"
sync_json "$WORK/b"
assert_eq "$RESUMED" false "sync with a ticket file of random bytes"
sync_json "$WORK/b"
assert_eq "$RESUMED" true "sync with the ticket that came after"
# The right header, the session cut short.
head -c -20 "$WORK/b/tls-session" >"$WORK/short" && cat "$WORK/short" >"$WORK/b/tls-session"
sync_json "$WORK/b"
assert_eq "$RESUMED" false "sync with a truncated ticket"
sync_json "$WORK/c"
cp -p "$WORK/b/tls-session" "$WORK/c/tls-session"
sync_json "$WORK/c"
assert_eq "$RESUMED" false "node c with node b's ticket"
sync_json "$WORK/c"
assert_eq "$RESUMED" true "node c with its own ticket"

say "a server restarted since the ticket was issued: a full handshake"
stop_server
start_server "$S" "$SLOG"
sync_json "$WORK/b"
assert_eq "$RESUMED" false "sync after a server restart"
sync_json "$WORK/b"
assert_eq "$RESUMED" true "and the next one"

say "a revoked node holding a valid ticket is refused"
sync_json "$WORK/rv"
sync_json "$WORK/rv"
assert_eq "$RESUMED" true "the node to be revoked resumes before its revocation"
[[ -s "$WORK/rv/tls-session" ]] || fail "the node to be revoked holds no ticket"
before="$(sessions_of rv)"
ok "$SERVER" revoke --data "$S" --node-id rv
expect_exit 6 "$NODE" sync --json --data "$WORK/rv" --server "127.0.0.1:$SRV_PORT"
assert_eq "$(json_field "$LAST_OUT" resumed)" false "the revoked node's session resumed"
wait_grep "$SLOG" "not resuming the session: certificate refused: certificate revoked" \
  "server's refusal to resume the revoked node's session"
wait_grep "$SLOG" "handshake: certificate refused: certificate revoked" \
  "server's refusal of the revoked node's full handshake"
sleep 0.2
assert_eq "$(sessions_of rv)" "$before" "sessions of the revoked node after its revocation"
# Other nodes' tickets survive the new CRL.
sync_json "$WORK/b"
assert_eq "$RESUMED" true "another node's sync after the revocation"
stop_server

say "an expired ticket is not offered"
start_server_opts() {
  rm -f "$S.port"
  "$SERVER" run --data "$S" --listen 127.0.0.1:0 --port-file "$S.port" "$@" 2>>"$SLOG" &
  SRV_PID=$!
  SRV_PORT="$(wait_port_file "$S.port" "$SRV_PID")"
}
start_server_opts --ticket-lifetime 2
sync_json "$WORK/b"
sync_json "$WORK/b"
assert_eq "$RESUMED" true "sync within the ticket's lifetime"
sleep 3
sync_json "$WORK/b"
assert_eq "$RESUMED" false "sync after the ticket's lifetime"
stop_server

say "with tickets off, every sync is a full one and no ticket is kept"
start_server_opts --ticket-lifetime 0
rm -f "$WORK/b/tls-session"
sync_json "$WORK/b"
sync_json "$WORK/b"
assert_eq "$RESUMED" false "sync with tickets off"
[[ ! -e "$WORK/b/tls-session" ]] || fail "a ticket kept although the server issues none"
stop_server
expect_exit 2 "$SERVER" run --data "$S" --ticket-lifetime 86401
assert_eq "$(digest_of "$WORK/b")" "$(server_digest "$S" "$B1")" "digest of b"
ok "$NODE" verify --data "$WORK/b"
