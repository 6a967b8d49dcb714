#!/usr/bin/env bash
# The dashboard (README "The dashboard"; common/net/zb_http.c): zhibu-server
# run --http over real HTTPS with the server's certificate, real tokens,
# and a real browser (Debian's chromium, headless):
#   - without a token 401, a bad or revoked token 401, an org outside the
#     token's subtree 403, /metrics only for a root org's token;
#   - every JSON report of the API equals the CLI's `report … --json`;
#   - the page a browser renders shows the numbers of `report stats`, its
#     drill-down links lead to the orgs below, and a screenshot is saved
#     (tests' artifacts: $ZB_ARTIFACTS, default the test's build dir);
#   - the county's page (its members read in two parts at once) shows the
#     statistics of `report stats` and each child's count of members;
#   - tokens are stored hashed: the token's text is nowhere in the data.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup
CHROME="$(command -v chromium || true)"
[[ -n "$CHROME" ]] || fail "chromium is not installed (deploy/install-deps.sh installs it)"

C=430121
T1=430121-01
T2=430121-02
SRV="$WORK/srv"
LOG="$WORK/server.log"
show_logs_on_failure "$LOG"
R="$WORK/roster"
gen_roster "$R" --townships 2 --branches 3 --members 600 --seed 13
ART="${ZB_ARTIFACTS:-$PWD}"
mkdir -p "$ART"

say "a server with a county's members (pushed by the county's node)"
ok "$SERVER" init --data "$SRV"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
conv_enroll "$SRV" "$WORK/c" c "$C"
ok "$SERVER" token issue --org "$C" --data "$SRV"
TC="$(cat "$LAST_OUT")"
ok "$SERVER" token issue --org "$T1" --expires 30 --data "$SRV"
TT="$(cat "$LAST_OUT")"
ok "$SERVER" token issue --org "$T2" --data "$SRV"
TX="$(cat "$LAST_OUT")"
[[ "$TC" =~ ^zbt_[0-9a-f]{64}$ ]] || fail "token issue printed '$TC'"
expect_exit 4 "$SERVER" token issue --org 430121-77 --data "$SRV"
rm -f "$WORK/http.port"
"$SERVER" run --data "$SRV" --listen 127.0.0.1:0 --port-file "$WORK/conv.port" \
  --http 127.0.0.1:0 --http-port-file "$WORK/http.port" 2>>"$LOG" &
CONV_SRV_PID=$!
HP="$(wait_port_file "$WORK/http.port" "$CONV_SRV_PID")"
CONV_PORT="$(wait_port_file "$WORK/conv.port" "$CONV_SRV_PID")"
CONV_ADDR="127.0.0.1:$CONV_PORT"
conv_sync "$WORK/c"
ok "$NODE" member import "$R/members.csv" --data "$WORK/c"
say "dues paid this month by three members of $T1-01, two meetings held today"
TODAY="$(date -u +%F)"
YEAR="${TODAY:0:4}"
conv_members_of "$R/members.csv" "$WORK/b11.csv" "$T1-01"
for m in $(awk -F, 'NR > 1 && NR <= 4 {print $1}' "$WORK/b11.csv"); do
  ok "$NODE" dues pay "$m" --month "${TODAY:0:7}" --kind student --date "$TODAY" --data "$WORK/c"
done
ok "$NODE" meeting add --org "$T1-01" --type branch_general --date "$TODAY" --topic 学习 --data "$WORK/c"
ok "$NODE" meeting add --org "$T1-02" --type committee --date "$TODAY" --topic 学习 --data "$WORK/c"
conv_sync "$WORK/c"
# A branch node that never syncs: the freshness map shows it.
ok "$SERVER" enroll --data "$SRV" --node-id b12 --org "$T1-02" --server 127.0.0.1:7420 \
  --out "$WORK/b12.bundle"
ok "$SERVER" token revoke "$(python3 -c '
import hashlib, sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest()[:8])' "$TX")" --data "$SRV"

# get PATH TOKEN OUT: the HTTP status of GET https://127.0.0.1:$HP/PATH
# (TOKEN "-": none), the body in OUT.  The server's CA is trusted; its
# name is checked as "localhost".
get() {
  python3 - "$HP" "$1" "$2" "$3" "$SRV/pki/ca.crt" <<'PY'
import ssl, sys, urllib.request, urllib.error, http.client
port, path, tok, out, ca = sys.argv[1:6]
ctx = ssl.create_default_context(cafile=ca)
conn = http.client.HTTPSConnection("localhost", int(port), context=ctx, timeout=30)
conn.sock = None
import socket
raw = socket.create_connection(("127.0.0.1", int(port)), timeout=30)
conn.sock = ctx.wrap_socket(raw, server_hostname="localhost")
headers = {} if tok == "-" else {"Authorization": "Bearer " + tok}
conn.request("GET", path, headers=headers)
r = conn.getresponse()
open(out, "wb").write(r.read())
print(r.status)
PY
}

say "tokens: none 401, revoked 401, another subtree 403, metrics for a root org only"
assert_eq "$(get /api/report/stats - "$WORK/r.out")" 401 "no token"
assert_eq "$(get "/api/report/stats?org=$T1" "zbt_$(printf '0%.0s' {1..64})" "$WORK/r.out")" 401 "a made-up token"
assert_eq "$(get "/api/report/stats?org=$T2" "$TX" "$WORK/r.out")" 401 "a revoked token"
assert_eq "$(get "/api/report/stats?org=$T2" "$TT" "$WORK/r.out")" 403 "a township's token for another township"
assert_eq "$(get "/api/report/stats?org=$C" "$TT" "$WORK/r.out")" 403 "a township's token for its county"
assert_eq "$(get /metrics "$TT" "$WORK/r.out")" 403 "metrics with a township's token"
assert_eq "$(get /metrics "$TC" "$WORK/metrics.txt")" 200 "metrics with the county's token"
assert_grep "$WORK/metrics.txt" "zhibu_members 600" "metrics count the members"
! grep -rq "${TC#zbt_}" "$SRV" || fail "a token's text is stored in the server's data"

say "the JSON API equals the CLI's reports"
for org in "$C" "$T1" "$T1-01"; do
  assert_eq "$(get "/api/report/stats?org=$org&as_of=2026-06-30" "$TC" "$WORK/api.json")" 200 "stats $org"
  ok "$SERVER" report stats --json --org "$org" --as-of 2026-06-30 --data "$SRV"
  python3 -c 'import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); assert a==b, (a,b)' \
    "$WORK/api.json" "$LAST_OUT" || fail "API stats of $org differs from report stats --json"
done
assert_eq "$(get "/api/report/pipeline?org=$T1" "$TT" "$WORK/api.json")" 200 "pipeline"
ok "$SERVER" report pipeline --json --org "$T1" --data "$SRV"
python3 -c 'import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); assert a==b, (a,b)' \
  "$WORK/api.json" "$LAST_OUT" || fail "API pipeline differs"
assert_eq "$(get "/api/report/meetings?org=$T1&year=2026" "$TT" "$WORK/api.json")" 200 "meetings"
ok "$SERVER" report meetings --json --org "$T1" --year 2026 --data "$SRV"
python3 -c 'import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); assert a==b, (a,b)' \
  "$WORK/api.json" "$LAST_OUT" || fail "API meetings differs"
assert_eq "$(get "/api/report/stats?org=$T1&as_of=junk" "$TT" "$WORK/r.out")" 400 "a bad date"
assert_eq "$(get "/api/report/stats?org=<script>" "$TC" "$WORK/r.out")" 400 "not an org code"

say "the county's page (its members read in two parts at once) shows report stats and each child's count"
assert_eq "$(get "/org/$C" "$TC" "$WORK/county.html")" 200 "the county's page"
ok "$SERVER" report stats --json --org "$C" --data "$SRV"
python3 - "$WORK/county.html" "$LAST_OUT" "$R/members.csv" "$C" <<'PY' || fail "the county's page"
import csv, json, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
stats = json.load(open(sys.argv[2], encoding="utf-8"))
org = sys.argv[4]
def num(id_):
    return int(re.search(r'id="%s"[^>]*>(\d+)<' % id_, html).group(1))
assert (num("total"), num("full"), num("probationary")) == \
    (stats["total"], stats["category"]["正式党员"], stats["category"]["预备党员"]), "totals"
def figure(title):
    fig = re.search(r'<figcaption>%s</figcaption>(.*?)</figure>' % title, html, re.S).group(1)
    return [int(v) for v in re.findall(r'class="n">(\d+)</text>', fig)]
assert figure("年龄") == list(stats["age"].values()), ("age", figure("年龄"), stats["age"])
assert figure("入党时间") == list(stats["join_period"].values()), "join periods"
edu = figure("学历")
assert edu == list(stats["education"].values())[:len(edu)] and len(edu) > 3, "education"
# The children's table: every member of each child's subtree, by the roster.
want = {}
for r in csv.DictReader(open(sys.argv[3], encoding="utf-8")):
    if r["org_code"].startswith(org + "-"):
        child = org + "-" + r["org_code"][len(org) + 1:].split("-")[0]
        want[child] = want.get(child, 0) + 1
got = {c: int(n) for c, n in re.findall(
    r'<td>([0-9-]+)</td><td class="n"><a href="/org/[0-9-]+/members\?token=[^"]*">(\d+)</a>', html)}
assert got == want and len(got) == 2, ("children", got, want)
PY

say "a real browser renders the township's page with the report's numbers"
ok "$SERVER" report stats --json --org "$T1" --data "$SRV"
TOTAL="$(conv_json_field "$LAST_OUT" total)"
browse() {   # browse URL OUT [SHOT]: chromium's rendered DOM of URL into OUT
  local shot=()
  [[ -n "${3:-}" ]] && shot=(--screenshot="$3" --window-size=1200,1600)
  timeout 120 "$CHROME" --headless=new --no-sandbox --disable-gpu --ignore-certificate-errors \
    --user-data-dir="$WORK/chrome" --no-first-run --disable-dev-shm-usage "${shot[@]}" \
    --dump-dom "$1" >"$2" 2>>"$WORK/chrome.err" || fail "chromium could not open $1: $(tail -3 "$WORK/chrome.err")"
}
browse "https://127.0.0.1:$HP/org/$T1?token=$TT" "$WORK/page.html"
python3 - "$WORK/page.html" "$TOTAL" "$LAST_OUT" "$T1" <<'PY' || fail "the rendered page"
import json, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
total, stats, org = sys.argv[2], json.load(open(sys.argv[3], encoding="utf-8")), sys.argv[4]
m = re.search(r'id="total"[^>]*>(\d+)<', html)
assert m and m.group(1) == total, ("total", m and m.group(1), total)
full = re.search(r'id="full">(\d+)<', html).group(1)
assert int(full) == stats["category"]["正式党员"], (full, stats["category"])
for b in ("430121-01-01", "430121-01-02", "430121-01-03"):
    assert f'href="/org/{b}?token=' in html, ("drill-down to", b)
assert "<svg" in html and "年龄" in html, "the charts"
PY
say "the dues, meetings and freshness charts show the numbers of report dues|meetings|freshness"
ok "$SERVER" report dues --json --org "$T1" --year "$YEAR" --data "$SRV"
cp "$LAST_OUT" "$WORK/dues.json"
ok "$SERVER" report meetings --json --org "$T1" --year "$YEAR" --data "$SRV"
cp "$LAST_OUT" "$WORK/meetings.json"
ok "$SERVER" report freshness --json --org "$T1" --data "$SRV"
cp "$LAST_OUT" "$WORK/fresh.json"
python3 - "$WORK/page.html" "$WORK/dues.json" "$WORK/meetings.json" "$WORK/fresh.json" "$T1" <<'PY' || fail "the dues, meetings and freshness charts"
import json, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
dues, meet, fresh = (json.load(open(p, encoding="utf-8")) for p in sys.argv[2:5])
org = sys.argv[5]
def num(id_):
    m = re.search(r'id="%s"[^>]*>(\d+)<' % id_, html)
    assert m, ("no number", id_)
    return int(m.group(1))
assert dues["months_paid"] == 3, dues    # the three payments of this month
assert (num("dues-due"), num("dues-paid"), num("dues-arrears")) == \
    (dues["months_due"], dues["months_paid"], len(dues["arrears"])), "dues totals"
bars = {o: (int(n), int(d)) for o, n, d in re.findall(
    r'href="/org/([0-9-]+)/arrears\?token=[^"]*"><text[^>]*data-num="(\d+)" data-den="(\d+)"', html)}
assert bars == {r["org"]: (r["months_paid"], r["months_due"]) for r in dues["orgs"]}, (bars, dues["orgs"])
req = sum(t["required"] for b in meet["branches"] for t in b["types"].values())
met = sum(t["required"] - len(t["missing"]) for b in meet["branches"] for t in b["types"].values())
assert met >= 2, meet
assert (num("meetings-required"), num("meetings-met")) == (req, met), ("meetings", req, met)
mb = re.findall(r'id="meetings-(\d+)" data-num="(\d+)" data-den="(\d+)"', html)
want = [(sum(t["required"] - len(t["missing"]) for t in b["types"].values()),
         sum(t["required"] for t in b["types"].values())) for b in meet["branches"]]
assert [(int(n), int(d)) for _, n, d in mb] == want, (mb, want)
assert num("fresh-flagged") == fresh["flagged"], "flagged"
assert num("fresh-orgs") == len(fresh["orgs_without_node"]), "branches without a node"
rows = re.findall(r'<tr data-node="([^"]+)"[^>]*>.*?class="n days">(\d*)</td><td class="n unpushed">(\d*)</td>', html)
want = [(n["node_id"], "" if n["days_silent"] is None else str(n["days_silent"]),
         "" if n["unpushed"] is None else str(n["unpushed"])) for n in fresh["nodes"]]
assert rows == want, (rows, want)
assert [r[0] for r in rows] == ["b12"], rows                    # the county's node is above
cells = dict(re.findall(r'data-org="([0-9-]+)" data-days="(-?\d+)"', html))
assert set(cells) == {"%s-0%d" % (org, i) for i in (1, 2, 3)}, cells
b12 = [n for n in fresh["nodes"] if n["node_id"] == "b12"][0]
covered = {o["code"]: o["covered_by_node"] for o in fresh["orgs_without_node"]}
assert covered[org + "-01"] == "c" and org + "-02" not in covered, covered
assert cells[org + "-01"] == "0", cells                        # the county's node, synced now
assert cells[org + "-02"] == str(b12["days_silent"]), cells    # its own node, never synced
# A node enrolled but never synced is "never" (purple, 从未同步), not fresh
# green, however few days ago it was enrolled.
g = dict((c, (st, fill)) for c, st, fill in re.findall(
    r'data-org="([0-9-]+)" data-days="-?\d+" data-state="([a-z]+)"><rect [^>]*fill="([^"]+)"', html))
assert b12["state"] == "never", b12
assert g[org + "-02"] == ("never", "#8e44ad"), g
assert g[org + "-01"] == ("synced", "#27ae60"), g
assert re.search(r'data-org="%s-02"[^>]*>.*?<text[^>]*>[^<]*</text><text[^>]*>从未同步</text>' % org, html), "label"
row = re.search(r'<tr data-node="b12" style="background:([^"]+)">', html).group(1)
assert row == "#8e44ad33", row
assert "党费收缴" in html and "三会一课" in html and "数据新鲜度" in html, "Chinese titles"
PY
browse "https://127.0.0.1:$HP/org/$T1/arrears?token=$TT" "$WORK/arrears.html"
python3 - "$WORK/arrears.html" "$WORK/dues.json" <<'PY' || fail "the arrears list behind the number"
import json, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
dues = json.load(open(sys.argv[2], encoding="utf-8"))
assert re.search(r'<p id="count">(\d+)</p>', html).group(1) == str(len(dues["arrears"]))
assert len(re.findall(r"<tr><td>", html)) == len(dues["arrears"])
PY
for what in "dues?org=$T1&year=$YEAR:report dues --json --org $T1 --year $YEAR" \
  "freshness?org=$T1:report freshness --json --org $T1"; do
  assert_eq "$(get "/api/report/${what%%:*}" "$TT" "$WORK/api.json")" 200 "API ${what%%:*}"
  # shellcheck disable=SC2086
  ok "$SERVER" ${what#*:} --data "$SRV"
  python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
a.pop("as_of", None) if "nodes" in a else None
b.pop("as_of", None) if "nodes" in b else None
assert a == b, (a, b)' "$WORK/api.json" "$LAST_OUT" || fail "API ${what%%:*} differs from the CLI"
done
browse "https://127.0.0.1:$HP/org/$T1-01/members?token=$TT" "$WORK/members.html"
ok "$SERVER" report stats --json --org "$T1-01" --data "$SRV"
assert_grep "$WORK/members.html" "<p id=\"count\">$(conv_json_field "$LAST_OUT" total)</p>" \
  "the list behind a number has that many rows"
browse "https://127.0.0.1:$HP/org/$T1?token=$TT" "$WORK/page2.html" "$ART/dashboard-$T1.png"
[[ -s "$ART/dashboard-$T1.png" ]] || fail "no screenshot"
browse "https://127.0.0.1:$HP/org/$T1" "$WORK/noauth.html"
assert_grep "$WORK/noauth.html" "a valid token is needed" "the browser without a token is refused"

say "sync is served while pages load"
pids=()
for i in 1 2 3 4 5; do
  get "/org/$C" "$TC" "$WORK/p$i.html" >"$WORK/p$i.status" &
  pids+=($!)
done
conv_sync "$WORK/c"
for p in "${pids[@]}"; do wait "$p" || fail "a page load failed"; done
for i in 1 2 3 4 5; do assert_eq "$(cat "$WORK/p$i.status")" 200 "page load $i"; done
conv_assert_converged "$SRV" "$WORK/c" "$C" "county"
conv_stop_server
say "ok"
