#!/usr/bin/env bash
# A member import killed with SIGKILL at any moment leaves the node exactly
# as it was before (docs/DESIGN-NOTES.md, "Imports": all or nothing; LMDB commits whole):
# verify passes and the digest, member count and op count are unchanged.
# Then an uninterrupted import completes and adds every row.
#
# One 101,000-member roster is generated and split: its first 1,000 rows are
# the node's existing members, the other 100,000 the import that gets
# killed, so ids and id numbers never collide.  Set ZB_CRASH_SEED to replay
# the same delays.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
zb_setup

R="$WORK/roster"
gen_roster "$R" --members 101000 --townships 10 --branches 20 --seed 4242
head -n 1001 "$R/members.csv" >"$WORK/small.csv"
{ head -n 1 "$R/members.csv"; tail -n +1002 "$R/members.csv"; } >"$WORK/big.csv"
[[ "$(wc -l <"$WORK/big.csv")" -eq 100001 ]] || fail "big.csv does not hold 100,000 rows"

D="$WORK/node"
new_node "$D" 430121 crash1
ok "$NODE" org import "$R/orgs.csv" --data "$D"
ok "$NODE" member import "$WORK/small.csv" --data "$D"
ok "$NODE" verify --data "$D"
DIG0="$(digest_of "$D")"
MEM0="$(members_count "$D")"
OPS0="$(ops_count "$D")"
assert_eq "$MEM0" 1000 "members before the crashes"
say "before: $MEM0 members, $OPS0 ops, digest $DIG0"
cp -a "$D" "$WORK/pristine"

# How long an uninterrupted import takes here, on a copy of the node.
say "timing one complete import of 100,000 rows on a copy"
cp -a "$WORK/pristine" "$WORK/calib"
t0="$(date +%s.%N)"
ok "$NODE" member import "$WORK/big.csv" --data "$WORK/calib"
t1="$(date +%s.%N)"
DUR="$(python3 -c "print('%.3f' % ($t1 - $t0))")"
assert_grep "$LAST_ERR" "100000 行：新增 100000" "calibration import summary"
CALIB_DIG="$(digest_of "$WORK/calib")"
echo "a complete import takes ${DUR}s"

# Delays: one per slot, spread from 0.05 s to just short of the full
# duration, each at a random point inside its slot.
seed="${ZB_CRASH_SEED:-$$}"
echo "ZB_CRASH_SEED=$seed"
mapfile -t DELAYS < <(python3 - "$DUR" "$seed" <<'EOF'
import random, sys
dur, rng = float(sys.argv[1]), random.Random(int(sys.argv[2]))
slots = 7
lo, hi = 0.05, max(0.1, dur * 0.97)
step = (hi - lo) / slots
for i in range(slots):
    print("%.3f" % (lo + step * (i + rng.random())) if i else "%.3f" % lo)
EOF
)
echo "kill delays (s): ${DELAYS[*]}"

check_intact() {   # verify has just passed
  assert_eq "$(digest_of "$D")" "$DIG0" "$1: digest"
  assert_eq "$(members_count "$D")" "$MEM0" "$1: members"
  assert_eq "$(ops_count "$D")" "$OPS0" "$1: ops"
}

# After a kill the node holds either the state before (the import had not
# committed) or the complete import (it had, and was killed on its way out);
# anything else is a partial import.
killed=0
round=0
for delay in "${DELAYS[@]}"; do
  round=$((round + 1))
  "$NODE" member import "$WORK/big.csv" --data "$D" >/dev/null 2>"$WORK/round$round.err" &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  rc=0
  wait "$pid" 2>/dev/null || rc=$?
  if [[ $rc -ne 137 && $rc -ne 0 ]]; then
    cat "$WORK/round$round.err" >&2
    fail "round $round: import exited $rc before it was killed"
  fi
  ok "$NODE" verify --data "$D"
  n="$(members_count "$D")"
  if [[ $rc -eq 137 && $n -eq $MEM0 ]]; then
    killed=$((killed + 1))
    say "round $round: killed after ${delay}s; the node is as before"
    check_intact "round $round (killed after ${delay}s)"
  elif [[ $n -eq 101000 ]]; then
    # The import committed before the kill landed (or finished).
    say "round $round: the import had committed within ${delay}s (exit $rc); checking it, then restoring the node"
    assert_eq "$(digest_of "$D")" "$CALIB_DIG" "round $round (committed): digest"
    rm -rf "$D"
    cp -a "$WORK/pristine" "$D"
  else
    fail "round $round (exit $rc after ${delay}s): $n members, want $MEM0 (nothing stored) or 101000 (all stored)"
  fi
done
[[ $killed -ge 5 ]] || fail "only $killed of $round rounds were killed mid-import (want at least 5)"

say "an import left to finish adds all 100,000 rows"
ok "$NODE" member import "$WORK/big.csv" --data "$D"
assert_grep "$LAST_ERR" "100000 行：新增 100000，更新 0，未变 0" "final import summary"
ok "$NODE" verify --data "$D"
assert_eq "$(members_count "$D")" 101000 "members after the final import"
assert_eq "$(ops_count "$D")" "$((OPS0 + 100000))" "ops after the final import"
assert_eq "$(digest_of "$D")" "$CALIB_DIG" "digest equals that of an import that was never interrupted"
