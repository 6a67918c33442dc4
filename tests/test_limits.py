#!/usr/bin/python3
"""test_limits.py: bounded memory and fair service (issue 7, section 2),
each attack against the limit that stops it, on generated data:

- 500 clients that send a 10,000-code lookup_many (60 KB in, 2.5 MB out)
  and close: the daemon's RSS comes back within 10% of its baseline, and
  replies for clients found gone are not produced (closed_gone);
- a flood of 2,000 pipelined diffs on one connection (workers: 1): a
  lookup from another client is answered long before the flood's last
  reply (max_requests_per_turn; a diff costs 64);
- 300 clients that send that lookup_many and never read: RSS stays under
  max_output_bytes (64 MiB here) plus a fixed slack, and later clients
  wait rather than fail (max_output_bytes);
- 1,024 idle connections from root: at most max_connections_per_uid
  (max_clients / 4) are taken, the rest get "busy", and uid 65534 still
  connects (as root only);
- idle_timeout, request_timeout (a half request, a 1 byte per 0.3 s
  trickle), output_timeout and a reply over output_limit refused
  too_large before it is packed, the connection kept.
Figures (RSS, latencies) are printed."""

import os
import resource
import socket
import subprocess
import threading
import time

import hcpcsd_harness as h
from hcpcsd_harness import (check, eq, crashed, finish, anweb_variant,
                            gen_code, write_file, start, stop, wait_for,
                            rss_kb, Client, daemon_binary, private_dir)
import msgpack

BIN = daemon_binary()
NREC = 20000
BATCH = 10000
MIB = 1024 * 1024
BUDGET = 64 * MIB
NOBODY = 65534
ROOT = os.geteuid() == 0

tmp = private_dir()
os.chmod(tmp, 0o711)            # uid 65534 reaches the socket
log = os.path.join(tmp, 'hcpcsd.log')
r1 = os.path.join(tmp, 'r1.txt')
r2 = os.path.join(tmp, 'r2.txt')
# Small releases for the diffs: a few ms each, 2,000 in seconds.
f1 = os.path.join(tmp, 'f1.txt')
f2 = os.path.join(tmp, 'f2.txt')
CODES = [gen_code(i) for i in range(BATCH)]
BIG = msgpack.packb([0, 1, 'lookup_many', [CODES]])


def conf_of(name, extra, r1=r1, r2=r2):
    """A daemon of its own: a set of two releases, r2 one code more."""
    sock = os.path.join(tmp, name + '.sock')
    conf = os.path.join(tmp, name + '.yaml')
    write_file(conf, ('socket: %s\nsocket_mode: "0666"\n%s'
                      'code_sets:\n  - name: hcpcs\n    format: cms-anweb\n'
                      '    min_ratio: 0\n    releases:\n'
                      '      - path: %s\n        effective: 2024-01-01\n'
                      '      - path: %s\n        effective: 2024-04-01\n'
                      % (sock, extra, r1, r2)).encode())
    return sock, conf


def limits(c):
    i = c.call('info')
    return i['stats']['limits'] if i else {}


def raw(sock, timeout=20):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # blocking: a full backlog waits (with a timeout set, EAGAIN)
    s.connect(sock)
    s.settimeout(timeout)
    return s


def eof_after(s, timeout):
    """Seconds until the daemon closes s (reading what it sends), or
    None if it does not within timeout."""
    t0 = time.monotonic()
    s.settimeout(0.2)
    while time.monotonic() - t0 < timeout:
        try:
            if s.recv(1 << 16) == b'':
                return time.monotonic() - t0
        except socket.timeout:
            pass
        except ConnectionResetError:
            return time.monotonic() - t0
    return None


class Peak(threading.Thread):
    """The highest VmRSS of pid while running."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, False

    def run(self):
        while not self.done:
            try:
                self.peak = max(self.peak, rss_kb(self.pid) or 0)
            except OSError:
                return
            time.sleep(0.02)

    def stop(self):
        self.done = True
        self.join(5)
        return self.peak


def send_and_close(sock, p):
    """500 clients send the big lookup_many and close."""
    c = Client(sock)
    eq(len(c.call('lookup_many', CODES)), BATCH, 'warm-up answered')
    base = wait_for(lambda: rss_kb(p.pid), timeout=5)
    peak = Peak(p.pid)
    peak.start()
    for k in range(0, 500, 50):
        ss = [raw(sock) for i in range(50)]
        for s in ss:
            s.sendall(BIG)
        for s in ss:
            s.close()
    settled = wait_for(lambda: c.call('info')['stats'][
        'connections_current'] == 1 and
        limits(c)['output_bytes_queued'] == 0, timeout=30, step=0.1)
    check(settled, 'the 500 are gone, no output queued')
    # Freed memory reaches the kernel as the workers trim: a wait, not
    # a sleep-and-hope.
    after = wait_for(lambda: (lambda r: r if r <= base * 1.1 else None)(
        rss_kb(p.pid)), timeout=10, step=0.1) or rss_kb(p.pid)
    top = peak.stop()
    l = limits(c)
    print('send-and-close x500: RSS %d kB before, peak %d kB, %d kB '
          'after; closed_gone %d' % (base, top, after, l['closed_gone']),
          flush=True)
    check(after <= base * 1.1, 'RSS %d kB after, baseline %d kB: within '
          '10%%' % (after, base))
    check(l['closed_gone'] > 0, 'some backlogs dropped unanswered')
    t0 = time.monotonic()
    eq(c.call('ping'), 'pong', 'a probe is served')
    print('probe after send-and-close: %.1f ms'
          % ((time.monotonic() - t0) * 1000), flush=True)
    c.close()


def flood(sock):
    """2,000 pipelined diffs; a lookup from another client meanwhile."""
    N = 2000
    f = raw(sock, timeout=60)
    probe = Client(sock, timeout=60)
    eq(probe.call('ping'), 'pong', 'probe connected')
    got = {'n': 0, 'last': None}
    first = threading.Event()

    def reader():
        u = msgpack.Unpacker(raw=False)
        while got['n'] < N:
            d = f.recv(1 << 16)
            if not d:
                break
            u.feed(d)
            for o in u:
                got['n'] += 1
                first.set()
        got['last'] = time.monotonic()
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    f.sendall(b''.join(msgpack.packb([0, i + 1, 'diff',
                                      ['hcpcs', '2024-01-01',
                                       '2024-04-01']]) for i in range(N)))
    check(first.wait(30), 'the flood is being answered')
    t0 = time.monotonic()
    # One write: both answered in the same turn of the probe.
    probe.s.sendall(msgpack.packb([0, 50, 'lookup', [gen_code(7)]]) +
                    msgpack.packb([0, 51, 'info', []]))
    a = probe.read()
    t1 = time.monotonic()
    i = probe.read()
    t.join(60)
    eq(got['n'], N, 'every diff answered')
    if got['last'] is None:
        return
    check(a is not None and a[1] == 50 and a[3]['code'] == gen_code(7),
          'the lookup answered: %r' % (a if a is None else a[:3],))
    ndiff = i[3]['stats']['requests']['diff'] if i else N
    print('diff flood: the lookup took %.1f ms; %d of %d diffs were '
          'answered before it; the flood ended %.1f ms after it'
          % ((t1 - t0) * 1000, ndiff, N, (got['last'] - t1) * 1000),
          flush=True)
    check(got['last'] is not None and t1 < got['last'],
          'the lookup answered before the flood\'s last reply')
    check(ndiff < N // 10, 'the lookup answered long before the flood '
          'ended: after %d of %d diffs' % (ndiff, N))
    check(i is not None and i[3]['stats']['limits']['yields'] > 0,
          'turns were cut')
    f.close()
    probe.close()


def hold(sock, p):
    """300 clients send the big lookup_many and never read."""
    c = Client(sock, timeout=60)
    base = rss_kb(p.pid)
    peak = Peak(p.pid)
    peak.start()
    ss = []
    for k in range(300):
        s = raw(sock)
        s.sendall(BIG)
        ss.append(s)
    # Every request read and answered or held: RSS no longer grows.
    # (While over the budget no request is answered, info included.)
    last, still = 0, 0
    t0 = time.monotonic()
    while still < 10 and time.monotonic() - t0 < 20:
        time.sleep(0.1)
        r = rss_kb(p.pid)
        still = still + 1 if r <= last else 0
        last = max(last, r)
    top = peak.stop()
    slack = 64 * MIB // 1024     # kB: input buffers, one reply per worker
    print('300 clients that never read: RSS %d kB before, peak %d kB '
          '(budget %d kB + slack %d kB)' % (base, top, BUDGET // 1024,
                                             slack), flush=True)
    check(top < base + BUDGET // 1024 + slack,
          'peak RSS %d kB under the budget plus slack' % top)
    for s in ss:
        s.close()
    check(wait_for(lambda: c.call('info')['stats']['connections_current']
                   == 1 and limits(c)['output_bytes_queued'] == 0,
                   timeout=30, step=0.1), 'all gone, nothing queued')
    l = limits(c)
    check(l['output_waits'] > 0, 'clients were held: %d waits'
          % l['output_waits'])
    eq(c.call('ping'), 'pong', 'served once they left')
    c.close()


def as_nobody(sock):
    """Fork: as uid 65534, ping; True if answered pong."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        ok = b'n'
        try:
            os.close(rfd)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            c = Client(sock, timeout=10)
            msgid = c.send('ping')
            r = c.read()
            if r == [1, msgid, None, 'pong']:
                ok = b'y'
        finally:
            os.write(wfd, ok)
            os._exit(0)
    os.close(wfd)
    r = b''
    try:
        r = os.read(rfd, 1)
    finally:
        os.close(rfd)
        os.waitpid(pid, 0)
    return r == b'y'


def per_uid(sock):
    """1,024 idle connections from root; then another uid."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    ss, busy = [], 0
    for k in range(1024):
        ss.append(raw(sock))
    u = msgpack.Unpacker(raw=False)
    first = None
    for s in ss[256:]:
        s.settimeout(5)
        try:
            d = s.recv(4096)
        except socket.timeout:
            continue
        u.feed(d)
        for o in u:
            first = first or o
            if isinstance(o, list) and len(o) == 4 and o[1] == 0 and \
                    isinstance(o[2], dict) and o[2].get('code') == 'busy':
                busy += 1
    eq(busy, 1024 - 256, 'all but max_connections_per_uid told busy')
    # libhcpcs (the CLI) reads the unasked msgid-0 answer as the error.
    cli = os.path.abspath(os.environ.get('HCPCS_BIN') or 'build/hcpcs')
    r = subprocess.run([cli, '--expect-uid', 'any', '-s', sock, 'ping'],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 2 and 'busy' in r.stderr and
          'max_connections_per_uid' in r.stderr,
          'hcpcs turned away says busy: %d %r' % (r.returncode, r.stderr))
    check(first is not None and 'max_connections_per_uid' in
          first[2]['message'], 'busy says why: %r' % (first,))
    if ROOT:
        check(as_nobody(sock), 'uid 65534 still connects and is served')
    for s in ss[:8]:
        s.close()
    c = wait_for(lambda: (lambda x: x if x else None)(
        _try_client(sock)), timeout=10, step=0.1)
    if check(c is not None, 'root connects again once some left'):
        l = limits(c)
        # the 768 raw connections and hcpcs's ping
        eq(l['rejected_per_uid'], 1024 - 256 + 1, 'rejected_per_uid counted')
        c.close()
    for s in ss:
        s.close()


def _try_client(sock):
    c = Client(sock, timeout=5)
    msgid = c.send('ping')
    if c.read() == [1, msgid, None, 'pong']:
        return c
    c.close()
    return None


def timeouts(sock):
    """idle 2 s, request 1 s, output 2 s, output_limit 64 KiB."""
    c = Client(sock)
    # too_large before packing: ~256 KB of records for 64 KiB room
    r = c.send('lookup_many', CODES[:1000])
    a = c.read()
    check(a is not None and a[1] == r and a[2] is not None and
          a[2]['code'] == 'too_large', 'over output_limit: too_large %r'
          % (a if a is None else a[2],))
    eq(c.call('lookup_many', CODES[:10])[9]['code'], CODES[9],
       'the connection stays, a small batch answered')
    t_conn = time.monotonic()
    idle = raw(sock)
    half = raw(sock)
    half.sendall(BIG[:1000])
    trickle = raw(sock)
    unread = raw(sock)
    # 200 records, 50 KB each time: under output_limit, over what the
    # socket takes
    unread.sendall(b''.join(msgpack.packb([0, i, 'lookup_many',
                                           [CODES[:200]]])
                            for i in range(40)))
    res = {}

    def drip():
        msg = msgpack.packb([0, 1, 'ping', []])
        t0 = time.monotonic()
        try:
            for b in msg:
                trickle.send(bytes([b]))
                time.sleep(0.3)
        except OSError:
            res['trickle'] = time.monotonic() - t0
    t = threading.Thread(target=drip, daemon=True)
    t.start()
    # an active client is not idle: a ping every 0.5 s for 3 s
    for i in range(6):
        eq(c.call('ping'), 'pong', 'active client served')
        time.sleep(0.5)
    ti = eof_after(idle, 10)
    th = eof_after(half, 10)
    tu = eof_after(unread, 10)
    t.join(15)
    # (the timers tick once a second; the ping loop took about 3 s)
    print('closed by %.1f s after connecting: idle (2 s), half request '
          '(1 s), unread output (2 s); a trickle after %.1f s (1 s)'
          % (time.monotonic() - t_conn, res.get('trickle', -1)),
          flush=True)
    check(ti is not None, 'idle client closed')
    check(th is not None, 'half request closed')
    check(tu is not None, 'unread output closed')
    check('trickle' in res and res['trickle'] < 6,
          'a 1 byte per 0.3 s trickle closed before its request ends')
    l = limits(c)
    check(l['closed_idle'] >= 1, 'closed_idle counted')
    check(l['closed_request_timeout'] >= 2,
          'closed_request_timeout counted: %d' % l['closed_request_timeout'])
    check(l['closed_output_timeout'] >= 1, 'closed_output_timeout counted')
    check(l['refused_too_large'] >= 1, 'refused_too_large counted')
    eq(c.call('ping'), 'pong', 'the active client still served')
    c.close()


procs = []
try:
    write_file(r1, anweb_variant('A', NREC))
    write_file(r2, anweb_variant('A', NREC + 1))
    write_file(f1, anweb_variant('A', 400))
    write_file(f2, anweb_variant('A', 401))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))

    sock, conf = conf_of('a', 'workers: 1\nmax_output_bytes: %d\n'
                         'max_connections_per_uid: 1024\n' % BUDGET)
    p = start(BIN, conf, log, sock)
    procs.append(p)
    send_and_close(sock, p)
    hold(sock, p)
    eq(stop(p), 0, 'daemon a: exit status')

    sock, conf = conf_of('d', 'workers: 1\n', f1, f2)
    p = start(BIN, conf, log, sock)
    procs.append(p)
    flood(sock)
    eq(stop(p), 0, 'daemon d: exit status')

    sock, conf = conf_of('b', 'workers: 2\n')
    p = start(BIN, conf, log, sock)
    procs.append(p)
    per_uid(sock)
    eq(stop(p), 0, 'daemon b: exit status')

    sock, conf = conf_of('c', 'workers: 2\nidle_timeout: 2\n'
                         'request_timeout: 1\noutput_timeout: 2\n'
                         'output_limit: 65536\n')
    p = start(BIN, conf, log, sock)
    procs.append(p)
    timeouts(sock)
    eq(stop(p), 0, 'daemon c: exit status')
except Exception:
    crashed()
finally:
    for q in procs:
        if q.poll() is None:
            stop(q, timeout=5)
    finish(tmp, log)
