#!/usr/bin/python3
"""test_gate_conf.py: the config side of the quality gate (issue 11).
- a FIFO in place of the config is refused at once ("FILE: not a regular
  file") by `hcpcsd -t` and by a reload, which used to block in fopen()
  for good while info still said ok;
- 200 KB of "[" is refused at its 65th level ("FILE:1:65: nested deeper
  than 64 levels") instead of keeping libyaml busy for minutes;
- the shrink guard: half of a release in place of the one served is
  refused ("hcpcs 2026-01-01: N codes, P% of the 202 now served
  (min_ratio 0.9)"), and `-t` refuses a release with half the codes of
  the one before it in the same config; min_ratio: 0 turns it off.
Each refused reload leaves the old snapshot serving, info.last_reload
says ok: false with the error, and a later good reload works.  Every
wait is bounded: without a check, the test fails, it does not hang."""

import os, signal, subprocess
from hcpcsd_harness import (Client, check, crashed, eq, finish, daemon_paths,
                            write_file, start, stop, wait_for)
import hcpcsd_harness as h

BIN = h.daemon_binary()
tmp, sock, conf, log = daemon_paths()
SAMPLE = os.path.abspath('data/sample/hcpcs_sample_2026_ANWEB.txt')
data = os.path.join(tmp, 'hcpcs.txt')


def half(content):
    """The first half of an ANWEB file, cut where a code's first line
    (RIC 3 or 7 in column 11) starts: whole records, half the codes."""
    i = len(content) // 2
    while True:
        j = content.index(b'\n', i)
        if content[j + 11:j + 12] in (b'3', b'7'):
            return content[:j + 1]
        i = j + 1


def conf_of(releases, extra=''):
    return ('socket: %s\nsocket_mode: "0600"\ncode_sets:\n'
            '  - name: hcpcs\n    format: cms-anweb\n%s    releases:\n%s'
            % (sock, extra, ''.join('      - {path: %s, effective: %s}\n'
                                    % r for r in releases))).encode()


def check_t(path, want_rc, want_out, what):
    """hcpcsd -t -c path: exit status and a line of its output.  The
    timeout bounds a check that is missing (the FIFO would block)."""
    try:
        r = subprocess.run([BIN, '-t', '-c', path], capture_output=True,
                           timeout=60, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return check(False, '%s: hcpcsd -t still running after 60 s' % what)
    out = (r.stdout + r.stderr).decode(errors='replace')
    eq(r.returncode, want_rc, '%s: -t exit status (%s)' % (what, out.strip()))
    return check(want_out in out, '%s: -t says %r: %r' % (what, want_out,
                                                          out))


def last_reload(c, count):
    """info once the reload count reaches count (bounded)."""
    return wait_for(lambda: (lambda i: i if i and
                             i['stats']['reloads']['count'] >= count
                             else None)(c.call('info')), timeout=60)


def refused(c, p, count, gen, want, what):
    """SIGHUP; the reload fails with want, generation gen serves on."""
    os.kill(p.pid, signal.SIGHUP)
    i = last_reload(c, count)
    if not check(i is not None, '%s: the reload ended' % what):
        return
    eq(i['last_reload']['ok'], False, '%s: last_reload.ok' % what)
    check(want in (i['last_reload']['error'] or ''),
          '%s: the error says %r: %r' % (what, want,
                                         i['last_reload']['error']))
    eq(i['generation'], gen, '%s: generation kept' % what)
    r = c.call('lookup', LAST)
    eq(r and r['code'], LAST, '%s: the old data still served' % what)


def reloaded(c, gen, what):
    r = c.call('reload')
    eq(r, {'ok': True, 'generation': gen}, '%s: a good reload works' % what)


p = None
try:
    full = open(SAMPLE, 'rb').read()
    # The last code of the file: only the whole file has it.
    LAST = [l[0:5].decode().strip() for l in full.splitlines()
            if l[10:11] == b'3'][-1]
    good = conf_of([(data, '2026-01-01')])

    # 1. -t: a FIFO config, a nested one, one too large
    fifo = os.path.join(tmp, 'fifo.yaml')
    os.mkfifo(fifo, 0o600)
    check_t(fifo, 1, '%s: not a regular file' % fifo, 'FIFO config')
    nested = os.path.join(tmp, 'nested.yaml')
    write_file(nested, b'[' * 200000)
    check_t(nested, 1, '%s:1:65: nested deeper than 64 levels' % nested,
            'nested config')
    big = os.path.join(tmp, 'big.yaml')
    write_file(big, good + b'#' * (1024 * 1024))
    check_t(big, 1, '%s: larger than 1 MiB' % big, 'large config')

    # 2. a running daemon: each refused by a reload, then a good one
    write_file(data, full)
    write_file(conf, good)
    p = start(BIN, conf, log, sock)
    if not check(p.poll() is None, 'daemon started'):
        finish(tmp, log)
    c = Client(sock, timeout=60)
    eq(h.reloads(c), (1, 0), 'fresh start')
    os.unlink(conf)
    os.mkfifo(conf, 0o600)
    refused(c, p, 1, 1, '%s: not a regular file' % conf, 'FIFO config')
    os.unlink(conf)
    write_file(conf, good)
    reloaded(c, 2, 'after the FIFO')
    write_file(conf, b'[' * 200000)
    refused(c, p, 3, 2, '%s:1:65: nested deeper than 64 levels' % conf,
            'nested config')
    write_file(conf, good)
    reloaded(c, 3, 'after the nested config')

    # 3. the shrink guard: half the file in place of the one served
    cut = half(full)
    write_file(data, cut)
    write_file(os.path.join(tmp, 'half.txt'), cut)
    n = len([l for l in cut.splitlines() if l[10:11] in (b'3', b'7')])
    served = len([l for l in full.splitlines() if l[10:11] in (b'3', b'7')])
    eq(served, 202, 'the sample 2026 file: 187 procedures, 15 modifiers')
    want = ('hcpcs 2026-01-01: %d codes, %d%% of the %d now served '
            '(min_ratio 0.9)' % (n, n * 100 // served, served))
    refused(c, p, 5, 3, want, 'half the release')
    # min_ratio: 0 lets the admin take it on purpose
    write_file(conf, conf_of([(data, '2026-01-01')], '    min_ratio: 0\n'))
    reloaded(c, 4, 'min_ratio 0')
    eq(c.call('lookup', LAST), None, 'the half file is served now')
    eq(c.call('info')['sets'][0]['records'] +
       c.call('info')['sets'][0]['modifiers'], n, 'with its codes')
    c.close()
    eq(stop(p), 0, 'exit status')
    p = None

    # 4. -t within one config: a newer release with half the codes
    write_file(data, full)
    halfconf = os.path.join(tmp, 'half.yaml')
    rels = [(data, '2026-01-01'), (os.path.join(tmp, 'half.txt'),
                                   '2026-04-01')]
    write_file(halfconf, conf_of(rels))
    check_t(halfconf, 1, 'hcpcs 2026-04-01: %d codes, %d%% of the %d of '
            'release 2026-01-01 (min_ratio 0.9)' % (n, n * 100 // served,
                                                   served), 'within -t')
    write_file(halfconf, conf_of(rels, '    min_ratio: 0\n'))
    check_t(halfconf, 0, 'configuration OK', 'within -t, min_ratio 0')

    # 5. the same with the real 2020 file cut in half, when present
    real = os.environ.get('HCPCSD_SHARED_DATA') or '../shared/data/hcpcs'
    f2020 = os.path.join(real, 'HCPC2020_ANWEB_w_disclaimer.txt')
    if os.path.exists(f2020):
        rcut = half(open(f2020, 'rb').read())
        rhalf = os.path.join(tmp, 'half2020.txt')
        write_file(rhalf, rcut)
        write_file(halfconf, conf_of([(os.path.abspath(f2020), '2020-01-01'),
                                      (rhalf, '2020-04-01')]))
        check_t(halfconf, 1, 'hcpcs 2020-04-01: 3,409 codes, 48% of the '
                '7,079 of release 2020-01-01 (min_ratio 0.9)', 'real 2020')
    else:
        print('SKIP real data: the real 2020 file cut in half (not in %s%s)'
              % (real, '' if 'HCPCSD_SHARED_DATA' in os.environ else
                 '; set HCPCSD_SHARED_DATA'), flush=True)
except Exception:
    crashed()
finally:
    if p is not None:
        stop(p, timeout=5)
    finish(tmp, log)
