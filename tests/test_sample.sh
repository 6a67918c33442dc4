#!/bin/sh
# test_sample.sh: tools/gensample.py is deterministic and the committed
# data/sample is exactly what it writes.  Run from the repository root.
set -u
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hcpcsd-sample.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# A signal (run.sh's timeout) exits through the EXIT trap too.
trap 'exit 2' INT TERM HUP
gen() {
	/usr/bin/python3 tools/gensample.py "$1" ||
	    { echo "FAIL: tools/gensample.py $1"; exit 1; }
}
gen "$tmp/a"
gen "$tmp/b"
fail=0 n=0
for f in hcpcs_sample_2025_ANWEB.txt hcpcs_sample_2026_ANWEB.txt \
    cpt/LONGULT.txt cpt/SHORTU.txt cpt/MEDU.txt local.csv; do
	n=$((n + 1))
	if ! cmp "$tmp/a/$f" "$tmp/b/$f"; then
		echo "FAIL: $f differs between two runs (not deterministic)"
		fail=1
	elif ! cmp "$tmp/a/$f" "data/sample/$f"; then
		echo "FAIL: data/sample/$f is not what the generator writes" \
		    "(run make sample)"
		fail=1
	fi
done
# Nothing else may sit in data/sample unaccounted for.
have=$(cd data/sample && find . -type f | LC_ALL=C sort | tr '\n' ' ')
want="./cpt/LONGULT.txt ./cpt/MEDU.txt ./cpt/SHORTU.txt"
want="$want ./hcpcs_sample_2025_ANWEB.txt ./hcpcs_sample_2026_ANWEB.txt"
want="$want ./local.csv "
if [ "$have" != "$want" ]; then
	echo "FAIL: data/sample holds: $have"
	fail=1
fi
[ $fail -eq 0 ] || exit 1
echo "$n sample files match the generator"
