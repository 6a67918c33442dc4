#!/bin/sh
# make install into a staged DESTDIR puts every file where a distribution
# would: the units name the installed binary and configuration, the shared
# library has its soname links, the installed pkg-config file builds a
# client, and a second install keeps the admin's configuration.  Without
# DESTDIR, a PREFIX writes nothing outside it (SYSCONFDIR follows it); a
# multiarch LIBDIR carries the library and its pkg-config file, which
# build a client that runs against it; the installed man pages cite the
# installed protocol.md.
set -u
B=${B:-build}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# A signal (run.sh's timeout) exits through the EXIT trap too.
trap 'exit 2' INT TERM HUP
inst() {	# DESTDIR PREFIX SYSCONFDIR|"" [make variables]
	d=$1 p=$2 e=$3; shift 3
	make -s install B="$B" PREFIX="$p" ${e:+SYSCONFDIR="$e"} DESTDIR="$d" "$@" \
	    >"$stage.log" 2>&1 || { cat "$stage.log"; rm -f "$stage.log"; exit 1; }
	rm -f "$stage.log"
}
# PREFIX=/usr keeps its configuration in /etc by itself.
inst "$stage" /usr ""
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
for f in usr/sbin/hcpcsd usr/bin/hcpcs usr/lib/libhcpcs.a usr/lib/libhcpcs.so \
    usr/lib/pkgconfig/hcpcs.pc usr/include/hcpcs.h etc/hcpcsd/hcpcsd.yaml \
    usr/share/man/man8/hcpcsd.8 usr/share/man/man5/hcpcsd.yaml.5 \
    usr/share/man/man1/hcpcs.1 usr/share/man/man3/libhcpcs.3 \
    usr/lib/systemd/system/hcpcsd.service usr/lib/systemd/system/hcpcsd.socket \
    usr/lib/sysusers.d/hcpcsd.conf usr/share/doc/hcpcsd/admin.md; do
	if [ -e "$stage/$f" ]; then ok; else ko "$f not installed"; fi
done
if grep -q '^prefix=/usr$' "$stage/usr/lib/pkgconfig/hcpcs.pc"; then ok
else ko "hcpcs.pc prefix"; cat "$stage/usr/lib/pkgconfig/hcpcs.pc"; fi

# The units name the installed paths; nothing is left unsubstituted.
svc=$stage/usr/lib/systemd/system/hcpcsd.service
if grep -qx 'ExecStart=/usr/sbin/hcpcsd -f -c /etc/hcpcsd/hcpcsd.yaml' "$svc"
then ok; else ko "ExecStart: $(grep ExecStart= "$svc")"; fi
if grep -q '@[A-Z]*@' "$stage"/usr/lib/systemd/system/*; then
	ko "unsubstituted: $(grep '@[A-Z]*@' "$stage"/usr/lib/systemd/system/*)"
else ok; fi
if grep -qx 'ListenStream=/run/hcpcsd/hcpcsd.sock' \
    "$stage/usr/lib/systemd/system/hcpcsd.socket"; then ok
else ko "hcpcsd.socket ListenStream"; fi
if grep -q '^u hcpcsd ' "$stage/usr/lib/sysusers.d/hcpcsd.conf"; then ok
else ko "sysusers.d/hcpcsd.conf declares no user hcpcsd"; fi
for f in usr/lib/systemd/system/hcpcsd.service etc/hcpcsd/hcpcsd.yaml \
    usr/lib/sysusers.d/hcpcsd.conf; do
	m=$(stat -c %a "$stage/$f")
	if [ "$m" = 644 ]; then ok; else ko "$f mode $m, want 644"; fi
done

# libhcpcs.so -> libhcpcs.so.MAJOR -> libhcpcs.so.MAJOR.MINOR.PATCH, the
# soname the library itself records.
lib=$stage/usr/lib
so=$(readlink "$lib/libhcpcs.so")
real=$(readlink "$so" 2>/dev/null || readlink "$lib/$so")
soname=$(objdump -p "$lib/libhcpcs.so" 2>/dev/null | awk '$1 == "SONAME" { print $2 }')
case "$so:$real" in
libhcpcs.so.[0-9]*:libhcpcs.so.[0-9]*.[0-9]*.[0-9]*)
	if [ -f "$lib/$real" ] && [ ! -L "$lib/$real" ] &&
	    { [ -z "$soname" ] || [ "$soname" = "$so" ]; }; then ok
	else ko "library links: $so -> $real, soname $soname"; fi ;;
*)	ko "library links: libhcpcs.so -> $so -> $real" ;;
esac

# A client built with the staged pkg-config file links and runs.
cat >"$stage/c.c" <<'C'
#include <stdio.h>
#include <hcpcs.h>
int main(void) { printf("%d\n", HCPCS_VERSION_MAJOR >= 0); return 0; }
C
export PKG_CONFIG_PATH="$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage"
flags=$(pkg-config --cflags --libs hcpcs)
case " $flags " in
*" -I$stage/usr/include -L$lib -lhcpcs "*) ok ;;
*)	ko "pkg-config --cflags --libs hcpcs: $flags" ;;
esac
if cc -o "$stage/c" "$stage/c.c" $flags &&
    [ "$(LD_LIBRARY_PATH=$lib "$stage/c")" = 1 ]; then ok
else ko "client against staged install (pkg-config)"; fi
if cc -static -o "$stage/cs" "$stage/c.c" \
    $(pkg-config --cflags --libs --static hcpcs) 2>/dev/null ||
    cc -o "$stage/cs" "$stage/c.c" -I"$stage/usr/include" "$lib/libhcpcs.a" \
    $(pkg-config --libs --static hcpcs | sed 's/-lhcpcs//'); then
	if [ "$("$stage/cs")" = 1 ]; then ok; else ko "static client output"; fi
else ko "static client against staged install"; fi
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

# Reinstalling keeps an edited configuration.
echo "# edited by the admin" >>"$stage/etc/hcpcsd/hcpcsd.yaml"
inst "$stage" /usr /etc
if tail -n 1 "$stage/etc/hcpcsd/hcpcsd.yaml" | grep -q 'edited by the admin'
then ok; else ko "reinstall overwrote etc/hcpcsd/hcpcsd.yaml"; fi

# Another PREFIX and SYSCONFDIR, and UNITDIR chosen apart.
alt=$stage/alt
inst "$alt" /opt/hcpcsd /etc/opt/hcpcsd UNITDIR=/etc/systemd/system
if grep -qx 'ExecStart=/opt/hcpcsd/sbin/hcpcsd -f -c /etc/opt/hcpcsd/hcpcsd/hcpcsd.yaml' \
    "$alt/etc/systemd/system/hcpcsd.service" 2>/dev/null &&
    [ -x "$alt/opt/hcpcsd/sbin/hcpcsd" ] &&
    [ -f "$alt/etc/opt/hcpcsd/hcpcsd/hcpcsd.yaml" ] &&
    [ -f "$alt/opt/hcpcsd/lib/sysusers.d/hcpcsd.conf" ]; then ok
else ko "install with PREFIX=/opt/hcpcsd"; find "$alt" -type f | sed 's/^/    /'; fi

# The man pages name the protocol where it was installed (DOCDIR).
for m in man8/hcpcsd.8 man1/hcpcs.1 man3/libhcpcs.3; do
	if grep -q '^\.Pa /usr/share/doc/hcpcsd/protocol\.md' \
	    "$stage/usr/share/man/$m"; then ok
	else ko "installed $m does not cite /usr/share/doc/hcpcsd/protocol.md"; fi
done
for d in protocol.md admin.md formats.md; do
	if [ -f "$stage/usr/share/doc/hcpcsd/$d" ]; then ok
	else ko "$d not installed in usr/share/doc/hcpcsd"; fi
done

# A PREFIX with no DESTDIR (`make install PREFIX=/tmp/inst`) writes under
# PREFIX only: the configuration goes to PREFIX/etc, the units name it,
# and the host's /etc/hcpcsd is left as it was.
p=$stage/inst
host=/etc/hcpcsd/hcpcsd.yaml
before=$(cat "$host" 2>/dev/null | cksum; ls -la --time-style=+%s /etc/hcpcsd 2>/dev/null)
# Every absolute path a command names, as `make -n` shows them.
env -u DESTDIR make -s -n install B="$B" PREFIX="$p" >"$stage/n.log" 2>&1
outside=$(tr ' \t' '\n\n' <"$stage/n.log" |
    sed -n 's/^[a-z]*=//; s/^[>"]*\(\/[^;"]*\).*/\1/p' |
    grep -v -e "^$p/" -e "^$PWD/" -e "|" | sort -u)
if [ -z "$outside" ] && grep -q "^install -d $p/sbin" "$stage/n.log"; then ok
else ko "make install PREFIX=$p names paths outside it: $outside"; fi
# Only then for real: a broken Makefile must not write the host's /etc.
if [ -n "$outside" ]; then
	echo "NOTE: not installing PREFIX=$p for real"
else
	env -u DESTDIR make -s install B="$B" PREFIX="$p" >"$stage/i.log" 2>&1 ||
	    { ko "make install PREFIX=$p"; cat "$stage/i.log"; }
fi
after=$(cat "$host" 2>/dev/null | cksum; ls -la --time-style=+%s /etc/hcpcsd 2>/dev/null)
if [ "$before" = "$after" ]; then ok; else ko "install PREFIX=$p changed /etc/hcpcsd"; fi
if [ -f "$p/etc/hcpcsd/hcpcsd.yaml" ] &&
    grep -qx "ExecStart=$p/sbin/hcpcsd -f -c $p/etc/hcpcsd/hcpcsd.yaml" \
    "$p/lib/systemd/system/hcpcsd.service" &&
    grep -q "^\.It Pa $p/etc/hcpcsd/hcpcsd.yaml" "$p/share/man/man8/hcpcsd.8" &&
    grep -q "^\.Pa $p/share/doc/hcpcsd/protocol.md" "$p/share/man/man8/hcpcsd.8" &&
    [ -f "$p/share/doc/hcpcsd/protocol.md" ]; then ok
else
	ko "PREFIX=$p: configuration, unit or man page elsewhere"
	grep ExecStart= "$p/lib/systemd/system/hcpcsd.service"
	find "$p" -name hcpcsd.yaml
fi
# Nothing but PREFIX's tree: every file is below it (find finds them
# all there, and the dry run named no other).
n=$(find "$p" -type f | wc -l)
if [ "$n" -ge 14 ]; then ok; else ko "PREFIX=$p holds $n files"; fi

# A multiarch LIBDIR: library, static archive and hcpcs.pc go there, and
# a client built with pkg-config through PKG_CONFIG_PATH runs against the
# shared library found through LD_LIBRARY_PATH.
m=$stage/multi
ma=$m/usr/lib/x86_64-linux-gnu
# From the environment, as a packaging script may export it.
env -u DESTDIR LIBDIR="$ma" make -s install B="$B" PREFIX="$m/usr" SYSCONFDIR="$m/etc" \
    >"$stage/m.log" 2>&1 || { ko "make install LIBDIR=$ma"; cat "$stage/m.log"; }
if [ -f "$ma/libhcpcs.a" ] && [ -L "$ma/libhcpcs.so" ] &&
    [ -f "$ma/pkgconfig/hcpcs.pc" ] && [ ! -e "$m/usr/lib/libhcpcs.a" ] &&
    [ -f "$m/usr/lib/systemd/system/hcpcsd.service" ]; then ok
else ko "LIBDIR=$ma: $(find "$m/usr/lib" -name 'libhcpcs*' -o -name '*.pc')"; fi
if grep -qx "libdir=$ma" "$ma/pkgconfig/hcpcs.pc"; then ok
else ko "hcpcs.pc libdir: $(grep libdir= "$ma/pkgconfig/hcpcs.pc")"; fi
cat >"$stage/v.c" <<'C'
#include <stdio.h>
#include <hcpcs.h>
int main(void) { printf("%s\n", hcpcs_strerror(HCPCS_ERR_TIMEOUT)); return 0; }
C
mflags=$(PKG_CONFIG_PATH="$ma/pkgconfig" pkg-config --cflags --libs hcpcs)
case " $mflags " in
*" -I$m/usr/include -L$ma -lhcpcs "*) ok ;;
*)	ko "pkg-config --cflags --libs hcpcs (LIBDIR=$ma): $mflags" ;;
esac
# A sanitizer build's library needs its runtime loaded first.
san=
readelf -d "$ma/libhcpcs.so" 2>/dev/null | grep -q 'NEEDED.*libasan' &&
    san=-fsanitize=address,undefined
if cc $san -o "$stage/v" "$stage/v.c" $mflags 2>"$stage/v.log"; then
	if [ "$(LD_LIBRARY_PATH=$ma "$stage/v")" = "timed out" ]; then ok
	else ko "client against LIBDIR=$ma: $(LD_LIBRARY_PATH=$ma "$stage/v" 2>&1)"; fi
	# It is the shared library of LIBDIR that runs, not a copy.
	if LD_LIBRARY_PATH=$ma ldd "$stage/v" | grep -q "libhcpcs.so.[0-9]* => $ma/"
	then ok; else ko "ldd: $(LD_LIBRARY_PATH=$ma ldd "$stage/v" | grep hcpcs)"; fi
else ko "cc against LIBDIR=$ma:"; cat "$stage/v.log"; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
