#!/bin/sh
# bench/run.sh (make bench): hcpcsd side by side with Redis, see
# bench/README.md for how to read what it prints.
#
# Starts, each in a private temporary directory and stopped by its PID:
# hcpcsd on the real CMS files (the 2019 and 2020 annual files as two
# releases; the 2020 one alone when the 2019 one is absent; the bundled
# sample when ../shared is absent), redis-server on a Unix socket with
# no persistence (skipped, and said so, when it is not installed), and
# loadgen's echo server (the raw socket floor).  Then runs loadgen
# against the three, then bench (each hcpcsd method's rate as a ratio
# to ping).
#   BENCH_SECONDS  seconds per shape, server and round (default 2)
#   BENCH_ROUNDS   interleaved rounds (default 3)
#   BENCH_THREADS  load generator threads (default 1)
#   BENCH_RELOADS  idle reloads timed (default 10)
#   WORKERS        hcpcsd's workers key (default: the daemon's own)
set -u
B=${B:-build}
secs=${BENCH_SECONDS:-2}
rounds=${BENCH_ROUNDS:-3}
threads=${BENCH_THREADS:-1}
reloads=${BENCH_RELOADS:-10}
tmp=$(mktemp -d) || exit 1
hpid= rpid= epid=
cleanup() {
	for p in $hpid $rpid $epid; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

wait_socket() {	# path pid log
	i=0
	while [ ! -S "$1" ] && [ $i -lt 300 ] && kill -0 "$2" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -S "$1" ] && return 0
	echo "bench: $1 did not appear" >&2
	[ -n "${3:-}" ] && cat "$3" >&2
	exit 1
}

echo "machine: $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo |
    sort -u | paste -sd ';')), Linux $(uname -r)"

shared=${HCPCSD_SHARED_DATA:-../shared/data/hcpcs}
r20=$shared/HCPC2020_ANWEB_w_disclaimer.txt
r19=$shared/HCPC2019_CONTR_ANWEB.txt
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
real=
if [ -f "$r20" ]; then
	real=--real-data
	r20=$(abs "$r20")
	codes_from=$r20
	{ echo "socket: $tmp/s.sock"
	  echo "code_sets:"
	  echo "  - name: hcpcs"
	  echo "    format: cms-anweb"
	  echo "    releases:"
	  if [ -f "$r19" ]; then
		r19=$(abs "$r19")
		echo "      - {path: \"$r19\", effective: 2019-01-01}"
	  fi
	  echo "      - {path: \"$r20\", effective: 2020-01-01}"
	} >"$tmp/conf.yaml"
	files="$r20"
	[ -f "$r19" ] && files="$r19 $r20"
else
	codes_from=$PWD/data/sample/hcpcs_sample_2026_ANWEB.txt
	# conf/sample.yaml names no socket (make run passes -s).
	{ sed "s|\.\./data/sample|$PWD/data/sample|g" conf/sample.yaml
	  echo "socket: $tmp/s.sock"; } >"$tmp/conf.yaml"
	files=$(ls data/sample/*.txt data/sample/*.csv data/sample/cpt/*.txt)
fi
bytes=0
for f in $files; do bytes=$((bytes + $(wc -c <"$f"))); done
kind="real CMS files"
[ -n "$real" ] || kind="sample: the ../shared CMS files are not there"
echo "data: $(echo $files | sed 's|[^ ]*/||g') ($bytes bytes; $kind)"
if [ -n "${WORKERS:-}" ]; then
	echo "workers: $WORKERS" >>"$tmp/conf.yaml"
	echo "hcpcsd: workers $WORKERS (WORKERS)"
else
	echo "hcpcsd: workers key unset: the daemon's default for $(nproc) CPUs" \
	    "(WORKERS=N sets it)"
fi
# Codes: every record's first line (RIC 3 procedure, 7 modifier).
awk 'substr($0, 11, 1) ~ /[37]/ { c = substr($0, 1, 5); gsub(/ /, "", c); print c }' \
    "$codes_from" | sort -u >"$tmp/codes"

"$B/hcpcsd" -f -R -c "$tmp/conf.yaml" 2>"$tmp/hcpcsd.log" &
hpid=$!
wait_socket "$tmp/s.sock" "$hpid" "$tmp/hcpcsd.log"

set -- --hcpcsd "$tmp/s.sock" --hcpcsd-pid "$hpid" --codes "$tmp/codes" \
    --seconds "$secs" --rounds "$rounds" --threads "$threads" \
    --reloads "$reloads" --data-bytes "$bytes" $real
if command -v redis-server >/dev/null 2>&1; then
	echo "redis: $(redis-server --version | cut -d' ' -f1-3), Unix socket," \
	    "no persistence"
	redis-server --port 0 --unixsocket "$tmp/redis.sock" \
	    --unixsocketperm 700 --save '' --appendonly no --dir "$tmp" \
	    --logfile "$tmp/redis.log" --daemonize no &
	rpid=$!
	wait_socket "$tmp/redis.sock" "$rpid" "$tmp/redis.log"
	set -- "$@" --redis "$tmp/redis.sock" --redis-pid "$rpid"
else
	echo "redis: redis-server not installed (make bench installs it as root):" \
	    "no ratios to Redis"
fi
"$B/loadgen" --echo-server "$tmp/echo.sock" &
epid=$!
wait_socket "$tmp/echo.sock" "$epid"
set -- "$@" --echo "$tmp/echo.sock" --echo-pid "$epid"

# Other work on the machine moves every figure: say how busy it was.
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$B/loadgen" "$@" || exit 1
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "== each method as a ratio to ping (bench, 4 clients x 64 pipelined) =="
"$B/bench" "$tmp/s.sock" "$secs" || exit 1
