#!/usr/bin/python3
"""e2e_fake_server.py SOCKET: a fake hcpcsd for tests/test_e2e.sh, to see
what the CLI makes of odd but well-framed replies: ping answers a str with
control characters, UTF-8 and bytes that are not UTF-8; any other method
a record whose code is an int.  Creates SOCKET.ready once listening;
exits after 30 s."""

import msgpack, signal, socket, struct, sys
signal.alarm(30)
raw = (b'a"\\\x00\x01\x1f\x7f\t caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80'
       b' bad\xff\xc3( \xed\xa0\x80 \xc0\xaf\xf4\x90\x80\x80 end')
ls = socket.socket(socket.AF_UNIX)
ls.bind(sys.argv[1])
ls.listen(4)
open(sys.argv[1] + '.ready', 'w').close()
while True:
    s, _ = ls.accept()
    up = msgpack.Unpacker(raw=False)
    while True:
        data = s.recv(65536)
        if not data:
            break
        up.feed(data)
        for req in up:
            head = b'\x94\x01' + msgpack.packb(req[1]) + b'\xc0'
            if req[2] == 'ping':
                s.sendall(head + b'\xd9' + struct.pack('B', len(raw)) + raw)
            else:
                s.sendall(head + msgpack.packb([{'code': 5, 'short': 'x',
                    'status': 'active'}]))
    s.close()
