#!/usr/bin/env bash
# Tamper evidence (docs/DESIGN-NOTES.md, "Invariants" 4): `verify` exits 1 and names the op when
# a stored op is altered or removed, and reports a state mismatch when a
# stored member record is altered behind the log's back.  The store is
# edited with lmdb-utils (mdb_dump / mdb_load) while no node runs.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
zb_setup
for tool in mdb_dump mdb_load; do
  command -v "$tool" >/dev/null || fail "$tool (lmdb-utils) is needed"
done

R="$WORK/roster"
gen_roster "$R" --members 300 --townships 2 --branches 3 --seed 5
BASE="$WORK/base"
new_node "$BASE" 430121 t1
ok "$NODE" org import "$R/orgs.csv" --data "$BASE"
ok "$NODE" member import "$R/members.csv" --data "$BASE"
# A few updates so that the log holds more than one op per record.
first_id="$(sed -n 2p "$R/members.csv" | cut -d, -f1)"
ok "$NODE" member update "$first_id" --phone 13900000001 --data "$BASE"
ok "$NODE" member update "$first_id" --phone 13900000002 --data "$BASE"
NOPS="$(ops_count "$BASE")"
say "the untouched node verifies ($NOPS ops)"
ok "$NODE" verify --data "$BASE"
BASE_DIGEST="$(digest_of "$BASE")"

# The dump editor.  Dumps are mdb_dump's "bytevalue" format: a header up to
# HEADER=END, then key and value lines (a space, then hex), then DATA=END.
cat >"$WORK/dumpedit.py" <<'EOF'
import sys

def parse(path):
    """[(header_lines, [(key_hex, val_hex)])] for each database in the dump."""
    dbs, hdr, pairs, state, key = [], [], [], "hdr", None
    for line in open(path, encoding="ascii").read().split("\n"):
        if state == "hdr":
            hdr.append(line)
            if line == "HEADER=END":
                state, pairs = "data", []
        elif line == "DATA=END":
            dbs.append((hdr, pairs))
            hdr, state = [], "hdr"
        elif key is None:
            key = line.strip()
        else:
            pairs.append((key, line.strip()))
            key = None
    return dbs

def write(dbs, path):
    with open(path, "w", encoding="ascii") as f:
        for hdr, pairs in dbs:
            f.write("\n".join(hdr) + "\n")
            for k, v in pairs:
                f.write(" %s\n %s\n" % (k, v))
            f.write("DATA=END\n")

def flip(value_hex, needle):
    """Flips the low bit of the last byte of needle inside the value: a
    UTF-8 continuation byte stays one, so the value still decodes."""
    b = bytearray.fromhex(value_hex)
    i = b.find(needle)
    if i < 0:
        sys.exit("needle not found in the value")
    j = i + len(needle) - 1
    b[j] ^= 0x01
    return b.hex()

cmd = sys.argv[1]
if cmd == "find":        # find DUMP NEEDLE...: key hex of the pair whose value holds all needles
    dbs = parse(sys.argv[2])
    needles = [n.encode() for n in sys.argv[3:]]
    hits = [k for _, pairs in dbs for k, v in pairs
            if all(bytes.fromhex(v).find(n) >= 0 for n in needles)]
    if len(hits) != 1:
        sys.exit("want one matching record, found %d" % len(hits))
    print(hits[0])
elif cmd == "flip":      # flip DUMP KEYHEX NEEDLE OUT: that one pair, altered
    dbs = parse(sys.argv[2])
    hdr, pairs = dbs[0]
    v = dict(pairs)[sys.argv[3]]
    write([(hdr, [(sys.argv[3], flip(v, sys.argv[4].encode()))])], sys.argv[5])
elif cmd == "drop":      # drop DUMP DBNAME KEYHEX OUT: everything but that pair
    dbs = parse(sys.argv[2])
    out, dropped = [], 0
    for hdr, pairs in dbs:
        if "database=" + sys.argv[3] in hdr:
            n = len(pairs)
            pairs = [(k, v) for k, v in pairs if k != sys.argv[4]]
            dropped = n - len(pairs)
        out.append((hdr, pairs))
    if dropped != 1:
        sys.exit("key not found")
    write(out, sys.argv[5])
EOF
edit() { python3 "$WORK/dumpedit.py" "$@" || fail "dumpedit $1 failed"; }

# copy NAME: a fresh copy of the untouched node.
copy() {
  rm -rf "${WORK:?}/$1"
  cp -a "$BASE" "$WORK/$1"
  echo "$WORK/$1"
}
seq_hex() { printf '%016x' "$1"; }

# expect_verify_fail DIR WHAT PATTERN…: verify exits 1, says so on stderr,
# matches every extended regex PATTERN, and --json agrees.
expect_verify_fail() {
  local dir=$1 what=$2
  shift 2
  expect_exit 1 "$NODE" verify --data "$dir"
  local p
  for p in "$@"; do
    grep -qE -- "$p" "$LAST_ERR" || { cat "$LAST_ERR" >&2; fail "$what: verify message does not match /$p/"; }
  done
  ! grep -q '^ok' "$LAST_OUT" || fail "$what: verify printed ok"
  expect_exit 1 "$NODE" verify --json --data "$dir"
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["ok"] is False and j["problem"], j' \
    "$LAST_OUT" || fail "$what: verify --json does not report the failure"
}

say "control: a dump/load copy of every database verifies and has the same digest"
mdb_dump -a "$BASE" >"$WORK/all.dump"
mkdir "$WORK/reloaded"
mdb_load -f "$WORK/all.dump" "$WORK/reloaded" 2>/dev/null || fail "mdb_load of the full dump"
ok "$NODE" verify --data "$WORK/reloaded"
assert_eq "$(digest_of "$WORK/reloaded")" "$BASE_DIGEST" "digest of the reloaded copy"

# The member of roster row 100 and its add op, found by content.
row="$(sed -n 101p "$R/members.csv")"
mid="$(cut -d, -f1 <<<"$row")"
mname="$(cut -d, -f2 <<<"$row")"
mdb_dump -s log "$BASE" >"$WORK/log.dump"
key="$(edit find "$WORK/log.dump" "$mid" "$mname")"
mseq=$((16#$key))
[[ $mseq -gt 1 && $mseq -lt $NOPS ]] || fail "op of $mid is $mseq, not in the middle of the log"

say "one byte of op $mseq (inside the name of $mid) altered: verify exits 1 naming op $mseq"
D="$(copy alter-mid)"
edit flip "$WORK/log.dump" "$key" "$mname" "$WORK/flip.dump"
mdb_load -s log -f "$WORK/flip.dump" "$D" 2>/dev/null || fail "mdb_load of the altered op"
mdb_dump -s log "$D" >"$WORK/log.after"
! cmp -s "$WORK/log.dump" "$WORK/log.after" || fail "the alteration did not reach the store"
[[ "$(diff "$WORK/log.dump" "$WORK/log.after" | grep -c '^[<>]')" -eq 2 ]] \
  || fail "more than one value changed in the log"
expect_verify_fail "$D" "altered op $mseq" "检查未通过" "op $mseq([^0-9]|$)"

say "the last op ($NOPS) altered: verify exits 1 naming op $NOPS"
D="$(copy alter-last)"
lkey="$(seq_hex "$NOPS")"
edit flip "$WORK/log.dump" "$lkey" "13900000002" "$WORK/flip-last.dump"
mdb_load -s log -f "$WORK/flip-last.dump" "$D" 2>/dev/null || fail "mdb_load of the altered last op"
expect_verify_fail "$D" "altered last op" "op $NOPS([^0-9]|$)"

say "the last op removed: verify exits 1"
D="$WORK/drop-last"
edit drop "$WORK/all.dump" log "$lkey" "$WORK/drop-last.dump"
mkdir "$D"
mdb_load -f "$WORK/drop-last.dump" "$D" 2>/dev/null || fail "mdb_load without the last op"
[[ "$(mdb_dump -s log "$D" | grep -c "^ $lkey\$")" -eq 0 ]] || fail "the last op is still there"
expect_verify_fail "$D" "removed last op" "$NOPS|$((NOPS - 1))"

say "op $mseq removed from the middle: verify exits 1 naming op $mseq"
D="$WORK/drop-mid"
edit drop "$WORK/all.dump" log "$key" "$WORK/drop-mid.dump"
mkdir "$D"
mdb_load -f "$WORK/drop-mid.dump" "$D" 2>/dev/null || fail "mdb_load without op $mseq"
expect_verify_fail "$D" "removed op $mseq" "op $mseq([^0-9]|$)"

say "a stored member record altered (log untouched): verify reports the state mismatch"
D="$(copy alter-member)"
mdb_dump -s members "$BASE" >"$WORK/members.dump"
mkey="$(printf %s "$mid" | od -An -tx1 | tr -d ' \n')"
edit flip "$WORK/members.dump" "$mkey" "$mname" "$WORK/flip-member.dump"
mdb_load -s members -f "$WORK/flip-member.dump" "$D" 2>/dev/null || fail "mdb_load of the altered member"
# The edit is visible to the product: the member's name changed.
ok "$NODE" member show "$mid" --json --data "$D"
python3 -c 'import json,sys; n=json.load(open(sys.argv[1], encoding="utf-8"))["name"]; assert n != sys.argv[2] and len(n) == len(sys.argv[2]), n' \
  "$LAST_OUT" "$mname" || fail "the altered member record does not show a changed name"
# The log itself is intact, so the message is about the state.
mdb_dump -s log "$D" | cmp -s - "$WORK/log.dump" || fail "the log changed"
expect_verify_fail "$D" "altered member record" "state" "differ|mismatch|rebuild"

say "the untouched node still verifies"
ok "$NODE" verify --data "$BASE"
assert_eq "$(digest_of "$BASE")" "$BASE_DIGEST" "digest of the untouched node"
