#!/bin/sh
# Run every test of one build directory ($B): the C test binaries in
# $B/tests, and the shell (test_*.sh, run by sh) and Python (test_*.py,
# run by /usr/bin/python3) tests in $HCPCSD_TEST_DIR (default tests).
#   JOBS                 tests run at once (default: the number of CPUs)
#   HCPCSD_TEST_TIMEOUT  seconds a test may take before it is stopped and
#                        counted failed (default 300)
# Each test's output goes to $B/tests/NAME.log; exit status 77 means
# skipped.  Results are printed in a stable order whatever JOBS is, then
# how many tests skipped checks for lack of the real CMS files (they say
# so in a line starting "SKIP real data:"), then the tally line
# "B: N passed, N failed, N skipped".
B=${B:-build}
case $B in /*) babs=$B ;; *) babs=$PWD/$B ;; esac
HCPCSD_TEST_TIMEOUT=${HCPCSD_TEST_TIMEOUT:-300}
export HCPCSD_BIN="$babs/hcpcsd" HCPCS_BIN="$babs/hcpcs" B HCPCSD_TEST_TIMEOUT
limit=$HCPCSD_TEST_TIMEOUT

# "run.sh --one TEST" (what the parallel runs below call): run TEST with
# its time limit, its log and its "status seconds" in $B/tests/NAME.rc.
if [ "${1:-}" = --one ]; then
	t=$2 name=${2##*/}
	case $t in
	*.sh) set -- sh "$t" ;;
	*.py) set -- /usr/bin/python3 "$t" ;;
	*) set -- "$t" ;;
	esac
	start=$(date +%s)
	if [ "$1" = /usr/bin/python3 ] && [ ! -x /usr/bin/python3 ]; then
		echo "SKIP: /usr/bin/python3 with python3-msgpack is needed" \
		    >"$B/tests/$name.log"
		echo "77 0" >"$B/tests/$name.rc"
		exit 0
	fi
	# TERM first (the tests clean up on it), KILL 10 s later.
	timeout -k 10 "$limit" "$@" >"$B/tests/$name.log" 2>&1 </dev/null
	rc=$?
	echo "$rc $(($(date +%s) - start))" >"$B/tests/$name.rc"
	exit 0
fi

case $limit in ''|*[!0-9]*|0)
	echo "run.sh: HCPCSD_TEST_TIMEOUT=$limit: not a number of seconds" >&2
	exit 2 ;;
esac
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 1)}
case $JOBS in ''|*[!0-9]*|0)
	echo "run.sh: JOBS=$JOBS: not a number of tests at once" >&2
	exit 2 ;;
esac
dir=${HCPCSD_TEST_DIR:-tests}
mkdir -p "$B/tests"
tests=""
for t in "$B"/tests/test_* "$dir"/test_*.sh "$dir"/test_*.py; do
	[ -e "$t" ] || continue
	case "$t" in *.c|*.o|*.d|*.log|*.rc) continue ;; esac
	tests="$tests $t"
	rm -f "$B/tests/${t##*/}.rc"
done
n=$(echo $tests | wc -w)
echo "$B: $n tests, $JOBS at a time, at most $limit s each" \
    "(HCPCSD_TEST_TIMEOUT)"
# The shell and Python tests are the long ones: started first, printed
# last.
for t in $tests; do case $t in *.sh|*.py) echo "$t" ;; esac; done >"$B/tests/.order"
for t in $tests; do case $t in *.sh|*.py) ;; *) echo "$t" ;; esac; done >>"$B/tests/.order"
xargs -P "$JOBS" -n 1 sh "$0" --one <"$B/tests/.order"
rm -f "$B/tests/.order"

pass=0 fail=0 skip=0 noreal=""
for t in $tests; do
	name=${t##*/}
	log=$B/tests/$name.log
	rc=none secs=0
	[ -r "$B/tests/$name.rc" ] && read -r rc secs <"$B/tests/$name.rc"
	rm -f "$B/tests/$name.rc"
	real=""
	if grep -q '^SKIP real data:' "$log" 2>/dev/null; then
		noreal="$noreal $name"
		real=" [real data skipped]"
	fi
	# 124: stopped by TERM; 137: by the KILL that followed.
	if [ "$rc" = 124 ] || { [ "$rc" = 137 ] && [ "$secs" -ge "$limit" ]; }
	then
		rc=timeout
	fi
	case $rc in
	0)  pass=$((pass + 1))
	    echo "PASS $name: $(tail -n 1 "$log")$real ($secs s)" ;;
	77) skip=$((skip + 1))
	    echo "SKIP $name: $(grep -m1 SKIP "$log")" ;;
	*)  fail=$((fail + 1))
	    case $rc in
	    timeout) echo "FAIL $name: timed out after $limit s" \
		"(HCPCSD_TEST_TIMEOUT=$limit)" ;;
	    none) echo "FAIL $name: no result (the runner failed)" ;;
	    *) echo "FAIL $name (exit $rc, $secs s)" ;;
	    esac
	    sed 's/^/    /' "$log" 2>/dev/null | tail -n 40 ;;
	esac
done
if [ -n "$noreal" ]; then
	if [ -n "${HCPCSD_SHARED_DATA:-}" ]; then
		where="HCPCSD_SHARED_DATA=$HCPCSD_SHARED_DATA"
	else
		where="../shared/data/hcpcs (set HCPCSD_SHARED_DATA)"
	fi
	echo "real data: $(echo $noreal | wc -w) tests skipped (some of) their" \
	    "checks for lack of $where:$noreal"
fi
echo "$B: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
