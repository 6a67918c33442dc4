#!/bin/sh
# Start hcpcsd on the real 2020 CMS file (or the bundled sample when the
# shared data is absent), run bench against it, stop it by its PID.
# WORKERS=N sets the workers key (default: the daemon's, online CPUs).
set -u
B=${B:-build}
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
real=${HCPCSD_SHARED_DATA:-../shared/data/hcpcs}/HCPC2020_ANWEB_w_disclaimer.txt
if [ -f "$real" ]; then
	data=$(cd "$(dirname "$real")" && pwd)/$(basename "$real")
	echo "data: $data"
	cat >"$tmp/conf.yaml" <<EOC
socket: $tmp/s.sock
code_sets:
  - {name: hcpcs, format: cms-anweb, path: "$data"}
EOC
else
	echo "data: data/sample (shared CMS files not found)"
	# conf/sample.yaml names no socket (make run passes -s).
	{ sed "s|\.\./data/sample|$PWD/data/sample|g" conf/sample.yaml
	  echo "socket: $tmp/s.sock"; } >"$tmp/conf.yaml"
fi
if [ -n "${WORKERS:-}" ]; then
	echo "workers: $WORKERS"
	echo "workers: $WORKERS" >>"$tmp/conf.yaml"
fi
"$B/hcpcsd" -f -c "$tmp/conf.yaml" 2>"$tmp/log" &
pid=$!
i=0
while [ ! -S "$tmp/s.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$tmp/s.sock" ] || { cat "$tmp/log"; exit 1; }
"$B/bench" "$tmp/s.sock" "$@"
