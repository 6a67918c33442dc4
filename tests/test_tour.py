#!/usr/bin/python3
"""test_tour.py: README.md's "A quick tour", read out of README.md itself,
works verbatim against `make run`: make run is started (in a private
XDG_RUNTIME_DIR), the export line it prints is what the tour's first
line gives, and every tour command is run through it with its exit
status and key output checked against the two-release sample.  Also:
make run's socket directory under TMPDIR is made mode 0700, one that
is not ours with mode 0700 (or is a symlink) is refused, and a reload
keeps the -s socket without a warning.  Every hcpcsd that make run
starts is stopped by its PID.  Run from the repository root."""

import datetime, json, os, re, select, shutil, signal, subprocess, time
from hcpcsd_harness import (Client, check, crashed, eq, finish,
                            private_dir, procs, skip, wait_for)

B = os.environ.get('B') or 'build'
BIN = os.environ.get('HCPCSD_BIN') or os.path.join(os.getcwd(), B, 'hcpcsd')
for f in (BIN, os.path.join(B, 'hcpcs')):
    if not os.access(f, os.X_OK):
        skip('%s not built' % f)
if shutil.which('make') is None:
    skip('make not installed')


def sanitized(binary):
    """Whether binary links the AddressSanitizer runtime (ldd says)."""
    try:
        out = subprocess.run(['ldd', binary], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL).stdout
    except OSError:
        return False
    return b'libasan' in out


# make run builds $(B)/hcpcsd: SAN=1 keeps a sanitizer build's flags.
SAN = 'SAN=1' if sanitized(BIN) else ''
TOP = os.getcwd()
UID = os.getuid()
tmp = private_dir()
log = os.path.join(tmp, 'make-run.log')
daemons = []          # hcpcsd PIDs make run started


def tour():
    """[(command, comment)] of the $ lines of README's tour block."""
    with open(os.path.join(TOP, 'README.md')) as f:
        text = f.read()
    m = re.search(r'^## A quick tour\n(.*?)^## ', text, re.S | re.M)
    if not check(m is not None, 'README.md has a "## A quick tour"'):
        return []
    out = []
    for line in m.group(1).splitlines():
        if line.startswith('    $ '):
            parts = re.split(r'\s+#\s', line[6:], 1) + ['']
            out.append((parts[0].strip(), parts[1].strip()))
    return out


def base_env(**kw):
    """The environment of a fresh terminal: no make of ours around it,
    no socket or runtime directory of the caller's."""
    e = dict(os.environ)
    for k in ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'XDG_RUNTIME_DIR',
              'HCPCSD_SOCKET', 'TMPDIR'):
        e.pop(k, None)
    e.update(kw)
    return e


def hcpcsd_child(ppid):
    """The PID of the hcpcsd whose parent is ppid (make), or None."""
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d) as f:
                st = f.read()
        except OSError:
            continue
        comm = st[st.index('(') + 1:st.rindex(')')]
        if comm == 'hcpcsd' and int(st[st.rindex(')') + 2:].split()[1]) == ppid:
            return int(d)
    return None


def make_run(env, errfile=log, timeout=240):
    """Start make run; (make, hcpcsd pid, stdout lines, export line)
    once it serves, or (make, None, lines, None) if it exited."""
    cmd = ['make', '-s', 'run', 'B=' + B] + ([SAN] if SAN else [])
    with open(errfile, 'ab') as ef:
        p = subprocess.Popen(cmd, cwd=TOP, env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=ef)
    procs.append(p)
    lines, buf, export = [], b'', None
    deadline = time.monotonic() + timeout
    while export is None and time.monotonic() < deadline:
        r, _, _ = select.select([p.stdout], [], [], 1)
        if not r:
            if p.poll() is not None:
                break
            continue
        d = os.read(p.stdout.fileno(), 4096)
        if not d:
            break
        buf += d
        while b'\n' in buf:
            l, buf = buf.split(b'\n', 1)
            lines.append(l.decode())
            if l.strip().startswith(b'export '):
                export = l.decode().strip()
    if export is None:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        return p, None, lines, None
    pid = wait_for(lambda: hcpcsd_child(p.pid), timeout=30)
    if pid is not None:
        daemons.append(pid)
    return p, pid, lines, export


def stop(p, pid):
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        daemons.remove(pid)
    try:
        rc = p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        rc = None
    eq(rc, 0, 'make run after SIGTERM to its hcpcsd')


def shell(env_line, cmd, **kw):
    """Run cmd in sh after env_line, as in the terminal the tour is
    pasted into: (exit status, stdout, stderr)."""
    r = subprocess.run(['/bin/sh', '-c', env_line + '\n' + cmd], cwd=TOP,
                       env=base_env(**kw), capture_output=True, text=True,
                       timeout=60)
    return r.returncode, r.stdout, r.stderr


def exported(env_line, **kw):
    """(HCPCSD_SOCKET, first PATH entry) after env_line."""
    rc, out, err = shell(env_line, 'printf "%s\\n%s\\n" "$HCPCSD_SOCKET" '
                         '"${PATH%%:*}"', **kw)
    eq(rc, 0, '%r runs (%s)' % (env_line, err.strip()))
    return tuple((out.split('\n') + ['', ''])[:2])


def answers(sock):
    def f():
        try:
            Client(sock, timeout=2).close()
            return True
        except OSError:
            return False
    return wait_for(f, timeout=30)


def json_objs(out):
    """Every JSON object of --json output, one or several a line."""
    objs = []
    for line in out.splitlines():
        if line.strip():
            o = json.loads(line)
            objs.extend(o if isinstance(o, list) else [o])
    return objs


def json_one(env_line, cmd, code, want_rc=0):
    rc, out, err = shell(env_line, cmd)
    eq(rc, want_rc, '%s: exit status (%s)' % (cmd, err.strip()))
    try:
        got = [o for o in json_objs(out) if o.get('code') == code]
    except ValueError:
        got = []
    eq(len(got), 1, '%s: one record of %s in %r' % (cmd, code, out))
    return got[0] if got else {}


# --- what each tour command must answer, from the generator's data -----

today = datetime.datetime.now(datetime.timezone.utc).date()
NEWEST = '2026-01-01' if today >= datetime.date(2026, 1, 1) else '2025-01-01'


def t_lookup_j1100(env, rc, out, comment):
    first = out.splitlines()[0] if out else ''
    check(re.match(r'J1100\s+active\b', first), 'J1100 first line: %r' % first)
    check('Injection, examplumab, 1 mg' in out, 'J1100 long: %r' % out)
    check(re.search(r'release:\s+%s$' % NEWEST, out, re.M),
          'J1100 from the release in force today (%s): %r' % (NEWEST, out))
    r = json_one(env, 'hcpcs --json lookup J1100', 'J1100')
    eq(r.get('status'), 'active', 'J1100 status today')
    eq(r.get('terminated'), None, 'J1100 has no termination date')
    eq(r.get('release'), NEWEST, 'J1100 release today')


def t_lookup_g0503(env, rc, out, comment):
    try:
        got = [o for o in json_objs(out) if o.get('code') == 'G0503']
    except ValueError:
        got = []
    if not eq(len(got), 1, 'G0503 --json: one record in %r' % out):
        return
    r = got[0]
    eq(r.get('set'), 'hcpcs', 'G0503 set')
    eq(r.get('release'), '2025-01-01', 'G0503 as of 2025-06-01: release')
    eq(r.get('status'), 'active', 'G0503 as of 2025-06-01: status')
    eq(r.get('terminated'), None, 'G0503 in 2025 is not terminated')
    eq(r.get('long'), 'Remote sample monitoring of synthetic physiologic '
       'data, initial device setup', 'G0503 long')
    eq(r.get('short'), 'Sample remote monitor setup', 'G0503 short')


def t_validate_g0503(env, rc, out, comment):
    check('invalid' in out and 'terminated' in out, 'validate: %r' % out)
    r = json_one(env, 'hcpcs --json validate G0503 2026-02-01', 'G0503', 1)
    eq(r.get('valid'), False, 'validate G0503 2026-02-01 valid')
    eq(r.get('reason'), 'terminated', 'validate G0503 2026-02-01 reason')
    eq(r.get('release'), '2026-01-01', 'validate G0503 2026-02-01 release')
    # The comment's date is the record's termination date.
    m = re.search(r'terminated (\d{4}-\d\d-\d\d)', comment)
    r = json_one(env, 'hcpcs --json lookup G0503 --as-of 2026-02-01', 'G0503')
    eq(r.get('terminated'), m and m.group(1), 'G0503 termination date')
    eq(r.get('xref'), ['G0504'], 'G0503 points at its successor')
    rc2, out2, _ = shell(env, 'hcpcs validate G0503 2025-12-31')
    eq(rc2, 0, 'G0503 is valid on its last day: %r' % out2)


def t_search(env, rc, out, comment):
    codes = re.findall(r'^\s*([A-Z]\d{4})\b', out, re.M)
    eq(codes, ['E0250', 'E0630', 'E1161', 'E2611'], 'search power wheelchair')


def t_classify(env, rc, out, comment):
    for k, v in (('system', 'CPT'), ('category', 'I'),
                 ('section', 'evaluation_management')):
        check(re.search(r'^\s*%s:\s+%s\s*$' % (k, v), out, re.M),
              'classify 99213 %s %s: %r' % (k, v, out))


def t_info(env, rc, out, comment):
    for want in ('set hcpcs', 'release 2025-01-01: 186 codes, 15 modifiers',
                 'release 2026-01-01', '187 codes, 15 modifiers',
                 'set cpt', '72 codes', 'set local', '10 codes',
                 'generation 1', 'last reload: never'):
        check(want in out, 'info has %r: %r' % (want, out))
    check(re.search(r'release %s \[in force\]' % NEWEST, out),
          'info: %s in force today' % NEWEST)


def t_diff(env, rc, out, comment):
    check('added 1, removed 0, terminated 1, changed 2' in out,
          'diff counts: %r' % out)
    for code in ('G0504', 'G0503', 'E0143'):
        check(code in comment and re.search(r'^\s+%s\b' % code, out, re.M),
              'diff and its comment name %s: %r' % (code, out))
    rc2, out2, err2 = shell(env, 'hcpcs --json diff hcpcs 2025-01-01 '
                            '2026-01-01')
    eq(rc2, 0, 'diff --json (%s)' % err2.strip())
    try:
        d = json.loads(out2)
    except ValueError:
        d = {}
    eq(d.get('added'), ['G0504'], 'diff added')
    eq(d.get('removed'), [], 'diff removed')
    eq(d.get('terminated'), ['G0503'], 'diff terminated')
    eq(d.get('changed'), [{'code': 'E0143', 'fields': ['long']},
                          {'code': 'G0503', 'fields': ['terminated', 'xref']}],
       'diff changed')


EXPECT = {
    'hcpcs lookup J1100': t_lookup_j1100,
    'hcpcs lookup G0503 --as-of 2025-06-01 --json': t_lookup_g0503,
    'hcpcs validate G0503 2026-02-01': t_validate_g0503,
    'hcpcs search power wheelchair': t_search,
    'hcpcs classify 99213': t_classify,
    'hcpcs info': t_info,
    'hcpcs diff hcpcs 2025-01-01 2026-01-01': t_diff,
}
EXPORT_RE = (r'export HCPCSD_SOCKET="[^"]+/hcpcsd\.sock" '
             r'PATH="[^"]+:\$PATH"$')


def run_tour(xdg):
    steps = tour()
    check(len(steps) >= 1 + len(EXPECT), 'tour has %d lines' % len(steps))
    readme_export = steps[0][0] if steps else ''
    check(re.match(EXPORT_RE, readme_export),
          'the tour starts with the export line: %r' % readme_export)
    p, pid, lines, export = make_run(base_env(XDG_RUNTIME_DIR=xdg))
    if not check(export is not None and pid is not None,
                 'make run serves and prints an export line: %r' % lines):
        return
    check(re.match(EXPORT_RE, export), 'make run prints %r' % export)
    sock = os.path.join(xdg, 'hcpcsd-sample', 'hcpcsd.sock')
    eq(exported(export), (sock, os.path.abspath(B)), 'make run\'s export')
    # The README's line, pasted in the checkout, means the same socket.
    eq(exported(readme_export, XDG_RUNTIME_DIR=xdg),
       (sock, os.path.join(TOP, 'build')), 'the README\'s export')
    check(answers(sock), 'hcpcsd answers on %s' % sock)
    eq(os.stat(sock).st_mode & 0o777, 0o600, 'socket mode')
    eq(os.stat(os.path.dirname(sock)).st_mode & 0o777, 0o700, 'dir mode')
    seen = set()
    for cmd, comment in steps[1:]:
        if not check(cmd in EXPECT, 'no expectations for tour command %r'
                     % cmd):
            continue
        seen.add(cmd)
        m = re.match(r'exit (\d+)\b', comment)
        rc, out, err = shell(export, cmd)
        eq(rc, int(m.group(1)) if m else 0, '%s: exit status (%s)' %
           (cmd, err.strip()))
        EXPECT[cmd](export, rc, out, comment)
    eq(sorted(set(EXPECT) - seen), [], 'expected commands missing from '
       'the tour')
    # -s holds across a reload, which does not take the config's default.
    rc, out, err = shell(export, 'hcpcs reload')
    eq(rc, 0, 'hcpcs reload (%s)' % err.strip())
    rc, out, err = shell(export, 'hcpcs info')
    check('generation 2' in out, 'generation 2 after the reload: %r' % out)
    with open(log, errors='replace') as f:
        text = f.read()
    check('socket changed' not in text, 'no socket warning on reload')
    stop(p, pid)
    check(not os.path.exists(sock), 'socket removed on exit')


def run_tmpdir():
    # A fresh TMPDIR: the directory is made, ours, mode 0700.
    t = os.path.join(tmp, 't')
    os.mkdir(t)
    d = os.path.join(t, 'hcpcsd-sample-%d' % UID)
    p, pid, lines, export = make_run(base_env(TMPDIR=t))
    if check(export is not None and pid is not None,
             'make run with TMPDIR serves: %r' % lines):
        st = os.lstat(d)
        eq((st.st_uid, st.st_mode & 0o7777), (UID, 0o700), d)
        eq(exported(export)[0], os.path.join(d, 'hcpcsd.sock'),
           'socket under TMPDIR')
        check(answers(os.path.join(d, 'hcpcsd.sock')), 'answers under TMPDIR')
        rc, out, err = shell(export, 'hcpcs ping')
        eq(rc, 0, 'hcpcs ping (%s)' % err.strip())
        stop(p, pid)
    # What someone else may have put there is refused, not used.
    for name, make in (('open', lambda d: (os.mkdir(d), os.chmod(d, 0o755))),
                       ('symlink', lambda d: (os.mkdir(d + '.real', 0o700),
                                              os.symlink(d + '.real', d)))):
        t = os.path.join(tmp, name)
        os.mkdir(t)
        d = os.path.join(t, 'hcpcsd-sample-%d' % UID)
        make(d)
        err = os.path.join(tmp, name + '.err')
        p, pid, lines, export = make_run(base_env(TMPDIR=t), errfile=err)
        if not check(export is None, '%s: make run refused: %r' % (name,
                                                                   lines)):
            stop(p, pid)
            continue
        check(p.returncode not in (None, 0), '%s: make run exit %r' %
              (name, p.returncode))
        with open(err, errors='replace') as f:
            check('not a directory of yours with mode 0700' in f.read(),
                  '%s: make run says why' % name)
        check(not os.path.exists(os.path.join(d, 'hcpcsd.sock')),
              '%s: no socket' % name)


try:
    xdg = os.path.join(tmp, 'xdg')
    os.mkdir(xdg, 0o700)
    run_tour(xdg)
    run_tmpdir()
except Exception:
    crashed()
finally:
    for pid in daemons:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
finish(tmp, log)
