#!/bin/sh
# The man pages: each renders with man -l, groff reports no warnings,
# lexgrog finds its NAME line and mandoc -T lint has nothing to say (but
# that the pages they refer to are not installed); quotes close where
# they should; the protocol is cited where `make install` puts it; and
# hcpcsd.yaml(5)'s min_records example accepts the file it names.
if ! command -v man >/dev/null 2>&1 || ! command -v groff >/dev/null 2>&1; then
	echo "SKIP: man or groff not installed"; exit 77
fi
: "${HCPCSD_BIN:=build/hcpcsd}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' INT TERM HUP
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
export LC_ALL=C.UTF-8
for page in hcpcsd.8 hcpcsd.yaml.5 hcpcs.1 libhcpcs.3; do
	f=docs/$page
	if [ ! -f "$f" ]; then ko "$f missing"; continue; fi
	out=$(MANWIDTH=80 man -l "$f" 2>&1 >/dev/null)
	warn=$(groff -mandoc -ww -z "$f" 2>&1)
	text=$(MANWIDTH=80 man -l "$f" 2>/dev/null | col -b)
	name=${page%.*}
	if [ -n "$out" ] || [ -n "$warn" ]; then
		ko "$f: $out $warn"
	elif ! printf '%s\n' "$text" | grep -q "^NAME" ||
	    ! printf '%s\n' "$text" | grep -q "$name"; then
		ko "$f: no NAME section naming $name"
	else ok; fi

	# lexgrog is what mandb runs to fill whatis(1) and apropos(1).
	if command -v lexgrog >/dev/null 2>&1; then
		if lg=$(lexgrog "$f" 2>&1) &&
		    printf '%s\n' "$lg" | grep -q "\"$name - "; then ok
		else ko "lexgrog $f: $lg"; fi
	fi
	# Every message but the cross-references, which resolve once the
	# pages are installed (and sd_notify(3) with libsystemd-dev).
	if command -v mandoc >/dev/null 2>&1; then
		lint=$(mandoc -T lint -W style "$f" 2>&1 |
		    grep -v -e 'referenced manual not found' \
		    -e 'outdated mandoc.db')
		if [ -z "$lint" ]; then ok; else ko "mandoc -T lint $f:"
			printf '%s\n' "$lint" | sed 's/^/    /'; fi
	else
		echo "NOTE: mandoc not installed (Debian package mandoc); not linted"
	fi

	# Each quotation closes before the next opens and holds its own
	# parentheses: ".Dq a , Dq b" and a ")" ending a .Dq line move the
	# closing quotes and the parenthesis out of place.  Wide, so that no
	# quotation is broken across lines.
	MANWIDTH=1000 man -l "$f" 2>/dev/null | col -b >"$tmp/$page.txt"
	if /usr/bin/python3 tests/man_quotes.py "$tmp/$page.txt"
	then ok; else ko "$f: quotation marks"; fi

	# The protocol as installed (Makefile: DOCDIR, the path substituted
	# at install time), not a path of the source tree.
	if grep -n 'docs/protocol\.md' "$f"; then
		ko "$f cites docs/protocol.md"
	elif ! grep -q 'protocol\.md' "$f" ||
	    grep -q '^\.Pa /usr/share/doc/hcpcsd/protocol\.md' "$f"; then ok
	else ko "$f: protocol.md not cited as /usr/share/doc/hcpcsd/protocol.md"; fi
done

# libhcpcs(3) says how to build against a library outside the system's
# paths.
for w in PKG_CONFIG_PATH LD_LIBRARY_PATH -rpath; do
	if grep -q -e "$w" docs/libhcpcs.3; then ok
	else ko "libhcpcs.3 does not say how to use $w"; fi
done

# min_records: the example value is about 95% of the file it names (the
# 2019 annual file, 6,800 records), and that file loads with it.
mr=$(sed -n 's/^\.Dl min_records: \([0-9]*\)$/\1/p' docs/hcpcsd.yaml.5)
if grep -q '2019 CMS annual file' docs/hcpcsd.yaml.5 &&
    grep -q '6,800 records' docs/hcpcsd.yaml.5 &&
    [ -n "$mr" ] && [ "$mr" -ge 6100 ] && [ "$mr" -le 6800 ]; then ok
else ko "hcpcsd.yaml.5 min_records example '$mr' is not ~95% of 6,800"; fi
for f in conf/hcpcsd.yaml docs/hcpcsd.yaml.5 docs/admin.md; do
	if grep -q 'min_records: 7000' "$f"; then
		ko "$f: min_records: 7000, which refuses the 2019 file (6,800 records)"
	else ok; fi
done
data=${HCPCSD_SHARED_DATA:-}
for d in ../shared/data/hcpcs ../../shared/data/hcpcs; do
	[ -z "$data" ] && [ -d "$d" ] && data=$(cd "$d" && pwd)
done
f2019=$data/HCPC2019_CONTR_ANWEB.txt
if [ -n "$data" ] && [ -f "$f2019" ] && [ -x "$HCPCSD_BIN" ] && [ -n "$mr" ]; then
	for n in "$mr" 7000; do
		cat >"$tmp/c$n.yaml" <<EOF
socket: $tmp/s.sock
code_sets:
  - name: hcpcs
    format: cms-anweb
    min_records: $n
    path: $f2019
EOF
		"$HCPCSD_BIN" -t -c "$tmp/c$n.yaml" >"$tmp/t$n.out" 2>&1
		echo $? >"$tmp/t$n.rc"
	done
	if [ "$(cat "$tmp/t$mr.rc")" = 0 ] &&
	    grep -q '^hcpcs: 6440 procedures, 360 modifiers' "$tmp/t$mr.out"; then ok
	else ko "2019 file with min_records: $mr: $(cat "$tmp/t$mr.out")"; fi
	# The check bites: the old example refused this very file.
	if [ "$(cat "$tmp/t7000.rc")" != 0 ] &&
	    grep -q '6800 records, fewer than min_records 7000' "$tmp/t7000.out"
	then ok; else ko "2019 file with min_records: 7000: $(cat "$tmp/t7000.out")"; fi
else
	echo "NOTE: real 2019 CMS file or $HCPCSD_BIN not found; example not loaded"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
