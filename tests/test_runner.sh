#!/bin/sh
# test_runner.sh: tests/run.sh itself, over a private directory of tiny
# fake tests (HCPCSD_TEST_DIR and B point it there, so it never runs the
# real ones, nor itself): a test past the time limit is stopped, said to
# have timed out and counted failed; passing, failing, skipping and
# real-data-skipping tests, shell, Python and binary, are counted right;
# JOBS=4 prints the same results in the same order as JOBS=1.
set -u
run=$PWD/tests/run.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hcpcsd-runner.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
# A signal (run.sh's timeout) exits through the EXIT trap too.
trap 'exit 2' INT TERM HUP
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
has() {	# file extended-regex what
	if grep -Eq "$2" "$1"; then ok; else ko "$3: no /$2/ in:"; cat "$1"; fi
}
hasnt() {
	if grep -Eq "$2" "$1"; then ko "$3: /$2/ in:"; cat "$1"; else ok; fi
}

mkdir -p "$tmp/t" "$tmp/b/tests"
mk() {	# name body: a shell test in $tmp/t
	printf '%s\n' "$2" >"$tmp/t/$1"
}
mk test_pass.sh 'echo "3 checks, 0 failed"'
mk test_fail.sh 'echo "broke here"; echo "1 checks, 1 failed"; exit 1'
mk test_skip.sh 'echo "SKIP: no frobnicator"; exit 77'
mk test_realpart.sh 'echo "SKIP real data: the big file (not in /x)"
echo "5 checks, 0 failed"'
mk test_realall.sh 'echo "SKIP real data: every file (not in /x)"; exit 77'
# The time limit stops the test and what it started (its process group).
mk test_slow.sh 'sleep 30 & echo $! >"$0.pid"; wait'
# Python tests: run by /usr/bin/python3 (neither is shell).
mk test_py.py 'import sys
print("SKIP real data: a python file (not in /x)")
print("%d checks, 0 failed" % 4)'
mk test_pyskip.py 'import sys
print("SKIP: no python frobnicator")
sys.exit(77)'
# A C test binary: run directly, not with sh.
printf '#!/bin/sh\necho "7 checks, 0 failed"\n' >"$tmp/b/tests/test_bin"
chmod 755 "$tmp/b/tests/test_bin"

runner() {	# jobs output
	B=$tmp/b HCPCSD_TEST_DIR=$tmp/t HCPCSD_TEST_TIMEOUT=2 JOBS=$1 \
	    sh "$run" >"$2" 2>&1
	echo $? >"$2.rc"
}
runner 1 "$tmp/serial"
runner 4 "$tmp/parallel"

for mode in serial parallel; do
	o=$tmp/$mode
	has "$o" '^FAIL test_slow\.sh: timed out after 2 s' "$mode: timeout said"
	has "$o" '^PASS test_pass\.sh: 3 checks, 0 failed \([0-9]+ s\)$' \
	    "$mode: pass"
	has "$o" '^PASS test_bin: 7 checks, 0 failed' "$mode: a binary"
	has "$o" '^PASS test_py\.py: 4 checks, 0 failed \[real data skipped\] \([0-9]+ s\)$' \
	    "$mode: a Python test, its real-data skip"
	has "$o" '^SKIP test_pyskip\.py: SKIP: no python frobnicator$' \
	    "$mode: a Python skip"
	has "$o" '^FAIL test_fail\.sh \(exit 1, [0-9]+ s\)$' "$mode: fail"
	has "$o" '^    broke here$' "$mode: a failed test's log shown"
	has "$o" '^SKIP test_skip\.sh: SKIP: no frobnicator$' "$mode: skip"
	has "$o" '^PASS test_realpart\.sh: .*\[real data skipped\]' \
	    "$mode: partial real-data skip"
	has "$o" '^SKIP test_realall\.sh: SKIP real data: every file' \
	    "$mode: whole real-data skip"
	has "$o" '^real data: 3 tests skipped .*: test_realall\.sh test_realpart\.sh test_py\.py$' \
	    "$mode: real-data skips counted"
	# the tally closes the output
	if [ "$(tail -n 1 "$o")" = "$tmp/b: 4 passed, 2 failed, 3 skipped" ]
	then ok; else ko "$mode: tally: $(tail -n 1 "$o")"; fi
	if [ "$(cat "$o.rc")" = 1 ]; then ok; else ko "$mode: exit $(cat "$o.rc")"; fi
	for f in test_pass.sh test_slow.sh test_bin test_py.py; do
		[ -s "$tmp/b/tests/$f.log" ] || [ $f = test_slow.sh ] && ok ||
		    ko "$mode: no log for $f"
	done
done
# the sleep the slow test started was stopped with it (a zombie is dead)
spid=$(cat "$tmp/t/test_slow.sh.pid")
case $(ps -o stat= -p "$spid" 2>/dev/null) in
''|Z*) ok ;;
*) ko "the slow test's child outlived the time limit"; kill "$spid" ;;
esac
# the same results, in the same order, whatever JOBS is
strip() { sed -e 's/([0-9]* s)$//' -e 's/, [0-9]* s)$/)/' -e '/ at a time, /d' "$1"; }
if [ "$(strip "$tmp/serial")" = "$(strip "$tmp/parallel")" ]; then ok
else ko "JOBS=4 differs from JOBS=1:"; diff "$tmp/serial" "$tmp/parallel"; fi

# all good and all real data there: exit 0, no real-data line
rm "$tmp/t"/test_*
mk test_pass.sh 'echo "3 checks, 0 failed"'
runner 2 "$tmp/good"
has "$tmp/good" "^$tmp/b: 2 passed, 0 failed, 0 skipped\$" "all pass: tally"
hasnt "$tmp/good" '^real data' "all pass: no real-data line"
if [ "$(cat "$tmp/good.rc")" = 0 ]; then ok; else ko "all pass: exit $(cat "$tmp/good.rc")"; fi
# a bad limit is refused, not taken for no limit
B=$tmp/b HCPCSD_TEST_DIR=$tmp/t HCPCSD_TEST_TIMEOUT=5m sh "$run" >"$tmp/bad" 2>&1
if [ $? = 2 ]; then ok; else ko "HCPCSD_TEST_TIMEOUT=5m accepted"; fi
has "$tmp/bad" 'HCPCSD_TEST_TIMEOUT=5m: not a number' "bad limit said"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
