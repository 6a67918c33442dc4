#!/usr/bin/python3
"""pyclient.py: an independent hcpcsd client, written from docs/protocol.md
alone (no libhcpcs), to show the protocol is language-neutral.  Used by
tests/test_e2e.sh:

    pyclient.py SOCKET fixture   checks against tests/fixtures/e2e
    pyclient.py SOCKET real      checks against the CMS 2020 ANWEB file
    pyclient.py SOCKET releases  checks a set of two releases,
                                 tests/fixtures/e2e/rel_2024q{1,2}.txt
    pyclient.py SOCKET real2     checks the CMS 2019 and 2020 files as
                                 releases effective 2019-01-01, 2020-01-01

Exits 0 when every check passes, 1 otherwise (each failure is printed)."""

import re
import socket
import sys

import msgpack


class ServerError(Exception):
    def __init__(self, code, message):
        super().__init__("%s: %s" % (code, message))
        self.code = code


class Client:
    """Requests are [0, msgid, method, params]; responses [1, msgid, error,
    result], in request order; the server's notifications are skipped."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(20)
        self.sock.connect(path)
        self.unpacker = msgpack.Unpacker(raw=False)
        self.next_id = 1
        self.waiting = []       # msgids sent, reply not read yet

    def send(self, method, *params):
        msgid = self.next_id
        self.next_id = (self.next_id + 1) % (1 << 32)
        self.sock.sendall(msgpack.packb([0, msgid, method, list(params)]))
        self.waiting.append(msgid)

    def notify(self, method, *params):
        self.sock.sendall(msgpack.packb([2, method, list(params)]))

    def recv(self):
        while True:
            for msg in self.unpacker:
                if isinstance(msg, list) and len(msg) == 3 and msg[0] == 2:
                    continue
                if (not isinstance(msg, list) or len(msg) != 4 or
                        msg[0] != 1):
                    raise ValueError("not a response: %r" % (msg,))
                want = self.waiting.pop(0)
                if msg[1] != want:
                    raise ValueError("msgid %r, expected %r" % (msg[1], want))
                if msg[2] is not None:
                    raise ServerError(msg[2]["code"], msg[2]["message"])
                return msg[3]
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("connection closed by server")
            self.unpacker.feed(data)

    def call(self, method, *params):
        self.send(method, *params)
        return self.recv()


failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what)


def eq(got, want, what):
    check(got == want, "%s: got %r, expected %r" % (what, got, want))


def error_code(fn, *args):
    try:
        fn(*args)
    except ServerError as e:
        return e.code
    return None


def raw_exchange(path, request, nreply):
    """Send bytes, return the first nreply bytes of the answer."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall(request)
    got = b""
    while len(got) < nreply:
        d = s.recv(nreply - len(got))
        if not d:
            break
        got += d
    s.close()
    return got


def fixture(path):
    c = Client(path)
    # The byte-exact examples of docs/protocol.md.
    eq(raw_exchange(path, bytes.fromhex("94 00 01 a4 70 69 6e 67 90"), 9),
       bytes.fromhex("94 01 01 c0 a4 70 6f 6e 67"), "ping bytes")
    eq(raw_exchange(path, bytes.fromhex(
        "94 00 03 a6 6c 6f 6f 6b 75 70 91 a5 41 39 39 30 32"), 5),
       bytes.fromhex("94 01 03 c0 c0"), "lookup nil bytes")
    eq(raw_exchange(path, bytes.fromhex(
        "94 00 10 a6 72 65 6c 6f 61 64 90"), 21)[:6],
       bytes.fromhex("94 01 10 c0 82 a2"), "reload bytes")

    eq(c.call("ping"), "pong", "ping")
    r = c.call("lookup", "g9901")
    eq(r["code"], "G9901", "lookup code")
    eq(list(r)[0], "code", "code is the first key")
    eq(list(r)[-1], "status", "status is the last key")
    eq(r["set"], "cms", "lookup set")
    eq(r["short"], "Synth care mgmt 20 min", "short")
    eq(len(r["long"]), 302, "long length")
    eq(r["terminated"], "2017-12-31", "terminated")
    eq(r["effective"], "2018-01-01", "effective")
    eq(r["xref"], ["99493"], "xref")
    eq(r["pricing"], ["11"], "pricing")
    eq(r["status"], "terminated", "status")
    check("medium" not in r, "empty keys are absent")
    r = c.call("lookup", "G9901", {"as_of": "2017-12-31"})
    eq(r["status"], "active", "status as_of")
    eq(c.call("lookup", "A9901", {"set": "local"})["short"],
       "Local ambulance mile", "lookup set=local")
    eq(c.call("lookup", "A9902"), None, "lookup not loaded")
    r = c.call("lookup", "E9901")
    eq(r["raw"], {"asc_date": "170401"}, "raw")
    eq(r["tos"], ["R", "P"], "tos list")
    eq(error_code(c.call, "lookup", "nope1"), "invalid_code", "invalid")
    eq(error_code(c.call, "lookup", "A9901", {"set": "nope"}),
       "bad_request", "unknown set")
    eq(error_code(c.call, "lookup", "A9901", {"bogus": 1}),
       "bad_request", "unknown opts key")
    eq(error_code(c.call, "lookup"), "bad_request", "param count")
    eq(error_code(c.call, "frobnicate"), "unknown_method", "unknown method")

    r = c.call("lookup_many", ["ZX", "A9902", "nope1", "j9901"])
    eq([x and x["code"] for x in r], ["ZX", None, None, "J9901"],
       "lookup_many")
    eq(r[0]["kind"], "modifier", "modifier kind")
    eq(r[3]["statute"], "1861S2B", "statute")
    eq(r[3]["cim"], ["60-14"], "cim")
    r = c.call("lookup_many", ["A9901", "X9901"], {"set": "cms"})
    eq([x and x["code"] for x in r], ["A9901", None], "lookup_many set")

    eq(c.call("validate", "G9901", "2017-12-31"),
       {"valid": True, "code": "G9901", "set": "cms", "status": "active",
        "reason": "ok"}, "validate ok")
    r = c.call("validate", "G9901", "2018-01-01")
    eq((r["valid"], r["reason"], r["status"]),
       (False, "terminated", "terminated"), "validate terminated")
    eq(c.call("validate", "K9901", "2025-06-30")["reason"],
       "not_yet_effective", "validate not yet effective")
    r = c.call("validate", "A9902", "2019-01-01")
    eq((r["valid"], r["reason"], r["status"], "set" in r),
       (False, "not_found", None, False), "validate not found")
    eq(c.call("validate", "Y9902", "2019-01-01", {"set": "local"})["reason"],
       "terminated", "validate local")
    eq(c.call("validate", "99213", "2019-01-01"),
       {"valid": False, "code": "99213", "status": None,
        "reason": "no_set_for_code",
        "message": "no loaded set holds CPT codes"},
       "validate with no set for CPT codes")
    eq(c.call("validate", "D0120", "2019-01-01", {"set": "cms"})["message"],
       'set "cms" holds no CDT codes', "validate CDT in cms")
    eq(error_code(c.call, "validate", "A9901", "2019-02-30"),
       "bad_request", "bad date")

    codes = [r["code"] for r in c.call("search", "synthetic")]
    eq(codes, ["A9901", "A9901", "E9901", "J9901", "K9901", "ZX"], "search")
    codes = [r["code"] for r in
             c.call("search", "synthetic", {"include_terminated": True})]
    eq(len(codes), 7, "search include_terminated")
    check("G9901" in codes, "search finds terminated G9901 when asked")
    eq(len(c.call("search", "synthetic", {"limit": 2})), 2, "search limit")
    eq(c.call("search", "wheel SYNTH")[0]["code"], "E9901", "search words")
    eq(c.call("search", "nothing-matches-this"), [], "search empty")
    eq(error_code(c.call, "search", "x", {"limit": 0}), "bad_request",
       "search limit 0")
    eq(error_code(c.call, "search", "x", {"include_terminated": 1}),
       "bad_request", "include_terminated must be bool")

    r = c.call("classify", " g9901 ")
    eq((r["code"], r["system"], r["level"], r["kind"], r["maintainer"]),
       ("G9901", "HCPCS", 2, "procedure", "CMS"), "classify Level II")
    r = c.call("classify", "0001U")
    eq((r["system"], r["level"], r["category"]), ("CPT", 1, "PLA"),
       "classify PLA")
    r = c.call("classify", "d0120")
    eq((r["code"], r["system"], r["level"], r["group"], r["maintainer"]),
       ("D0120", "CDT", 2, "dental", "ADA"), "classify CDT")
    eq(error_code(c.call, "classify", "nope1"), "invalid_code",
       "classify invalid")

    info = c.call("info")
    check(re.fullmatch(r"\d+\.\d+\.\d+", info["version"]) is not None,
          "info version %r" % info["version"])
    eq([s["name"] for s in info["sets"]], ["cms", "local"], "info sets")
    eq((info["sets"][0]["format"], info["sets"][0]["records"],
        info["sets"][0]["modifiers"]), ("cms-anweb", 5, 1), "info cms")
    eq((info["sets"][1]["format"], info["sets"][1]["records"],
        info["sets"][1]["modifiers"]), ("delimited", 3, 0), "info local")
    eq(len(info["sets"][0]["sha256"]), 64, "sha256 hex")
    check(info["started_at"].endswith("Z"), "started_at is UTC")
    gen = info["generation"]
    r = c.call("reload")
    eq(r, {"ok": True, "generation": gen + 1}, "reload")
    info = c.call("info")
    eq(info["generation"], gen + 1, "generation after reload")
    eq(info["last_reload"]["ok"], True, "last_reload ok")
    check(info["last_reload"]["at"] is not None, "last_reload at")

    # A notification is never answered; pipelined requests are, in order.
    c.notify("lookup", "nope1")
    for i in range(100):
        c.send("lookup", ["A9901", "J9901", "ZX"][i % 3])
        c.send("ping")
    bad = 0
    for i in range(100):
        if c.recv()["code"] != ["A9901", "J9901", "ZX"][i % 3]:
            bad += 1
        if c.recv() != "pong":
            bad += 1
    eq(bad, 0, "pipelined replies")

    # A top-level object that is not a request closes that connection only.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall(msgpack.packb("hello"))
    eq(s.recv(100), b"", "non-request closes the connection")
    s.close()
    eq(c.call("ping"), "pong", "other clients unaffected")


def real(path):
    c = Client(path)
    r = c.call("lookup", "G0503")
    eq(len(r["long"]), 1251, "G0503 long length")
    eq(r["terminated"], "2017-12-31", "G0503 terminated")
    eq(r["xref"][0], "99493", "G0503 xref")
    eq(c.call("validate", "G0503", "2018-01-01")["reason"], "terminated",
       "G0503 validate")
    eq(c.call("lookup", "DA")["kind"], "modifier", "DA")
    s = c.call("info")["sets"][0]
    eq((s["records"], s["modifiers"]), (6710, 369), "2020 counts")


def releases(path):
    c = Client(path)
    q1, q2 = "2024-01-01", "2024-04-01"
    eq(c.call("lookup", "R9901", {"as_of": "2023-12-31"}), None,
       "nothing in force before the first release")
    eq(c.call("validate", "R9901", "2023-12-31"),
       {"valid": False, "code": "R9901", "status": None,
        "reason": "no_release"}, "validate no_release")
    r = c.call("lookup", "R9902", {"as_of": "2024-03-31"})
    eq((r["release"], r["status"], "terminated" in r),
       (q1, "active", False), "R9902 in Q1")
    keys = list(r)
    eq(keys[keys.index("set") + 1], "release", "release follows set")
    r = c.call("lookup", "R9902", {"as_of": "2024-04-01"})
    eq((r["release"], r["status"], r["terminated"]),
       (q2, "terminated", "2024-03-31"), "R9902 in Q2")
    r = c.call("validate", "R9904", "2024-04-01")
    eq((r["valid"], r["set"], r["release"]), (True, "hcpcs", q2),
       "R9904 valid in Q2")
    eq(c.call("validate", "R9904", "2024-03-31")["reason"], "not_found",
       "R9904 not in Q1")
    # stale_after defaults to 4 months: Q2 is current up to 2024-08-01,
    # and stale is sent only when true.
    eq("stale" in c.call("validate", "R9904", "2024-08-01"), False,
       "R9904 current on 2024-08-01")
    r = c.call("validate", "R9904", "2024-08-02")
    eq((r["valid"], r["release"], r["stale"]), (True, q2, True),
       "R9904 stale on 2024-08-02")
    r = c.call("validate", "R9999", "2025-06-15")
    eq((r["reason"], r["stale"]), ("not_found", True),
       "not found and stale")
    r = c.call("lookup_many", ["R9903", "R9905"], {"as_of": "2024-02-01"})
    eq([x and x["long"] for x in r],
       ["Release test gamma lens, first wording",
        "Release test epsilon pad, dropped from the second release"],
       "lookup_many in Q1")
    r = c.call("lookup_many", ["R9903", "R9905"])
    eq((r[0]["long"], r[1]), ("Release test gamma lens, second wording",
                              None), "lookup_many today (Q2)")
    eq([x["code"] for x in c.call("search", "release test",
                                  {"as_of": "2024-02-01"})],
       ["QX", "R9901", "R9902", "R9903", "R9905"], "search in Q1")
    eq([x["code"] for x in c.call("search", "release test",
                                  {"as_of": "2024-05-01"})],
       ["QX", "R9901", "R9903", "R9904"], "search in Q2")

    d = c.call("diff", "hcpcs", q1, q2)
    eq(d, {"added": ["R9904"], "removed": ["R9905"],
           "terminated": ["R9902"],
           "changed": [{"code": "R9902", "fields": ["terminated"]},
                       {"code": "R9903", "fields": ["long"]}]}, "diff")
    eq(error_code(c.call, "diff", "hcpcs", q1, "2023-01-01"),
       "bad_request", "diff of an unknown release")
    eq(error_code(c.call, "diff", "nope", q1, q2), "bad_request",
       "diff of an unknown set")

    s = c.call("info")["sets"][0]
    eq((s["name"], s["records"], s["min_records"]), ("hcpcs", 4, 3),
       "info set")
    rels = s["releases"]
    eq([(r["effective"], r["effective_auto"], r["in_force"], r["records"],
         r["modifiers"]) for r in rels],
       [(q1, False, False, 4, 1), (q2, True, True, 4, 1)], "info releases")
    check(rels[0]["path"].endswith("rel_2024q1.txt"), "release path")
    check(len(rels[1]["sha256"]) == 64 and
          rels[0]["sha256"] != rels[1]["sha256"], "release sha256")
    check(all(r["loaded_at"].endswith("Z") for r in rels), "loaded_at")
    st = c.call("info")["stats"]
    check(st["requests"]["diff"] >= 3, "stats count diff requests")
    check(st["errors"]["bad_request"] >= 2, "stats count errors")
    eq(sorted(st["reloads"]), ["count", "failed", "last_duration_ms",
                               "timed_out"], "stats reloads keys")


def real2(path):
    c = Client(path)
    d = c.call("diff", "hcpcs", "2019-01-01", "2020-01-01")
    eq((len(d["added"]), len(d["removed"]), len(d["terminated"]),
        len(d["changed"])), (279, 0, 89, 177), "2019->2020 diff counts")
    fields = {}
    for ch in d["changed"]:
        for f in ch["fields"]:
            fields[f] = fields.get(f, 0) + 1
    eq((fields.get("long"), fields.get("short")), (70, 51),
       "2019->2020 description changes")
    eq(d["added"], sorted(d["added"]), "added is sorted")
    eq(c.call("validate", "G0365", "2019-06-01")["reason"], "ok",
       "G0365 valid in 2019")
    eq(c.call("validate", "G0365", "2020-02-01")["reason"], "terminated",
       "G0365 terminated in 2020")
    eq(c.call("lookup", "DA", {"as_of": "2019-06-01"}), None,
       "DA not in 2019")
    eq(c.call("lookup", "DA", {"as_of": "2020-02-01"})["release"],
       "2020-01-01", "DA in 2020")


def main():
    modes = {"fixture": fixture, "real": real, "releases": releases,
             "real2": real2}
    if len(sys.argv) != 3 or sys.argv[2] not in modes:
        print("usage: pyclient.py socket fixture|real|releases|real2",
              file=sys.stderr)
        return 2
    modes[sys.argv[2]](sys.argv[1])
    print("pyclient: %d checks, %d failed" % (checks, failures))
    return 1 if failures else 0


sys.exit(main())
