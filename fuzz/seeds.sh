#!/bin/sh
# fuzz/seeds.sh OUTDIR: seed corpora for the harnesses, one directory
# per harness, from the repository's fixtures and samples, plus small
# excerpts of the real CMS files when /work/shared has them.  Nothing
# here is written into the repository.
set -eu
out=${1:?usage: fuzz/seeds.sh OUTDIR}
top=$(cd "$(dirname "$0")/.." && pwd)
cms=${HCPCS_SHARED_DATA:-/work/shared/data/hcpcs}
mkdir -p "$out/anweb" "$out/delim" "$out/cpt" "$out/conf" "$out/rpc"

# ANWEB: the fixtures whole, the sample and real files in slices (a
# short input runs faster; the disclaimer, modifiers and continuation
# lines are all near the top).
for f in "$top"/tests/fixtures/e2e/*.txt; do
	cp "$f" "$out/anweb/$(basename "$f")"
done
head -n 40 "$top/data/sample/hcpcs_sample_2026_ANWEB.txt" > "$out/anweb/sample_head"
for f in "$cms"/HCPC20*ANWEB*.txt; do
	[ -f "$f" ] || continue
	b=$(basename "$f" .txt)
	head -n 30 "$f" > "$out/anweb/${b}_head"
	sed -n '1000,1030p' "$f" > "$out/anweb/${b}_mid"
	tail -n 20 "$f" > "$out/anweb/${b}_tail"
done

# Delimited: the first byte picks the delimiter (even ',', odd tab).
for f in "$top/data/sample/local.csv" "$top/tests/fixtures/e2e/local.csv"; do
	b=$(basename "$(dirname "$f")")_$(basename "$f" .csv)
	{ printf '\000'; cat "$f"; } > "$out/delim/$b.csv"
	{ printf '\001'; tr ',' '\t' < "$f"; } > "$out/delim/$b.tsv"
done
printf '\000\357\273\277HCPC,SHORT DESCRIPTION,LONG DESCRIPTION,ADD DT,%s' \
    'TERM DT,TOS1,TOS2,BETOS\r\nA0021,amb,"Amb, ""x""",2000-01-01,,1,D,O1A\r\n' \
    > "$out/delim/bom_crlf"

# CPT: LONGULT, SHORTU, MEDU (and a modifiers file) split by "\n====\n".
c="$top/data/sample/cpt"
{ cat "$c/LONGULT.txt"; printf '\n====\n'; cat "$c/SHORTU.txt";
  printf '\n====\n'; cat "$c/MEDU.txt"; } > "$out/cpt/sample_all"
cp "$c/LONGULT.txt" "$out/cpt/sample_long"
{ printf 'Copyright notice\r\n\r\n00100\tAnesthesia sample\r\n'
  printf '99213\tOffice visit sample\r\n\n====\n\n====\n\n====\n'
  printf -- '-25\tSignificant separately identifiable E/M\r\n'
  printf '25\tModifier sample\r\n'; } > "$out/cpt/with_mods"

# Configuration files.
cp "$top/tests/fixtures/conf/full.yaml" "$out/conf/full.yaml"
for f in "$top"/conf/*.yaml; do cp "$f" "$out/conf/$(basename "$f")"; done

# RPC: one stream per method, and one holding every request back to back.
/usr/bin/python3 - "$out/rpc" <<'PY'
import os, sys, msgpack
d = sys.argv[1]
reqs = [
    [0, 1, "ping", []],
    [0, 2, "lookup", ["a0021"]],
    [0, 3, "lookup", ["G0001", {"as_of": "2010-06-01", "set": "hcpcs"}]],
    [0, 4, "lookup_many", [["A1", "E0100", "!!"], {"set": "hcpcs"}]],
    [0, 5, "validate", ["E0100", "2019-12-31"]],
    [0, 6, "search", ["cane tip", {"limit": 5, "include_terminated": True,
                                   "as_of": "2020-02-01", "set": "hcpcs"}]],
    [0, 7, "classify", ["99213"]],
    [0, 8, "diff", ["hcpcs", "2019-01-01", "2020-01-01"]],
    [0, 9, "info", []],
    [0, 10, "reload", []],
    [0, 11, "reload", []],
    [2, "reload", []],
    [2, "ping", []],
    [0, 12, "lookup", ["W1000", {"set": "local"}]],
    # Client text that errors echo, not UTF-8 (packed as str below).
    [0, 13, b"fr\xc3\xa9\xff" + b"a" * 60 + b"\xf0\x9f\x98\x80", []],
    [0, 14, "lookup", [b"\xed\xa0\x80\x1b[2J", {b"\xc0\xaf": 1}]],
    [0, 15, "lookup", ["A0021", {"set": b"a" * 62 + b"\xf0\x9f\x98"}]],
    [0, 16, "validate", ["A0021", b"2019-01-0\xff"]],
]
allb = b""
for i, r in enumerate(reqs):
    b = msgpack.packb(r, use_bin_type=False)
    allb += b
    with open(os.path.join(d, "req%02d" % i), "wb") as f:
        f.write(b)
with open(os.path.join(d, "all"), "wb") as f:
    f.write(allb)
PY
