"""test_gate.py: the loaders' quality gate seen from hcpcsd -t, the way
an admin (or an attacker) meets it.

- Golden files: `hcpcsd -t -v -c tests/fixtures/conf/gate_NAME.yaml`
  (stdout, stderr, then "exit N") must equal tests/fixtures/golden/
  gate_NAME.out byte for byte, with the checkout's path removed so the
  goldens hold relative paths.  HCPCSD_GOLDEN_UPDATE=1 rewrites them.
- Damaged copies of the sample (and of the real CMS files when
  ../shared/data/hcpcs has them): cut at 10 seeded random offsets, a
  first-line record cut to 50 bytes, one bad RIC byte, a duplicated
  code, 1,000 copies of a line, a file over max_file_bytes, an ama-cpt
  LONGULT with a blank line inside its data and one with a BOM and no
  preamble.  Each bad file makes `hcpcsd -t` exit non-zero with its
  named check; the good ones load with exactly the expected counts.
- The reload log line names the quirks the gate let through.
"""

import os
import random
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hcpcsd_harness import (Client, check, eq, crashed, daemon_paths,  # noqa: E402
                            daemon_binary, finish, private_dir, start,
                            stop, wait_for, write_file)

ROOT = os.getcwd()
SAMPLE = os.path.join(ROOT, 'data/sample/hcpcs_sample_2025_ANWEB.txt')
SHARED = os.path.realpath(os.environ.get('HCPCSD_SHARED_DATA') or
                          os.path.join(ROOT, '..', 'shared', 'data', 'hcpcs'))
REAL = [('HCPC2019_CONTR_ANWEB.txt', 6440, 360),
        ('HCPC2020_ANWEB_w_disclaimer.txt', 6710, 369)]


def run_t(binary, conf, verbose=False):
    """hcpcsd -t [-v] -c conf: (exit status, stdout, stderr)."""
    argv = [binary, '-t'] + (['-v'] if verbose else []) + ['-c', conf]
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def wtext(path, text):
    write_file(path, text.encode())


def wbytes(path, data):
    write_file(path, data)


def anweb_conf(tmp, name, path, extra=''):
    conf = os.path.join(tmp, name + '.yaml')
    wtext(conf, 'code_sets:\n  - name: hcpcs\n    format: cms-anweb\n'
               '    path: %s\n%s' % (path, extra))
    return conf


def counts(out):
    """(procedures, modifiers) of the first set in -t output."""
    m = re.search(r'^hcpcs: (\d+) procedures, (\d+) modifiers', out, re.M)
    return (int(m.group(1)), int(m.group(2))) if m else None


def test_goldens(binary):
    gdir = 'tests/fixtures/golden'
    confs = sorted(f for f in os.listdir('tests/fixtures/conf')
                   if f.startswith('gate_') and f.endswith('.yaml'))
    check(len(confs) >= 5, 'gate fixture configs: %r' % confs)
    for c in confs:
        rc, out, err = run_t(binary, 'tests/fixtures/conf/' + c, True)
        got = (out + err + 'exit %d\n' % rc).replace(ROOT + '/', '')
        golden = os.path.join(gdir, c[:-5] + '.out')
        if os.environ.get('HCPCSD_GOLDEN_UPDATE') == '1':
            wtext(golden, got)
        try:
            with open(golden) as f:
                want = f.read()
        except OSError:
            want = None
        if not check(got == want, '%s: -t -v output differs from %s'
                     % (c, golden)):
            print('--- got:\n' + got + '--- expected:\n' + str(want))
        check(("exit 0" in got) == (c == 'gate_sample.yaml'),
              '%s: only the sample passes' % c)


def first_record_line(lines):
    for i, l in enumerate(lines):
        if len(l) >= 11 and l[10:11] in b'37' and \
           re.match(rb'^([A-Z]\d{4}|   [A-Z0-9]{2})', l[:5]):
            return i
    return None


def damaged(binary, tmp, path, tag, want_counts):
    """Every damage of one ANWEB file, refused by name; the file itself
    loads with exactly want_counts."""
    with open(path, 'rb') as f:
        data = f.read()
    full = sum(want_counts)
    rc, out, err = run_t(binary, anweb_conf(tmp, tag + '_ok', path))
    eq((rc, counts(out)), (0, want_counts), '%s loads, counts' % tag)

    # Cut at 10 seeded random offsets: refused as truncated, unless the
    # cut falls on a line end: then it loads, with fewer codes (the
    # shrink guard, not this loader, catches that).
    rnd = random.Random(20240101)
    lines = data.split(b'\n')
    start = len(b'\n'.join(lines[:first_record_line(lines) + 1])) + 1
    for k in range(10):
        off = rnd.randrange(start, len(data) - 1)
        cut = os.path.join(tmp, '%s_cut%d.txt' % (tag, k))
        wbytes(cut, data[:off])
        rc, out, err = run_t(binary, anweb_conf(tmp, '%s_cut%d' % (tag, k),
                                                cut))
        nline = data[:off].count(b'\n') + 1
        if data[off - 1:off] in (b'\n', b'\r'):
            check(rc == 0 and sum(counts(out)) < full,
                  '%s cut at %d (a line end) loads fewer codes: %s %s'
                  % (tag, off, out[:200], err))
        else:
            check(rc != 0 and 'truncated at line %d ' % nline in err,
                  '%s cut at %d: "truncated at line %d", got %r'
                  % (tag, off, nline, err))

    # The first procedure record cut to 50 bytes, mid-file.
    i = next(n for n, l in enumerate(lines)
             if l[10:11] == b'3' and l[:1].isalpha())
    bad = list(lines)
    bad[i] = lines[i][:50] + b'\r'
    p = os.path.join(tmp, tag + '_first50.txt')
    wbytes(p, b'\n'.join(bad))
    rc, out, err = run_t(binary, anweb_conf(tmp, tag + '_first50', p))
    check(rc != 0 and '%s:%d:51: record line of 50 columns, expected 320'
          % (p, i + 1) in err, '%s first record cut: %r' % (tag, err))

    # One bad RIC byte on a modifier's first line: named, not skipped.
    j = next(n for n, l in enumerate(lines) if l[10:11] == b'7')
    j += 1 if lines[j + 1][10:11] == b'7' else 0
    bad = list(lines)
    bad[j] = lines[j][:10] + b'X' + lines[j][11:]
    p = os.path.join(tmp, tag + '_ric.txt')
    wbytes(p, b'\n'.join(bad))
    rc, out, err = run_t(binary, anweb_conf(tmp, tag + '_ric', p))
    check(rc != 0 and "%s:%d:11: expected a record identification code "
          "3, 4, 7 or 8 in column 11, found 'X'" % (p, j + 1) in err,
          '%s bad RIC: %r' % (tag, err))

    # A code twice: both lines named.
    p = os.path.join(tmp, tag + '_dup.txt')
    wbytes(p, data + lines[i] + b'\n')
    rc, out, err = run_t(binary, anweb_conf(tmp, tag + '_dup', p))
    code = lines[i][:5].decode()
    check(rc != 0 and '%s:%d: duplicate code %s (first at %s:%d;'
          % (p, len(lines), code, p, i + 1) in err,
          '%s duplicate: %r' % (tag, err))

    # 1,000 copies of one line: refused at the second.
    p = os.path.join(tmp, tag + '_copies.txt')
    wbytes(p, (lines[i] + b'\n') * 1000)
    rc, out, err = run_t(binary, anweb_conf(tmp, tag + '_copies', p))
    check(rc != 0 and '%s:2: duplicate code %s (first at %s:1;'
          % (p, code, p) in err, '%s 1,000 copies: %r' % (tag, err))

    # Over max_file_bytes: refused before it is read.
    rc, out, err = run_t(binary, anweb_conf(
        tmp, tag + '_big', path, '    max_file_bytes: %d\n' % (len(data) - 1)))
    check(rc != 0 and '%s: %d bytes, more than max_file_bytes %d'
          % (path, len(data), len(data) - 1) in err,
          '%s max_file_bytes: %r' % (tag, err))


def test_cpt(binary, tmp):
    with open('data/sample/cpt/LONGULT.txt', 'rb') as f:
        lines = f.read().split(b'\r\n')
    data = [n for n, l in enumerate(lines) if re.match(rb'^\w{5}\t', l)]
    # A blank line in the middle of the data: every code still loads.
    mid = data[len(data) // 2]
    p = os.path.join(tmp, 'LONGULT_blank.txt')
    wbytes(p, b'\r\n'.join(lines[:mid] + [b''] + lines[mid:]))
    conf = os.path.join(tmp, 'cpt.yaml')
    wtext(conf, 'code_sets:\n  - name: cpt\n    format: ama-cpt\n'
               '    path: %s\n' % p)
    rc, out, err = run_t(binary, conf, True)
    check(rc == 0 and re.search(r'^cpt: %d procedures' % len(data), out,
                                re.M) is not None and
          'blank_lines 2: LONGULT_blank.txt:%d' % (mid + 1) in out,
          'ama-cpt blank line inside data: %s %s' % (out, err))
    # A BOM and no preamble: loads.
    p = os.path.join(tmp, 'LONGULT_bom.txt')
    wbytes(p, b'\xef\xbb\xbf' + b'\r\n'.join(lines[n] for n in data) +
                b'\r\n')
    wtext(conf, 'code_sets:\n  - name: cpt\n    format: ama-cpt\n'
               '    path: %s\n' % p)
    rc, out, err = run_t(binary, conf)
    check(rc == 0 and re.search(r'^cpt: %d procedures' % len(data), out,
                                re.M) is not None,
          'ama-cpt BOM without preamble: %s %s' % (out, err))


def test_log_line(binary):
    """The publish log line carries the quirks summary."""
    tmp, sock, conf, log = daemon_paths()
    wtext(conf, 'socket: %s\ncode_sets:\n  - name: hcpcs\n'
               '    format: cms-anweb\n    path: %s\n' % (sock, SAMPLE))
    p = start(binary, conf, log, sock)
    line = wait_for(lambda: next((l for l in open(log).read().splitlines()
                                  if ' load: generation 1:' in l), None))
    # and info, per release, with the first positions for an admin
    c = Client(sock)
    q = c.call('info')['sets'][0]['releases'][0]['quirk_positions']
    c.close()
    eq(q, {'preamble': {'count': 3, 'first': [
              'hcpcs_sample_2025_ANWEB.txt:1', 'hcpcs_sample_2025_ANWEB.txt:2',
              'hcpcs_sample_2025_ANWEB.txt:3']},
           'short_lines': {'count': 48, 'first': q.get('short_lines', {}).get(
               'first', [])[:3]},
           'blank_dates': {'count': 31, 'first': q.get('blank_dates', {}).get(
               'first', [])[:3]}}, 'info: quirk_positions')
    eq(q['short_lines']['first'][0], 'hcpcs_sample_2025_ANWEB.txt:7',
       'info: first short line')
    eq(q['blank_dates']['first'][0], 'hcpcs_sample_2025_ANWEB.txt:29',
       'info: first blank date')
    stop(p)
    check(line is not None and line.endswith(
        '; quirks: hcpcs always: preamble 3 (first '
        'hcpcs_sample_2025_ANWEB.txt:1), short_lines 48 (first '
        'hcpcs_sample_2025_ANWEB.txt:7), blank_dates 31 (first '
        'hcpcs_sample_2025_ANWEB.txt:29)'), 'log line: %r' % line)
    return tmp


def main():
    binary = daemon_binary()
    tmp = private_dir()
    try:
        test_goldens(binary)
        damaged(binary, tmp, SAMPLE, 'sample', (186, 15))
        test_cpt(binary, tmp)
        shutil.rmtree(test_log_line(binary), ignore_errors=True)
        have = [r for r in REAL if os.path.exists(os.path.join(SHARED, r[0]))]
        for name, procs, mods in have:
            damaged(binary, tmp, os.path.join(SHARED, name), name[:8],
                    (procs, mods))
        if len(have) < len(REAL):
            print('SKIP real data: the gate over the 2019 and 2020 CMS '
                  'files (not in %s)' % SHARED)
    except Exception:
        crashed()
    finish(tmp)


main()
