#!/usr/bin/env bash
# zhibu-genroster must write exactly the bytes of the reference generator
# gen_roster.py.  The expected SHA-256 sums below were computed from the
# output of gen_roster.py run under CPython 3.11.7 (not from the C port), for
# the argument set written next to each; the reference script itself is not
# needed to run this test.
set -euo pipefail

BIN="${ZB_BIN:?ZB_BIN must name the build directory holding zhibu-genroster}"
GEN="$BIN/zhibu-genroster"
[[ -x "$GEN" ]] || { echo "FAIL: $GEN is not an executable" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# case name | arguments | sha256(orgs.csv) | sha256(members.csv)
# All from gen_roster.py, Python 3.11.7, OUTDIR followed by the arguments.
CASES=(
  # defaults: 4 townships, 5 branches, 1000 members, seed 1921 (152,120 bytes)
  "defaults||eb806332bd44fda479069df00fad321dfb76b6ffaabafe08b941dce993f7569e|850fb82a6bba7f9c0e88e7a778988681f76547c2ec25717f8241bb01cb3ca745"
  # one member
  "one|--members 1|eb806332bd44fda479069df00fad321dfb76b6ffaabafe08b941dce993f7569e|fbfc0db00164dfb0792c25eedffb56c67693dea21d52237060da3f31524100a8"
  # the benchmark roster (members.csv is 15,187,857 bytes)
  "bench100k|--townships 10 --branches 20 --members 100000|9a564895022ed6824af05703004577df5f14af32d3caa8824a57cf891b530611|c4d32d2559dfd5ba40b02c13cbb1fe18a76c586503d75c11c3c3c335af94506b"
  "bench10k|--townships 10 --branches 20 --members 10000|9a564895022ed6824af05703004577df5f14af32d3caa8824a57cf891b530611|69c0b2ec032e0fac2a8c2aa2dd758b6378897ba2706beb2d78d2d592a441d11f"
  # more townships than town names (township 17 is named "星沙17镇党委")
  "t17seed7|--townships 17 --branches 3 --members 5000 --seed 7|c1c2a03ec0ee539c9baafd3f8ed7eb5e580622ca191e613c5805c28dc9fa8c94|7101f0b6e001f69bb0a5b764d76820b00a9b18be735e2494f5670ec10c34a0a5"
  # seed 0 seeds MT19937 with the one-word key [0]
  "seed0|--seed 0|eb806332bd44fda479069df00fad321dfb76b6ffaabafe08b941dce993f7569e|e522a15a5f0162a13783f84a7ea668327f12b0129d7bd6f117e461bff92443e2"
  # a negative seed wider than 64 bits: abs() split into four 32-bit words
  "bigneg|--seed -123456789012345678901234567890 --members 500 --townships 2 --branches 1|d764b9e5bc2b6d13864d73dfb20dff4dd0c509d44430e1c7a3ca33251cea7763|393423d5f6f214e341cc29f5121d438ec7011879fed2c24c8842595d8f56d3df"
)

for c in "${CASES[@]}"; do
  IFS='|' read -r name args want_orgs want_members <<<"$c"
  out="$WORK/$name"
  rc=0
  # shellcheck disable=SC2086  # args is a word list on purpose
  "$GEN" "$out" $args >"$WORK/$name.stdout" 2>"$WORK/$name.stderr" || rc=$?
  if [[ $rc -ne 0 ]]; then
    fail "$name: exit status $rc ($(cat "$WORK/$name.stderr"))"
    continue
  fi
  [[ ! -s "$WORK/$name.stdout" ]] || fail "$name: wrote to stdout"
  got_orgs="$(sha256sum "$out/orgs.csv" | cut -d' ' -f1)"
  got_members="$(sha256sum "$out/members.csv" | cut -d' ' -f1)"
  [[ "$got_orgs" == "$want_orgs" ]] || fail "$name: orgs.csv sha256 $got_orgs, want $want_orgs"
  [[ "$got_members" == "$want_members" ]] || fail "$name: members.csv sha256 $got_members, want $want_members"
done

# Determinism: a second run with the same arguments gives the same bytes,
# and the same arguments spelled argparse's other ways (--opt=value, unique
# prefixes, options before OUTDIR) are the same arguments.
"$GEN" "$WORK/again" --townships 17 --branches 3 --members 5000 --seed 7
"$GEN" "$WORK/again2" --townships 17 --branches 3 --members 5000 --seed 7
"$GEN" --town=17 --br 3 --mem=5000 --seed=7 "$WORK/spelled"
for d in again2 spelled; do
  for f in orgs.csv members.csv; do
    cmp -s "$WORK/again/$f" "$WORK/$d/$f" || fail "$d/$f differs from a run with the same arguments"
  done
done

# Bad arguments: exit 2, one line on stderr, nothing written.
bad_args=(
  ""
  "--townships 0"
  "--branches -1"
  "--members -5"
  "--members 10000001"
  "--townships x"
  "--seed 1.5"
  "--seed"
  "--bogus 3"
  "extra-positional"
)
i=0
for args in "${bad_args[@]}"; do
  i=$((i + 1))
  out="$WORK/bad$i"
  rc=0
  if [[ -z "$args" ]]; then
    "$GEN" >/dev/null 2>"$WORK/bad$i.stderr" || rc=$?
  else
    # shellcheck disable=SC2086
    "$GEN" "$out" $args >/dev/null 2>"$WORK/bad$i.stderr" || rc=$?
  fi
  [[ $rc -eq 2 ]] || fail "bad arguments '$args': exit status $rc, want 2"
  [[ "$(wc -l <"$WORK/bad$i.stderr")" -eq 1 ]] || fail "bad arguments '$args': stderr is not one line"
  [[ ! -e "$out" ]] || fail "bad arguments '$args': created $out"
done

# --help: usage on stdout, exit 0, nothing generated.
rc=0
(cd "$WORK" && "$GEN" --help >"$WORK/help.out") || rc=$?
[[ $rc -eq 0 ]] || fail "--help: exit status $rc, want 0"
grep -q '^usage: zhibu-genroster OUTDIR' "$WORK/help.out" || fail "--help: no usage line"

# I/O error: OUTDIR is a regular file -> exit 1 naming the path.
: >"$WORK/plainfile"
rc=0
"$GEN" "$WORK/plainfile" --members 1 2>"$WORK/io.stderr" || rc=$?
[[ $rc -eq 1 ]] || fail "OUTDIR is a file: exit status $rc, want 1"
grep -qF "$WORK/plainfile" "$WORK/io.stderr" || fail "OUTDIR is a file: path not named on stderr"

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "test_genroster: all checks passed"
