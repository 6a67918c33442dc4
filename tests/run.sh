#!/bin/sh
# Run every test in one build directory ($B): the C test binaries and the
# tests/*.sh scripts.  Exit status 77 means skipped.  Ends with the plain
# tally line "N passed, N failed, N skipped".
B=${B:-build}
pass=0 fail=0 skip=0 failed=""
export HCPCSD_BIN="$PWD/$B/hcpcsd" HCPCS_BIN="$PWD/$B/hcpcs" B
for t in "$B"/tests/test_* tests/test_*.sh; do
	[ -e "$t" ] || continue
	case "$t" in *.c|*.o|*.log) continue ;; esac
	name=${t##*/}
	log="$B/tests/$name.log"
	mkdir -p "$B/tests"
	if [ "${t%.sh}" != "$t" ]; then
		timeout 300 sh "$t" >"$log" 2>&1
	else
		timeout 300 "$t" >"$log" 2>&1
	fi
	rc=$?
	case $rc in
	0)  pass=$((pass + 1)); echo "PASS $name: $(tail -n 1 "$log")" ;;
	77) skip=$((skip + 1)); echo "SKIP $name: $(grep -m1 SKIP "$log")" ;;
	*)  fail=$((fail + 1)); failed="$failed $name"
	    echo "FAIL $name (exit $rc)"; sed 's/^/    /' "$log" | tail -n 40 ;;
	esac
done
echo "$B: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
