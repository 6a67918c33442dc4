#!/usr/bin/python3
"""test_server.py: start the real hcpcsd ($HCPCSD_BIN) on a private socket
with a small ANWEB fixture and talk raw MessagePack to it: every
method's answer, pipelining, bad input, memory under abuse, SIGHUP
reloads (good and bad), the reload method and SIGTERM.  The driver is
Python (python3-msgpack); every process started is killed by PID."""

import hashlib, os, re, signal, socket, stat, subprocess, time
from hcpcsd_harness import (anweb_line, check, crashed, die_with_parent, eq,
                            finish, daemon_paths, procs, rss_kb, wait_for,
                            write_file)
import hcpcsd_harness as h
import msgpack

BIN = h.daemon_binary()


# --- fixture ---------------------------------------------------------

def anweb(extra=()):
    rows = [
        anweb_line('   A1', '00100', '7', 'Dressing for one wound',
                   'Dressing for one wound'),
        anweb_line('A0021', '00100', '3',
                   'Ambulance service, outside state per mile, transport '
                   '(medicaid only)', 'Outside state ambulance serv'),
        anweb_line('E0100', '00100', '3',
                   'Cane, includes canes of all materials, adjustable or '
                   'fixed, with tip', 'Cane adjust/fixed with tip',
                   betos='D1E'),
        anweb_line('E0105', '00100', '3',
                   'Cane, quad or three prong, includes canes of all '
                   'materials, adjustable or fixed,',
                   'Cane adjust/fixed quad/3 pro', betos='D1E'),
        anweb_line('E0105', '00200', '4', 'with tips', first=False),
        anweb_line('G0001', '00100', '3',
                   'Routine venipuncture for collection of specimen(s)',
                   'Drawing blood for specimen', term='20121231',
                   action='D'),
        anweb_line('J9999', '00100', '3',
                   'Not otherwise classified, antineoplastic drugs',
                   'Antineoplastic drugs; NOC', added='20300101',
                   action='A'),
    ] + list(extra)
    return ''.join(r + '\r\n' for r in rows).encode('ascii')


tmp, sock, conf, log = daemon_paths()
data = os.path.join(tmp, 'hcpcs.txt')
MAX_REQ = 4096
MAX_CLIENTS = 16


def write_conf(path, datafile, sockpath=sock):
    # min_ratio 0: the reloads here take a 7-code fixture back to 6, a
    # shrink the guard would refuse (tests/test_gate_conf.py tests it).
    write_file(path, ('socket: %s\nsocket_mode: "0600"\n'
                      'log_level: debug\nmax_request_bytes: %d\nmax_batch: 5\n'
                      'max_clients: %d\nmax_connections_per_uid: %d\n'
                      'workers: 4\ncode_sets:\n'
                      '  - name: hcpcs\n    format: cms-anweb\n'
                      '    min_ratio: 0\n'
                      '    path: %s\n' % (sockpath, MAX_REQ, MAX_CLIENTS,
                                          MAX_CLIENTS, datafile)).encode())


def run(args, timeout=30):
    p = subprocess.Popen([BIN] + args, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=die_with_parent)
    procs.append(p)
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out.decode(), err.decode()


# --- client ----------------------------------------------------------

class Client(h.Client):
    """The harness's client (read, close) with this test's calls: raw
    bytes sent, the msgid given, the whole response returned."""

    def __init__(self, path=sock, timeout=10):
        super().__init__(path, timeout)

    def send(self, b):
        self.s.sendall(b)

    def request(self, msgid, method, params):
        self.send(msgpack.packb([0, msgid, method, params]))

    def call(self, method, params, msgid=1):
        self.request(msgid, method, params)
        r = self.read()
        check(r is not None and r[0] == 1 and r[1] == msgid,
              "response to %s %r: %r" % (method, params, r))
        return r

    def result(self, method, *params):
        r = self.call(method, list(params))
        check(r is not None and r[2] is None,
              "%s %r: unexpected error %r" % (method, params,
                                               r and r[2]))
        return r[3] if r else None

    def error(self, method, params):
        r = self.call(method, params)
        return (r[2] or {}).get('code') if r else None

    def closed(self):
        """True once the daemon has closed (reads past any answer)."""
        while self.read() is not None:
            pass
        return self.eof


def start():
    return h.start(BIN, conf, log, sock)


# --- expected answers ------------------------------------------------

A0021 = {
    'code': 'A0021', 'set': 'hcpcs', 'kind': 'procedure', 'level': 2,
    'short': 'Outside state ambulance serv',
    'long': 'Ambulance service, outside state per mile, transport '
            '(medicaid only)',
    'added': '2000-01-01', 'effective': '2000-01-01', 'action': 'N',
    'coverage': 'C', 'pricing': ['00'], 'mult_pricing': '9',
    'tos': ['1'], 'anesthesia_units': 0, 'status': 'active'}
A0021_KEYS = ['code', 'set', 'kind', 'level', 'short', 'long', 'added',
              'effective', 'action', 'coverage', 'pricing',
              'mult_pricing', 'tos', 'anesthesia_units', 'status']
A1 = {'code': 'A1', 'set': 'hcpcs', 'kind': 'modifier', 'level': 2,
      'short': 'Dressing for one wound', 'long': 'Dressing for one wound',
      'added': '2000-01-01', 'effective': '2000-01-01', 'action': 'N',
      'coverage': 'C', 'status': 'active'}
E0105_LONG = ('Cane, quad or three prong, includes canes of all materials, '
              'adjustable or fixed, with tips')
TIME_RE = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')


def test_cli():
    rc, out, err = run(['-V'])
    eq(rc, 0, '-V exit')
    check(re.match(r'^hcpcsd \d+\.\d+\.\d+\n$', out), '-V prints %r' % out)
    eq(run(['--version'])[:2], (0, out), '--version is -V')
    usage = 'usage: hcpcsd [-fhRtvV] [-c file] [-s socket]\n'
    for opt in ('-h', '--help'):
        eq(run([opt]), (0, usage, ''), opt + ': usage on stdout, exit 0')
    eq(run(['stray'])[0::2], (1, usage), 'an operand: usage, exit 1')
    # without -c, -t checks the default configuration (as nginx -t)
    rc, out, err = run(['-t'])
    check(rc != 0 or 'configuration OK' in out, '-t alone: %d' % rc)
    check(re.search(r'/hcpcsd/hcpcsd\.yaml\b', err + out) and
          'usage' not in err, '-t alone checks the default file: %r' % err)
    rc, out, err = run(['-t', '-c', conf])
    eq(rc, 0, '-t exit (%s)' % err)
    eq(out, 'hcpcs: 5 procedures, 1 modifiers (cms-anweb %s)\n'
       '  release always: 5 procedures, 1 modifiers, skipped 0 lines, '
       '0 bad dates, 0 bad values, 0 orphan lines, 0 duplicates (%s)\n'
       'configuration OK\n' % (data, data), '-t output')
    # what a loader tolerates is counted and shown, not fatal
    quirky = os.path.join(tmp, 'quirky.txt')
    write_file(quirky, b'Disclaimer text\r\n\t\t\r\n' + anweb())
    qconf = os.path.join(tmp, 'quirky.yaml')
    write_conf(qconf, quirky)
    rc, out, err = run(['-t', '-c', qconf])
    eq(rc, 0, '-t of a quirky file exits 0 (%s)' % err)
    check('skipped 2 lines, 0 bad dates, 0 bad values, 0 orphan lines, '
          '0 duplicates' in out, '-t shows quirk counts: %r' % out)
    # a continuation of no record is a damaged RIC or key: refused
    write_file(quirky, b'Disclaimer text\r\n\t\t\r\n' + anweb(extra=[
        anweb_line('Q9999', '00200', '4', 'continues nothing', first=False)]))
    rc, out, err = run(['-t', '-c', qconf])
    check(rc == 1 and 'continuation (RIC 4) of "Q9999" without its record'
          in err, '-t refuses an orphan continuation: %d %r' % (rc, err))
    # a missing data file and a bad config both fail -t
    bad = os.path.join(tmp, 'bad.yaml')
    write_conf(bad, os.path.join(tmp, 'missing.txt'))
    rc, out, err = run(['-t', '-c', bad])
    eq(rc, 1, '-t on a missing data file')
    check('missing.txt' in err, '-t names the missing file: %r' % err)
    check('configuration OK' not in out, '-t says nothing is OK')
    write_file(bad, b'socket: /x\nbogus_key: 1\ncode_sets: []\n')
    rc, out, err = run(['-t', '-c', bad])
    eq(rc, 1, '-t on an unknown key')
    check('bogus_key' in err, '-t names the bad key: %r' % err)
    # a non-socket where the socket goes: refuse to start
    write_conf(bad, data, os.path.join(tmp, 'plainfile'))
    write_file(os.path.join(tmp, 'plainfile'), b'x')
    rc, out, err = run(['-R', '-c', bad])
    eq(rc, 1, 'start over a plain file')
    check('not a socket' in err, 'says why: %r' % err)
    check(os.path.isfile(os.path.join(tmp, 'plainfile')),
          'the plain file is left alone')


def test_methods(c):
    r = c.call('ping', [], msgid=4294967295)
    eq(r, [1, 4294967295, None, 'pong'], 'ping with the largest msgid')
    rec = c.result('lookup', ' a0021 ')
    eq(rec, A0021, 'lookup a0021')
    eq(list(rec.keys()) if rec else None, A0021_KEYS, 'record key order')
    eq(c.result('lookup', 'A1'), A1, 'lookup modifier A1')
    eq(c.result('lookup', 'E0105')['long'], E0105_LONG, 'long joined')
    eq(c.result('lookup', 'A0099'), None, 'lookup of an absent code')
    eq(c.result('lookup', 'A0021', {'set': 'hcpcs'}), A0021, 'with set')
    eq(c.result('lookup', 'G0001')['status'], 'terminated', 'G0001 today')
    eq(c.result('lookup', 'G0001', {'as_of': '2012-12-31'})['status'],
       'active', 'G0001 on its last valid day')
    eq(c.error('lookup', ['!!']), 'invalid_code', 'lookup !!')
    eq(c.error('lookup', [5]), 'bad_request', 'lookup 5')
    eq(c.error('lookup', []), 'bad_request', 'lookup without a code')
    eq(c.error('lookup', ['A0021', {'set': 'nope'}]), 'bad_request',
       'unknown set')
    eq(c.error('lookup', ['A0021', {'colour': 'red'}]), 'bad_request',
       'unknown option')
    eq(c.error('lookup', ['A0021', {'as_of': '2020-02-30'}]),
       'bad_request', 'impossible as_of')

    eq(c.result('lookup_many', ['A0021', 'zz!', 'A0099', 'a1']),
       [A0021, None, None, A1], 'lookup_many')
    eq(c.error('lookup_many', [['A1'] * 6]), 'too_large',
       'lookup_many over max_batch')
    eq(c.error('lookup_many', ['A1']), 'bad_request', 'codes not a list')

    eq(c.result('validate', 'a0021', '2019-06-01'),
       {'valid': True, 'code': 'A0021', 'set': 'hcpcs',
        'status': 'active', 'reason': 'ok'}, 'validate ok')
    eq(c.result('validate', 'G0001', '2013-01-01'),
       {'valid': False, 'code': 'G0001', 'set': 'hcpcs',
        'status': 'terminated', 'reason': 'terminated'}, 'terminated')
    eq(c.result('validate', 'G0001', '2012-12-31')['reason'], 'ok',
       'TERM DT is the last valid day')
    eq(c.result('validate', 'J9999', '2029-12-31'),
       {'valid': False, 'code': 'J9999', 'set': 'hcpcs',
        'status': 'active', 'reason': 'not_yet_effective'},
       'not yet effective')
    eq(c.result('validate', 'A0099', '2019-06-01'),
       {'valid': False, 'code': 'A0099', 'status': None,
        'reason': 'not_found'}, 'not found')
    eq(c.error('validate', ['A0021', '20190601']), 'bad_request',
       'validate needs YYYY-MM-DD')
    eq(c.error('validate', ['A0021']), 'bad_request', 'validate arity')
    eq(c.error('validate', ['??', '2019-06-01']), 'invalid_code',
       'validate ??')

    res = c.result('search', 'cane')
    eq([r['code'] for r in res], ['E0100', 'E0105'], 'search cane')
    eq(res[1]['long'], E0105_LONG, 'search gives whole records')
    eq([r['code'] for r in c.result('search', 'QUAD cane')], ['E0105'],
       'search words in any order')
    eq([r['code'] for r in c.result('search', 'cane', {'limit': 1})],
       ['E0100'], 'search limit')
    eq(c.result('search', 'blood'), [], 'terminated left out')
    eq([r['code'] for r in c.result('search', 'blood',
                                    {'include_terminated': True})],
       ['G0001'], 'include_terminated')
    eq(c.error('search', ['cane', {'limit': 0}]), 'bad_request',
       'limit 0')
    eq(c.error('search', ['cane', {'limit': 501}]), 'bad_request',
       'limit 501')

    eq(c.result('classify', 'a0021'),
       {'code': 'A0021', 'system': 'HCPCS', 'level': 2,
        'group': 'ambulance_transport', 'kind': 'procedure',
        'maintainer': 'CMS'}, 'classify a0021')
    eq(c.result('classify', '99213'),
       {'code': '99213', 'system': 'CPT', 'level': 1, 'category': 'I',
        'section': 'evaluation_management', 'kind': 'procedure',
        'maintainer': 'AMA'}, 'classify 99213')
    eq(c.error('classify', ['x']), 'invalid_code', 'classify x')

    info = c.result('info')
    with open(data, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    vout = run(['-V'])[1].split()[1]
    eq(info['version'], vout, 'info version')
    check(TIME_RE.match(info['started_at']), 'started_at %r'
          % info['started_at'])
    eq(info['generation'], 1, 'first generation')
    eq(len(info['sets']), 1, 'one set')
    s = info['sets'][0]
    eq({k: s[k] for k in ('name', 'format', 'path', 'records',
                          'modifiers', 'sha256')},
       {'name': 'hcpcs', 'format': 'cms-anweb', 'path': data,
        'records': 5, 'modifiers': 1, 'sha256': digest}, 'info set')
    check(TIME_RE.match(s['loaded_at']), 'loaded_at')
    eq(s['releases'][0]['quirks'],
       {'skipped_lines': 0, 'bad_dates': 0, 'bad_values': 0,
        'orphan_lines': 0, 'duplicates': 0}, 'info release quirks')
    eq(info['last_reload'], {'ok': True, 'at': None, 'error': None},
       'last_reload before any')
    st = info['stats']
    check(st['requests']['lookup'] >= 10, 'stats count lookups')
    check(st['errors']['invalid_code'] >= 3, 'stats count errors')
    check(st['connections_current'] >= 1, 'stats count connections')

    eq(c.error('frobnicate', []), 'unknown_method', 'unknown method')
    eq(c.error('ping', [1]), 'bad_request', 'ping with a param')
    # method not a string, params not an array: answered, stream goes on
    c.send(msgpack.packb([0, 77, 5, []]))
    r = c.read()
    eq((r[1], r[2]['code']), (77, 'bad_request'), 'method not a str')
    c.send(msgpack.packb([0, 78, 'ping', {}]))
    r = c.read()
    eq((r[1], r[2]['code']), (78, 'bad_request'), 'params not an array')
    # a notification is run and never answered
    c.send(msgpack.packb([2, 'ping', []]) + msgpack.packb([2, 'x', [1]]))
    eq(c.call('ping', [], msgid=79), [1, 79, None, 'pong'],
       'after notifications, the next answer is ours')


def test_pipeline():
    c = Client()
    reqs = []
    for i in range(1000):
        m = i % 4
        if m == 0:
            reqs.append([0, i, 'ping', []])
        elif m == 1:
            reqs.append([0, i, 'lookup', ['A0021']])
        elif m == 2:
            reqs.append([0, i, 'validate', ['G0001', '2013-01-01']])
        else:
            reqs.append([0, i, 'nope', []])
    c.send(b''.join(msgpack.packb(r) for r in reqs))
    ok = True
    for i in range(1000):
        r = c.read()
        if r is None or r[1] != i:
            ok = check(False, 'pipelined response %d: %r' % (i, r))
            break
        m = i % 4
        good = ((m == 0 and r[3] == 'pong') or
                (m == 1 and r[3] == A0021) or
                (m == 2 and r[3]['reason'] == 'terminated') or
                (m == 3 and r[2]['code'] == 'unknown_method'))
        if not good:
            ok = check(False, 'pipelined response %d: %r' % (i, r))
            break
    check(ok, '1000 pipelined answers in order')
    # Backpressure: ~2 MB of answers queued while we do not read.
    n = 3000
    c.send(b''.join(msgpack.packb([0, i, 'search', ['cane']])
                    for i in range(n)))
    time.sleep(0.5)
    got = 0
    for i in range(n):
        r = c.read()
        if r is None or r[1] != i or len(r[3]) != 2:
            check(False, 'backpressured response %d: %r' % (i, r))
            break
        got += 1
    eq(got, n, 'all answers after the client came back')
    c.close()


def test_bad_input(pid):
    other = Client()
    # not MessagePack at all: closed without an answer
    c = Client()
    c.send(b'\xc1hello')
    eq(c.read(), None, 'garbage gets no answer')
    check(c.eof, 'garbage closes the connection')
    c.close()
    eq(other.call('ping', [], msgid=5), [1, 5, None, 'pong'],
       'the other client is still served')
    # not a request array but a readable msgid: answer, then close
    c = Client()
    c.send(b'\x94\x00\x09\xc1')
    r = c.read()
    eq((r[1], r[2]['code']) if r else None, (9, 'bad_request'),
       'malformed after msgid')
    check(c.closed(), 'then closed')
    c.close()
    c = Client()
    c.send(msgpack.packb({'method': 'ping'}))
    check(c.closed(), 'a map is not a request')
    c.close()
    # whole objects shaped [0, msgid, ...] but not requests: answered
    # bad_request with their msgid, and the connection keeps working
    c = Client()
    c.send(msgpack.packb([0, 7, 'ping']) +
           msgpack.packb([0, 8, 'ping', [], 1]) +
           msgpack.packb([0, 9, 'ping', []]))
    for want in (7, 8):
        r = c.read()
        eq((r[1], r[2]['code']) if r else None, (want, 'bad_request'),
           'misframed request %d' % want)
    eq(c.read(), [1, 9, None, 'pong'], 'same connection still served')
    c.close()
    # oversized: too_large with the msgid, then closed
    c = Client()
    c.send(msgpack.packb([0, 11, 'lookup', ['x' * (MAX_REQ + 10)]]))
    r = c.read()
    eq((r[1], r[2]['code']) if r else None, (11, 'too_large'),
       'oversized request')
    check(c.closed(), 'oversized closes')
    c.close()
    # declared but not sent: answered at once, no waiting for 2 GB
    c = Client()
    c.send(b'\x94\x00\x0c\xdb\x7f\xff\xff\xff')
    r = c.read()
    eq((r[1], r[2]['code']) if r else None, (12, 'too_large'),
       'declared 2 GiB string')
    c.close()
    # too deep
    c = Client()
    c.send(b'\x94\x00\x0d\xa4ping' + b'\x91' * 20 + b'\x90')
    r = c.read()
    eq((r[1], r[2]['code']) if r else None, (13, 'too_large'),
       'nested 21 deep')
    c.close()
    # a client that goes away mid-request
    c = Client()
    c.send(msgpack.packb([0, 14, 'lookup', ['A0021']])[:-3])
    c.close()
    eq(other.call('ping', [], msgid=6), [1, 6, None, 'pong'],
       'served after a client vanished mid-request')

    # memory stays flat under abuse
    def abuse(k):
        for i in range(k):
            a = Client()
            if i % 2:
                a.send(b'\xdd\x0f\xff\xff\xff')
            else:
                a.send(b'\x94\x00\x01\xdb\x7f\xff\xff\xff')
            a.closed()
            a.close()
    abuse(50)
    before = rss_kb(pid)
    abuse(1000)
    time.sleep(0.2)
    after = rss_kb(pid)
    check(after - before < 5 * 1024,
          'VmRSS %d kB -> %d kB after 1000 abuses' % (before, after))
    eq(other.call('ping', [], msgid=7), [1, 7, None, 'pong'],
       'served after the abuse')
    # clients over max_clients are closed at once
    cur = other.result('info')['stats']['connections_current']
    eq(cur, 1, 'only one client left')
    many = [Client() for i in range(MAX_CLIENTS - 1)]
    extra = Client()
    check(extra.closed(), 'client over max_clients closed')
    extra.close()
    eq(many[-1].call('ping', [], msgid=8), [1, 8, None, 'pong'],
       'the last allowed client is served')
    for m in many:
        m.close()
    st = other.result('info')['stats']
    check(st['connections_rejected'] >= 1, 'rejections counted')
    check(st['errors']['too_large'] >= 1000, 'too_large counted')
    other.close()


def test_reload(p):
    c = Client()
    extra = anweb_line('A0030', '00100', '3', 'Newly added ambulance code',
                       'New ambulance code', added='20190101')
    write_file(data, anweb([extra]))
    os.kill(p.pid, signal.SIGHUP)
    info = wait_for(lambda: (lambda i: i if i['generation'] == 2 else None)
                    (c.result('info')), timeout=10, step=0.05)
    eq(info and info['generation'], 2, 'SIGHUP publishes generation 2')
    eq(info and info['sets'][0]['records'], 6, 'new record count')
    check(info and info['last_reload']['ok'] and
          TIME_RE.match(info['last_reload']['at'] or ''),
          'last_reload ok with a time')
    eq(c.result('lookup', 'A0030')['short'], 'New ambulance code',
       'new data served')
    # an empty file fails the load: the old data stays
    write_file(data, b'')
    os.kill(p.pid, signal.SIGHUP)
    info = wait_for(lambda: (lambda i: i if not i['last_reload']['ok']
                             else None)(c.result('info')), timeout=10,
                    step=0.05)
    check(info is not None, 'a failed reload is reported')
    if info:
        eq(info['generation'], 2, 'generation kept')
        check(data in (info['last_reload']['error'] or ''),
              'the error names the file: %r' % info['last_reload'])
    eq(c.result('lookup', 'A0030')['code'], 'A0030', 'old data served')
    # the reload method, failing then working
    r = c.result('reload')
    eq((r['ok'], r['generation']), (False, 2), 'reload method fails')
    check(data in r.get('error', ''), 'with the reason: %r' % r)
    write_file(data, anweb())
    # in one batch: reload, then a lookup that sees the new data
    c.send(msgpack.packb([0, 1, 'reload', []]) +
           msgpack.packb([0, 2, 'lookup', ['A0030']]))
    r1, r2 = c.read(), c.read()
    eq(r1, [1, 1, None, {'ok': True, 'generation': 3}], 'reload method')
    eq(r2, [1, 2, None, None], 'the next request sees the new data')
    info = c.result('info')
    eq(info['last_reload']['ok'], True, 'last_reload ok again')
    eq(info['last_reload']['error'], None, 'no error after success')
    # safe-load refusals fail a live reload too; generation 3 serves on
    with open(conf) as f:
        good = f.read()
    for extra, why in (('    sha256: "%s"\n' % ('0' * 64), 'sha256 mismatch'),
                       ('    min_records: 7\n', 'min_records')):
        with open(conf, 'w') as f:
            f.write(good + extra)
        r = c.result('reload')
        eq((r['ok'], r['generation']), (False, 3), 'refused: ' + why)
        check(why in r.get('error', '') and data in r.get('error', ''),
              'the refusal names the file and why: %r' % r)
        eq(c.result('lookup', 'A0021')['code'], 'A0021',
           'old data still served after a %s refusal' % why)
    with open(conf, 'w') as f:
        f.write(good)
    c.close()


def test_second(p):
    """A second daemon on a live socket refuses before loading any data
    (the load line would come first otherwise) and leaves it alone."""
    rc, out, err = run(['-R', '-c', conf])
    eq(rc, 1, 'second daemon on the same socket')
    check('%s: another server is listening' % sock in err,
          'says why: %r' % err)
    check('load:' not in err and 'generation' not in err,
          'refused before loading: %r' % err)
    check(p.poll() is None, 'the first daemon still runs')
    c = Client()
    eq(c.call('ping', [])[3], 'pong', 'and still answers')
    c.close()


def test_stop(p):
    c = Client()
    c.request(1, 'ping', [])
    os.kill(p.pid, signal.SIGTERM)
    try:
        rc = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rc = None
    eq(rc, 0, 'SIGTERM exit status')
    check(not os.path.exists(sock), 'socket removed')
    c.close()


try:
    write_file(data, anweb())
    write_conf(conf, data)
    test_cli()
    # a stale socket from a crashed run is replaced
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(sock)
    s.close()
    p = start()
    if check(p.poll() is None, 'daemon started (see %s)' % log):
        eq(stat.S_IMODE(os.stat(sock).st_mode), 0o600, 'socket mode')
        check(stat.S_ISSOCK(os.stat(sock).st_mode), 'a socket')
        c = Client()
        test_methods(c)
        c.close()
        test_second(p)
        test_pipeline()
        test_bad_input(p.pid)
        test_reload(p)
        test_stop(p)
except Exception:
    crashed()
finally:
    finish(tmp, log)
