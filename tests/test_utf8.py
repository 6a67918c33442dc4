#!/usr/bin/python3
"""test_utf8.py: every string hcpcsd sends is valid UTF-8 (issue 7,
"clean text out"), read as a strict client reads it: msgpack.Unpacker
(raw=False), which raises on invalid UTF-8.
- A corpus of hostile client strings (invalid bytes, overlong forms,
  lone surrogates, code points past U+10FFFF, NUL and control bytes,
  C1 controls, quotes and backslashes, and valid 4-byte characters and
  their cut-short forms at every offset across the 64-byte echo limit
  and the 256-byte message limit) sent as the method name, a code, a
  date, a set name, an opts key and an opts value of the methods that
  echo them: each answer is the error expected, and its message echoes
  exactly the cleaned text (docs/protocol.md, Errors), computed here
  with Python's own strict UTF-8 decoder deciding what is valid.
- Strings from data files: cp1252 descriptors (ANWEB and CSV) come back
  as their UTF-8; a CSV whose bad code field holds control and invalid
  bytes fails its reload, and the error (reload reply, info) is clean;
  so is every line of the daemon's log.
The daemon is started in a private directory and stopped by PID."""

import os, socket
from hcpcsd_harness import (anweb_line, check, crashed, daemon_paths, eq,
                            finish, start, stop, write_file)
import hcpcsd_harness as h
import msgpack

BIN = h.daemon_binary()
QUOTE_MAX = 64          # rpc_int.h RPC_QUOTE_MAX


# --- the cleaning rules, independently ----------------------------------

def unit(b, i):
    """The next unit of b at i as the daemon shows it: (text, bytes in).
    Whether bytes are a character is Python's strict decoder's call."""
    c = b[i]
    n = 1 if c < 0x80 else 2 if c & 0xE0 == 0xC0 else \
        3 if c & 0xF0 == 0xE0 else 4 if c & 0xF8 == 0xF0 else 0
    try:
        if n == 0 or i + n > len(b):
            raise UnicodeDecodeError('utf-8', b, i, i + 1, 'no character')
        ch = b[i:i + n].decode('utf-8')
    except UnicodeDecodeError:
        return '\\x%02x' % c, 1
    o = ord(ch)
    if o < 0x20 or o == 0x7f:
        return '\\x%02x' % o, n
    if 0x80 <= o < 0xa0:
        return '\\u%04x' % o, n
    if ch in '\\"':
        return '\\' + ch, n
    return ch, n


def quote(b):
    """rpc_quote: "cleaned", cut to QUOTE_MAX bytes, ... when cut."""
    out, i = '', 0
    while i < len(b):
        t, n = unit(b, i)
        if len((out + t).encode()) > QUOTE_MAX:
            return '"%s"...' % out
        out += t
        i += n
    return '"%s"' % out


def corpus():
    emoji = '\U0001F600'.encode()            # f0 9f 98 80
    c = [b'\xff', b'\x80', b'\xbf\xbf', b'\xfe\xff',
         b'\xc0\xaf', b'\xc1\xbf', b'\xe0\x80\xaf', b'\xf0\x80\x80\xaf',
         b'\xed\xa0\x80', b'\xed\xbf\xbf', b'a\xed\xa0\xbd\xed\xb8\x80z',
         b'\xf4\x90\x80\x80', b'\xf8\x88\x80\x80\x80', b'\xfc\x84\x80\x80\x80\x80',
         b'\x00', b'ping\x00', b'a\x00b', b'\x1b[2J\x1b[31mred\x1b[0m',
         b'line\nbreak\r\n', b'tab\there', b'\x7f\x08', b'\xc2\x85\xc2\x9b',
         b'a"b\\c', b'\\x41', b'caf\xe9', b'\x93quoted\x94',
         '\u00e9\u20ac\U0001F600\uFFFD\U0010FFFF'.encode(),
         b'\xe2\x82', b'\xe2\x28\xa1', b'\xf0\x9f\x98', b'\xf0\x9f\x98A',
         b'', b'x' * 200, b'\xff' * 70]
    # A 4-byte character, whole and cut short, at every offset across
    # the 64-byte echo limit and the 256-byte message limit.
    for base in (QUOTE_MAX, 256):
        for k in range(base - 8, base + 3):
            for cut in range(1, 5):
                c.append(b'a' * k + emoji[:cut] + b'z')
    # Escapes that straddle the limit.
    for k in range(QUOTE_MAX - 8, QUOTE_MAX + 1):
        c.append(b'a' * k + b'\x01\xff')
    return c


# --- a strict raw client -------------------------------------------------

class Raw:
    """Sends requests whose strings are raw bytes (packed as MessagePack
    str, whatever they hold); reads with a strict decoder."""

    def __init__(self, path):
        self.path = path
        self.msgid = 0
        self.bad = []           # the decode errors, each on its own stream
        self.connect()

    def connect(self):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(20)
        self.s.connect(self.path)
        self.u = msgpack.Unpacker(raw=False)

    def call(self, method, *params):
        self.msgid += 1
        self.s.sendall(msgpack.packb([0, self.msgid, method, list(params)],
                                     use_bin_type=False))
        while True:
            try:
                for o in self.u:
                    return o
            except (UnicodeDecodeError, ValueError) as e:
                # The stream is lost past a bad string: start another.
                self.bad.append(e)
                self.s.close()
                self.connect()
                return None
            d = self.s.recv(1 << 16)
            if not d:
                return None
            self.u.feed(d)

    def error(self, method, *params):
        """(code, message) of an error answer, else the whole answer."""
        r = self.call(method, *params)
        if r is None or len(r) != 4 or r[1] != self.msgid or \
                not isinstance(r[2], dict):
            return ('no error answer', r)
        return r[2].get('code'), r[2].get('message')


def clean_text(s):
    """Valid UTF-8 (it was decoded) and no control character."""
    return not any(ord(ch) < 0x20 or ord(ch) == 0x7f or
                   0x80 <= ord(ch) < 0xa0 for ch in s)


# --- fixtures --------------------------------------------------------------

def anweb():
    rows = [anweb_line('A0021', '00100', '3',
                       'Ambulance \x93outside\x94 state caf\xe9 \x81 mile',
                       'Outside state ambulance serv'),
            anweb_line('E0100', '00100', '3', 'Cane, adjustable or fixed',
                       'Cane adjust/fixed with tip')]
    return ''.join(r + '\r\n' for r in rows).encode('latin-1')


CSV_GOOD = b'HCPC,LONG\nW1000,Home visit \xe9t\xe9 \x80 sample\n'


def conf(sock, data, csv):
    return ('socket: %s\nsocket_mode: "0600"\n'
            'code_sets:\n'
            '  - name: hcpcs\n    format: cms-anweb\n    path: %s\n'
            '  - name: local\n    format: delimited\n    path: %s\n'
            '    columns: {code: HCPC, long: LONG}\n'
            % (sock, data, csv)).encode()


# --- the checks ------------------------------------------------------------

def hostile(c):
    """Every hostile string in every place a message echoes it."""
    for b in corpus():
        q = quote(b)
        what = repr(b[:24])
        eq(c.error(b, []), ('unknown_method', 'unknown method ' + q),
           'method %s' % what)
        eq(c.error('lookup', b),
           ('invalid_code', q + ' is not a HCPCS or CPT code'),
           'lookup code %s' % what)
        eq(c.error('validate', 'A0021', b),
           ('bad_request', 'date: expected a date YYYY-MM-DD, got ' + q),
           'validate date %s' % what)
        eq(c.error('lookup', 'A0021', {'set': b}),
           ('bad_request', 'unknown set ' + q), 'opts.set %s' % what)
        eq(c.error('lookup', 'A0021', {b: 1}),
           ('bad_request', 'unknown option ' + q), 'opts key %s' % what)
        eq(c.error('lookup', 'A0021', {'as_of': b}),
           ('bad_request', 'opts.as_of: expected a date YYYY-MM-DD, got '
            + q), 'opts.as_of %s' % what)
        eq(c.error('diff', b, None, None),
           ('bad_request', 'unknown set ' + q), 'diff set %s' % what)
        # Answers, not errors: decoded strictly all the same.
        r = c.call('lookup_many', [b, 'A0021'])
        check(r is not None and r[2] is None and r[3][0] is None,
              'lookup_many %s: %r' % (what, r))
        r = c.call('search', b)
        check(r is not None and r[1] == c.msgid and r[2] is None,
              'search %s: %r' % (what, r))


def data_text(c):
    """cp1252 in the data files comes back as its UTF-8."""
    r = c.call('lookup', 'A0021')
    eq(r and r[3] and r[3].get('long'),
       b'Ambulance \x93outside\x94 state caf\xe9 \x81 mile'.decode(
           'cp1252', errors='replace'), 'ANWEB cp1252 descriptor')
    r = c.call('lookup', 'W1000', {'set': 'local'})
    eq(r and r[3] and r[3].get('long'), 'Home visit \u00e9t\u00e9 \u20ac sample',
       'CSV cp1252 descriptor')


def bad_reload(c, csv):
    """A data file's bytes in a reload error: clean in every answer."""
    emoji = '\U0001F600'.encode()
    # The loader echoes at most 40 bytes of the field: the character
    # straddles that cut.
    field = b'\x1b[31m\xff\x93' + b'b' * 30 + emoji + b'\r\x07tail'
    write_file(csv, b'HCPC,LONG\n' + field + b',x\n')
    r = c.call('reload')
    err = r and r[2] is None and isinstance(r[3], dict) and \
        r[3].get('ok') is False and r[3].get('error')
    check(isinstance(err, str), 'reload of a bad file: %r' % (r,))
    if not isinstance(err, str):
        return
    check(clean_text(err), 'reload error is clean: %r' % err)
    check('found "\\x1b[31m\\xff\\x93bbb' in err,
          'reload error shows the bytes: %r' % err)
    r = c.call('info')
    got = r and r[3] and r[3]['last_reload']['error']
    eq(got, err, 'info last_reload.error')
    write_file(csv, CSV_GOOD)
    r = c.call('reload')
    check(r and r[3] and r[3].get('ok') is True, 'reload back: %r' % (r,))


def main():
    tmp, sock, cfg, log = daemon_paths()
    data = os.path.join(tmp, 'hcpcs.txt')
    csv = os.path.join(tmp, 'local.csv')
    write_file(data, anweb())
    write_file(csv, CSV_GOOD)
    write_file(cfg, conf(sock, data, csv))
    try:
        p = start(BIN, cfg, log, sock=sock)
        c = Raw(sock)
        eq(c.error('frob'), ('unknown_method', 'unknown method "frob"'),
           'a plain unknown method')
        hostile(c)
        eq(len(c.bad), 0, 'answers that fail a strict decode (first: %r)'
           % c.bad[:1])
        data_text(c)
        bad_reload(c, csv)
        eq(c.call('ping')[3], 'pong', 'the connection is still served')
        c.s.close()
        eq(stop(p), 0, 'hcpcsd exits 0 on SIGTERM')
        with open(log, 'rb') as f:
            raw = f.read()
        try:
            text = raw.decode('utf-8')
        except UnicodeDecodeError as e:
            text = None
            check(False, 'the log is not UTF-8: %s' % e)
        if text is not None:
            bad = [l for l in text.split('\n') if not clean_text(l)]
            eq(bad, [], 'log lines with control characters')
            check('\\x1b[31m\\xff\\x93' in text,
                  'the log shows the reload error escaped')
    except Exception:
        crashed()
    finish(tmp, log)


main()
