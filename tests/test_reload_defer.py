#!/usr/bin/python3
"""test_reload_defer.py: a reload runs off the event loop.  A load of
the config waits until the test writes it into a FIFO (the gate:
hcpcsd_harness.gate_env), so that a load blocks in open() until the
test writes the config: while it waits, other clients are
answered; a reload request is answered only when the load it waits
for ends, and the same client's pipelined requests wait behind it;
reload requests and SIGHUPs during one load coalesce into exactly one
more load."""

import os, select, signal, time
from hcpcsd_harness import (Client, check, crashed, eq, finish, daemon_paths,
                            anweb_variant, gen_code, short_of, write_file,
                            write_conf, start, stop, wait_for, feed_fifo,
                            reloads)
import hcpcsd_harness as h
import msgpack

BIN = h.daemon_binary()
NREC = 50
tmp, sock, conf, log = daemon_paths()
data = {v: os.path.join(tmp, '%s.txt' % v) for v in 'AB'}
gate = os.path.join(tmp, 'gate')


def conf_text(v):
    return h.conf_text(sock, data[v])


def silent(c, secs):
    """True when nothing arrives on c for secs."""
    r, _, _ = select.select([c.s], [], [], secs)
    return not r


def short7(c):
    r = c.call('lookup', gen_code(7))
    return r and r['short']


p = None
try:
    for v in 'AB':
        write_file(data[v], anweb_variant(v, NREC))
    write_file(conf, conf_text('A'))
    p = start(BIN, conf, log, sock, env=h.gate_env(BIN, conf, gate))
    if not check(p.poll() is None, 'daemon started'):
        finish(tmp, log)
    x, y, z = Client(sock), Client(sock), Client(sock)
    eq(reloads(z), (1, 0), 'generation and reloads at start')

    # From here on a load blocks until the test feeds the FIFO.
    os.mkfifo(gate, 0o600)
    os.kill(p.pid, signal.SIGHUP)                  # load 1 starts
    time.sleep(0.2)
    t0 = time.monotonic()
    eq(z.call('ping'), 'pong', 'the loop answers during a load')
    check(time.monotonic() - t0 < 2, 'and at once')
    eq(reloads(z), (1, 0), 'load 1 has not finished')
    # x: a reload request, then a lookup pipelined behind it
    x.s.sendall(msgpack.packb([0, 11, 'reload', []]) +
                msgpack.packb([0, 12, 'lookup', [gen_code(7)]]))
    y.s.sendall(msgpack.packb([0, 21, 'reload', []]))
    # a notification: starts nothing more, is never answered
    z.s.sendall(msgpack.packb([2, 'reload', []]))
    for _ in range(3):
        os.kill(p.pid, signal.SIGHUP)
    check(silent(x, 0.3), 'reload request answered only after its load')
    eq(short7(z), short_of('A', 7), 'others still served the old data')

    check(feed_fifo(gate, conf_text('B')), 'load 1 read the config')
    st = wait_for(lambda: (lambda r: r if r and r[1] >= 1 else None)
                  (reloads(z)))
    eq(st, (2, 1), 'load 1 published generation 2')
    eq(short7(z), short_of('B', 7), 'load 1 data served')
    # x and y asked during load 1: their answer is load 2's
    check(silent(x, 0.3), 'x still waits: its reload coalesced into load 2')
    check(silent(y, 0.1), 'y still waits too')

    check(feed_fifo(gate, conf_text('A')), 'load 2 read the config')
    r = x.read()
    eq(r, [1, 11, None, {'ok': True, 'generation': 3}],
       'x: the reload answer, from load 2')
    r = x.read()
    check(r is not None and r[:3] == [1, 12, None] and
          r[3]['short'] == short_of('A', 7),
          'x: the pipelined lookup after it sees load 2: %r' % (r,))
    eq(y.read(), [1, 21, None, {'ok': True, 'generation': 3}],
       'y: answered by the same load')
    # 4 SIGHUPs, 2 requests and a notification: exactly 2 loads
    time.sleep(0.3)
    eq(reloads(z), (3, 2), 'requests during load 1 made one more load')

    # a failed load answers {ok: false} and keeps the generation
    x.send('reload')
    check(feed_fifo(gate, b'code_sets: [\n'), 'load 3 read the config')
    r = x.read()
    check(r is not None and r[:3] == [1, x.msgid, None] and
          r[3]['ok'] is False and r[3]['generation'] == 3 and
          conf in r[3].get('error', ''),
          'a failed reload is answered with its error: %r' % (r,))
    eq(short7(x), short_of('A', 7), 'old data kept')

    # SIGTERM while a load waits: the daemon still exits cleanly
    os.kill(p.pid, signal.SIGHUP)
    time.sleep(0.2)
    os.kill(p.pid, signal.SIGTERM)
    time.sleep(0.2)
    check(feed_fifo(gate, conf_text('A')), 'load 4 read the config')
    eq(stop(p), 0, 'exit status after a load during shutdown')
    for c in (x, y, z):
        c.close()
except Exception:
    crashed()
finally:
    finish(tmp, log)
