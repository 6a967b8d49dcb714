#!/usr/bin/env bash
# Offline parcels (数据包, docs/PROTOCOL.md "Offline parcels"; README "No
# network at this office"), with the real binaries, real certificates and
# real LMDB files:
#   - a branch with no link exports its ops, the server imports them and
#     exports what the branch would pull, the branch imports that: node and
#     server agree (digests), and each import done twice changes nothing;
#   - refused, with nothing stored (status and digests before = after): a
#     byte flipped, a truncated file, a parcel of another deployment, a
#     node's parcel imported as another node's, a revoked node's parcel, a
#     node parcel whose ops start after what the server holds, a server
#     parcel older than one imported, one for another node, a parcel taken
#     the wrong way;
#   - parcels and online syncs mixed in both orders converge.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup

B1=430121-01-01
B2=430121-01-02
T1=430121-01
SRV="$WORK/srv"
SRV2="$WORK/other-deployment"
LOG="$WORK/server.log"
N1="$WORK/b0101"     # the office with no link
NT="$WORK/t01"       # its township, online
N2="$WORK/b0102"
N3="$WORK/b0103"     # revoked later
NX="$WORK/x0101"     # b0101 of another deployment
show_logs_on_failure "$LOG"

R="$WORK/roster"
gen_roster "$R" --townships 2 --branches 2 --members 200 --seed 13

say "a server, an offline branch, its online township, two more nodes, another deployment"
ok "$SERVER" init --data "$SRV"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
ok "$SERVER" init --data "$SRV2"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV2"
conv_enroll "$SRV" "$N1" b0101 "$B1"
conv_enroll "$SRV" "$NT" t01 "$T1"
conv_enroll "$SRV" "$N2" b0102 "$B2"
conv_enroll "$SRV" "$N3" b0103 "$B2"
conv_enroll "$SRV2" "$NX" b0101 "$B1"
for n in "$N1" "$NT" "$N2" "$N3" "$NX"; do
  ok "$NODE" org import "$R/orgs.csv" --data "$n"
done
conv_members_of "$R/members.csv" "$WORK/m1.csv" "$B1"
ok "$NODE" member import "$WORK/m1.csv" --data "$N1"
ok "$NODE" member import "$WORK/m1.csv" --data "$NX"
cp -a "$SRV" "$WORK/srv-before"   # the server before it heard of b0101

# srv_state / node_state: what must not change when a parcel is refused.
srv_state() {
  ok "$SERVER" status --json --data "$SRV"
  cat "$LAST_OUT"
  ok "$SERVER" digest --data "$SRV" --org 430121
  cat "$LAST_OUT"
  ok "$SERVER" verify --data "$SRV"
}
node_state() {
  ok "$NODE" status --json --data "$1"
  cat "$LAST_OUT"
  digest_of "$1"
}
# refused_at_server WANT-EXIT MESSAGE FILE [options…]
refused_at_server() {
  local want=$1 msg=$2 file=$3 before after
  shift 3
  before="$(srv_state)"
  expect_exit "$want" "$SERVER" bundle import "$file" --data "$SRV" "$@"
  assert_grep "$LAST_ERR" "$msg" "refusal of $(basename "$file")"
  [[ "$(wc -l <"$LAST_ERR")" -eq 1 ]] || fail "more than one error line: $(cat "$LAST_ERR")"
  after="$(srv_state)"
  [[ "$before" == "$after" ]] || fail "refused $(basename "$file") changed the server"
}
# refused_at_node DIR WANT-EXIT MESSAGE FILE
refused_at_node() {
  local dir=$1 want=$2 msg=$3 file=$4 before after
  before="$(node_state "$dir")"
  expect_exit "$want" "$NODE" bundle import "$file" --data "$dir"
  assert_grep "$LAST_ERR" "$msg" "refusal of $(basename "$file") at $(basename "$dir")"
  [[ "$(wc -l <"$LAST_ERR")" -eq 1 ]] || fail "more than one error line: $(cat "$LAST_ERR")"
  after="$(node_state "$dir")"
  [[ "$before" == "$after" ]] || fail "refused $(basename "$file") changed node $dir"
}
converged() {
  conv_assert_converged "$SRV" "$N1" "$B1" "$1 (b0101)"
  conv_assert_converged "$SRV" "$NT" "$T1" "$1 (t01)"
  ok "$NODE" verify --data "$N1"
  ok "$SERVER" verify --data "$SRV"
}

# ------------------------------------------------------------ round trip
say "the round trip: node export, server import, server export, node import"
ok "$NODE" bundle export "$WORK/p1.zbp" --data "$N1" --json
is_json "$LAST_OUT"
ops="$(conv_json_field "$LAST_OUT" ops)"
[[ "$ops" -ge 40 ]] || fail "the first parcel holds $ops ops"
expect_exit 4 "$SERVER" bundle export --node b0101 "$WORK/s0.zbp" --data "$SRV"
assert_grep "$LAST_ERR" "节点 b0101 既没有同步过也没有送来过数据包" "export for an unknown node"
expect_exit 4 "$SERVER" bundle export --node b0101 "$WORK/s0.zbp" --data "$SRV" --lang en
assert_grep "$LAST_ERR" "neither synced nor sent a parcel" "export for an unknown node, in English"
ok "$SERVER" bundle import "$WORK/p1.zbp" --data "$SRV" --json
assert_eq "$(conv_json_field "$LAST_OUT" applied)" "$ops" "ops applied from p1"
assert_eq "$(conv_json_field "$LAST_OUT" node_id)" b0101 "node of p1"
assert_eq "$(conv_json_field "$LAST_OUT" org)" "$B1" "org of p1 (from the certificate)"

say "the server imports it again: nothing changes, and it says so"
before="$(srv_state)"
ok "$SERVER" bundle import "$WORK/p1.zbp" --data "$SRV" --json
assert_eq "$(conv_json_field "$LAST_OUT" already)" True "second import of p1 says so"
assert_grep "$LAST_ERR" "没有任何改变" "second import of p1"
[[ "$(srv_state)" == "$before" ]] || fail "importing p1 twice changed the server"

ok "$SERVER" bundle export --node b0101 "$WORK/s1.zbp" --data "$SRV" --json
assert_eq "$(conv_json_field "$LAST_OUT" parcel)" 1 "first server parcel's number"
ok "$NODE" bundle import "$WORK/s1.zbp" --data "$N1" --json
assert_eq "$(node_field "$N1" pending_ops)" 0 "b0101's ops held by the server"
conv_assert_converged "$SRV" "$N1" "$B1" "after the round trip"

say "the node imports it again: nothing changes, and it says so"
before="$(node_state "$N1")"
ok "$NODE" bundle import "$WORK/s1.zbp" --data "$N1" --json
assert_eq "$(conv_json_field "$LAST_OUT" already)" True "second import of s1 says so"
[[ "$(node_state "$N1")" == "$before" ]] || fail "importing s1 twice changed the node"

# ------------------------------------------------ the township, online
say "the township edits one of the branch's members online; a parcel brings it"
conv_start_server "$SRV" "$LOG"
conv_sync "$NT"
mid="$(awk -F, 'NR == 2 {print $1}' "$WORK/m1.csv")"
ok "$NODE" member update "$mid" --phone 13900000001 --data "$NT"
conv_sync "$NT"
ok "$NODE" member update "$mid" --phone 13900000011 --data "$N1"   # offline, concurrently
ok "$NODE" bundle export "$WORK/p2.zbp" --data "$N1"
ok "$SERVER" bundle import "$WORK/p2.zbp" --data "$SRV"
ok "$SERVER" bundle export --node b0101 "$WORK/s2.zbp" --data "$SRV"
ok "$NODE" bundle import "$WORK/s2.zbp" --data "$N1"
conv_sync "$NT"
converged "after the township's edit"

# ------------------------------------------------------------- refusals
say "refused at the server, nothing stored: altered, truncated, foreign, another name, revoked, a gap"
ok "$NODE" member update "$mid" --phone 13900000002 --data "$N1"
ok "$NODE" bundle export "$WORK/p3.zbp" --data "$N1"
size=$(stat -c %s "$WORK/p3.zbp")
python3 - "$WORK/p3.zbp" "$WORK/p3-flipped.zbp" <<'PYEOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) - 120] ^= 0x01        # inside the batch, before the seal
open(sys.argv[2], "wb").write(b)
PYEOF
refused_at_server 6 "signature does not match" "$WORK/p3-flipped.zbp"
head -c $((size - 7)) "$WORK/p3.zbp" >"$WORK/p3-short.zbp"
refused_at_server 3 "truncated" "$WORK/p3-short.zbp"
head -c 11 "$WORK/p3.zbp" >"$WORK/p3-stub.zbp"
refused_at_server 3 "p3-stub.zbp：不是智部数据包（太短）" "$WORK/p3-stub.zbp"
refused_at_server 3 "p3-stub.zbp: not a Zhibu parcel (too short)" "$WORK/p3-stub.zbp" --lang en
ok "$NODE" bundle export "$WORK/px.zbp" --data "$NX"
refused_at_server 6 "拒绝：这是另一套系统的数据包" "$WORK/px.zbp"
refused_at_server 6 "another deployment" "$WORK/px.zbp" --lang en
refused_at_server 6 "not node b0102's" "$WORK/p3.zbp" --node b0102
ok "$NODE" bundle export "$WORK/p-revoked.zbp" --data "$N3"
ok "$SERVER" bundle import "$WORK/p-revoked.zbp" --data "$SRV"
ok "$SERVER" revoke --node-id b0103 --data "$SRV"
refused_at_server 6 "certificate revoked" "$WORK/p-revoked.zbp"
expect_exit 6 "$SERVER" bundle export --node b0103 "$WORK/s-revoked.zbp" --data "$SRV"
assert_grep "$LAST_ERR" "certificate revoked" "a parcel for a revoked node"
[[ ! -e "$WORK/s-revoked.zbp" ]] || fail "a parcel was written for a revoked node"
refused_at_server 3 "这个数据包是服务器给节点的" "$WORK/s2.zbp"
# The copy of the server from before it heard of b0101 lacks ops 1…: p3
# starts after them.
cp -a "$WORK/srv-before" "$WORK/srv-old"
old_before="$(out_of "$SERVER" status --json --data "$WORK/srv-old")"
expect_exit 6 "$SERVER" bundle import "$WORK/p3.zbp" --data "$WORK/srv-old"
assert_grep "$LAST_ERR" "import the node's earlier parcel first" "a parcel after a gap"
[[ "$(out_of "$SERVER" status --json --data "$WORK/srv-old")" == "$old_before" ]] ||
  fail "a parcel after a gap changed the server"

say "refused at the node, nothing stored: an older server parcel, another node's, the wrong way"
ok "$SERVER" bundle import "$WORK/p3.zbp" --data "$SRV"
ok "$SERVER" bundle export --node b0101 "$WORK/s3.zbp" --data "$SRV"
ok "$NODE" member update "$mid" --phone 13900000003 --data "$NT"
conv_sync "$NT"
ok "$SERVER" bundle export --node b0101 "$WORK/s4.zbp" --data "$SRV"
ok "$NODE" bundle import "$WORK/s4.zbp" --data "$N1"
refused_at_node "$N1" 6 "older parcel after a newer one" "$WORK/s3.zbp"
ok "$NODE" bundle export "$WORK/p-b2.zbp" --data "$N2"
ok "$SERVER" bundle import "$WORK/p-b2.zbp" --data "$SRV"
ok "$SERVER" bundle export --node b0102 "$WORK/s-b2.zbp" --data "$SRV"
refused_at_node "$N1" 6 "is for node b0102" "$WORK/s-b2.zbp"
refused_at_node "$N1" 3 "这个数据包是节点给服务器的" "$WORK/p3.zbp"
python3 - "$WORK/s4.zbp" "$WORK/s4-flipped.zbp" <<'PYEOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) - 100] ^= 0x40
open(sys.argv[2], "wb").write(b)
PYEOF
refused_at_node "$N1" 6 "s4-flipped.zbp：拒绝：" "$WORK/s4-flipped.zbp"
conv_sync "$NT"
converged "after the refusals"

# ------------------------------------------------ parcels and syncs mixed
say "mixed, parcel first: exported, then a sync, then the parcel imported"
ok "$NODE" member update "$mid" --phone 13900000004 --data "$N1"
ok "$NODE" bundle export "$WORK/p5.zbp" --data "$N1"
conv_sync "$N1"
ok "$SERVER" bundle import "$WORK/p5.zbp" --data "$SRV"
assert_grep "$LAST_ERR" "没有任何改变" "a parcel whose ops a sync brought"
ok "$NODE" member update "$mid" --phone 13900000005 --data "$NT"
conv_sync "$NT"
ok "$SERVER" bundle export --node b0101 "$WORK/s5.zbp" --data "$SRV"
ok "$NODE" bundle import "$WORK/s5.zbp" --data "$N1"
converged "parcel, then sync"

say "mixed, sync first: a server parcel made, a sync, then the parcel imported"
ok "$NODE" member update "$mid" --phone 13900000006 --data "$NT"
conv_sync "$NT"
ok "$SERVER" bundle export --node b0101 "$WORK/s6.zbp" --data "$SRV"
ok "$NODE" member update "$mid" --phone 13900000007 --data "$NT"
conv_sync "$NT"
conv_sync "$N1"
ok "$NODE" bundle import "$WORK/s6.zbp" --data "$N1" --json
assert_eq "$(conv_json_field "$LAST_OUT" applied)" 0 "a parcel older than the sync applies nothing"
converged "sync, then an older parcel"
ok "$NODE" member show "$mid" --json --data "$N1"
assert_grep "$LAST_OUT" 13900000007 "the latest phone stays"
conv_stop_server
