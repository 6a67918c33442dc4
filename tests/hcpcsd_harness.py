"""hcpcsd_harness.py: what the Python tests (tests/test_*.py) share: the
skips (no python3-msgpack, no daemon binary), generated ANWEB fixtures, a
daemon started in a private directory (killed by PID at exit), a raw
MessagePack client and counting checks.  Python 3 + python3-msgpack.
Import it before msgpack: without python3-msgpack the import itself
skips the test (exit 77)."""

import ctypes
import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

try:
    import msgpack
except ImportError:
    print('SKIP: /usr/bin/python3 with python3-msgpack is needed')
    sys.exit(77)

checks = 0
failures = 0
procs = []
_libc = ctypes.CDLL(None, use_errno=True)
NAME = os.path.basename(sys.argv[0])


def check(cond, what):
    global checks, failures
    checks += 1
    if not cond:
        failures += 1
        frame = sys._getframe(1)
        if frame.f_code.co_name == 'eq':
            frame = frame.f_back
        print("%s:%d: FAIL: %s" % (NAME, frame.f_lineno, what),
              file=sys.stderr, flush=True)
    return cond


def eq(got, want, what):
    return check(got == want, "%s: got %r, expected %r" % (what, got, want))


def crashed():
    """Count an exception that escaped the test (call from except)."""
    traceback.print_exc()
    check(False, 'the test raised an exception')


def finish(tmp, log=None):
    """Kill what is left, show the daemon log on failure, tally, exit."""
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    if failures and log and os.path.exists(log):
        with open(log, errors='replace') as f:
            tail = f.readlines()[-30:]
        sys.stderr.write('daemon log:\n' + ''.join('  ' + l for l in tail))
    shutil.rmtree(tmp, ignore_errors=True)
    print('%d checks, %d failed' % (checks, failures))
    sys.exit(1 if failures else 0)


def _on_term(sig, frame):
    raise SystemExit(2)


signal.signal(signal.SIGTERM, _on_term)


def skip(why):
    """Exit 77: run.sh counts the test skipped and shows this line."""
    print('SKIP: ' + why, flush=True)
    sys.exit(77)


def daemon_binary():
    """$HCPCSD_BIN (default build/hcpcsd) as an absolute path; the test
    is skipped when it is not built."""
    b = os.environ.get('HCPCSD_BIN') or 'build/hcpcsd'
    if not os.access(b, os.X_OK):
        skip('no daemon binary at %s' % b)
    return os.path.abspath(b)


def die_with_parent():
    _libc.prctl(1, signal.SIGKILL)       # PR_SET_PDEATHSIG


def private_dir():
    tmp = tempfile.mkdtemp(prefix='hcpcsd-test-')
    os.chmod(tmp, 0o700)
    return tmp


def daemon_paths():
    """A private directory and a daemon's paths in it: (tmp, socket,
    config, log)."""
    tmp = private_dir()
    return tmp, os.path.join(tmp, 'hcpcsd.sock'), \
        os.path.join(tmp, 'hcpcsd.yaml'), os.path.join(tmp, 'hcpcsd.log')


# --- fixtures ----------------------------------------------------------

def anweb_line(key, seq, ric, piece, short='', added='20000101', term='',
               action='N', first=True, betos=''):
    """One 320-column CMS ANWEB line (docs/formats.md 8.2): the first line of a
    code, or with first=False a continuation carrying only more text."""
    l = [' '] * 320

    def at(col, s):
        l[col - 1:col - 1 + len(s)] = list(s)
    at(1, key); at(6, seq); at(11, ric); at(12, piece)
    if first:
        at(92, short)
        if ric == '3':
            at(120, '00'); at(128, '9'); at(257, betos); at(261, '1')
            at(266, '  0')
        at(230, 'C'); at(269, added); at(277, added); at(285, term)
        at(293, action)
    return ''.join(l)


def gen_code(i):
    """The i-th generated code: A0000..Z9999 (letters skip none)."""
    return '%s%04d' % (chr(ord('A') + i // 10000), i % 10000)


def short_of(variant, i):
    return 'Variant %s item %d' % (variant, i)


def anweb_variant(variant, n):
    """n procedure codes whose short descriptor names the variant."""
    rows = []
    for i in range(n):
        rows.append(anweb_line(gen_code(i), '00100', '3',
                               'Generated %s procedure number %d, long '
                               'descriptor text' % (variant, i),
                               short_of(variant, i)))
    return ''.join(r + '\r\n' for r in rows).encode('ascii')


def write_file(path, content, mode=0o644):
    """Replace path atomically (a reload sees the old or the new)."""
    with open(path + '.new', 'wb') as f:
        f.write(content)
    os.chmod(path + '.new', mode)
    os.rename(path + '.new', path)


def conf_text(sock, datafile, extra=''):
    """A config of one cms-anweb set "hcpcs" (bytes)."""
    return ('socket: %s\nsocket_mode: "0600"\n%s'
            'code_sets:\n'
            '  - name: hcpcs\n    format: cms-anweb\n'
            '    path: %s\n' % (sock, extra, datafile)).encode()


def write_conf(path, sock, datafile, extra=''):
    write_file(path, conf_text(sock, datafile, extra))


def feed_fifo(path, content, timeout=20):
    """Write content once the daemon has the FIFO open for reading;
    False if it never does within timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as e:
            if e.errno != errno.ENXIO:      # ENXIO: no reader yet
                raise
            time.sleep(0.01)
            continue
        os.set_blocking(fd, True)
        os.write(fd, content)
        os.close(fd)
        return True
    return False


def gate_env(binary, conf, gate, env=None):
    """An environment in which, while the FIFO gate exists, each load of
    conf waits until the test feeds gate (feed_fifo(gate, text)) and then
    reads text as conf (tests/gate_open.c, LD_PRELOAD'ed).  hcpcsd
    refuses a FIFO as its config: this holds a load without one."""
    e = dict(os.environ if env is None else env)
    lib = os.path.join(os.path.dirname(binary), 'tests', 'gate_open.so')
    if not os.path.exists(lib):
        skip('no %s (make all builds it)' % lib)
    e['LD_PRELOAD'] = lib
    e['HCPCSD_GATE_PATH'] = conf
    e['HCPCSD_GATE_FIFO'] = gate
    # A sanitized daemon: ASan need not come first, the shim runs no code
    # of its own that ASan should see.
    e['ASAN_OPTIONS'] = (e.get('ASAN_OPTIONS', '') +
                         ':verify_asan_link_order=0').lstrip(':')
    return e


# --- daemon ------------------------------------------------------------

def start(binary, conf, log, sock=None, env=None, pass_fds=(),
          preexec=None, wait=True, root_ok=True):
    """Start hcpcsd -f -c conf, stderr to log; wait until sock answers.
    root_ok passes -R: the tests run as root and hcpcsd refuses to serve
    as root without user: in its config unless given -R."""
    e = dict(os.environ if env is None else env)
    # ASan keeps freed memory in quarantine; keep it small so RSS is
    # a fair measure under build-san.
    e['ASAN_OPTIONS'] = (e.get('ASAN_OPTIONS', '') +
                         ':quarantine_size_mb=4').lstrip(':')

    def pre():
        die_with_parent()
        if preexec is not None:
            preexec()
    lf = open(log, 'ab')
    args = [binary, '-f'] + (['-R'] if root_ok else []) + ['-c', conf]
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                         stdout=lf, stderr=lf, env=e, pass_fds=pass_fds,
                         preexec_fn=pre)
    lf.close()
    procs.append(p)
    if wait and sock is not None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and p.poll() is None:
            try:
                Client(sock, timeout=2).close()
                break
            except OSError:
                time.sleep(0.05)
    return p


def stop(p, timeout=30):
    """SIGTERM and wait; returns the exit status (None if it hung)."""
    if p.poll() is None:
        os.kill(p.pid, signal.SIGTERM)
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return None


def reloads(c):
    """(generation, reloads count) from info, or a false value."""
    i = c.call('info')
    return i and (i['generation'], i['stats']['reloads']['count'])


def rss_kb(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return None


def wait_for(fn, timeout=30, step=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return None


class Client:
    def __init__(self, path, timeout=20):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.u = msgpack.Unpacker(raw=False)
        self.msgid = 0
        self.eof = False

    def send(self, method, *params):
        self.msgid = (self.msgid + 1) % (1 << 32)
        self.s.sendall(msgpack.packb([0, self.msgid, method, list(params)]))
        return self.msgid

    def read(self):
        """The next response, or None at EOF."""
        while True:
            for o in self.u:
                return o
            try:
                d = self.s.recv(1 << 16)
            except ConnectionResetError:
                d = b''
            if not d:
                self.eof = True
                return None
            self.u.feed(d)

    def call(self, method, *params):
        msgid = self.send(method, *params)
        r = self.read()
        if not check(r is not None and len(r) == 4 and r[0] == 1 and
                     r[1] == msgid and r[2] is None,
                     '%s %r: answer %r' % (method, params, r)):
            return None
        return r[3]

    def close(self):
        self.s.close()


# --- stress loops --------------------------------------------------------

class Budget:
    """How many rounds a stress loop does: up to most, but no longer than
    seconds once least are done.  On a busy or sanitized build a count
    alone can take many times its usual time; a time alone could test
    nothing.  HCPCSD_STRESS_SECONDS overrides seconds.  If least rounds
    are not done within 3 * seconds the loop stops and report() fails.
    Use: while b.more(): ...one round...; b.round(); then b.report()."""

    def __init__(self, what, most, least, seconds=60):
        self.what, self.most, self.least = what, most, least
        self.seconds = float(os.environ.get('HCPCSD_STRESS_SECONDS',
                                            seconds))
        self.t0 = time.monotonic()
        self.done = 0

    def elapsed(self):
        return time.monotonic() - self.t0

    def more(self):
        if self.done >= self.most:
            return False
        t = self.elapsed()
        return t < self.seconds or (self.done < self.least and
                                    t < 3 * self.seconds)

    def round(self):
        self.done += 1

    def report(self):
        """Print the rounds done in the time; fail below least."""
        print('%s: %d of at most %d in %.1f s (budget %g s, at least %d)'
              % (self.what, self.done, self.most, self.elapsed(),
                 self.seconds, self.least), flush=True)
        return check(self.done >= self.least, '%s: only %d done in %.1f s, '
                     'at least %d needed' % (self.what, self.done,
                                             self.elapsed(), self.least))
