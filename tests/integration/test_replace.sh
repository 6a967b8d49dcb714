#!/usr/bin/env bash
# Replacing a branch PC (README, "Replacing a branch PC"; docs/PROTOCOL.md,
# "Restoring a replaced PC"), with the real binaries, certificates and a
# real server over 127.0.0.1:
#   - node A imports a roster and syncs; then edits that it never sends;
#   - enrolling A's id again is refused without --replace; `enroll
#     --replace` issues a new certificate and revokes A's;
#   - a new PC B, `init --enroll` of that bundle, writes nothing before its
#     first sync; that sync restores A's ops from the server (the same seq
#     and hashes: `verify` passes, its log is A's log up to what A sent),
#     and B continues: its edits get the next seqs and sync;
#   - A comes back: refused (exit 6) with the message that points at
#     export-pending; status says its pending edits can never be sent;
#   - `export-pending` writes A's unsent members as an import file, which
#     B imports after review; server and B converge and `zhibu-server
#     verify` passes.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup

SRV="$WORK/srv"
LOG="$WORK/server.log"
show_logs_on_failure "$LOG"
R="$WORK/roster"
gen_roster "$R" --townships 1 --branches 2 --members 60 --seed 7
B1=430121-01-01
A="$WORK/a"
B="$WORK/b"

say "a server, its org tree, node b0101 on PC A with its roster, synced"
ok "$SERVER" init --data "$SRV" --name 127.0.0.1
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
conv_members_of "$R/members.csv" "$WORK/b1.csv" "$B1"
conv_enroll "$SRV" "$A" b0101 "$B1"
ok "$NODE" member import "$WORK/b1.csv" --data "$A"
conv_start_server "$SRV" "$LOG"
conv_sync "$A"
SENT="$(ops_count "$A")"

say "A edits two members and adds one, and never sends them"
ok "$NODE" member list --csv --lang en --data "$A"
M1="$(awk -F, 'NR == 2 {print $1}' "$LAST_OUT")"
M2="$(awk -F, 'NR == 3 {print $1}' "$LAST_OUT")"
M3="$(awk -F, 'NR == 4 {print $1}' "$LAST_OUT")"
ok "$NODE" member update "$M1" --phone 13900001111 --data "$A"
ok "$NODE" member update "$M2" --phone 13900003333 --data "$A"
ok "$NODE" member add --name 新同志 --gender 女 --birth-date 1990-03-04 \
  --id-number 430121199003040023 --education 大学本科 --join-date 2020-07-01 \
  --full-date 2021-07-01 --data "$A"
ok "$NODE" status --json --data "$A"
assert_eq "$(json_value "$(cat "$LAST_OUT")" pending_ops)" 3 "A's unsent edits"
A_DIGEST_SENT="$(conv_server_digest "$SRV" "$B1")"

say "enrolling b0101 again needs --replace"
expect_exit 3 "$SERVER" enroll --data "$SRV" --node-id b0101 --org "$B1" \
  --server 127.0.0.1:7420 --out "$WORK/b.bundle"
assert_grep "$LAST_ERR" "is enrolled already" "a second enrollment without --replace"
assert_grep "$LAST_ERR" "--replace" "the refusal names --replace"
[[ ! -e "$WORK/b.bundle" ]] || fail "a refused enrollment wrote a bundle"
expect_exit 4 "$SERVER" enroll --data "$SRV" --node-id b0199 --org "$B1" \
  --server 127.0.0.1:7420 --out "$WORK/x.bundle" --replace
assert_grep "$LAST_ERR" "never enrolled" "--replace of a node never enrolled"
ok "$SERVER" enroll --data "$SRV" --node-id b0101 --org "$B1" \
  --server 127.0.0.1:7420 --out "$WORK/b.bundle" --replace
assert_grep "$LAST_ERR" "吊销" "enroll --replace says the old PC is revoked"
grep -qx "restore: yes" "$WORK/b.bundle" || fail "the replacement's bundle has no restore line"

say "PC B: init --enroll; nothing can be written before the first sync"
ok "$NODE" init --enroll "$WORK/b.bundle" --data "$B"
ok "$NODE" status --data "$B"
assert_grep "$LAST_OUT" "还没有从服务器恢复" "status of a replacement before its first sync"
expect_exit 1 "$NODE" member update "$M1" --phone 13900002222 --data "$B"
assert_grep "$LAST_ERR" "has not restored it yet" "a write before the restore"
assert_eq "$(ops_count "$B")" 0 "ops of B before its first sync"

say "B's first sync restores the node: A's sent ops, the same chain"
conv_sync "$B"
assert_eq "$(conv_json_field "$LAST_OUT" restored)" "$SENT" "ops restored"
assert_eq "$CONV_PUSHED" 0 "ops pushed by the restoring sync"
assert_grep "$LAST_ERR" "已从服务器恢复本节点" "sync says it restored"
assert_eq "$(ops_count "$B")" "$SENT" "ops of B after the restore"
ok "$NODE" verify --data "$B"
ok "$NODE" log --json --data "$A"
head -n "$((SENT + 1))" "$LAST_OUT" >/dev/null
python3 - "$A" "$B" "$NODE" "$SENT" <<'PY' || fail "B's log is not A's log up to what A sent"
import json, subprocess, sys
a, b, node, sent = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def log(d):
    out = subprocess.run([node, "log", "--json", "--data", d], capture_output=True, check=True).stdout
    return [(o["seq"], o["hash"]) for o in json.loads(out)]
la, lb = log(a), log(b)
assert lb == la[:sent], (lb[-1:], la[sent - 1:sent])
PY
conv_assert_converged "$SRV" "$B" "$B1" "B after its restore"
ok "$NODE" status --json --data "$B"
assert_eq "$(json_value "$(cat "$LAST_OUT")" pending_ops)" 0 "B's unsent edits after the restore"
assert_eq "$(json_value "$(cat "$LAST_OUT")" restoring)" false "B restoring after its first sync"

say "B continues the seq: an edit, synced"
ok "$NODE" member update "$M3" --phone 13700001234 --data "$B"
assert_eq "$(ops_count "$B")" "$((SENT + 1))" "B's next seq"
conv_sync "$B"
assert_eq "$CONV_PUSHED" 1 "B pushes its edit"
ok "$NODE" verify --data "$B"

say "A comes back: refused, told how to save what it never sent"
conv_sync "$A" 6
assert_grep "$LAST_ERR" "证书已被吊销" "A's refusal (Chinese)"
assert_grep "$LAST_ERR" "export-pending" "A's refusal names export-pending"
ok "$NODE" status --data "$A"
assert_grep "$LAST_OUT" "再也发不出去" "A's status says its edits can never be sent"
assert_grep "$LAST_OUT" "export-pending" "A's status names export-pending"
ok "$NODE" status --json --data "$A"
assert_eq "$(json_value "$(cat "$LAST_OUT")" revoked)" true "A's status --json revoked"
assert_eq "$(json_value "$(cat "$LAST_OUT")" pending_ops)" 3 "A's unsent edits, still there"
expect_exit 6 "$NODE" daemon --data "$A" --server "$CONV_ADDR" --timeout 30
assert_grep "$LAST_ERR" "不再重试" "A's daemon stops: a revoked PC never syncs again"

say "another node's replacement restores only its own ops (none here)"
ok "$SERVER" enroll --data "$SRV" --node-id b0102 --org "$B1" --server 127.0.0.1:7420 \
  --out "$WORK/c1.bundle"
ok "$SERVER" enroll --data "$SRV" --node-id b0102 --org "$B1" --server 127.0.0.1:7420 \
  --out "$WORK/c.bundle" --replace
ok "$NODE" init --enroll "$WORK/c.bundle" --data "$WORK/c"
conv_sync "$WORK/c"
assert_eq "$(conv_json_field "$LAST_OUT" restored)" 0 "ops restored to b0102's replacement"
assert_eq "$(ops_count "$WORK/c")" 0 "ops of b0102's replacement"
conv_assert_converged "$SRV" "$WORK/c" "$B1" "b0102's replacement"
ok "$NODE" verify --data "$WORK/c"

say "A's export-pending file: its unsent members, imported on B after review"
ok "$NODE" export-pending "$WORK/pending.csv" --data "$A"
assert_grep "$LAST_ERR" "3 unsent changes; 3 members written" "export-pending says what it wrote"
expect_exit 3 "$NODE" export-pending "$WORK/pending.csv" --data "$A"
assert_grep "$LAST_ERR" "not overwriting" "export-pending never overwrites"
python3 - "$WORK/pending.csv" "$M1" <<'PY' || fail "the export-pending file"
import csv, sys
text = open(sys.argv[1], encoding="utf-8").read()
assert text.startswith("\ufeff"), "no BOM"
rows = list(csv.reader(text[1:].splitlines()))
head = rows[0]
assert head[0] == "编号" and "公民身份号码" in head, head
assert len(rows) == 4, rows
assert all(r[0] == "" for r in rows[1:]), "rows carry an id"
phones = {r[head.index("联系电话")] for r in rows[1:]}
assert "13900001111" in phones, phones
names = {r[head.index("姓名")] for r in rows[1:]}
assert "新同志" in names, names
PY
ok "$NODE" member import "$WORK/pending.csv" --data "$B"
ok "$NODE" member show "$M1" --json --data "$B"
assert_grep "$LAST_OUT" "13900001111" "A's unsent phone, on B"
ok "$NODE" member show "$M2" --json --data "$B"
assert_grep "$LAST_OUT" "13900003333" "A's unsent phone of another member, on B"
ok "$NODE" member show "$M3" --json --data "$B"
assert_grep "$LAST_OUT" "13700001234" "B's own edit stays"
ok "$NODE" member list --csv --lang en --data "$B"
assert_grep "$LAST_OUT" "430121199003040023" "A's unsent new member, on B"
conv_sync "$B"
ok "$NODE" verify --data "$B"
conv_assert_converged "$SRV" "$B" "$B1" "B after importing A's unsent edits"
conv_stop_server
ok "$SERVER" verify --data "$SRV"
