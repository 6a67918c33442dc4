#!/usr/bin/python3
"""test_notify.py: the sd_notify messages hcpcsd sends to $NOTIFY_SOCKET
(a fake one here: a Python datagram listener), in exact order: READY
with STATUS at start, RELOADING with MONOTONIC_USEC then READY with
the new STATUS for a good reload, the same with the error for a failed
one, STOPPING at SIGTERM; both a path and an abstract "@name" socket."""

import os, re, signal, socket, time
from hcpcsd_harness import (Client, check, crashed, eq, finish, daemon_paths,
                            anweb_variant, write_file, write_conf, start,
                            stop, daemon_binary)

BIN = daemon_binary()
tmp, sock, conf, log = daemon_paths()
data = os.path.join(tmp, 'hcpcs.txt')


def listener(addr):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(addr)
    s.settimeout(20)
    return s


def msg(s):
    try:
        return s.recv(4096).decode()
    except socket.timeout:
        return None


def mono_usec():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000


def reloading(s, what):
    """A RELOADING=1 message whose MONOTONIC_USEC is now."""
    t0 = mono_usec()
    m = msg(s)
    t1 = mono_usec()
    g = re.fullmatch(r'RELOADING=1\nMONOTONIC_USEC=(\d+)', m or '')
    if check(g is not None, '%s: RELOADING message: %r' % (what, m)):
        check(t0 - 5000000 <= int(g.group(1)) <= t1,
              '%s: MONOTONIC_USEC %s within [%d, %d]'
              % (what, g.group(1), t0, t1))


def silent(s, secs):
    s.settimeout(secs)
    try:
        m = s.recv(4096)
    except socket.timeout:
        m = None
    s.settimeout(20)
    return check(m is None, 'no further message: %r' % (m,))


p = None
try:
    write_file(data, anweb_variant('A', 40))
    write_conf(conf, sock, data)
    addr = os.path.join(tmp, 'notify.sock')
    n = listener(addr)
    env = dict(os.environ, NOTIFY_SOCKET=addr)
    p = start(BIN, conf, log, sock, env=env)
    eq(msg(n), 'READY=1\nSTATUS=generation 1: hcpcs 40 procedures '
       '0 modifiers', 'start')
    check(os.path.exists(sock), 'READY came with the socket listening')
    silent(n, 0.2)

    # 42: the way back to 40 stays within min_ratio 0.9
    write_file(data, anweb_variant('B', 42))
    t0 = mono_usec()
    os.kill(p.pid, signal.SIGHUP)
    reloading(n, 'good reload')
    eq(msg(n), 'READY=1\nSTATUS=generation 2: hcpcs 42 procedures '
       '0 modifiers', 'after a good reload')

    write_file(data, b'')
    os.kill(p.pid, signal.SIGHUP)
    reloading(n, 'failed reload')
    eq(msg(n), 'READY=1\nSTATUS=reload failed, still serving generation '
       '2: set "hcpcs": %s: file is empty' % data, 'after a failed reload')

    # the reload method notifies the same way
    write_file(data, anweb_variant('A', 40))
    c = Client(sock)
    eq(c.call('reload'), {'ok': True, 'generation': 3}, 'reload method')
    reloading(n, 'reload method')
    eq(msg(n), 'READY=1\nSTATUS=generation 3: hcpcs 40 procedures '
       '0 modifiers', 'after the reload method')
    c.close()
    silent(n, 0.2)

    eq(stop(p), 0, 'exit status')
    eq(msg(n), 'STOPPING=1', 'stop')
    silent(n, 0.2)
    n.close()

    # an abstract socket name, "@..."
    name = '@hcpcsd-test-%d' % os.getpid()
    n = listener('\0' + name[1:])
    p = start(BIN, conf, log, sock, env=dict(os.environ,
                                             NOTIFY_SOCKET=name))
    eq(msg(n), 'READY=1\nSTATUS=generation 1: hcpcs 40 procedures '
       '0 modifiers', 'abstract socket: start')
    eq(stop(p), 0, 'abstract socket: exit status')
    eq(msg(n), 'STOPPING=1', 'abstract socket: stop')
    n.close()

    # no NOTIFY_SOCKET: serves all the same
    env = dict(os.environ)
    env.pop('NOTIFY_SOCKET', None)
    p = start(BIN, conf, log, sock, env=env)
    c = Client(sock)
    eq(c.call('ping'), 'pong', 'serves without NOTIFY_SOCKET')
    c.close()
    eq(stop(p), 0, 'exit status without NOTIFY_SOCKET')
except Exception:
    crashed()
finally:
    finish(tmp, log)
