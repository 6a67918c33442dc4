#!/bin/sh
# Every man page renders with man -l and groff reports no warnings.
if ! command -v man >/dev/null 2>&1 || ! command -v groff >/dev/null 2>&1; then
	echo "SKIP: man or groff not installed"; exit 77
fi
pass=0 fail=0
for page in hcpcsd.8 hcpcsd.yaml.5 hcpcs.1 libhcpcs.3; do
	f=docs/$page
	if [ ! -f "$f" ]; then
		echo "FAIL: $f missing"; fail=$((fail + 1)); continue
	fi
	out=$(MANWIDTH=80 man -l "$f" 2>&1 >/dev/null)
	warn=$(groff -mandoc -ww -z "$f" 2>&1)
	text=$(MANWIDTH=80 man -l "$f" 2>/dev/null | col -b)
	name=${page%.*}
	if [ -n "$out" ] || [ -n "$warn" ]; then
		echo "FAIL: $f: $out $warn"; fail=$((fail + 1))
	elif ! printf '%s\n' "$text" | grep -q "^NAME" ||
	    ! printf '%s\n' "$text" | grep -q "$name"; then
		echo "FAIL: $f: no NAME section naming $name"; fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
