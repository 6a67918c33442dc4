#!/bin/sh
# make install into a staged DESTDIR puts every file where a distribution
# would, and the installed pkg-config file and library build a client.
set -u
B=${B:-build}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
make -s install B="$B" PREFIX=/usr SYSCONFDIR=/etc DESTDIR="$stage" \
    >"$stage.log" 2>&1 || { cat "$stage.log"; rm -f "$stage.log"; exit 1; }
rm -f "$stage.log"
pass=0 fail=0
for f in usr/sbin/hcpcsd usr/bin/hcpcs usr/lib/libhcpcs.a usr/lib/libhcpcs.so \
    usr/lib/pkgconfig/hcpcs.pc usr/include/hcpcs.h etc/hcpcsd/hcpcsd.yaml \
    usr/share/man/man8/hcpcsd.8 usr/share/man/man5/hcpcsd.yaml.5 \
    usr/share/man/man1/hcpcs.1 usr/share/man/man3/libhcpcs.3; do
	if [ -e "$stage/$f" ]; then pass=$((pass + 1))
	else echo "FAIL: $f not installed"; fail=$((fail + 1)); fi
done
if grep -q '^prefix=/usr$' "$stage/usr/lib/pkgconfig/hcpcs.pc"; then
	pass=$((pass + 1))
else
	echo "FAIL: hcpcs.pc prefix"; cat "$stage/usr/lib/pkgconfig/hcpcs.pc"
	fail=$((fail + 1))
fi
# A client built against the staged header and library links and runs.
cat >"$stage/c.c" <<'C'
#include <stdio.h>
#include <hcpcs.h>
int main(void) { printf("%d\n", HCPCS_VERSION_MAJOR >= 0); return 0; }
C
if cc -I"$stage/usr/include" -o "$stage/c" "$stage/c.c" \
    -L"$stage/usr/lib" -lhcpcs $(pkg-config --libs msgpack) &&
    [ "$(LD_LIBRARY_PATH=$stage/usr/lib "$stage/c")" = 1 ]; then
	pass=$((pass + 1))
else
	echo "FAIL: client against staged install"; fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
