#!/bin/sh
# The build is hardened as Debian's hardening=+all asks, and the builder's
# flags are honoured: hcpcsd, hcpcs and libhcpcs.so are linked with full
# RELRO (GNU_RELRO and BIND_NOW), carry the stack protector and, outside
# the sanitizer build, the FORTIFY_SOURCE __*_chk functions (readelf, as
# hardening-check does); and the Makefile passes CPPFLAGS to every compile
# and LDFLAGS to every link, fortifying by default only when it optimises.
set -u
B=${B:-build}
if ! command -v readelf >/dev/null 2>&1; then
	echo "SKIP: readelf not installed (Debian package binutils)"; exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' INT TERM HUP
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }

major=$(sed -n 's/^#define HCPCS_VERSION_MAJOR[^0-9]*\([0-9]*\).*/\1/p' client/hcpcs.h)
for f in "$B/hcpcsd" "$B/hcpcs" "$B/libhcpcs.so.$major"; do
	if [ ! -f "$f" ]; then ko "$f not built"; continue; fi
	dyn=$(readelf -dW "$f")
	syms=$(readelf --dyn-syms -W "$f")
	if readelf -lW "$f" | grep -q '^ *GNU_RELRO '; then ok
	else ko "$f: no GNU_RELRO segment (-Wl,-z,relro)"; fi
	if printf '%s\n' "$dyn" | grep -Eq '\(FLAGS\) +.*BIND_NOW|\(FLAGS_1\) +Flags:.* NOW'
	then ok; else ko "$f: not BIND_NOW (-Wl,-z,now)"; fi
	if printf '%s\n' "$syms" | grep -q ' __stack_chk_fail'; then ok
	else ko "$f: no __stack_chk_fail (-fstack-protector-strong)"; fi
	if printf '%s\n' "$dyn" | grep -q 'NEEDED.*libasan'; then
		echo "NOTE: $f: sanitizer build, built without FORTIFY_SOURCE"
	elif chk=$(printf '%s\n' "$syms" | grep -o ' __[a-z_]*_chk@' | sort -u) &&
	    [ -n "$chk" ]; then ok
	else ko "$f: no __*_chk function (-D_FORTIFY_SOURCE=2)"; fi
done

# What the Makefile would run, for a scratch build directory.  The
# environment of an outer make (SAN=1 in MAKEFLAGS and, as a command-line
# variable, in the environment too) and the builder's own flags are left
# out, so that each case says what it sets.
cmds() {	# file [make variables]
	out=$1; shift
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SAN -u CFLAGS -u CPPFLAGS \
	    -u LDFLAGS make -n -B B="$tmp/b" "$@" "$tmp/b/hcpcsd" \
	    "$tmp/b/hcpcs" "$tmp/b/libhcpcs.so.$major" >"$out" 2>&1 ||
	    { ko "make -n $*:"; sed 's/^/    /' "$out"; }
	grep -E '^(cc|gcc|clang)( |$)' "$out" >"$out.cc"
	grep -e ' -c ' "$out.cc" >"$out.compile"
	grep -v -e ' -c ' "$out.cc" >"$out.link"
}
every() {	# file string what
	if [ -s "$1" ] && ! grep -vF -e "$2" "$1" >/dev/null; then ok
	else ko "$3: not in every command:"; grep -vF -e "$2" "$1" | head -n 2; fi
}
none() {	# file string what
	if [ -s "$1" ] && ! grep -qF -e "$2" "$1"; then ok
	else ko "$3"; grep -F -e "$2" "$1" | head -n 2; fi
}

# dpkg-buildflags' values (hardening=+all), plus markers to find them.
cmds "$tmp/deb" CFLAGS="-g -O2 -fstack-protector-strong -DMARK_CFLAGS" \
    CPPFLAGS="-Wdate-time -D_FORTIFY_SOURCE=2 -DMARK_CPPFLAGS" \
    LDFLAGS="-Wl,-z,relro -Wl,-z,now -Wl,--build-id=sha1"
every "$tmp/deb.compile" -DMARK_CPPFLAGS "CPPFLAGS in compiles"
every "$tmp/deb.compile" -DMARK_CFLAGS "CFLAGS in compiles"
every "$tmp/deb.link" -Wl,--build-id=sha1 "LDFLAGS in links"
n=$(wc -l <"$tmp/deb.link")
if [ "$n" -eq 3 ]; then ok; else ko "$n link commands, want 3"; fi

# The defaults harden; CPPFLAGS given replaces the default FORTIFY, and
# an unoptimised build (where glibc warns, and -Werror fails) has none.
cmds "$tmp/def"
every "$tmp/def.compile" -D_FORTIFY_SOURCE=2 "default -D_FORTIFY_SOURCE=2"
every "$tmp/def.compile" -fstack-protector-strong "default stack protector"
every "$tmp/def.link" -Wl,-z,relro,-z,now "default relro, now"
cmds "$tmp/f3" CPPFLAGS=-D_FORTIFY_SOURCE=3
every "$tmp/f3.compile" -D_FORTIFY_SOURCE=3 "CPPFLAGS=-D_FORTIFY_SOURCE=3"
none "$tmp/f3.compile" -D_FORTIFY_SOURCE=2 "default FORTIFY added to CPPFLAGS given"
cmds "$tmp/o0" CFLAGS="-O0 -g"
none "$tmp/o0.compile" -D_FORTIFY_SOURCE "FORTIFY with CFLAGS=-O0"
every "$tmp/o0.link" -Wl,-z,relro,-z,now "relro, now with CFLAGS=-O0"
# The sanitizer build drops FORTIFY, even one dpkg-buildflags gave.
cmds "$tmp/san" SAN=1 CPPFLAGS="-D_FORTIFY_SOURCE=2 -DMARK_CPPFLAGS"
none "$tmp/san.compile" -D_FORTIFY_SOURCE=2 "FORTIFY in the SAN build"
every "$tmp/san.compile" -DMARK_CPPFLAGS "CPPFLAGS in the SAN build"
every "$tmp/san.compile" -fsanitize=address "SAN build sanitizes"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
