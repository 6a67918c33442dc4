#!/bin/sh
# test_e2e.sh: start the real hcpcsd ($HCPCSD_BIN -f -c CONF) on a private
# socket with the synthetic fixtures of tests/fixtures/e2e (a CMS ANWEB
# file and a CSV file) and query every method three ways: from C through
# libhcpcs ($B/tests/e2e_client), from the hcpcs CLI ($HCPCS_BIN: human
# output, --json and exit codes) and from tests/pyclient.py, a Python
# client written from docs/protocol.md alone.  A second daemon serves a set
# of two releases (tests/fixtures/e2e/rel_2024q1.txt effective 2024-01-01,
# rel_2024q2.txt effective auto = 2024-04-01) for as_of, no_release, diff
# and info releases.  When the real CMS files are present, more daemons
# serve the 2020 file alone and the 2019 and 2020 files as two releases,
# whose diff must give SOURCE.md's numbers.  Every daemon is killed by its
# PID on exit.

B=${B:-build}
HCPCSD_BIN=${HCPCSD_BIN:-$PWD/$B/hcpcsd}
HCPCS_BIN=${HCPCS_BIN:-$PWD/$B/hcpcs}
E2E_CLIENT=$PWD/$B/tests/e2e_client
PY=/usr/bin/python3
FIX=$PWD/tests/fixtures/e2e
# The daemon's version is the library's (client/hcpcs.h).
version=$(sed -n 's/^#define HCPCS_VERSION_\(MAJOR\|MINOR\|PATCH\)[^0-9]*\([0-9]*\).*/\2/p' \
    client/hcpcs.h | paste -sd.)

for f in "$HCPCSD_BIN" "$HCPCS_BIN" "$E2E_CLIENT"; do
	[ -x "$f" ] || { echo "SKIP: $f not built"; exit 77; }
done
$PY -c 'import msgpack' 2>/dev/null ||
	{ echo "SKIP: python3-msgpack missing"; exit 77; }

tmp=$(mktemp -d /tmp/hcpcs-e2e.XXXXXX) || exit 2
pids=""
stop_all() {
	for p in $pids; do
		kill "$p" 2>/dev/null
		# Bounded wait for the daemon to exit.
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1; i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null
	done
	pids=""
}
cleanup() {
	stop_all
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP

checks=0 failed=0
fail() {
	failed=$((failed + 1))
	echo "FAIL: $*"
}
ok() {
	checks=$((checks + 1))
}

# run WANT_RC cmd...: run cmd with stdout in $tmp/out, stderr in $tmp/err
# and check its exit status.
run() {
	want=$1; shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	ok
	if [ "$rc" -ne "$want" ]; then
		fail "$* exited $rc, expected $want"
		sed 's/^/    out: /' "$tmp/out" | head -n 20
		sed 's/^/    err: /' "$tmp/err" | head -n 20
	fi
}

# has FILE REGEX: FILE (out or err) has a line matching REGEX.
has() {
	ok
	grep -q -e "$2" "$tmp/$1" || {
		fail "$1 of last command lacks /$2/"
		sed 's/^/    /' "$tmp/$1" | head -n 30
	}
}

# json PYEXPR: evaluate PYEXPR with j = the JSON on stdout (the first line
# when there are several, js = all lines).
json() {
	ok
	$PY -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
js = [json.loads(l) for l in lines]
j = js[0] if js else None
sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/out" "$1" ||
		{ fail "json check: $1"; head -c 2000 "$tmp/out"; echo; }
}

# start NAME CONF: run hcpcsd on CONF, wait until it answers ping.
start() {
	"$HCPCSD_BIN" -f -R -c "$2" 2>"$tmp/$1.log" &
	pid=$!
	pids="$pids $pid"
	i=0
	while [ $i -lt 100 ]; do
		"$HCPCS_BIN" -s "$3" ping >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1; i=$((i + 1))
	done
	echo "hcpcsd did not start:"; cat "$tmp/$1.log"
	exit 1
}

# The fixtures are copied so the reload test can break and mend them.
cp "$FIX/anweb.txt" "$FIX/local.csv" "$tmp/" && chmod 644 "$tmp"/*.txt \
    "$tmp"/*.csv || exit 2
sock=$tmp/hcpcsd.sock
cat >"$tmp/hcpcsd.yaml" <<EOF
socket: $sock
socket_mode: "0600"
log_level: info
max_batch: 100
code_sets:
  - name: cms
    format: cms-anweb
    path: anweb.txt
  - name: local
    format: delimited
    path: local.csv
    delimiter: ","
    columns:
      code: HCPC
      short: "SHORT DESCRIPTION"
      long: "LONG DESCRIPTION"
      added: "ADD DT"
      terminated: "TERM DT"
      tos: [TOS1, TOS2]
EOF
start fixture "$tmp/hcpcsd.yaml" "$sock"
# Fresh: no reload yet (the clients below reload).
run 0 "$HCPCS_BIN" -s "$sock" info
has out '^last reload: never$'

# ---- 1. C, through libhcpcs ----
run 0 "$E2E_CLIENT" "$sock" fixture
has out ' 0 failed$'

# ---- 2. Python, from the protocol document alone ----
run 0 $PY tests/pyclient.py "$sock" fixture
has out ' 0 failed$'

# ---- 3. the CLI ----
H="$HCPCS_BIN -s $sock"

run 0 $H ping
has out '^pong$'

run 0 $H lookup g9901
has out '^G9901  terminated  Synth care mgmt 20 min$'
has out '^    Synthetic care management services for behavioral health'
has out '^  terminated:   2017-12-31$'
has out '^  effective:    2018-01-01$'
has out '^  set:          cms$'
has out '^  betos:        M5D$'
has out '^  xref:         99493$'
has out '^  pricing:      11$'

run 0 $H lookup E9901 --set cms
has out '^  tos:          R P$'
has out '^  raw asc_date  170401$'

run 0 $H lookup A9901 --set local
has out '^A9901  active  Local ambulance mile$'

run 0 $H lookup G9901 --as-of 2017-12-31
has out '^G9901  active  '

run 1 $H lookup A9902
has out '^A9902  not found$'

run 1 $H lookup A9901 A9902 ZX
has out '^A9901  active  Synthetic ambulance mile$'
has out '^ZX  active  Synthetic modifier$'

run 2 $H lookup nope1
has err 'invalid_code'

run 2 $H lookup A9901 --set nope
has err 'bad_request: unknown set "nope"'

run 0 $H --json lookup X9901
json 'j["code"] == "X9901" and j["long"] == "Local \"quoted\" widget, with a comma"'
json 'j["tos"] == ["9", "1"] and j["set"] == "local" and j["status"] == "active"'

run 1 $H lookup --json A9901 A9902
json 'len(js) == 2 and js[0]["code"] == "A9901" and js[1] == {"code": "A9902", "found": False}'

# --json: one line per code, an error or not-found included, in order.
run 2 $H --json lookup a9901 nope1 A9902 zx
json 'len(js) == 4 and js[0]["code"] == "A9901" and js[3]["code"] == "ZX"'
json 'js[1] == {"code": "nope1", "error": {"code": "invalid_code", "message": "\"nope1\" is not a HCPCS or CPT code"}}'
json 'js[2] == {"code": "A9902", "found": False}'
# ... sent as one lookup_many, not one lookup per code
reqs() {
	"$HCPCS_BIN" -s "$sock" --json info >"$tmp/info" &&
	    $PY -c 'import json,sys; r = json.load(open(sys.argv[1]))["stats"]["requests"]
print(r.get("lookup", 0), r.get("lookup_many", 0))' "$tmp/info"
}
before=$(reqs)
run 2 $H --json lookup A9901 A9902 ZX X9901 bad!
after=$(reqs)
ok; [ "$after" = "${before% *} $((${before#* } + 1))" ] ||
    fail "5 codes: lookup, lookup_many went from $before to $after"
# Errors go to stdout as JSON too, one per code.
run 2 $H --json lookup A9901 ZX --set nope
json 'len(js) == 2 and [x["code"] for x in js] == ["A9901", "ZX"] and all(x["error"]["code"] == "bad_request" and "nope" in x["error"]["message"] for x in js)'
has err 'bad_request: unknown set "nope"'
run 2 $H --json validate A9901 2019-13-01
json 'j["code"] == "A9901" and j["error"]["code"] == "bad_request"'
run 2 "$HCPCS_BIN" --json -s "$tmp/nothing.sock" ping
json 'j["error"]["code"] == "io" and "nothing.sock" in j["error"]["message"]'

# lookup - and validate -: a code (a "code date") a line from stdin, one
# answer per line, in order.
printf 'a9901\nnope1\n\nA9902\n' >"$tmp/codes"
run 2 sh -c "$H --json lookup - <$tmp/codes"
json '[x.get("code") for x in js] == ["A9901", "nope1", "", "A9902"] and js[2]["error"]["code"] == "invalid_code" and js[3]["found"] is False'
printf 'A9901\nA9902\n' >"$tmp/codes"
run 1 sh -c "$H lookup - <$tmp/codes"
has out '^A9901  active  Synthetic ambulance mile$'
has out '^A9902  not found$'
# 250 codes against max_batch 100: the batches shrink until accepted.
$PY -c 'print("\n".join(["A9901", "A9902", "ZX", "Q"][i % 4] for i in range(250)))' \
    >"$tmp/many"
run 2 sh -c "$H --json lookup - <$tmp/many"
json 'len(js) == 250 and all((x.get("code"), "found" in x, "error" in x) == [("A9901", False, False), ("A9902", True, False), ("ZX", False, False), ("Q", False, True)][i % 4] for i, x in enumerate(js))'
printf 'G9901 2017-12-31\ng9901\t2018-01-01\nbogus\nA9901 2019-13-01\nK9901 2025-06-30\n' \
    >"$tmp/pairs"
run 2 sh -c "$H validate - <$tmp/pairs"
ok; printf '%s\n' 'G9901 on 2017-12-31: valid (ok, status active, set cms)' \
    'G9901 on 2018-01-01: invalid (terminated, set cms)' \
    'K9901 on 2025-06-30: invalid (not_yet_effective, status active, set cms)' \
    >"$tmp/want"
cmp -s "$tmp/want" "$tmp/out" || { fail "validate - output"; diff "$tmp/want" "$tmp/out"; }
has err '"bogus": expected "code date"'
has err 'A9901: bad_request'
run 2 sh -c "$H --json validate - <$tmp/pairs"
json 'len(js) == 5 and js[0]["valid"] is True and js[1]["reason"] == "terminated" and js[2] == {"code": "bogus", "error": {"code": "bad_request", "message": "expected \"code date\""}} and js[3]["error"]["code"] == "bad_request" and js[4]["reason"] == "not_yet_effective"'
printf 'G9901 2017-12-31\n' >"$tmp/pairs"
run 0 sh -c "$H validate - <$tmp/pairs"

run 0 $H validate G9901 2017-12-31
has out '^G9901 on 2017-12-31: valid (ok, status active, set cms)$'
run 1 $H validate G9901 2018-01-01
has out '^G9901 on 2018-01-01: invalid (terminated, set cms)$'
run 1 $H validate K9901 2025-06-30
has out 'invalid (not_yet_effective'
run 1 $H validate A9902 2019-01-01
has out 'invalid (not_found)'
run 1 $H --json validate Y9902 2019-01-01 --set local
json 'j == {"valid": False, "code": "Y9902", "set": "local", "status": "terminated", "reason": "terminated"}'
# Neither set holds CPT codes: not a missing code, a missing set.
run 1 $H validate 99213 2019-01-01
has out '^99213 on 2019-01-01: invalid (no_set_for_code: no loaded set holds CPT codes)$'
run 1 $H validate 99213 2019-01-01 --set local
has out '^99213 on 2019-01-01: invalid (no_set_for_code: set "local" holds no CPT codes)$'
run 1 $H --json validate 99213 2019-01-01
json 'j == {"valid": False, "code": "99213", "status": None, "reason": "no_set_for_code", "message": "no loaded set holds CPT codes"}'
run 1 $H lookup 99213
has out '^99213  not found$'
run 2 $H validate A9901 2019-13-01
has err 'bad_request'
run 2 $H validate A9901

run 0 $H search synthetic
has out '^E9901  active      Synth wheelchair lightweight$'
ok; if grep -q G9901 "$tmp/out"; then fail "search lists terminated G9901"; fi
ok; [ "$(wc -l <"$tmp/out")" -eq 6 ] || fail "search: $(wc -l <"$tmp/out") lines"
run 0 $H search synthetic --all --limit 3
ok; [ "$(wc -l <"$tmp/out")" -eq 3 ] || fail "search --limit 3"
run 0 $H search synthetic --all
has out '^G9901  terminated  Synth care mgmt 20 min$'
run 0 $H --json search wheel synth
json 'len(j) == 1 and j[0]["code"] == "E9901" and j[0]["raw"] == {"asc_date": "170401"}'
run 1 $H search zzyzx
has out '^no match$'
run 1 $H --json search zzyzx
json 'j == []'
run 2 $H search x --limit 0

run 0 $H classify g9901
has out '^G9901$'
has out '^  system:       HCPCS$'
has out '^  maintainer:   CMS$'
run 0 $H --json classify 0001u
json 'j["code"] == "0001U" and j["system"] == "CPT" and j["category"] == "PLA" and j["level"] == 1'
run 2 $H classify nope1
has err 'invalid_code'

run 0 $H info
has out "^hcpcsd $version, started "
has out '^set cms (cms-anweb): 5 codes, 1 modifiers$'
has out '^set local (delimited): 3 codes, 0 modifiers$'
has out '^  release always \[in force\]: 3 codes, 0 modifiers$'
has out '^last reload: ok at '
run 0 $H --json info
json 'j["version"] == "'"$version"'" and [s["name"] for s in j["sets"]] == ["cms", "local"]'
json 'j["sets"][1]["path"] == "'"$tmp"'/local.csv"'
gen=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["generation"])' "$tmp/out")

run 0 $H reload
has out "^reload ok, generation $((gen + 1))\$"
run 0 $H --json reload
json 'j == {"ok": True, "generation": '$((gen + 2))'}'
run 0 $H diff local - -
has out '^set local: always -> always$'

# A reload that fails keeps the old data and reports why.
mv "$tmp/local.csv" "$tmp/local.csv.away"
run 1 $H reload
has out '^reload failed: .*local'
run 1 $H --json reload
json 'j["ok"] is False and "local" in j["error"]'
run 0 $H info
has out '^last reload: failed at .*local'
run 0 $H lookup X9901
has out '^X9901  active  Local widget$'
mv "$tmp/local.csv.away" "$tmp/local.csv"
run 0 $H reload
has out '^reload ok, generation '

# Usage and connection errors.
run 0 "$HCPCS_BIN" -h
has out '^usage: hcpcs '
run 0 "$HCPCS_BIN" --help
has out '^usage: hcpcs '
run 0 "$HCPCS_BIN" --version
has out "^hcpcs $version\$"
run 0 "$HCPCS_BIN" -V
has out "^hcpcs $version\$"
run 2 "$HCPCS_BIN"
has err '^usage: hcpcs '
run 2 $H frobnicate
has err 'unknown command'
run 2 $H lookup
run 2 $H ping --bogus
has err 'unknown option'
run 2 "$HCPCS_BIN" -s "$tmp/nothing.sock" ping
has err "connect $tmp/nothing.sock: "
HCPCSD_SOCKET=$sock run 0 "$HCPCS_BIN" ping
has out '^pong$'

# ---- 4. a set of two releases ----
cp "$FIX/rel_2024q1.txt" "$FIX/rel_2024q2.txt" "$tmp/" &&
    chmod 644 "$tmp"/rel_*.txt || exit 2
relsock=$tmp/rel.sock
cat >"$tmp/rel.yaml" <<EOF
socket: $relsock
code_sets:
  - name: hcpcs
    format: cms-anweb
    min_records: 3
    releases:
      - {path: rel_2024q1.txt, effective: 2024-01-01}
      - {path: rel_2024q2.txt, effective: auto}
EOF
start releases "$tmp/rel.yaml" "$relsock"
run 0 "$E2E_CLIENT" "$relsock" releases
has out ' 0 failed$'
run 0 $PY tests/pyclient.py "$relsock" releases
has out ' 0 failed$'

R="$HCPCS_BIN -s $relsock"
run 0 $R lookup R9902 --as-of 2024-03-31
has out '^R9902  active  Release test beta pump$'
has out '^  set:          hcpcs$'
has out '^  release:      2024-01-01$'
run 0 $R lookup R9902
has out '^R9902  terminated  Release test beta pump$'
has out '^  release:      2024-04-01$'
has out '^  terminated:   2024-03-31$'
run 1 $R lookup R9904 --as-of 2024-03-31
has out '^R9904  not found$'
run 0 $R lookup R9904 --as-of 2024-04-01
has out '^  release:      2024-04-01$'
run 1 $R lookup R9901 --as-of 2023-12-31
has out '^R9901  not found$'
run 0 $R --json lookup R9903 --as-of 2024-02-01
json 'j["release"] == "2024-01-01" and j["long"] == "Release test gamma lens, first wording"'

run 1 $R validate R9901 2023-12-31
has out '^R9901 on 2023-12-31: invalid (no_release: no release of any set is in force on that date)$'
run 1 $R validate R9901 2023-12-31 --set hcpcs
has out '^R9901 on 2023-12-31: invalid (no_release: no release of that set is in force on that date)$'
run 1 $R --json validate R9901 2023-12-31
json 'j["valid"] is False and j["reason"] == "no_release" and j["status"] is None'
run 0 $R validate R9902 2024-03-31
has out '^R9902 on 2024-03-31: valid (ok, status active, set hcpcs, release 2024-01-01)$'
run 1 $R validate R9902 2024-04-01
has out '^R9902 on 2024-04-01: invalid (terminated, set hcpcs, release 2024-04-01)$'
# stale_after's default 4 months: Q2 is current up to 2024-08-01.
run 0 $R validate R9904 2024-04-01
ok; if [ -s "$tmp/err" ]; then fail "validate on Q2's date warns: $(cat "$tmp/err")"; fi
run 0 $R validate R9904 2024-08-01
ok; if [ -s "$tmp/err" ]; then fail "validate on 2024-08-01 warns: $(cat "$tmp/err")"; fi
run 0 $R validate R9904 2025-06-15
has out '^R9904 on 2025-06-15: valid (ok, status active, set hcpcs, release 2024-04-01)$'
has err "^hcpcs: warning: hcpcs's newest release is 2024-04-01; a newer quarterly release exists by 2025-06-15\$"
run 1 $R validate R9999 2025-06-15
has out '^R9999 on 2025-06-15: invalid (not_found)$'
has err '^hcpcs: warning: a newer quarterly release than those loaded exists by 2025-06-15$'
run 0 $R --json validate R9904 2025-06-15
json 'j["stale"] is True and j["valid"] is True'
run 0 $R --json validate R9904 2024-08-01
json '"stale" not in j'

run 0 $R search release test --as-of 2024-02-01
has out '^R9905  active      Release test epsilon pad$'
ok; [ "$(wc -l <"$tmp/out")" -eq 5 ] || fail "search as of Q1: $(wc -l <"$tmp/out") lines"
run 0 $R search release test --as-of 2024-05-01
has out '^R9904  active      Release test delta brace$'
ok; if grep -q -e R9902 -e R9905 "$tmp/out"; then fail "search as of Q2 lists R9902/R9905"; fi
run 0 $R search release test --as-of 2024-05-01 --all
has out '^R9902  terminated  Release test beta pump$'

run 0 $R diff hcpcs 2024-01-01 2024-04-01
ok
cat >"$tmp/want" <<EOF
set hcpcs: 2024-01-01 -> 2024-04-01
added 1, removed 1, terminated 1, changed 2
added (1):
  R9904
removed (1):
  R9905
terminated (1):
  R9902
changed (2):
  R9902  terminated
  R9903  long
EOF
cmp -s "$tmp/want" "$tmp/out" || { fail "diff output"; diff "$tmp/want" "$tmp/out"; }
run 0 $R --json diff hcpcs 2024-01-01 2024-04-01
json 'j == {"added": ["R9904"], "removed": ["R9905"], "terminated": ["R9902"], "changed": [{"code": "R9902", "fields": ["terminated"]}, {"code": "R9903", "fields": ["long"]}]}'
run 2 $R diff hcpcs 2024-01-01 2023-01-01
has err 'bad_request'
run 2 $R diff hcpcs 2024-01-01

run 0 $R info
has out '^set hcpcs (cms-anweb): 4 codes, 1 modifiers$'
has out '^  min_records:  3$'
has out '^  release 2024-01-01: 4 codes, 1 modifiers$'
has out '^  release 2024-04-01 (auto) \[in force\]: 4 codes, 1 modifiers$'
has out "^    path:       $tmp/rel_2024q1.txt\$"
has out '^    sha256:     [0-9a-f]\{64\}$'
has out '^requests: [1-9][0-9]* (.*diff [1-9]'
has out '^errors: [1-9][0-9]* (.*bad_request [1-9]'
has out '^connections: [1-9][0-9]* current, [1-9][0-9]* total'
has out '^bytes: [1-9][0-9]* in, [1-9][0-9]* out$'
has out '^reloads: [0-9]*, 0 failed'
nrel=$(sed -n 's/^reloads: \([0-9]*\),.*/\1/p' "$tmp/out")
run 0 $R reload
run 0 $R info
has out "^reloads: $((nrel + 1)), 0 failed, last took [0-9]* ms\$"

# ---- 5. the real CMS files, when present ----
data=${HCPCSD_SHARED_DATA:-}
for d in ../shared/data/hcpcs ../../shared/data/hcpcs; do
	[ -n "$data" ] || { [ -d "$d" ] && data=$(cd "$d" && pwd); }
done
real=$data/HCPC2020_ANWEB_w_disclaimer.txt
if [ -n "$data" ] && [ -r "$real" ]; then
	rsock=$tmp/real.sock
	cat >"$tmp/real.yaml" <<EOF
socket: $rsock
code_sets:
  - name: hcpcs2020
    format: cms-anweb
    path: $real
EOF
	start real "$tmp/real.yaml" "$rsock"
	run 0 "$E2E_CLIENT" "$rsock" real
	has out ' 0 failed$'
	run 0 $PY tests/pyclient.py "$rsock" real
	has out ' 0 failed$'
	run 0 "$HCPCS_BIN" -s "$rsock" --json lookup G0503
	json 'len(j["long"]) == 1251 and j["terminated"] == "2017-12-31" and j["status"] == "terminated"'
	run 1 "$HCPCS_BIN" -s "$rsock" validate G0503 2018-01-01
	has out '^G0503 on 2018-01-01: invalid (terminated, set hcpcs2020)$'
else
	echo "SKIP real data: HCPC2020_ANWEB_w_disclaimer.txt (not in" \
	    "${data:-../shared/data/hcpcs})"
fi
real19=$data/HCPC2019_CONTR_ANWEB.txt
if [ -n "$data" ] && [ -r "$real" ] && [ -r "$real19" ]; then
	r2sock=$tmp/real2.sock
	cat >"$tmp/real2.yaml" <<EOF
socket: $r2sock
code_sets:
  - name: hcpcs
    format: cms-anweb
    releases:
      - {path: $real19, effective: 2019-01-01}
      - {path: $real, effective: 2020-01-01}
EOF
	start real2 "$tmp/real2.yaml" "$r2sock"
	run 0 "$E2E_CLIENT" "$r2sock" real2
	has out ' 0 failed$'
	run 0 $PY tests/pyclient.py "$r2sock" real2
	has out ' 0 failed$'
	H2="$HCPCS_BIN -s $r2sock"
	run 0 $H2 diff hcpcs 2019-01-01 2020-01-01
	has out '^added 279, removed 0, terminated 89, changed 177$'
	has out ' C1890\( \|$\)'
	has out '^  G0365  .*terminated'
	run 0 $H2 validate G0365 2019-06-01
	has out '^G0365 on 2019-06-01: valid (ok, status active, set hcpcs, release 2019-01-01)$'
	run 1 $H2 validate G0365 2020-02-01
	has out '^G0365 on 2020-02-01: invalid (terminated, set hcpcs, release 2020-01-01)$'
	run 1 $H2 lookup DA --as-of 2019-06-01
	has out '^DA  not found$'
	run 0 $H2 lookup DA --as-of 2020-02-01
	has out '^  release:      2020-01-01$'
	run 0 $H2 info
	has out '^  release 2019-01-01: '
	has out '^  release 2020-01-01 \[in force\]: 6710 codes, 369 modifiers$'
else
	echo "SKIP real data: releases HCPC2019_CONTR_ANWEB.txt and" \
	    "HCPC2020_ANWEB_w_disclaimer.txt" \
	    "(not in ${data:-../shared/data/hcpcs})"
fi

# ---- a fake server: what the CLI makes of odd but well-framed replies ----
# ping answers a str with control characters, UTF-8 and bytes that are
# not UTF-8; search answers a record whose code is an int
# (tests/e2e_fake_server.py).
$PY tests/e2e_fake_server.py "$tmp/fake.sock" 2>"$tmp/fake.err" &
fake_pid=$!
i=0
while [ ! -e "$tmp/fake.sock.ready" ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
run 0 "$HCPCS_BIN" -s "$tmp/fake.sock" --json ping
# Valid JSON; UTF-8 passes through, each byte that is not UTF-8 is U+FFFD.
json 'j == "a\"\\\x00\x01\x1f\x7f\t caf\u00e9 \u20ac \U0001F600 bad\ufffd\ufffd( \ufffd\ufffd\ufffd \ufffd\ufffd\ufffd\ufffd\ufffd\ufffd end"'
# A record whose code is not a str: printed as "?", not "(null)".
run 0 "$HCPCS_BIN" -s "$tmp/fake.sock" search x
has out '^? *active *x$'
kill "$fake_pid" 2>/dev/null
wait "$fake_pid" 2>/dev/null

# The daemons must still be alive: nothing above crashed them.  Then stop
# them; under SAN=1 a sanitizer report in a log fails the test.
for p in $pids; do
	ok; kill -0 "$p" 2>/dev/null || fail "hcpcsd $p died"
done
stop_all
for log in "$tmp"/*.log; do
	ok
	if grep -q -E 'AddressSanitizer|LeakSanitizer|runtime error' "$log"; then
		fail "sanitizer report in ${log##*/}"
		head -n 40 "$log"
	fi
done

echo "$checks checks, $failed failed"
[ "$failed" -eq 0 ]
