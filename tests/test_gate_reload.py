#!/usr/bin/python3
"""test_gate_reload.py: the reload watchdog and the dry runs (issue 11).
A load of the config waits while the gate FIFO exists (tests/gate_open.c,
hcpcsd_harness.gate_env), so a test holds a load as long as it likes:
- held past reload_timeout (2 s), a reload is reported failed with "reload
  timed out after 2 s": the reload RPC waiting on it gets that error,
  info.last_reload says so, info.reload_in_progress shows it while it
  runs, the old data is still served; fed at last, the abandoned load
  publishes nothing, and a later reload works on a fresh loader thread;
- reload {dry_run: true} answers what would change per set (added,
  terminated, changed, removed) and swaps nothing; a dry run that would
  fail says why; a held dry run times out the same way;
- the daemon exits cleanly with an abandoned load still stuck;
- hcpcsd -t -c FILE, with the daemon on FILE's socket, prints that same
  preview; hcpcs reload --dry-run prints it too."""

import os, subprocess, time
from hcpcsd_harness import (Client, check, crashed, eq, finish, daemon_paths,
                            anweb_variant, anweb_line, gen_code, short_of,
                            write_file, start, stop, wait_for, feed_fifo)
import hcpcsd_harness as h

BIN = h.daemon_binary()
CLI = os.path.abspath(os.environ.get('HCPCS_BIN') or 'build/hcpcs')
tmp, sock, conf, log = daemon_paths()
data = {v: os.path.join(tmp, '%s.txt' % v) for v in 'ABC'}
gate = os.path.join(tmp, 'gate')
env = h.gate_env(BIN, conf, gate)
TIMEOUT = 'reload_timeout: 2\n'


def conf_text(v):
    return h.conf_text(sock, data[v], TIMEOUT)


def log_text():
    with open(log, errors='replace') as f:
        return f.read()


def info_value(c, *path):
    v = c.call('info')
    for k in path:
        v = v.get(k) if isinstance(v, dict) else None
    return v


def change(res, i=0):
    """The first dated entry of the i-th set of a dry run's answer."""
    return res['sets'][i]['changes'][0]


p = None
try:
    write_file(data['A'], anweb_variant('A', 20))
    write_file(data['B'], anweb_variant('B', 20))
    # C: B's codes, the first terminated, and one more code
    rows = anweb_variant('B', 20).split(b'\r\n')[:-1]
    rows[0] = anweb_line(gen_code(0), '00100', '3',
                         'Generated B procedure number 0, long descriptor '
                         'text', short_of('B', 0),
                         term='20191231').encode()
    rows.append(anweb_line(gen_code(20), '00100', '3', 'A new one',
                           'New code').encode())
    write_file(data['C'], b''.join(r + b'\r\n' for r in rows))
    write_file(conf, conf_text('A'))
    p = start(BIN, conf, log, sock, env=env)
    c = Client(sock)
    eq(c.call('info')['generation'], 1, 'first load')
    eq(info_value(c, 'reload_in_progress'), None, 'no load in progress')

    # 1. a reload held past reload_timeout
    os.mkfifo(gate, 0o600)
    x = Client(sock)
    t0 = time.monotonic()
    x.send('reload')
    rip = wait_for(lambda: info_value(c, 'reload_in_progress'), timeout=10)
    check(isinstance(rip, dict) and isinstance(rip.get('since'), str) and
          rip['since'].endswith('Z') and rip.get('dry_run') is False,
          'info.reload_in_progress while the load is held: %r' % rip)
    r = x.read()
    took = time.monotonic() - t0
    eq(r, [1, 1, None, {'ok': False, 'generation': 1,
                        'error': 'reload timed out after 2 s'}],
       'the waiting reload RPC gets the timeout')
    check(1.5 < took < 20, 'after about 2 s: %.1f s' % took)
    i = c.call('info')
    eq(i['last_reload']['ok'], False, 'info.last_reload.ok')
    eq(i['last_reload']['error'], 'reload timed out after 2 s',
       'info.last_reload.error')
    eq((i['stats']['reloads']['count'], i['stats']['reloads']['failed'],
        i['stats']['reloads']['timed_out']), (1, 1, 1),
       'counted: one reload, failed, timed out')
    eq(i['reload_in_progress'], None, 'no load in progress once abandoned')
    eq(c.call('lookup', gen_code(3))['short'], short_of('A', 3),
       'the old data still served')
    check('reload timed out after 2 s' in log_text(), 'logged')

    # ... the abandoned load, fed at last, publishes nothing
    check(feed_fifo(gate, conf_text('B')), 'the abandoned load reads')
    check(wait_for(lambda: 'the abandoned load 1 ended' in log_text(),
                   timeout=20), 'and ends, logged as discarded')
    eq(c.call('info')['generation'], 1, 'nothing published')
    eq(c.call('lookup', gen_code(3))['short'], short_of('A', 3),
       'still the old data')

    # ... and a later reload works
    os.unlink(gate)
    write_file(conf, conf_text('B'))
    eq(x.call('reload'), {'ok': True, 'generation': 2}, 'a later reload')
    eq(c.call('lookup', gen_code(3))['short'], short_of('B', 3),
       'serving the later load')
    eq(info_value(c, 'last_reload', 'ok'), True, 'last_reload ok again')

    # 2. dry runs: A configured, B served: every code's text changed
    write_file(conf, conf_text('A'))
    r = x.call('reload', {'dry_run': True})
    check(r is not None and r['ok'] is True and r['dry_run'] is True and
          r['generation'] == 2, 'a dry run: %r' % (r and
                                                   {k: r[k] for k in r
                                                    if k != 'sets'}))
    if r and r.get('ok'):
        eq(len(r['sets']), 1, 'one set')
        eq(r['sets'][0]['name'], 'hcpcs', 'its name')
        ch = change(r)
        eq(ch['from'], {'effective': None, 'codes': 20}, 'served')
        eq(ch['to'], {'effective': None, 'codes': 20}, 'would serve')
        eq(ch['changed']['count'], 20, '20 changed')
        eq(ch['changed']['codes'][:2], [gen_code(0), gen_code(1)],
           'listed in code order')
        eq([ch[k]['count'] for k in ('added', 'terminated', 'removed')],
           [0, 0, 0], 'nothing else')
    i = c.call('info')
    eq((i['generation'], i['stats']['reloads']['count']), (2, 2),
       'a dry run swaps and counts nothing')
    eq(c.call('lookup', gen_code(3))['short'], short_of('B', 3),
       'still serving B')

    # ... C configured: one added, one terminated, nothing else
    write_file(conf, conf_text('C'))
    r = x.call('reload', {'dry_run': True})
    if check(r is not None and r.get('ok'), 'dry run of C: %r' % r):
        ch = change(r)
        eq((ch['added'], ch['terminated'], ch['changed']['count'],
            ch['removed']['count']),
           ({'count': 1, 'codes': [gen_code(20)]},
            {'count': 1, 'codes': [gen_code(0)]}, 0, 0),
           'added and terminated')

    # ... a config that would fail says why, and changes nothing
    write_file(conf, h.conf_text(sock, os.path.join(tmp, 'missing.txt'),
                                 TIMEOUT))
    r = x.call('reload', {'dry_run': True})
    check(r is not None and r['ok'] is False and r['dry_run'] is True and
          'missing.txt' in r.get('error', ''), 'a failing dry run: %r' % r)
    eq(info_value(c, 'last_reload', 'ok'), True,
       'a failed dry run is no failed reload')

    # ... the CLI
    write_file(conf, conf_text('C'))
    cp = subprocess.run([CLI, '-s', sock, 'reload', '--dry-run'],
                        capture_output=True, text=True, timeout=60)
    eq(cp.returncode, 0, 'hcpcs reload --dry-run exits 0 (%s)' % cp.stderr)
    check('dry run ok' in cp.stdout and
          '1 added, 1 terminated, 0 changed, 0 removed' in cp.stdout and
          '    added: %s' % gen_code(20) in cp.stdout,
          'hcpcs reload --dry-run prints the preview: %r' % cp.stdout)

    # 3. hcpcsd -t against the running daemon
    tconf = os.path.join(tmp, 'check.yaml')
    write_file(tconf, conf_text('C'))
    cp = subprocess.run([BIN, '-t', '-c', tconf], capture_output=True,
                        text=True, timeout=60)
    eq(cp.returncode, 0, '-t exits 0 (%s)' % cp.stderr)
    check('compared with the daemon on %s (generation 2)' % sock
          in cp.stdout and '1 added, 1 terminated, 0 changed, 0 removed'
          in cp.stdout and '    terminated: %s' % gen_code(0) in cp.stdout
          and cp.stdout.endswith('configuration OK\n'),
          '-t prints the preview: %r' % cp.stdout)
    write_file(tconf, h.conf_text(sock, os.path.join(tmp, 'missing.txt')))
    cp = subprocess.run([BIN, '-t', '-c', tconf], capture_output=True,
                        text=True, timeout=60)
    check(cp.returncode == 1 and 'compared with' not in cp.stdout,
          '-t of a failing config: no preview, exit 1')

    # 4. a held dry run times out too, and shows in info meanwhile
    os.mkfifo(gate, 0o600)
    x.send('reload', {'dry_run': True})
    rip = wait_for(lambda: info_value(c, 'reload_in_progress'), timeout=10)
    check(isinstance(rip, dict) and rip.get('dry_run') is True,
          'a dry run in progress: %r' % rip)
    r = x.read()
    eq(r and r[3], {'ok': False, 'dry_run': True, 'generation': 2,
                    'error': 'reload timed out after 2 s'},
       'the held dry run times out')
    check(feed_fifo(gate, conf_text('A')), 'the abandoned dry run reads')
    check(wait_for(lambda: 'the abandoned dry run' in log_text(),
                   timeout=20), 'and ends')
    os.unlink(gate)
    i = c.call('info')
    eq((i['generation'], i['stats']['reloads']['count'],
        i['last_reload']['ok']), (2, 2, True),
       'an abandoned dry run changes nothing')

    # 5. SIGTERM while an abandoned load is still stuck: a clean exit
    os.mkfifo(gate, 0o600)
    eq(x.call('reload'), {'ok': False, 'generation': 2,
                          'error': 'reload timed out after 2 s'},
       'abandoned again')
    for k in (c, x):
        k.close()
    eq(stop(p), 0, 'exits with the abandoned load never fed')
    p = None
    check('exiting with an abandoned load still running' in log_text(),
          'and says so')
except Exception:
    crashed()
finally:
    if p is not None:
        stop(p, timeout=5)
    finish(tmp, log)
