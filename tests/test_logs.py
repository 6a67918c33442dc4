#!/usr/bin/python3
"""test_logs.py: hcpcsd's stderr log: one line per event (start, load,
reload with its duration and counts, reload failure with the error,
stop), client protocol errors rate-limited to 10 lines per 10 s with
a "suppressed N more" summary, and the log_level key obeyed."""

import os, re, signal, socket, time
from hcpcsd_harness import (Client, check, crashed, eq, finish,
                            private_dir, anweb_variant, write_file,
                            write_conf, start, stop, wait_for,
                            daemon_binary)

BIN = daemon_binary()
tmp = private_dir()
sock = os.path.join(tmp, 'hcpcsd.sock')
conf = os.path.join(tmp, 'hcpcsd.yaml')
data = os.path.join(tmp, 'hcpcs.txt')
NBAD = 50


def lines(log):
    with open(log, errors='replace') as f:
        return f.read().splitlines()


def bad_clients(n):
    """n clients that each send a byte that is never MessagePack."""
    for i in range(n):
        c = Client(sock, timeout=10)
        c.s.sendall(b'\xc1')
        check(c.read() is None, 'bad client %d closed' % i)
        c.close()


def info_count(c, n):
    i = c.call('info')
    return i if i and i['stats']['reloads']['count'] >= n else None


try:
    # log_level info (debug lines need both the key and -f; info here)
    log = os.path.join(tmp, 'info.log')
    write_file(data, anweb_variant('A', 30))
    write_conf(conf, sock, data, 'log_level: info\n')
    p = start(BIN, conf, log, sock)
    c = Client(sock)
    bad_clients(NBAD)
    write_file(data, anweb_variant('B', 35))
    os.kill(p.pid, signal.SIGHUP)
    wait_for(lambda: info_count(c, 1))
    write_file(data, b'')
    os.kill(p.pid, signal.SIGHUP)
    wait_for(lambda: info_count(c, 2))
    c.close()
    eq(stop(p), 0, 'exit status')
    L = lines(log)
    for l in L:
        check(re.match(r'hcpcsd: (info|warning|error): \S', l),
              'one event per line, with its level: %r' % l)
    check(not any(l.startswith('hcpcsd: debug:') for l in L),
          'no debug lines at log_level info')
    want = [
        r'hcpcsd: info: hcpcsd [0-9.]+ starting, configuration %s$'
        % re.escape(conf),
        r'hcpcsd: info: load: generation 1: hcpcs 30 procedures 0 '
        r'modifiers, \d+ ms$',
        r'hcpcsd: info: listening on %s$' % re.escape(sock),
        r'hcpcsd: info: SIGHUP: reloading %s$' % re.escape(conf),
        r'hcpcsd: info: reload: generation 2: hcpcs 35 procedures 0 '
        r'modifiers, \d+ ms$',
        r'hcpcsd: warning: reload failed after \d+ ms, still serving '
        r'generation 2: set "hcpcs": %s: file is empty$' % re.escape(data),
        r'hcpcsd: info: shutting down$',
        r'hcpcsd: info: exiting$',
    ]
    for w in want:
        n = 2 if 'SIGHUP' in w else 1
        eq(len([l for l in L if re.match(w, l)]), n, '%d line(s) %s' % (n, w))
    proto = [l for l in L if re.match(
        r'hcpcsd: warning: client \d+: protocol error after 0 requests: '
        r'not MessagePack: closing$', l)]
    eq(len(proto), 10, 'protocol errors logged before the limit')
    eq([l for l in L if 'suppressed' in l],
       ['hcpcsd: warning: client errors: suppressed %d more (at most 10 '
        'lines per 10 s)' % (NBAD - 10)], 'the summary of the rest')
    check(L.index(proto[-1]) < L.index('hcpcsd: info: shutting down') <
          L.index('hcpcsd: warning: client errors: suppressed %d more (at '
                  'most 10 lines per 10 s)' % (NBAD - 10)),
          'the summary comes at shutdown, after the last logged error')

    # log_level warning: only warnings and errors
    log = os.path.join(tmp, 'warning.log')
    write_file(data, anweb_variant('A', 30))
    write_conf(conf, sock, data, 'log_level: warning\n')
    p = start(BIN, conf, log, sock)
    bad_clients(3)
    eq(stop(p), 0, 'exit status at log_level warning')
    L = lines(log)
    eq(len(L), 3, 'only the 3 warnings at log_level warning: %r' % L)
    check(all(l.startswith('hcpcsd: warning: client ') for l in L),
          'they are the protocol errors')
except Exception:
    crashed()
finally:
    finish(tmp)
