#!/usr/bin/python3
"""syscall_filter.py UNIT GROUPS TRACE, for tests/test_systemd.sh: whether
every system call in TRACE (strace -f output) is one UNIT's
SystemCallFilter= lines allow, their @groups expanded as GROUPS
(`systemd-analyze syscall-filter`) lists them, and every socket() is
AF_UNIX.  Prints what was used; exits 1 on a call outside the filter, a
socket of another family, or a filter without clone3."""

import re, sys
unit, groups_file, trace = sys.argv[1:]
groups, cur = {}, None
for line in open(groups_file):
    l = line.strip()
    if not l or l.startswith("#"):
        continue
    if not line[0].isspace() and l.startswith("@"):
        cur = groups.setdefault(l, [])
    elif cur is not None:
        cur.append(l)
def expand(names):
    out = set()
    for n in names:
        out |= expand(groups[n]) if n.startswith("@") else {n}
    return out
allow = set()
for line in open(unit):
    m = re.match(r"SystemCallFilter=(~?)(.*)", line.strip())
    if m:
        names = expand(m.group(2).split())
        allow = allow - names if m.group(1) else allow | names
used, families = set(), set()
for line in open(trace):
    m = re.match(r"\d+ +([a-z_0-9]+)\(", line)
    if m:
        used.add(m.group(1))
    m = re.match(r"\d+ +socket\((AF_[A-Z0-9]+)", line)
    if m:
        families.add(m.group(1))
bad = sorted(used - allow)
print("syscalls used: %d, outside SystemCallFilter: %s; families: %s" %
    (len(used), bad or "none", sorted(families)))
sys.exit(1 if bad or families - {"AF_UNIX"} or "clone3" not in allow else 0)
