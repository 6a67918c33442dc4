#!/usr/bin/python3
"""test_socket.py: who may stand behind hcpcsd's socket path.
- The socket is born with its final mode: bound in a private directory
  next to its path, chmod'ed there, listening, then linked (free path) or
  renamed (stale socket) into place; nothing is ever chmod'ed or bound at
  the final path (strace), the private directory is gone after, and the
  mode is socket_mode.
- A socket directory, or one above it, that another user could change
  (writable by all and not sticky, or owned by someone else) makes
  hcpcsd exit 1 before loading, naming the directory, its mode and owner;
  a sticky world-writable root-owned one (/tmp) and a group-writable one
  are served with a warning.
- hcpcs refuses a server that runs as neither the owner of the socket's
  directory nor root (a squatter: tests/e2e_fake_server.py run as
  nobody), exit 2, unless --expect-uid or $HCPCSD_EXPECT_UID names it;
  the real daemon (root) is accepted.
The checks of other users need root (skipped otherwise, with a NOTE)."""

import os, re, shutil, socket, stat, struct, subprocess, sys, time
from hcpcsd_harness import (Client, anweb_variant, check, crashed,
                            daemon_binary, die_with_parent, eq, finish,
                            private_dir, procs, start, stop, wait_for,
                            write_conf, write_file)

BIN = daemon_binary()
CLI = os.path.abspath(os.environ.get('HCPCS_BIN') or 'build/hcpcs')
FAKE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    'e2e_fake_server.py')
NOBODY = 65534
ROOT = os.geteuid() == 0
tmp = private_dir()
data = os.path.join(tmp, 'hcpcs.txt')


def setup(name, mode, owner=None, parent=None):
    """A directory name (under parent, default tmp) with mode, and the
    socket, config and log paths of a daemon serving in it."""
    d = os.path.join(parent or tmp, name)
    os.mkdir(d)
    os.chmod(d, mode)
    if owner is not None:
        os.chown(d, owner, owner)
    base = os.path.join(tmp, name.replace('/', '-'))
    sock = os.path.join(d, 's.sock')
    conf = base + '.yaml'
    write_conf(conf, sock, data)
    return d, sock, conf, base + '.log'


def text(path):
    with open(path, errors='replace') as f:
        return f.read()


def refused(sock, conf, log, what):
    """hcpcsd exits 1 before loading, its log matching what."""
    p = start(BIN, conf, log, wait=False)
    try:
        rc = p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        rc = None
    eq(rc, 1, '%s: exit status' % sock)
    L = text(log)
    check(re.search(what, L), '%s: log says %r:\n%s' % (sock, what, L))
    check(' load: ' not in L, '%s: refused before loading' % sock)
    check(not os.path.lexists(sock), '%s: no socket made' % sock)


def serves(sock, conf, log, warning):
    """hcpcsd serves on sock, its log warning as given; stopped after."""
    p = start(BIN, conf, log, sock)
    c = Client(sock)
    eq(c.call('ping'), 'pong', '%s: ping' % sock)
    c.close()
    eq(stop(p), 0, '%s: exit status' % sock)
    L = text(log)
    check(re.search(warning, L), '%s: log warns %r:\n%s' % (sock, warning,
                                                             L))


def server_pid(sock):
    """The pid that listens on sock (SO_PEERCRED)."""
    c = Client(sock)
    pid, _, _ = struct.unpack('3i', c.s.getsockopt(
        socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize('3i')))
    c.close()
    return pid


def traced(sock, conf, log, trace):
    """hcpcsd under strace until it serves on sock, then stopped: the
    trace's lines, or None when strace cannot trace here."""
    # LeakSanitizer cannot run under ptrace (SAN=1 builds).
    e = dict(os.environ)
    e['ASAN_OPTIONS'] = (e.get('ASAN_OPTIONS', '') +
                         ':detect_leaks=0').lstrip(':')
    lf = open(log, 'ab')
    p = subprocess.Popen(['strace', '-f', '-qq', '-o', trace, '-e',
                          'trace=%file,bind,listen', BIN, '-f', '-R', '-c',
                          conf],
                         stdin=subprocess.DEVNULL, stdout=lf, stderr=lf,
                         env=e, preexec_fn=die_with_parent)
    lf.close()
    procs.append(p)

    def up():
        try:
            Client(sock, timeout=2).close()
            return True
        except OSError:
            return p.poll() is not None
    wait_for(up, timeout=60, step=0.05)
    if p.poll() is not None:
        print('NOTE: strace could not trace here (exit %s): %s'
              % (p.returncode, text(log).strip()[-200:]))
        return None
    os.kill(server_pid(sock), 15)
    eq(stop(p), 0, 'hcpcsd under strace: exit status')
    return text(trace).splitlines()


def born_private(name, stale):
    """The socket appears at its path only bound, chmod'ed, listening."""
    d, sock, conf, log = setup(name, 0o755)
    write_file(conf, open(conf, 'rb').read().replace(
        b'socket_mode: "0600"', b'socket_mode: "0640"'))
    if stale:
        s = socket.socket(socket.AF_UNIX)
        s.bind(sock)
        s.close()
    L = traced(sock, conf, log, os.path.join(tmp, name + '.trace'))
    if L is None:
        return False
    q = re.escape(d)
    priv = r'%s/\.hcpcsd-[A-Za-z0-9]{6}' % q
    tsock = priv + '/s'

    def at(pat):
        for i, l in enumerate(L):
            if re.search(pat, l):
                return i
        check(False, '%s: no trace line matches %r' % (name, pat))
        return -1
    mk = at(r'mkdir\("%s", 0700\)' % priv)
    bd = at(r'bind\(\d+, \{sa_family=AF_UNIX, sun_path="%s"\}' % tsock)
    ch = at(r'chmod(at)?\((AT_FDCWD, )?"%s", 0640\)' % tsock)
    ls = at(r'^\d+ +listen\(')
    mv = at((r'rename(at2?)?\((AT_FDCWD, )?"%s", (AT_FDCWD, )?"%s"'
             if stale else r'link(at)?\((AT_FDCWD, )?"%s", (AT_FDCWD, )?"%s"')
            % (tsock, re.escape(sock)))
    check(-1 < mk < bd < ch < ls < mv, '%s: mkdir %d < bind %d < chmod %d '
          '< listen %d < %s %d' % (name, mk, bd, ch, ls,
                                   'rename' if stale else 'link', mv))
    # (The unlink at exit is not a replacement.)
    final = '"%s"' % sock
    bad = [l for i, l in enumerate(L) if final in l and
           re.search(r'^\d+ +(bind|chmod|fchmodat|chown|fchownat|lchown|'
                     r'unlink|unlinkat)\(', l) and
           (i < mv or 'unlink' not in l)]
    eq(bad, [], '%s: no bind, chmod, chown or unlink at the final path'
       % name)
    eq([n for n in os.listdir(d) if n.startswith('.hcpcsd-')], [],
       '%s: private directory removed' % name)
    return True


try:
    write_file(data, anweb_variant('A', 20))

    # ---- born with its mode ----
    if shutil.which('strace') is None:
        print('NOTE: strace not installed: how the socket is made is not '
              'traced')
    elif born_private('fresh', stale=False):
        born_private('stale', stale=True)
    # Its mode, whether traced or not.
    d, sock, conf, log = setup('mode', 0o755)
    write_file(conf, open(conf, 'rb').read().replace(
        b'socket_mode: "0600"', b'socket_mode: "0640"'))
    p = start(BIN, conf, log, sock)
    st = os.lstat(sock)
    check(stat.S_ISSOCK(st.st_mode), 'mode: a socket')
    eq(oct(stat.S_IMODE(st.st_mode)), '0o640', 'mode: socket_mode')
    eq(stop(p), 0, 'mode: exit status')

    # ---- directories others could change ----
    d, sock, conf, log = setup('pub', 0o777)
    refused(sock, conf, log, r'socket directory %s \(mode 0777, owner uid '
            r'0\): writable by every user and not sticky, so any of them '
            r'could replace %s' % (re.escape(d), re.escape(sock)))
    # An ancestor: whoever may rename sub may replace the socket too.
    anc, _, _, _ = setup('anc', 0o777)
    d, sock, conf, log = setup('anc/sub', 0o755)
    refused(sock, conf, log, r'socket directory %s \(mode 0777, owner uid '
            r'0\): writable by every user' % re.escape(anc))
    if ROOT:
        d, sock, conf, log = setup('own', 0o1777, owner=NOBODY)
        refused(sock, conf, log, r'socket directory %s \(mode 1777, owner '
                r'uid 65534\): its owner could replace %s'
                % (re.escape(d), re.escape(sock)))
    else:
        print('NOTE: not root: a directory of another user not tried')

    # ---- allowed, with a warning ----
    d, sock, conf, log = setup('sticky', 0o1777)
    serves(sock, conf, log, r'warning: socket directory %s \(mode 1777\): '
           r'any local user can bind %s first while hcpcsd is not running'
           % (re.escape(d), re.escape(sock)))
    d, sock, conf, log = setup('grp', 0o770)
    serves(sock, conf, log, r'warning: socket directory %s \(mode 0770, '
           r'group \d+\): any member of the group could replace %s'
           % (re.escape(d), re.escape(sock)))

    # ---- the client: a squatter, and the real daemon ----
    def cli(args, env=None):
        e = {k: v for k, v in os.environ.items()
             if k not in ('HCPCSD_EXPECT_UID', 'HCPCSD_SOCKET')}
        e.update(env or {})
        r = subprocess.run([CLI] + args, capture_output=True, env=e,
                           timeout=60)
        return r.returncode, r.stdout.decode(), r.stderr.decode()

    # The real daemon, root's, in root's sticky directory: accepted by
    # default and whatever uid is expected (root always is).
    d, sock, conf, log = setup('real', 0o1777)
    p = start(BIN, conf, log, sock)
    eq(cli(['-s', sock, 'ping']), (0, 'pong\n', ''), 'real daemon: default')
    eq(cli(['-s', sock, '--expect-uid', '1234', 'ping']),
       (0, 'pong\n', ''), 'real daemon: root passes --expect-uid 1234')
    eq(stop(p), 0, 'real daemon: exit status')

    if ROOT:
        # nobody squats a name in a world-writable directory of root's.
        os.chmod(tmp, 0o711)
        d, sock, conf, log = setup('squat', 0o777)
        fake = os.path.join(d, 'fake.py')
        shutil.copy(FAKE, fake)
        os.chmod(fake, 0o644)

        def nobody():
            die_with_parent()
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
        f = subprocess.Popen([sys.executable, fake, sock],
                             stdin=subprocess.DEVNULL, preexec_fn=nobody)
        procs.append(f)
        check(wait_for(lambda: os.path.exists(sock + '.ready')),
              'squatter listening')
        refusal = ('hcpcs: server on %s runs as uid 65534, expected 0\n'
                   % sock)
        eq(cli(['-s', sock, 'search', 'x']), (2, '', refusal),
           'squatter: refused by default (the directory is root\'s)')
        eq(cli(['search', 'x'], {'HCPCSD_SOCKET': sock}), (2, '', refusal),
           'squatter: refused by default via $HCPCSD_SOCKET')
        rc, out, err = cli(['-s', sock, '--json', 'search', 'x'])
        eq((rc, out), (2, '{"error":{"code":"peer","message":"server on '
                       '%s runs as uid 65534, expected 0"}}\n' % sock),
           'squatter: --json error code')
        eq(cli(['-s', sock, '--expect-uid', '1234', 'search', 'x']),
           (2, '', 'hcpcs: server on %s runs as uid 65534, expected 1234 '
            'or 0\n' % sock), 'squatter: not uid 1234 either')
        # Named, it is accepted (and answers as the fake server does).
        got = cli(['-s', sock, 'search', 'x'], {'HCPCSD_EXPECT_UID': '65534'})
        check(got[0] == 0 and got[1].split() == ['?', 'active', 'x'],
              'squatter: accepted by $HCPCSD_EXPECT_UID=65534: %r' % (got,))
        got = cli(['-s', sock, '--expect-uid', 'nobody', 'search', 'x'])
        check(got[0] == 0 and got[1].split() == ['?', 'active', 'x'],
              'squatter: accepted by --expect-uid nobody: %r' % (got,))
        got = cli(['-s', sock, '--expect-uid', 'any', 'search', 'x'])
        check(got[0] == 0, 'squatter: accepted by --expect-uid any: %r'
              % (got,))
        # The option wins over the environment.
        eq(cli(['-s', sock, '--expect-uid', '0', 'search', 'x'],
               {'HCPCSD_EXPECT_UID': '65534'}), (2, '', refusal),
           'squatter: --expect-uid 0 over $HCPCSD_EXPECT_UID')
        eq(cli(['-s', sock, '--expect-uid', '-5', 'ping']),
           (2, '', 'hcpcs: bad --expect-uid: -5: not a uid, a user or '
            '"any"\n'), 'bad --expect-uid')
        eq(cli(['-s', sock, 'ping'], {'HCPCSD_EXPECT_UID': 'no such user'}),
           (2, '', 'hcpcs: bad HCPCSD_EXPECT_UID: no such user: not a uid, '
            'a user or "any"\n'), 'bad $HCPCSD_EXPECT_UID')
        f.kill()
        f.wait()
    else:
        print('NOTE: not root: a server of another uid not tried')
except Exception:
    crashed()
finish(tmp)
