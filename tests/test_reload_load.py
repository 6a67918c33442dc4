#!/usr/bin/python3
"""test_reload_load.py: reloads under continuous load lose nothing.  8
clients keep pipelining lookups and lookup_many while SIGHUP is sent
200 times or for 60 s, whichever ends first, but at least 30 times
(HCPCSD_STRESS_SECONDS changes the 60), each time after swapping the
data file between two valid variants, with a broken config or data
file every third time.  Every response must
be a whole, correct answer from one snapshot or the other (a
lookup_many never mixes them), none may fail, the reload counters must
count every load, and VmRSS once the load stops must be within 10% of
VmRSS after the first reload (25% under ASan, whose allocator keeps
more: see RSS_SLACK)."""

import os, random, signal, threading, time
from hcpcsd_harness import (Budget, Client, check, crashed, eq, finish,
                            daemon_paths, anweb_variant, gen_code, short_of,
                            write_file, write_conf, start, stop, rss_kb,
                            wait_for, daemon_binary)
import msgpack

BIN = daemon_binary()
SAN = 'build-san' in BIN
NREC = 20000            # enough that the snapshots dominate RSS
NCLIENTS = 8
NHUP = 200              # at most
MIN_HUP = 30            # at least: all three kinds of reload, many times
WINDOW = 16             # requests in flight per client
RSS_SLACK = 0.25 if SAN else 0.10

tmp, sock, conf, log = daemon_paths()
data = os.path.join(tmp, 'hcpcs.txt')
variant = {v: anweb_variant(v, NREC) for v in 'AB'}
# broken, alternately: a config that is not YAML, and an empty data file
# (a download cut before its first record)
bad_conf = b'code_sets: [\n'
shorts = {v: [short_of(v, i) for i in range(NREC)] for v in 'AB'}


class Load(threading.Thread):
    """One client: WINDOW requests in flight, every answer checked."""

    def __init__(self, n):
        super().__init__(daemon=True)
        self.rng = random.Random(n)
        self.stop = False
        self.answers = 0
        self.seen = {'A': 0, 'B': 0}
        self.bad = []

    def variant_of(self, i, rec):
        if not isinstance(rec, dict) or rec.get('code') != gen_code(i):
            return None
        for v in 'AB':
            if rec.get('short') == shorts[v][i]:
                return v
        return None

    def verify(self, req, r):
        msgid, method, idx = req
        if not (isinstance(r, list) and len(r) == 4 and r[0] == 1 and
                r[1] == msgid and r[2] is None):
            return 'bad response to %s %r: %r' % (method, msgid, r)
        if method == 'lookup':
            v = self.variant_of(idx[0], r[3])
            if v is None:
                return 'lookup %s: %r' % (gen_code(idx[0]), r[3])
        else:
            if not isinstance(r[3], list) or len(r[3]) != len(idx):
                return 'lookup_many: %r' % (r[3],)
            vs = {self.variant_of(i, rec) for i, rec in zip(idx, r[3])}
            if len(vs) != 1 or None in vs:
                return 'lookup_many mixes or misses: %r' % (vs,)
            v = vs.pop()
        self.seen[v] += 1
        return None

    def run(self):
        try:
            c = Client(sock, timeout=60)
            while not self.stop and not self.bad:
                reqs = []
                buf = b''
                for k in range(WINDOW):
                    c.msgid += 1
                    if k % 4 == 3:
                        idx = [self.rng.randrange(NREC) for _ in range(8)]
                        buf += msgpack.packb([0, c.msgid, 'lookup_many',
                                              [[gen_code(i) for i in idx]]])
                        reqs.append((c.msgid, 'lookup_many', idx))
                    else:
                        idx = [self.rng.randrange(NREC)]
                        buf += msgpack.packb([0, c.msgid, 'lookup',
                                              [gen_code(idx[0])]])
                        reqs.append((c.msgid, 'lookup', idx))
                c.s.sendall(buf)
                for req in reqs:
                    err = self.verify(req, c.read())
                    if err:
                        self.bad.append(err)
                        break
                    self.answers += 1
            c.close()
        except Exception as e:      # a timeout or a reset is a failure
            self.bad.append('client: %r' % (e,))


def stats(ctl):
    i = ctl.call('info')
    return i and (i['generation'], i['stats']['reloads']['count'],
                  i['stats']['reloads']['failed'], i['last_reload']['ok'])


def served(ctl):
    r = ctl.call('lookup', gen_code(7))
    return r and [v for v in 'AB' if r['short'] == shorts[v][7]]


p = None
try:
    write_file(data, variant['A'])
    write_conf(conf, sock, data, 'workers: 4\n')
    t0 = time.monotonic()
    p = start(BIN, conf, log, sock)
    if not check(p.poll() is None, 'daemon started'):
        finish(tmp, log)
    ctl = Client(sock, timeout=60)
    eq(stats(ctl), (1, 0, 0, True), 'before any reload')
    eq(served(ctl), ['A'], 'variant A served first')
    load = [Load(n) for n in range(NCLIENTS)]
    for t in load:
        t.start()
    rss_first = None
    gen, want_failed, cur = 1, 0, 'A'
    hup = Budget('SIGHUP reloads under load', NHUP, MIN_HUP)
    # (a budget that ends after a failing reload gets one more: the last
    # one must be ok)
    while hup.more() or (hup.done % 3 == 0 and 0 < hup.done < NHUP):
        i = hup.done
        if i % 6 == 2:
            write_file(conf, bad_conf)
        elif i % 6 == 5:
            write_file(data, b'')
        else:
            cur = 'B' if i % 2 == 0 else 'A'
            write_file(data, variant[cur])
            write_conf(conf, sock, data, 'workers: 4\n')
        os.kill(p.pid, signal.SIGHUP)
        hup.round()
        st = wait_for(lambda: (lambda s: s if s and s[1] >= i + 1 else None)
                      (stats(ctl)), timeout=60, step=0.002)
        if i % 3 == 2:
            want_failed += 1
        else:
            gen += 1
        if not eq(st, (gen, i + 1, want_failed, i % 3 != 2),
                  'after SIGHUP %d: (generation, count, failed, ok)' % i):
            break
        if i % 3 != 2 or i < 10:
            eq(served(ctl), [cur], 'data served after SIGHUP %d' % i)
        if i == 0:
            rss_first = rss_kb(p.pid)
        if any(t.bad for t in load):
            break
    nhup = hup.done
    hup.report()
    for t in load:
        t.stop = True
    for t in load:
        t.join(timeout=60)
        check(not t.is_alive(), 'client finished')
    # After the load: a batch that was still running on the old snapshot
    # when the last reload published frees it when it ends, and on a busy
    # box that can be a moment later; give it 10 s, never count on luck.
    rss_bound = rss_first * (1 + RSS_SLACK) if rss_first else 0
    rss_end = wait_for(lambda: (lambda r: r if r <= rss_bound else None)
                       (rss_kb(p.pid)), timeout=10, step=0.1) or \
        rss_kb(p.pid)
    for n, t in enumerate(load):
        check(not t.bad, 'client %d: %s' % (n, t.bad[:1]))
        check(t.answers >= 100, 'client %d kept asking: %d answers'
              % (n, t.answers))
        check(t.seen['A'] > 0 and t.seen['B'] > 0,
              'client %d saw both variants: %r' % (n, t.seen))
    info = ctl.call('info')
    if info:
        eq(info['stats']['reloads']['count'], nhup, 'reloads counted')
        eq(info['stats']['reloads']['failed'],
           len([i for i in range(nhup) if i % 3 == 2]),
           'failed reloads counted')
        check(info['last_reload']['error'] is None and
              info['last_reload']['ok'], 'last reload ok')
        eq(info['sets'][0]['records'], NREC, 'records after the test')
    check(rss_first and rss_end and rss_end <= rss_bound,
          'VmRSS %s kB after the test, %s kB after the first reload '
          '(slack %d%%)' % (rss_end, rss_first, RSS_SLACK * 100))
    print('%d answers, RSS %s -> %s kB, %.1f s' %
          (sum(t.answers for t in load), rss_first, rss_end,
           time.monotonic() - t0))
    ctl.close()
    eq(stop(p), 0, 'SIGTERM exit status')
except Exception:
    crashed()
finally:
    finish(tmp, log)
