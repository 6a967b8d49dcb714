#!/usr/bin/env bash
# The org index's entries (what report stats, the dues and the meetings
# reports read of a member instead of its record; docs/DESIGN-NOTES.md,
# "Reports at county scale") stay what the records give, at the server and
# at every node, through every path that writes records:
#   - an import at a branch, pushed and pulled;
#   - edits of the fields the entries carry (education, ethnicity,
#     occupation), at a branch and pulled by the county;
#   - a transfer: the member's org changes at the server on the accept and
#     at every node by the pull;
#   - a member leaving;
#   - a rejected op rolled back: two PCs of one branch record the same
#     member leaving while apart; the server refuses the second, and that
#     node rebuilds the member from the ops it keeps;
#   - a restore: a replacement PC rebuilds its records from the server.
# After each step `verify` passes at the server and at every node — it now
# checks that every entry equals what its record gives (and that there is
# no other) before it rebuilds from the log — and report stats --json at
# each node and at the server equals a count made here from `member list
# --json` (records, not entries; the server's from the county node's
# list, which holds the same records once synced).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup

C=430121
B1=430121-01-01
B2=430121-02-01
SRV="$WORK/srv"
LOG="$WORK/server.log"
show_logs_on_failure "$LOG"
R="$WORK/roster"
gen_roster "$R" --townships 2 --branches 1 --members 40 --seed 5
TODAY="$(date -u +%Y-%m-%d)"

ok "$SERVER" init --data "$SRV"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
for n in c:$C b1:$B1 b1b:$B1 b2:$B2; do
  conv_enroll "$SRV" "$WORK/${n%%:*}" "${n%%:*}" "${n#*:}"
done
conv_start_server "$SRV" "$LOG"

# check WHAT: verify everywhere; each replica's statistics of each org it
# holds equal a count from its own member list.
check() {
  ok "$SERVER" verify --data "$SRV"
  local n org
  for n in c b1 b1b b2; do
    ok "$NODE" verify --data "$WORK/$n"
  done
  for pair in srv:$C srv:$B1 srv:$B2 c:$C c:$B1 b1:$B1 b1b:$B1 b2:$B2; do
    n=${pair%%:*} org=${pair#*:}
    if [[ $n == srv ]]; then
      ok "$SERVER" report stats --json --org "$org" --data "$SRV"
      cp "$LAST_OUT" "$WORK/stats.json"
      ok "$NODE" member list --json --all --org "$org" --data "$WORK/c"   # the county's copy
    else
      ok "$NODE" report stats --json --org "$org" --data "$WORK/$n"
      cp "$LAST_OUT" "$WORK/stats.json"
      ok "$NODE" member list --json --all --org "$org" --data "$WORK/$n"
    fi
    python3 - "$WORK/stats.json" "$LAST_OUT" "$org" "$TODAY" <<'EOF' || fail "$1: stats of $org at $n"
import json, sys
st = json.load(open(sys.argv[1], encoding="utf-8"))
ms = json.load(open(sys.argv[2], encoding="utf-8"))
org, today = sys.argv[3], sys.argv[4]
ms = [m for m in ms if m["org_code"] == org or m["org_code"].startswith(org + "-")]
def member(m):
    if m["join_date"] > today:
        return False
    return not (m["status"] == "已离开" and m["leave_date"] and m["leave_date"] <= today)
now = [m for m in ms if member(m)]
assert st["total"] == len(now), (st["total"], len(now))
for key, field in (("gender", "gender"), ("education", "education")):
    for value, n in st[key].items():
        want = sum(1 for m in now if (m[field] or "未填") == value)
        assert n == want, (key, value, n, want)
minority = sum(1 for m in now if m["ethnicity"] not in ("", "汉族"))
assert st["ethnicity"]["少数民族"] == minority, (st["ethnicity"], minority)
y = today[:4]
left = sum(1 for m in ms if m["status"] == "已离开" and m["leave_date"][:4] == y
           and m["leave_date"] <= today)
assert sum(st["left"].values()) == left, (st["left"], left)
EOF
  done
  say "$1: verify passes and the statistics equal the records everywhere"
}

sync_all() {
  local n
  for n in "$@"; do conv_sync "$WORK/$n"; done
}

say "imports at two branches, pushed and pulled"
conv_members_of "$R/members.csv" "$WORK/m1.csv" "$B1"
conv_members_of "$R/members.csv" "$WORK/m2.csv" "$B2"
sync_all b1 b2
ok "$NODE" member import "$WORK/m1.csv" --data "$WORK/b1"
ok "$NODE" member import "$WORK/m2.csv" --data "$WORK/b2"
sync_all b1 b2 c b1b
check "after the imports"

ok "$NODE" member list --json --data "$WORK/b1"
read -r M1 M2 M3 M4 <<<"$(python3 -c '
import json, sys
ms = sorted(json.load(open(sys.argv[1], encoding="utf-8")), key=lambda m: m["id"])
print(ms[0]["id"], ms[1]["id"], ms[2]["id"], ms[3]["id"])' "$LAST_OUT")"

say "edits of what the entries carry"
ok "$NODE" member update "$M1" --education 研究生 --ethnicity 回族 --occupation 学生 \
  --data "$WORK/b1"
sync_all b1 c b1b
check "after the edits"

say "a transfer: the member's org changes"
ok "$NODE" transfer out "$M2" --to "$B2" --reason 工作调动 --data "$WORK/b1"
TID="$(cat "$LAST_OUT")"
sync_all b1 b2
ok "$NODE" transfer accept "$TID" --data "$WORK/b2"
sync_all b2 b1 c b1b b2
check "after the transfer"
ok "$NODE" member list --json --org "$B2" --data "$WORK/c"
assert_grep "$LAST_OUT" "\"$M2\"" "the transferred member is in its new branch"

say "a member leaves"
ok "$NODE" member leave "$M3" --reason 去世 --date "$TODAY" --data "$WORK/b1"
sync_all b1 c b1b
check "after the leave"

say "a rejected op rolled back: the same member leaves at two PCs apart"
ok "$NODE" member leave "$M4" --reason 去世 --date "$TODAY" --data "$WORK/b1"
ok "$NODE" member leave "$M4" --reason 退党 --date "$TODAY" --data "$WORK/b1b"
sync_all b1 b1b
ok "$NODE" rejected --json --data "$WORK/b1b"
python3 -c 'import json,sys; assert len(json.load(open(sys.argv[1]))) >= 1' "$LAST_OUT" ||
  fail "b1b's second leave was not rejected"
sync_all b1b c b2
check "after the rollback"

say "a restore: a replacement PC for b1"
ok "$SERVER" enroll --data "$SRV" --node-id b1 --org "$B1" \
  --server 127.0.0.1:7420 --out "$WORK/b1new.bundle" --replace
rm -rf "$WORK/b1"
ok "$NODE" init --enroll "$WORK/b1new.bundle" --data "$WORK/b1"
conv_sync "$WORK/b1"
check "after the restore"

conv_stop_server
