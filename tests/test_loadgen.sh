#!/bin/sh
# test_loadgen.sh: bench/loadgen (make bench's load generator) is built,
# its reply checker passes right replies and rejects wrong ones
# (--selftest: wrong msgid, another code's record, one byte changed, an
# error response, a lookup_many or MGET reply out of order, a Redis
# error), and a server answering wrong bytes stops it with an error
# rather than a rate.  No timing: nothing here measures speed.
B=${B:-build}
LOADGEN=${LOADGEN:-$B/loadgen}
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
if [ ! -x "$LOADGEN" ]; then
	echo "FAIL: no load generator at $LOADGEN (make all builds it)"
	exit 1
fi
tmp=$(mktemp -d) || exit 1
epid=
cleanup() { [ -n "$epid" ] && kill "$epid" 2>/dev/null; wait; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

out=$("$LOADGEN" --selftest 2>&1)
rc=$?
[ $rc = 0 ] || fail "--selftest exited $rc"
echo "$out" | grep -q '^selftest: 31 checks passed$' ||
    fail "--selftest: expected 31 checks passed, got: $out"
echo "$out" | grep -q FAIL && fail "--selftest reported: $out"

# The echo server stands in for an hcpcsd that answers the wrong bytes:
# the request itself comes back, which is not a response.
"$LOADGEN" --echo-server "$tmp/e.sock" &
epid=$!
i=0
while [ ! -S "$tmp/e.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$tmp/e.sock" ] || fail "echo server socket did not appear"
printf 'J1100\nE0250\n' >"$tmp/codes"
"$LOADGEN" --hcpcsd "$tmp/e.sock" --hcpcsd-pid "$epid" --codes "$tmp/codes" \
    --seconds 0.1 --rounds 1 >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 1 ] || fail "against a wrong server: exit $rc, expected 1"
grep -q 'unexpected reply to a lookup$' "$tmp/err" ||
    fail "against a wrong server: stderr: $(cat "$tmp/err")"
grep -q 'req/s' "$tmp/out" && fail "against a wrong server, a rate was printed"

"$LOADGEN" --bogus >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] || fail "an unknown option: exit $rc, expected 2"
grep -q '^usage: loadgen --selftest$' "$tmp/err" || fail "no usage on a bad option"

[ $fails = 0 ] || exit 1
echo "test_loadgen: all passed"
