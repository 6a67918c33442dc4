#!/usr/bin/python3
"""test_workers.py: with workers: 4, 16 clients at once each pipeline
lookups, lookup_many and pings (600 each, or as many as 60 s allow but
at least 100: HCPCSD_STRESS_SECONDS); every answer must be the right one for
its msgid, and info's stats.requests must count exactly what was sent
(summed over the workers), as must connections_total."""

import os, threading
from hcpcsd_harness import (Budget, Client, check, crashed, eq, finish,
                            daemon_paths, anweb_variant, gen_code, short_of,
                            write_file, write_conf, start, stop, wait_for,
                            daemon_binary)

BIN = daemon_binary()
NREC = 2000
NCLIENTS = 16
NREQ = 600              # per client, at most
MIN_REQ = 100           # at least
WINDOW = 32             # requests in flight per client

tmp, sock, conf, log = daemon_paths()
data = os.path.join(tmp, 'hcpcs.txt')


class Load(threading.Thread):
    def __init__(self, n):
        super().__init__(daemon=True)
        self.n = n
        self.sent = {'lookup': 0, 'lookup_many': 0, 'ping': 0}
        self.bad = []
        self.answered = 0
        self.budget = None

    def request(self, c, k):
        i = (self.n * 7919 + k * 31) % NREC
        kind = k % 3
        if kind == 0:
            method, params = 'lookup', [gen_code(i)]
            want = short_of('A', i)
        elif kind == 1:
            j = (i + 1) % NREC
            method, params = 'lookup_many', [[gen_code(i), gen_code(j)]]
            want = [short_of('A', i), short_of('A', j)]
        else:
            method, params, want = 'ping', [], 'pong'
        self.sent[method] += 1
        return c.send(method, *params), method, want

    def check(self, r, pending):
        if r is None or len(r) != 4 or r[1] not in pending:
            self.bad.append(('unexpected', r))
            return
        method, want = pending.pop(r[1])
        res = r[3]
        if method == 'lookup':
            got = res.get('short') if isinstance(res, dict) else res
        elif method == 'lookup_many':
            got = [x.get('short') if isinstance(x, dict) else x
                   for x in res] if isinstance(res, list) else res
        else:
            got = res
        if r[2] is not None or got != want:
            self.bad.append((method, want, r))
        else:
            self.answered += 1

    def run(self):
        try:
            c = Client(sock, timeout=60)
            pending = {}
            b = self.budget = Budget('client %d requests' % self.n, NREQ,
                                     MIN_REQ)
            while b.more() or pending:
                while b.more() and len(pending) < WINDOW:
                    msgid, method, want = self.request(c, b.done)
                    pending[msgid] = (method, want)
                    b.round()
                self.check(c.read(), pending)
                if self.bad:
                    break
            c.close()
        except Exception as e:
            self.bad.append(('exception', repr(e)))


p = None
try:
    write_file(data, anweb_variant('A', NREC))
    write_conf(conf, sock, data, 'workers: 4\nmax_clients: 64\n'
               'max_connections_per_uid: 64\n')
    p = start(BIN, conf, log, sock)
    # (start may have connected to see the daemon up: count from here)
    c = Client(sock)
    st0 = c.call('info')['stats']
    load = [Load(n) for n in range(NCLIENTS)]
    for t in load:
        t.start()
    for t in load:
        t.join(200)     # (the budget's 3 * 60 s at worst)
        check(not t.is_alive(), 'client %d finished' % t.n)
    nreq = 0
    for t in load:
        eq(t.bad[:3], [], 'client %d: every answer right' % t.n)
        if check(t.budget is not None, 'client %d connected' % t.n):
            t.budget.report()
            nreq += t.budget.done
            eq(t.answered, t.budget.done,
               'client %d: every request answered' % t.n)
    sent = {m: sum(t.sent[m] for t in load) for m in load[0].sent}
    eq(sent['lookup'] + sent['lookup_many'] + sent['ping'],
       nreq, 'requests sent')
    st = c.call('info')['stats']
    req = {k: v - st0['requests'][k] for k, v in st['requests'].items()}
    eq(req['lookup'], sent['lookup'], 'info counts every lookup')
    eq(req['lookup_many'], sent['lookup_many'],
       'info counts every lookup_many')
    eq(req['ping'], sent['ping'], 'info counts every ping')
    eq(req['info'], 1, 'and this info')
    eq(sum(v for k, v in req.items() if k != 'notifications'),
       nreq + 1, 'the sum of stats.requests is what was sent')
    eq(st['connections_total'] - st0['connections_total'], NCLIENTS,
       'connections_total counts every client')
    # the workers see the other clients' EOF in their own time
    cur = wait_for(lambda: c.call('info')['stats']['connections_current']
                   == 1, timeout=20)
    check(cur, 'connections_current: only this one, once all closed')
    eq(sum(st['errors'].values()), 0, 'no errors')
    c.close()
    eq(stop(p), 0, 'exit status')
    p = None
    with open(log) as f:
        text = f.read()
    check('shutting down' in text, 'logged its shutdown')
except Exception:
    crashed()
finally:
    if p is not None:
        stop(p, timeout=5)
    finish(tmp, log)
