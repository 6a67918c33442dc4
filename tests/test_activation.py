#!/usr/bin/python3
"""test_activation.py: socket activation as systemd does it (LISTEN_FDS,
LISTEN_PID, fd 3), with a Python harness in place of systemd: the
parent binds and listens, the child moves the socket to fd 3 and sets
LISTEN_PID to its own pid before exec.  The daemon must serve on that
socket, neither create the configured one nor chmod or unlink the
passed one, ignore a LISTEN_PID that is not its own, and refuse an fd
3 that is not a listening Unix stream socket."""

import os, select, signal, socket, stat, time
from hcpcsd_harness import (Client, check, crashed, eq, finish, daemon_paths,
                            anweb_variant, short_of, write_file,
                            write_conf, die_with_parent, daemon_binary)
import msgpack

BIN = daemon_binary()
tmp, sock, conf, log = daemon_paths()      # sock: the config's socket
passed = os.path.join(tmp, 'activated.sock')    # systemd's socket
data = os.path.join(tmp, 'hcpcs.txt')
pids = []


def spawn(fd3, pid_of=None):
    """fork + exec hcpcsd with fd3 as fd 3; LISTEN_PID = the child's own
    pid, or pid_of(child pid) when given."""
    env = dict(os.environ)
    env['ASAN_OPTIONS'] = (env.get('ASAN_OPTIONS', '') +
                           ':quarantine_size_mb=4').lstrip(':')
    logfd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    pid = os.fork()
    if pid == 0:
        try:
            die_with_parent()
            os.dup2(logfd, 1)
            os.dup2(logfd, 2)
            if fd3 == 3:
                os.set_inheritable(3, True)
            else:
                os.dup2(fd3, 3)         # dup2 clears close-on-exec
            me = os.getpid()
            env['LISTEN_FDS'] = '1'
            env['LISTEN_PID'] = str(pid_of(me) if pid_of else me)
            os.execve(BIN, [BIN, '-f', '-R', '-c', conf], env)
        finally:
            os._exit(127)
    os.close(logfd)
    pids.append(pid)
    return pid


def wait_exit(pid, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, status = os.waitpid(pid, os.WNOHANG)
        if r == pid:
            pids.remove(pid)
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    return None


def term(pid):
    os.kill(pid, signal.SIGTERM)
    return wait_exit(pid)


def ping(path, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            c = Client(path, timeout=2)
            c.send('ping')
            r = c.read()
            c.close()
            return r
        except OSError:
            time.sleep(0.05)
    return None


def listening_socket(path, mode):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    os.chmod(path, mode)
    s.listen(16)
    return s


try:
    write_file(data, anweb_variant('A', 30))
    write_conf(conf, sock, data)

    # 1. LISTEN_PID is the daemon's pid: it serves on fd 3
    ls = listening_socket(passed, 0o640)
    pid = spawn(ls.fileno())
    ls.close()                      # only the daemon holds it now
    eq(ping(passed), [1, 1, None, 'pong'], 'answers on the passed socket')
    c = Client(passed)
    eq((c.call('lookup', 'A0003') or {}).get('short'), short_of('A', 3),
       'serves the data on it')
    c.close()
    check(not os.path.exists(sock), 'did not create the configured socket')
    eq(stat.S_IMODE(os.stat(passed).st_mode), 0o640,
       'did not chmod the passed socket')
    # a reload keeps the passed socket
    os.kill(pid, signal.SIGHUP)
    time.sleep(0.3)
    eq(ping(passed), [1, 1, None, 'pong'], 'still serves after SIGHUP')
    eq(term(pid), 0, 'exit status')
    check(stat.S_ISSOCK(os.stat(passed).st_mode),
          'did not unlink the passed socket at exit')
    with open(log) as f:
        check('listening on %s (socket activation)' % passed in f.read(),
              'logs the passed socket')
    os.unlink(passed)

    # 2. LISTEN_PID of another process: ignored, the configured socket
    ls = listening_socket(passed, 0o600)
    pid = spawn(ls.fileno(), pid_of=lambda me: me + 1)
    eq(ping(sock), [1, 1, None, 'pong'], 'wrong LISTEN_PID: own socket')
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(passed)               # queued by the kernel, never accepted
    c.sendall(msgpack.packb([0, 1, 'ping', []]))
    r, _, _ = select.select([c], [], [], 0.5)
    check(not r, 'wrong LISTEN_PID: the passed socket is not served')
    c.close()
    ls.close()
    eq(term(pid), 0, 'wrong LISTEN_PID: exit status')
    check(not os.path.exists(sock), 'removes the socket it created')

    # 3. fd 3 is not a listening Unix stream socket: refused
    for what, mk in (('a datagram socket',
                      lambda: socket.socket(socket.AF_UNIX,
                                            socket.SOCK_DGRAM)),
                     ('a stream socket that does not listen',
                      lambda: socket.socket(socket.AF_UNIX,
                                            socket.SOCK_STREAM)),
                     ('a TCP socket',
                      lambda: socket.socket(socket.AF_INET,
                                            socket.SOCK_STREAM))):
        s = mk()
        if s.family == socket.AF_INET:
            s.bind(('127.0.0.1', 0))
            s.listen(1)
        pid = spawn(s.fileno())
        s.close()
        rc = wait_exit(pid)
        eq(rc, 1, 'fd 3 %s: exit status' % what)
    with open(log) as f:
        text = f.read()
    for m in ('LISTEN_FDS: fd 3 is not a stream socket',
              'LISTEN_FDS: fd 3 is not listening',
              'LISTEN_FDS: fd 3 is not a Unix socket'):
        check(m in text, 'logged: %s' % m)
    check(not os.path.exists(sock), 'no socket created when refusing')
except Exception:
    crashed()
finally:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass
    finish(tmp, log)
