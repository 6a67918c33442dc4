#!/usr/bin/python3
"""test_reload_edge.py: reloads at the edges of the daemon's life.  A
load of the config waits until the test writes it into a FIFO (the
gate: hcpcsd_harness.gate_env), so a load blocks until the test says:
- a SIGHUP during the very first load is held, then means one more
  load (it used to kill the daemon: no handler was installed yet);
- a reload request pipelined behind another, plus SIGHUPs during the
  first load, make exactly two loads, not three;
- SIGTERM while a load is stuck (nothing ever feeds the FIFO) still
  exits, after saying so, instead of waiting forever."""

import os, signal, time
from hcpcsd_harness import (Client, check, crashed, eq, finish, daemon_paths,
                            anweb_variant, gen_code, short_of, write_file,
                            start, stop, wait_for, feed_fifo, reloads)
import hcpcsd_harness as h
import msgpack

BIN = h.daemon_binary()
tmp, sock, conf, log = daemon_paths()
data = {v: os.path.join(tmp, '%s.txt' % v) for v in 'AB'}
gate = os.path.join(tmp, 'gate')
env = h.gate_env(BIN, conf, gate)


def conf_text(v):
    return h.conf_text(sock, data[v])


def fifo_conf():
    if not os.path.exists(gate):
        os.mkfifo(gate, 0o600)


p = None
try:
    for v in 'AB':
        write_file(data[v], anweb_variant(v, 20))

    # 1. SIGHUP while the first load is still reading its config
    fifo_conf()
    p = start(BIN, conf, log, sock, env=env, wait=False)
    time.sleep(0.3)
    os.kill(p.pid, signal.SIGHUP)
    time.sleep(0.2)
    check(p.poll() is None, 'a SIGHUP during the first load does not kill')
    check(feed_fifo(gate, conf_text('A')), 'first load read the config')
    c = None
    if wait_for(lambda: os.path.exists(sock), timeout=20):
        # (only now: a second writer could join the first read)
        check(feed_fifo(gate, conf_text('B')), 'the held SIGHUP loads again')
        c = Client(sock)
        st = wait_for(lambda: (lambda r: r if r and r[1] >= 1 else None)
                      (reloads(c)))
        eq(st, (2, 1), 'one more load, generation 2')
        eq(c.call('lookup', gen_code(3))['short'], short_of('B', 3),
           'serving what the second load read')
    check(not feed_fifo(gate, conf_text('A'), timeout=0.5),
          'and no third load')
    eq(stop(p), 0, 'exit status')
    p = None

    # 2. a pipelined reload behind a reload, plus two SIGHUPs: two loads
    os.unlink(gate)
    write_file(conf, conf_text('A'))
    p = start(BIN, conf, log, sock, env=env)
    c = Client(sock)
    eq(reloads(c), (1, 0), 'fresh start')
    fifo_conf()
    x = Client(sock)
    x.s.sendall(msgpack.packb([0, 1, 'reload', []]) +
                msgpack.packb([0, 2, 'reload', []]))
    time.sleep(0.2)
    os.kill(p.pid, signal.SIGHUP)
    os.kill(p.pid, signal.SIGHUP)
    check(feed_fifo(gate, conf_text('B')), 'load 1')
    eq(x.read(), [1, 1, None, {'ok': True, 'generation': 2}], 'reload 1')
    check(feed_fifo(gate, conf_text('A')), 'load 2')
    eq(x.read(), [1, 2, None, {'ok': True, 'generation': 3}], 'reload 2')
    check(not feed_fifo(gate, conf_text('B'), timeout=0.7),
          'no third load: load 2 answered the SIGHUPs too')
    eq(reloads(c), (3, 2), 'exactly two loads')

    # 3. SIGTERM while a load is stuck for good
    os.kill(p.pid, signal.SIGHUP)
    time.sleep(0.3)
    os.kill(p.pid, signal.SIGTERM)
    t0 = time.monotonic()
    eq(stop(p, timeout=15), 0, 'exits although the load never ends')
    check(time.monotonic() - t0 < 10, 'and in bounded time')
    p = None
    with open(log) as f:
        check('exiting with a load still running' in f.read(),
              'says it left a load running')
    for k in (c, x):
        k.close()
except Exception:
    crashed()
finally:
    if p is not None:
        stop(p, timeout=5)
    finish(tmp, log)
