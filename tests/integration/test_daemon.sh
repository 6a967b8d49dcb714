#!/usr/bin/env bash
# zhibu-node daemon: backs off while the server is away and catches up when
# it returns; syncs --settle seconds after the CLI's last change (with an
# interval of an hour, nothing else can explain that session); records the
# last success, the last failure with its reason and the next attempt for
# `status` (Chinese words, and --json); logs one line per event, with
# sd-daemon priorities when stderr is the journal; stops on SIGTERM and
# says so in status.  The log lines are checked in English (an English
# locale, as a service with LANG=en_US.UTF-8 would log); test_lang checks
# the Chinese default, and status below is read with --lang zh.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
zb_setup_sync
unset LC_ALL LC_MESSAGES
export LANG=en_US.UTF-8

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
# stderr is "the journal": JOURNAL_STREAM names the log file's device and
# inode, as systemd names its stream socket's.
: >"$DLOG"
JOURNAL_STREAM="$(stat -c '%d:%i' "$DLOG")" "$NODE" daemon --data "$B" \
  --server "127.0.0.1:$PORT" --interval 3600 --settle 2 --timeout 5 2>>"$DLOG" &
DPID=$!
wait_grep "$DLOG" "sync failed" "the daemon's failed session" 20
pid_alive "$DPID" || fail "the daemon died when the server was unreachable"

say "the server comes back on the same port: the daemon catches up by itself"
"$SERVER" run --data "$S" --listen "127.0.0.1:$PORT" --port-file "$S.port" 2>>"$SLOG" &
SRV_PID=$!
wait_port_file "$S.port" "$SRV_PID" >/dev/null
wait_grep "$DLOG" "sync: pushed $HEAD," "the daemon's catching-up session" 40
assert_eq "$(node_field "$B" pending_ops)" 0 "pending ops after the daemon's sync"

say "status after the catch-up: the success, no failure shown, the next attempt within the hour"
ok "$NODE" status --json --data "$B"
[[ "$(json_field "$LAST_OUT" last_success)" =~ ^20[0-9-]+T[0-9:.]+Z$ ]] || fail "no last_success: $(<"$LAST_OUT")"
assert_eq "$(json_field "$LAST_OUT" last_success)" "$(json_field "$LAST_OUT" last_sync)" "last_success and last_sync"
NEXT="$(json_field "$LAST_OUT" next_attempt)"
python3 - "$NEXT" <<'PY' || fail "next_attempt $NEXT is not within 48..72 minutes from now (interval 3600 s ± 20 %)"
import datetime, sys
t = datetime.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
d = (t - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
sys.exit(0 if 47 * 60 <= d <= 72 * 60 else 1)
PY
TZ=CST-8 ok "$NODE" status --lang zh --data "$B"
assert_grep "$LAST_OUT" "未发送的修改：0 条" "status: unsent changes"
grep -q -E "^上次同步成功：20[0-9-]+ [0-9]{2}:[0-9]{2}（(刚刚|[0-9]+ 分钟前)）$" "$LAST_OUT" ||
  fail "status: no 上次同步成功 line: $(<"$LAST_OUT")"
grep -q -E "^下次尝试：20[0-9-]+ [0-9]{2}:[0-9]{2}（[0-9]+ (分钟|小时)后）$" "$LAST_OUT" ||
  fail "status: no 下次尝试 line: $(<"$LAST_OUT")"
# The text's local time is the JSON's UTC in the TZ given (Beijing: +8 h).
WANT="$(python3 -c 'import datetime,sys; t=datetime.datetime.strptime(sys.argv[1],"%Y-%m-%dT%H:%M:%S.%fZ")+datetime.timedelta(hours=8); print(t.strftime("%Y-%m-%d %H:%M"))' "$NEXT")"
assert_grep "$LAST_OUT" "下次尝试：$WANT" "status: the next attempt in Beijing time"
if grep -q "上次同步失败" "$LAST_OUT"; then fail "status shows a failure older than the last success"; fi

say "the CLI writes while the daemon runs: a session --settle seconds later carries it"
ok "$NODE" member update M0000000001 --phone 13911112222 --data "$B"
wait_grep "$DLOG" "sync: pushed 1," "the session carrying the CLI's change" 20
grep "sync: pushed 1," "$DLOG" | grep -q -E "\(local changes\); next in [0-9]+ s at the latest$" ||
  fail "the session carrying the change did not run because of it: $(grep 'sync: pushed 1,' "$DLOG")"
assert_eq "$(server_digest "$S" 430121-01-01)" "$(digest_of "$B")" "node and server digests"

say "every session logged one line with pushed, pulled, conflicts, rejected, bytes, duration, why"
grep -E "sync: pushed [0-9]+, pulled [0-9]+, conflicts [0-9]+, rejected [0-9]+, [0-9]+ bytes out, [0-9]+ bytes in, [0-9.]+ s \((start|interval|local changes)\); next in [0-9]+ s at the latest$" "$DLOG" >/dev/null ||
  fail "no complete session line in the daemon's log"

say "the server goes away; a change's session fails, and status says when, why, and when next"
stop_server
ok "$NODE" member update M0000000003 --phone 13911114444 --data "$B"
for ((i = 0; i < 400; i++)); do
  grep -q -E "sync failed.*\(local changes\); next in [0-9]+ s" "$DLOG" && break
  sleep 0.05
done
grep -q -E "sync failed.*\(local changes\); next in [0-9]+ s" "$DLOG" || fail "no failed session after the change (20 s)"
ok "$NODE" status --json --data "$B"
[[ "$(json_field "$LAST_OUT" last_error)" =~ ^20[0-9-]+T ]] || fail "no last_error: $(<"$LAST_OUT")"
[[ "$(json_field "$LAST_OUT" last_error)" > "$(json_field "$LAST_OUT" last_success)" ]] ||
  fail "last_error is not after last_success: $(<"$LAST_OUT")"
assert_eq "$(json_field "$LAST_OUT" last_error_code)" ZB_EUNREACH "last_error_code"
[[ -n "$(json_field "$LAST_OUT" last_error_reason)" ]] || fail "empty last_error_reason"
[[ "$(json_field "$LAST_OUT" next_attempt)" != null ]] || fail "no next_attempt while the daemon runs"
ok "$NODE" status --lang zh --data "$B"
assert_grep "$LAST_OUT" "未发送的修改：1 条" "status: one unsent change"
assert_grep "$LAST_OUT" "上次同步失败：" "status: the failure"
assert_grep "$LAST_OUT" "失败原因：连不上同步服务器" "status: the failure's reason in words"
assert_grep "$LAST_OUT" "下次尝试：" "status: the next attempt"

say "log lines: one per event, a journal priority each, no escape sequences"
bad="$(grep -v -E '^<[0-7]>[^ ]' "$DLOG" || true)"
[[ -z "$bad" ]] || fail "log lines without a priority prefix: $bad"
grep -q -E '^<3>sync failed' "$DLOG" || fail "a failed session is not logged at priority 3"
grep -q -E '^<6>sync: pushed' "$DLOG" || fail "a good session is not logged at priority 6"
if grep -q $'\e' "$DLOG"; then fail "escape sequences in the log"; fi
# JOURNAL_STREAM inherited by a command whose stderr is elsewhere does not count.
JOURNAL_STREAM="$(stat -c '%d:%i' "$DLOG")" expect_exit 5 "$NODE" sync --data "$B" --server "127.0.0.1:$PORT" --timeout 5
grep -q "^zhibu-node: sync failed" "$LAST_ERR" || fail "a plain stderr got journal prefixes: $(<"$LAST_ERR")"

say "SIGTERM stops it cleanly; status then plans nothing"
kill -TERM "$DPID"
wait_exit "$DPID" 20
assert_eq "$WAIT_RC" 0 "daemon exit status after SIGTERM"
grep -q "daemon stopped" "$DLOG" || fail "the daemon did not say it stopped"
assert_eq "$(node_field "$B" next_attempt)" null "next_attempt after the daemon stopped"
ok "$NODE" status --lang zh --data "$B"
assert_grep "$LAST_OUT" "下次尝试：未安排" "status: nothing planned"
ok "$NODE" verify --data "$B"
echo "test_daemon: ok"
