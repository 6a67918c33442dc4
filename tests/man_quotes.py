#!/usr/bin/python3
"""man_quotes.py TEXT, for tests/test_man.sh: in a rendered man page, each
quotation (U+201C ... U+201D) closes before the next opens and holds its
own parentheses.  Prints each one that does not; exits 1 if any."""

import sys
bad = []
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    depth, start = 0, 0
    for i, ch in enumerate(line):
        if ch == "\u201c":
            if depth:
                bad.append("%d: nested quote: %s" % (n, line[start:i + 40]))
            depth, start = depth + 1, i
        elif ch == "\u201d":
            if not depth:
                bad.append("%d: stray close: %s" % (n, line[max(0, i - 40):i + 1]))
                continue
            depth -= 1
            q = line[start:i + 1]
            if q.count("(") != q.count(")"):
                bad.append("%d: parentheses: %s" % (n, q))
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
