#!/usr/bin/python3
"""test_access.py: who may use and administer hcpcsd (docs/admin.md,
"Access"): allow_uids and allow_gids (supplementary groups too) refuse
other peers with "forbidden" and close them, logged with uid and pid;
reload is for admin_uids only and info hides paths and hashes from the
others; reload_min_interval coalesces a burst of admin reloads into one
load; as root hcpcsd refuses to serve without user: unless -R, and with
user: it drops to it (checked in /proc) and still serves and reloads.
Runs as root (skipped otherwise): the peers are forked children that
setuid to other uids."""

import os
import pickle
import re
import subprocess
import time

import hcpcsd_harness as h
import msgpack
from hcpcsd_harness import Client, check, crashed, eq, finish, start, stop

if os.geteuid() != 0:
    h.skip('needs root: its peers setuid to other users')
BIN = h.daemon_binary()
NOBODY = 65534          # nobody and nogroup on Debian
OTHER = 65533           # a uid with no passwd entry: numbers need none
GROUP = 4242            # a supplementary group given to a peer

# Readable by the peers and by user: nobody: the directory is root's and
# 0755 (nobody can replace what is in it), the files 0644.
tmp = h.private_dir()
os.chmod(tmp, 0o755)
data = os.path.join(tmp, 'hcpcs.txt')
h.write_file(data, h.anweb_variant('A', 20))
log = os.path.join(tmp, 'hcpcsd.log')


def conf(name, sock, extra=''):
    path = os.path.join(tmp, name + '.yaml')
    h.write_file(path, h.conf_text(sock, data, extra).replace(
        b'socket_mode: "0600"', b'socket_mode: "0666"'))
    return path


def as_user(uid, gid, groups, fn):
    """Run fn() in a child with those credentials; (its pid, its
    result); the result is pickled back through a pipe."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setgroups(groups)
            os.setgid(gid)
            os.setuid(uid)
            try:
                v = ('ok', fn())
            except Exception as e:          # report, never raise here
                v = ('raised', repr(e))
            os.write(w, pickle.dumps(v))
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, 'rb') as f:
        got = f.read()
    os.waitpid(pid, 0)
    v = pickle.loads(got) if got else ('raised', 'no result')
    check(v[0] == 'ok', 'peer uid %d: %r' % (uid, v))
    return pid, v[1] if v[0] == 'ok' else None


def requests(sock, calls):
    """A peer's body: send calls ([(method, params)]) pipelined; (the
    answers, closed): closed when EOF follows them within 2 s."""
    def fn():
        c = Client(sock, timeout=20)
        # One write: a refused peer is answered what its first read held,
        # then closed, so a second write could meet a closed socket.
        c.s.sendall(b''.join(msgpack.packb([0, i + 1, m, list(p)])
                             for i, (m, p) in enumerate(calls)))
        got = []
        while len(got) < len(calls):
            r = c.read()
            if r is None:
                break
            got.append(r)
        if not c.eof:
            c.s.settimeout(2)
            try:
                c.read()
            except OSError:
                pass            # still open
        c.close()
        return got, c.eof
    return fn


def err_code(r):
    return r[2].get('code') if isinstance(r, list) and len(r) == 4 and \
        isinstance(r[2], dict) else None


def log_text():
    with open(log, errors='replace') as f:
        return f.read()


def test_allow_uids():
    sock = os.path.join(tmp, 'u.sock')
    p = start(BIN, conf('u', sock, 'allow_uids: [%d]\n' % OTHER), log, sock)
    pid, (got, eof) = as_user(NOBODY, NOBODY, [], requests(
        sock, [('ping', []), ('lookup', ['A0001'])]))
    eq([err_code(r) for r in got], ['forbidden', 'forbidden'],
       'a peer not in allow_uids: every request forbidden')
    check(eof, 'and then closed')
    check(got and 'uid 65534' in got[0][2].get('message', ''),
          'the error names the uid: %r' % got[:1])
    check(re.search(r'client \d+ \(uid %d, gid %d, pid %d\): in neither '
                    r'allow_uids nor allow_gids: forbidden' %
                    (NOBODY, NOBODY, pid), log_text()),
          'logged once with uid and pid %d' % pid)
    _, (got, eof) = as_user(OTHER, OTHER, [], requests(sock,
                                                       [('ping', [])]))
    eq([r[3] for r in got], ['pong'], 'a peer in allow_uids is served')
    check(not eof, 'and kept open')
    # root is an admin (the default admin_uids), always allowed
    c = Client(sock)
    eq(c.call('ping'), 'pong', 'root, an admin, is allowed')
    c.close()
    eq(stop(p), 0, 'exit status')


def test_allow_gids():
    sock = os.path.join(tmp, 'g.sock')
    p = start(BIN, conf('g', sock, 'allow_gids: [%d]\n' % GROUP), log, sock)
    _, (got, _) = as_user(NOBODY, NOBODY, [GROUP], requests(
        sock, [('ping', [])]))
    eq([r[3] for r in got], ['pong'],
       'allowed by a supplementary group in allow_gids')
    _, (got, _) = as_user(NOBODY, GROUP, [], requests(sock, [('ping', [])]))
    eq([r[3] for r in got], ['pong'], 'allowed by its primary gid')
    _, (got, eof) = as_user(NOBODY, NOBODY, [], requests(
        sock, [('ping', [])]))
    eq([err_code(r) for r in got], ['forbidden'],
       'forbidden without the group')
    check(eof, 'and closed')
    eq(stop(p), 0, 'exit status')


def test_admin():
    sock = os.path.join(tmp, 'a.sock')
    p = start(BIN, conf('a', sock), log, sock)
    pid, (got, eof) = as_user(NOBODY, NOBODY, [], requests(
        sock, [('reload', []), ('ping', [])]))
    eq([err_code(r) for r in got[:1]], ['forbidden'],
       'reload by a non-admin: forbidden')
    eq([r[3] for r in got[1:]], ['pong'],
       'the peer is still served otherwise')
    check(not eof, 'and not closed')
    check(re.search(r'client \d+ \(uid %d, pid %d\): reload forbidden: '
                    r'not in admin_uids' % (NOBODY, pid), log_text()),
          'the refused reload is logged with uid and pid')
    # info without paths nor hashes
    _, (got, _) = as_user(NOBODY, NOBODY, [], requests(sock, [('info', [])]))
    info = got[0][3] if got else None
    s = info['sets'][0] if info else {}
    eq((s.get('path'), s.get('sha256')), (None, None),
       'info for a non-admin: no path nor sha256')
    eq([(r.get('path'), r.get('sha256')) for r in s.get('releases', [])],
       [(None, None)], 'nor in its releases')
    eq(info and info['stats']['errors'].get('forbidden'), 1,
       'the refusal is counted')
    c = Client(sock)
    i = c.call('info')
    s = i['sets'][0] if i else {}
    eq(s.get('path'), data, 'info for root has the path')
    check(re.match(r'^[0-9a-f]{64}$', s.get('sha256') or ''),
          'and the sha256: %r' % s.get('sha256'))
    r = c.call('reload')
    eq(r and (r['ok'], r['generation']), (True, 2), 'root reloads')
    c.close()
    check(re.search(r'client \d+ \(uid 0, pid \d+\): reload asked',
                    log_text()), 'the admin action is logged')
    eq(stop(p), 0, 'exit status')

    # admin_uids names who else may reload
    sock = os.path.join(tmp, 'a2.sock')
    p = start(BIN, conf('a2', sock, 'admin_uids: [%d]\n' % OTHER), log, sock)
    _, (got, _) = as_user(OTHER, OTHER, [], requests(sock,
                                                     [('reload', [])]))
    eq([r[3] and r[3].get('ok') for r in got], [True],
       'a uid in admin_uids reloads')
    _, (got, _) = as_user(OTHER, OTHER, [], requests(sock, [('info', [])]))
    eq(got and got[0][3]['sets'][0]['path'], data,
       'and sees the paths in info')
    eq(stop(p), 0, 'exit status')


def test_reload_interval():
    sock = os.path.join(tmp, 'r.sock')
    p = start(BIN, conf('r', sock, 'reload_min_interval: 2\n'), log, sock)
    c = Client(sock)
    t0 = time.monotonic()
    r = c.call('reload')
    eq(r and r['generation'], 2, 'the first reload is not held back')
    _, count0 = h.reloads(c)
    # a burst from five admin clients: one load, two seconds after
    cs = [Client(sock) for _ in range(5)]
    for x in cs:
        x.send('reload')
    got = [x.read() for x in cs]
    t1 = time.monotonic()
    eq([g and g[3]['ok'] for g in got], [True] * 5, 'every ask answered')
    eq(sorted(set(g[3]['generation'] for g in got if g)), [3],
       'all by the same load')
    eq(h.reloads(c), (3, count0 + 1), 'the burst made one load')
    check(t1 - t0 >= 1.9, 'the load waited for reload_min_interval '
          '(%.2f s after the first)' % (t1 - t0))
    check('reloading in' in log_text(), 'the wait is logged')
    for x in cs:
        x.close()
    c.close()
    eq(stop(p), 0, 'exit status')


def test_root():
    sock = os.path.join(tmp, 'root.sock')
    cf = conf('root', sock)
    rlog = os.path.join(tmp, 'root.log')
    p = start(BIN, cf, rlog, wait=False, root_ok=False)
    try:
        rc = p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        rc = None
        stop(p)
    with open(rlog, errors='replace') as f:
        text = f.read()
    check(rc not in (None, 0), 'root without user: nor -R: exit %r' % rc)
    check('refusing to serve as root' in text and 'set user:' in text.lower()
          and 'pass -R' in text, 'and says why: %r' % text)
    check(not os.path.exists(sock), 'no socket made')
    p = start(BIN, cf, rlog, sock)
    c = Client(sock)
    eq(c.call('ping'), 'pong', 'with -R it serves')
    c.close()
    check('running as root (-R)' in log_text() + open(rlog).read(),
          'and says so')
    eq(stop(p), 0, 'exit status')


def proc_status(pid):
    """{key: value} of /proc/pid/status, and of each of its threads."""
    out = []
    for t in sorted(os.listdir('/proc/%d/task' % pid)):
        d = {}
        with open('/proc/%d/task/%s/status' % (pid, t)) as f:
            for line in f:
                k, _, v = line.partition(':')
                d[k] = v.split()
        out.append(d)
    return out


def test_user():
    # The socket's directory is nobody's: listen.c must accept it.
    run = os.path.join(tmp, 'run')
    os.mkdir(run, 0o755)
    os.chown(run, NOBODY, NOBODY)
    sock = os.path.join(run, 's.sock')
    cf = conf('user', sock, 'user: nobody\nsocket_group: %d\n' % GROUP)
    p = start(BIN, cf, log, sock, root_ok=False)
    check(p.poll() is None, 'user: nobody: started without -R')
    st = proc_status(p.pid) if p.poll() is None else []
    check(len(st) >= 3, 'threads: %d' % len(st))
    for d in st:
        eq((d.get('Uid'), d.get('Gid'), d.get('Groups'), d.get('CapEff'),
            d.get('CapPrm')),
           (['65534'] * 4, ['65534'] * 4, [], ['0000000000000000'],
            ['0000000000000000']),
           'thread %s: credentials after the drop' % d.get('Pid'))
    check(p.poll() is None and os.stat(sock).st_gid == GROUP,
          'the socket has socket_group')
    c = Client(sock)
    eq(c.call('lookup', 'A0001') and c.call('lookup', 'A0001')['code'],
       'A0001', 'serves after the drop')
    h.write_file(data, h.anweb_variant('B', 20))
    r = c.call('reload')
    eq(r and (r['ok'], r['generation']), (True, 2),
       'reloads after the drop (files readable by nobody)')
    eq(c.call('lookup', 'A0001')['short'], h.short_of('B', 1),
       'the reloaded data')
    c.close()
    check(re.search(r'running as user nobody \(uid 65534, gid 65534\)',
                    log_text()), 'the drop is logged')
    eq(stop(p), 0, 'exit status')
    # a data file nobody cannot read: refused at start, not at reload
    secret = os.path.join(tmp, 'secret.txt')
    h.write_file(secret, h.anweb_variant('C', 5), mode=0o600)
    cf2 = os.path.join(tmp, 'secret.yaml')
    h.write_file(cf2, h.conf_text(sock, secret, 'user: nobody\n'))
    slog = os.path.join(tmp, 'secret.log')
    p = start(BIN, cf2, slog, wait=False, root_ok=False)
    try:
        rc = p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        rc = None
        stop(p)
    with open(slog, errors='replace') as f:
        text = f.read()
    check(rc not in (None, 0) and 'not readable as uid 65534' in text and
          secret in text, 'an unreadable data file: refused: %r, %r'
          % (rc, text))


def test_conf_names():
    bad = os.path.join(tmp, 'bad.yaml')
    h.write_file(bad, h.conf_text('/run/x.sock', data,
                                  'allow_uids: [nobody, no-such-user-x]\n'))
    r = subprocess.run([BIN, '-t', '-c', bad], capture_output=True,
                       text=True)
    eq(r.returncode, 1, '-t: an unknown user')
    check('allow_uids: unknown user "no-such-user-x"' in r.stderr,
          'named: %r' % r.stderr)
    h.write_file(bad, h.conf_text('/run/x.sock', data, 'allow_gids: []\n'))
    r = subprocess.run([BIN, '-t', '-c', bad], capture_output=True,
                       text=True)
    check(r.returncode == 1 and 'allow_gids: expected at least one' in
          r.stderr, '-t: an empty list: %r' % r.stderr)


try:
    test_conf_names()
    test_allow_uids()
    test_allow_gids()
    test_admin()
    test_reload_interval()
    test_root()
    test_user()
except Exception:
    crashed()
finish(tmp, log)
