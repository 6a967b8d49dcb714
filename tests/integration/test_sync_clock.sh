#!/usr/bin/env bash
# A branch PC whose clock is wrong (docs/DESIGN-NOTES.md, "Time"): years
# ahead, hours ahead, years behind, and set back while offline.  The real
# binaries run under faketime (Debian's libfaketime), the server and the
# township with the true clock, all over mutual TLS on 127.0.0.1.
#
# What must hold in every case: the secretary's writes are kept (applied,
# or kept in a conflict record), a correction the township makes after
# seeing them wins everywhere, every node's digest equals the server's for
# its scope, `verify` passes on every replica, and the sync tells the
# secretary in plain words that the clock is off and what that means.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup
command -v faketime >/dev/null || fail "faketime is not installed (deploy/install-deps.sh installs it)"

B1=430121-01-01
T1=430121-01
SRV="$WORK/srv"
LOG="$WORK/server.log"
NB="$WORK/b0101"
NT="$WORK/t01"
show_logs_on_failure "$LOG"

# skewed OFFSET CMD ARGS…: CMD with the PC's clock moved by OFFSET (faketime
# syntax: +730d, -3y, +3h).  ASan must not insist on being loaded first.
skewed() {
  local off=$1
  shift
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" faketime -f "$off" "$@"
}

# phone_of DIR ID: the member's phone as node DIR holds it.
phone_of() {
  ok "$NODE" member show "$2" --json --data "$1"
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["phone"])' "$LAST_OUT"
}

converged() {
  conv_assert_converged "$SRV" "$NB" "$B1" "$1: branch"
  conv_assert_converged "$SRV" "$NT" "$T1" "$1: township"
  ok "$NODE" verify --data "$NB"
  ok "$NODE" verify --data "$NT"
  ok "$SERVER" verify --data "$SRV"
}

R="$WORK/roster"
gen_roster "$R" --townships 1 --branches 2 --members 40 --seed 5
say "server, a branch and its township, synced"
ok "$SERVER" init --data "$SRV"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
conv_enroll "$SRV" "$NB" b0101 "$B1"
conv_enroll "$SRV" "$NT" t01 "$T1"
conv_members_of "$R/members.csv" "$WORK/m1.csv" "$B1"
ok "$NODE" org import "$R/orgs.csv" --data "$NB"
ok "$NODE" member import "$WORK/m1.csv" --data "$NB"
mapfile -t IDS < <(awk -F, 'NR > 1 {print $1}' "$WORK/m1.csv")
[[ ${#IDS[@]} -ge 4 ]] || fail "want 4 members in $B1, have ${#IDS[@]}"
conv_start_server "$SRV" "$LOG"
conv_sync "$NB"
conv_sync "$NT"
converged "setup"

# --------------------------------------------------------------- ahead
say "clock two years ahead: the branch's edit counts from its arrival; the township's later correction wins everywhere"
M=${IDS[0]}
skewed +730d "$NODE" member update "$M" --phone 13800000001 --data "$NB" >/dev/null
expect_exit 0 skewed +730d "$NODE" sync --data "$NB" --server "$CONV_ADDR" --timeout 60
assert_grep "$LAST_ERR" "本机的时钟比服务器快了 约 2 年" "the branch's sync warns about its clock, in Chinese"
assert_grep "$LAST_ERR" "不会丢失" "the warning says what happens to what was written"
assert_eq "$(phone_of "$NB" "$M")" 13800000001 "the branch's edit is kept at the branch"
conv_sync "$NT"
assert_eq "$(phone_of "$NT" "$M")" 13800000001 "the branch's edit reached the township"
ok "$NODE" member update "$M" --phone 13900000002 --data "$NT"
conv_sync "$NT"
expect_exit 0 skewed +730d "$NODE" sync --data "$NB" --server "$CONV_ADDR" --timeout 60 --lang en
assert_grep "$LAST_ERR" "clock is about 2 years ahead of the server" "the warning in English with --lang en"
assert_grep "$LAST_ERR" "none is lost" "the English warning says what happens to what was written"
assert_eq "$(phone_of "$NB" "$M")" 13900000002 "the township's correction wins at the branch"
assert_eq "$(phone_of "$NT" "$M")" 13900000002 "and at the township"
converged "two years ahead"

# A second edit made with the same wrong clock, and the township's answer.
skewed +730d "$NODE" member update "$M" --phone 13800000003 --data "$NB" >/dev/null
expect_exit 0 skewed +730d "$NODE" sync --data "$NB" --server "$CONV_ADDR" --timeout 60
conv_sync "$NT"
assert_eq "$(phone_of "$NT" "$M")" 13800000003 "a later edit of the branch wins over the earlier correction"
converged "two years ahead, again"

# --------------------------------------------------------------- hours
say "clock three hours ahead: warned in hours, converges"
M=${IDS[1]}
skewed +3h "$NODE" member update "$M" --phone 13800000004 --data "$NB" >/dev/null
expect_exit 0 skewed +3h "$NODE" sync --data "$NB" --server "$CONV_ADDR" --timeout 60
assert_grep "$LAST_ERR" "本机的时钟比服务器快了 3 小时 0 分钟" "the warning gives the difference in hours"
conv_sync "$NT"
ok "$NODE" member update "$M" --phone 13900000005 --data "$NT"
conv_sync "$NT"
LANG=en_US.UTF-8 expect_exit 0 skewed +3h "$NODE" sync --data "$NB" --server "$CONV_ADDR" --timeout 60
assert_grep "$LAST_ERR" "clock is 3 h 0 min ahead" "the warning gives the difference, in English under LANG=en_US"
assert_eq "$(phone_of "$NB" "$M")" 13900000005 "the township's correction wins at the branch"
converged "three hours ahead"

# --------------------------------------------------------------- behind
say "clock three years behind: an edit made after seeing the township's wins, warned as behind"
M=${IDS[2]}
ok "$NODE" member update "$M" --phone 13900000006 --data "$NT"
conv_sync "$NT"
expect_exit 0 skewed -1095d "$NODE" sync --data "$NB" --server "$CONV_ADDR" --timeout 60
assert_grep "$LAST_ERR" "本机的时钟比服务器慢了 约 3 年" "the branch's sync warns about its clock"
assert_eq "$(phone_of "$NB" "$M")" 13900000006 "the branch has the township's edit"
skewed -1095d "$NODE" member update "$M" --phone 13800000007 --data "$NB" >/dev/null
expect_exit 0 skewed -1095d "$NODE" sync --data "$NB" --server "$CONV_ADDR" --timeout 60 --lang en
assert_grep "$LAST_ERR" "clock is about 3 years behind the server" "behind, in English"
conv_sync "$NT"
assert_eq "$(phone_of "$NT" "$M")" 13800000007 "the branch's later edit wins at the township"
assert_eq "$(phone_of "$NB" "$M")" 13800000007 "and stays at the branch"
converged "three years behind"

# --------------------------------------------------------------- set back
say "clock set back while offline: the later edit still counts as later"
M=${IDS[3]}
skewed +1d "$NODE" member update "$M" --phone 13800000008 --data "$NB" >/dev/null
ok "$NODE" member update "$M" --phone 13800000009 --data "$NB"
assert_grep "$LAST_ERR" "本机的时钟比最后一次记录的修改慢了" "the CLI notices the clock went back"
conv_sync "$NB"
conv_sync "$NT"
assert_eq "$(phone_of "$NT" "$M")" 13800000009 "the edit made after the clock went back wins"
converged "set back while offline"

conv_stop_server
say "ok"
