"""Malformed requests, in generated groups: every one must get a 4xx with an
application/problem+json body (never a 5xx, never a dropped connection), and
after every group the server still answers /healthz.

Everything goes over raw sockets (docket_api.raw_request), so the bytes on
the wire are exactly the ones written here: no client library fixes a bad
path, drops a header or re-encodes a body.
"""
from __future__ import annotations

import dataclasses
import json
import secrets
from typing import Callable

import pytest

from conftest import MAIN_CONFIG, USER_PASSWORD
from docket_api import (API_PREFIX, NoAnswer, assert_json, assert_raw_problem, build_request,
                        multipart, open_case, raw_request, upload)

MIN_REQUESTS = 300
SENT = {"count": 0}

BAD_REQUEST = ({400}, {"bad-request"})
BAD_OR_INVALID = ({400}, {"bad-request", "validation"})
VALIDATION = ({400}, {"validation"})
NOT_FOUND_OR_BAD = ({400, 404}, {"bad-request", "not-found"})
TOO_LARGE = ({413}, {"payload-too-large"})
HEADERS_TOO_LARGE = ({431}, {"request-header-fields-too-large"})
UNSUPPORTED = ({415}, {"unsupported-media-type"})
UNAUTHENTICATED = ({401}, {"unauthenticated"})


@dataclasses.dataclass
class Bad:
    name: str
    method: str
    target: str | bytes              # under the server root, e.g. /api/v1/cases
    body: bytes | None = None
    headers: list = dataclasses.field(default_factory=list)
    who: str | None = "alice"        # whose bearer token; None: no Authorization
    expect: tuple = BAD_REQUEST      # (statuses, slugs)
    extra: Callable | None = None    # more checks on the RawResponse
    raw: bytes | None = None         # the whole request, verbatim
    timeout: float = 30.0            # for the whole answer

    def wire(self, ctx) -> bytes:
        if self.raw is not None:
            return self.raw
        headers = list(self.headers)
        if self.who:
            headers.insert(0, ("Authorization", f"Bearer {ctx['tokens'][self.who]}"))
        return build_request(self.method, self.target, headers, self.body)


JSON = [("Content-Type", "application/json")]


def P(path: str) -> str:
    return API_PREFIX + path


# --------------------------------------------------------------- JSON routes

# (label, method, path, who, members {name: (kind, required)}, a valid body)
def json_routes(ctx):
    n, a, acct = ctx["case"], ctx["attachment"], ctx["account1"]
    u = secrets.token_hex(4)
    return [
        ("login", "POST", "/auth/login", None,
         {"email": ("str", True), "password": ("str", True)},
         {"email": "alice@example.com", "password": USER_PASSWORD}),
        ("accounts", "POST", "/accounts", "staff",
         {"account_number": ("str", True), "name": ("str", True),
          "service_addresses": ("strs", False)},
         {"account_number": f"ACC-M{u}", "name": "Malformed Ltd", "service_addresses": ["1 A St"]}),
        ("service-addresses", "POST", f"/accounts/{acct}/service-addresses", "staff",
         {"address": ("str", True)}, {"address": f"{u} Malformed Rd"}),
        ("users", "POST", "/users", "admin",
         {"email": ("str", True), "name": ("str", True), "role": ("str", True),
          "account_ids": ("strs", False), "phone": ("str", False)},
         {"email": f"m-{u}@example.com", "name": "M", "role": "customer", "account_ids": [acct],
          "phone": "+1 555 0100"}),
        ("access-requests", "POST", "/access-requests", None,
         {"name": ("str", True), "phone": ("str", True), "email": ("str", True),
          "account_name": ("str", True), "account_number": ("str", False),
          "service_address": ("str", True), "description": ("str", False)},
         {"name": "M", "phone": "+1 555 0100", "email": f"r-{u}@example.com",
          "account_name": "Malformed Ltd", "account_number": f"ACC-R{u}",
          "service_address": "1 A St", "description": "d"}),
        ("me", "PATCH", "/me", "alice", {"name": ("str", False), "phone": ("str", False)},
         {"name": "Alice Customer", "phone": "+1 555 0100"}),
        ("cases", "POST", "/cases", "alice",
         {"account_id": ("str", True), "case_type": ("str", True), "category": ("str", True),
          "subject": ("str", True), "description": ("str", True),
          "service_address": ("str", False), "fields": ("obj", False)},
         {"account_id": acct, "case_type": "technical-support", "category": "backups",
          "subject": "s", "description": "d", "service_address": "1 A St",
          "fields": {"server_name": "srv"}}),
        ("comments", "POST", f"/cases/{n}/comments", "alice", {"body": ("str", True)}, {"body": "b"}),
        ("notes", "POST", f"/cases/{n}/notes", "staff", {"body": ("str", True)}, {"body": "b"}),
        ("rename", "PATCH", f"/cases/{n}/attachments/{a}", "alice",
         {"file_name": ("str", True)}, {"file_name": "f.txt"}),
        ("watchers", "POST", f"/cases/{n}/watchers", "alice", {"email": ("str", True)},
         {"email": f"w-{u}@example.com"}),
        ("cancel", "POST", f"/cases/{n}/cancel", "alice", {"reason": ("str", False)}, {"reason": "r"}),
        ("request-info", "POST", f"/cases/{n}/request-info", "staff", {"message": ("str", False)},
         {"message": "m"}),
        ("resolve", "POST", f"/cases/{n}/resolve", "staff", {"resolution": ("str", True)},
         {"resolution": "r"}),
        ("reopen", "POST", f"/cases/{n}/reopen", "staff", {"reason": ("str", False)}, {"reason": "r"}),
        ("reject-resolution", "POST", f"/cases/{n}/reject-resolution", "alice",
         {"reason": ("str", False)}, {"reason": "r"}),
        ("system-status", "PUT", "/system-status/internet", "staff",
         {"status": ("str", True), "message": ("str", False)},
         {"status": "OPERATIONAL", "message": "m"}),
        ("feedback", "POST", "/feedback", "alice",
         {"message": ("str", True), "rating": ("int", False), "page": ("str", False)},
         {"message": "m", "rating": 4, "page": "/overview"}),
    ]


WRONG = {
    "str": [123, 1.5, True, [], {}, ["x"]],
    "strs": ["x", 5, {}, [5]],
    "obj": ["x", 5, True, ["x"]],
    "int": ["5", True, [], {}, 1.5],
}


def jbody(obj) -> bytes:
    return json.dumps(obj).encode()


def g_wrong_types(ctx):
    out = []
    for label, m, path, who, members, valid in json_routes(ctx):
        for name, (kind, required) in members.items():
            values = WRONG[kind] + ([None] if required else [])
            for v in values:
                body = dict(valid, **{name: v})
                out.append(Bad(f"{label}.{name}={json.dumps(v)}", m, P(path), jbody(body), JSON,
                               who, VALIDATION, extra=errors_name(name)))
    return out


def errors_name(member):
    def check(r):
        errors = r.json().get("errors")
        assert isinstance(errors, list) and errors, f"no errors[]: {r}"
        assert any(member in str(e.get("field", "")) for e in errors), f"errors do not name {member}: {r}"
    return check


def g_missing_required(ctx):
    out = []
    for label, m, path, who, members, valid in json_routes(ctx):
        for name, (kind, required) in members.items():
            if required:
                body = {k: v for k, v in valid.items() if k != name}
                out.append(Bad(f"{label} without {name}", m, P(path), jbody(body), JSON, who,
                               VALIDATION, extra=errors_name(name)))
        if any(req for _, req in members.values()):
            out.append(Bad(f"{label} with {{}}", m, P(path), b"{}", JSON, who, VALIDATION))
    return out


def g_unknown_members(ctx):
    out = []
    for label, m, path, who, members, valid in json_routes(ctx):
        first = next(iter(members))
        typo = first[0].upper() + first[1:]
        out.append(Bad(f"{label} +bogus", m, P(path), jbody(dict(valid, bogus=1)), JSON, who,
                       BAD_OR_INVALID))
        out.append(Bad(f"{label} typo {typo}", m, P(path),
                       jbody(dict({k: v for k, v in valid.items() if k != first}, **{typo: valid[first]})),
                       JSON, who, BAD_OR_INVALID))
        out.append(Bad(f"{label} +__proto__", m, P(path),
                       jbody(dict(valid, __proto__={"admin": True})), JSON, who, BAD_OR_INVALID))
    return out


def g_not_objects(ctx):
    out = []
    for label, m, path, who, members, valid in json_routes(ctx):
        for text in (b"[]", b'[{"a":1}]', b'"a string"', b"null", b"42", b"true"):
            out.append(Bad(f"{label} body {text[:12]!r}", m, P(path), text, JSON, who, BAD_REQUEST))
    return out


BROKEN_JSON = [
    b'{"a": "b"',
    b'{"a": }',
    b'{"a": 1,}',
    b'{"a": NaN}',
    b'{"a": Infinity}',
    b'{/* comment */ "a": 1}',
    b"{'a': 1}",
    b'{"a": 1} trailing',
    b'{"a": 1}{"b": 2}',
    b'{"a" 1}',
    b'{"a": "unterminated}',
    b'{"a": "tab\tinside"}',
    b'{"a": "\\x41"}',
    b"\x00{}",
]
DEEP = b"[" * 10000 + b"]" * 10000
DEEP_OBJECT = b'{"a":' * 10000 + b"1" + b"}" * 10000


def g_broken_json(ctx):
    out = []
    for label, m, path, who, members, valid in json_routes(ctx):
        cases = [(t, BAD_REQUEST) for t in BROKEN_JSON + [DEEP]]
        # Valid JSON, but 10,000 levels deep: refused by a depth limit or as
        # an unknown member; either way without a crash.
        cases.append((DEEP_OBJECT, BAD_OR_INVALID))
        if any(req for _, req in members.values()):
            cases.append((b"", BAD_OR_INVALID))  # no body where one is required
        for i, (text, expect) in enumerate(cases):
            out.append(Bad(f"{label} broken#{i} {text[:16]!r}", m, P(path), text, JSON, who,
                           expect))
    return out


def g_huge_numbers(ctx):
    n = ctx["case"]
    out = []
    for text in (b"1e999999", b"-1e999999", b"1" * 400, b"-" + b"9" * 400, b"1e-999999"):
        out.append(Bad(f"rating={text[:10]!r}", "POST", P("/feedback"),
                       b'{"message": "m", "rating": ' + text + b"}", JSON, "alice", BAD_OR_INVALID))
        out.append(Bad(f"body={text[:10]!r}", "POST", P(f"/cases/{n}/comments"),
                       b'{"body": ' + text + b"}", JSON, "alice", BAD_OR_INVALID))
    return out


BAD_UTF8 = [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\xf8\x88\x80\x80\x80"]


def g_bad_utf8_in_json(ctx):
    out = []
    for label, m, path, who, members, valid in json_routes(ctx):
        name = next(k for k, (kind, _) in members.items() if kind == "str")
        for bad in BAD_UTF8:
            text = jbody(dict(valid, **{name: "@@"})).replace(b"@@", b"ab" + bad + b"cd")
            out.append(Bad(f"{label}.{name} has {bad!r}", m, P(path), text, JSON, who, BAD_REQUEST))
        text = jbody(dict(valid, **{name: "@@"})).replace(b"@@", b"ab\\ud800cd")
        out.append(Bad(f"{label}.{name} lone surrogate escape", m, P(path), text, JSON, who,
                       BAD_OR_INVALID))
        # A bad byte in a member name.
        text = jbody(dict(valid)).replace(b"{", b'{"k\xffy": 1, ', 1)
        out.append(Bad(f"{label} bad key", m, P(path), text, JSON, who, BAD_REQUEST))
    return out


def g_oversized_bodies(ctx):
    limit = MAIN_CONFIG["max-body-bytes"]
    out = []
    for label, m, path, who, members, valid in json_routes(ctx):
        name = next(k for k, (kind, _) in members.items() if kind == "str")
        body = jbody(dict(valid, **{name: "z" * (limit + 100)}))
        out.append(Bad(f"{label} {len(body)} bytes", m, P(path), body, JSON, who, TOO_LARGE))
        # Declared far too large: the answer must come without the body.
        out.append(Bad(f"{label} Content-Length 1 GB", m, P(path), None,
                       JSON + [("Content-Length", str(1 << 30))], who, TOO_LARGE, timeout=10))
    # Chunked: no Content-Length to check up front.
    n = ctx["case"]
    big = b'{"body": "' + b"c" * (limit + 100) + b'"}'
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(big[i:i + 8192]), big[i:i + 8192])
                      for i in range(0, len(big), 8192)) + b"0\r\n\r\n"
    out.append(Bad("comments chunked over the limit", "POST", P(f"/cases/{n}/comments"), chunks,
                   JSON + [("Transfer-Encoding", "chunked")], "alice", TOO_LARGE))
    return out


def g_huge_headers(ctx):
    n = ctx["case"]
    big = "h" * (17 * 1024)
    many = [(f"X-Filler-{i}", "abcdefghijklmnop") for i in range(1200)]
    out = []
    for m, path in (("GET", P("/cases")), ("POST", P("/cases")), ("GET", "/healthz"),
                    ("GET", P(f"/cases/{n}")), ("POST", P("/auth/login")), ("GET", P("/me"))):
        body = b"{}" if m == "POST" else None
        out.append(Bad(f"{m} {path} one 17 KiB header", m, path, body,
                       JSON + [("X-Big", big)], "alice", HEADERS_TOO_LARGE))
        out.append(Bad(f"{m} {path} 1200 headers", m, path, body, JSON + many, "alice",
                       HEADERS_TOO_LARGE))
    out.append(Bad("17 KiB cookie", "GET", P("/me"), None,
                   [("Cookie", "docket_session=" + "c" * (17 * 1024))], None, HEADERS_TOO_LARGE))
    out.append(Bad("17 KiB bearer token", "GET", P("/me"), None,
                   [("Authorization", "Bearer " + "t" * (17 * 1024))], None, HEADERS_TOO_LARGE))
    out.append(Bad("20 KiB path", "GET", P("/cases/" + "9" * 20000), None, [], "alice",
                   ({414, 431}, {"request-header-fields-too-large", "uri-too-long"})))
    out.append(Bad("20 KiB query", "GET", P("/search?q=" + "w" * 20000), None, [], "alice",
                   ({414, 431}, {"request-header-fields-too-large", "uri-too-long"})))
    return out


def g_bad_utf8_in_path_and_query(ctx):
    n, a = ctx["case"], ctx["attachment"]
    out = []
    for raw_path in (P("/cases/\xff\xfe"), P("/cases/CS\xc0\xaf"), P("/cases/%ff%fe"),
                     P(f"/cases/{n}/attachments/%ff"), P(f"/cases/{n}/attachments/\xff"),
                     P("/\xff"), P("/cases/%ed%a0%80"), P(f"/cases/{n}/activity/\xff")):
        out.append(Bad(f"path {raw_path!r}", "GET", raw_path.encode("latin-1"), expect=NOT_FOUND_OR_BAD))
    out.append(Bad("watcher %ff", "DELETE", P(f"/cases/{n}/watchers/%ff%40example.com"),
                   expect=NOT_FOUND_OR_BAD))
    out.append(Bad("system-status %ff", "PUT", P("/system-status/%ff"), b'{"status": "OUTAGE"}',
                   JSON, "staff", ({400, 404}, {"bad-request", "not-found", "validation"})))
    for q in (b"q=\xff", b"q=%ff%fe", b"q=%c0%af", b"q=ab%ed%a0%80", b"q=%e2%82"):
        out.append(Bad(f"search ?{q!r}", "GET", P("/search?").encode() + q, expect=BAD_REQUEST))
    out.append(Bad("search page[after]=%ff", "GET", P("/search?q=ok&page[after]=%ff"),
                   expect=BAD_OR_INVALID))
    for q in (b"state=%ff", b"case_type=%ff", b"category=\xfe", b"account_id=%c0%af",
              b"page[after]=%ff%ff"):
        out.append(Bad(f"cases ?{q!r}", "GET", P("/cases?").encode() + q, expect=BAD_OR_INVALID))
    out.append(Bad("export ?state=%ff", "GET", P("/cases/export.csv?state=%ff"), expect=BAD_OR_INVALID))
    return out


def no_passwd(r):
    assert b"root:" not in r.body, f"file contents in the answer: {r}"


def g_path_traversal(ctx):
    n, a = ctx["case"], ctx["attachment"]
    paths = [
        ("GET", P("/cases/..%2f..%2f..%2fetc%2fpasswd")),
        ("GET", P("/cases/%2e%2e%2f%2e%2e%2fetc%2fpasswd")),
        ("GET", P("/cases/CS00000000001%00")),
        ("GET", P(f"/cases/{n}%00")),
        ("GET", P(f"/cases/{n}%00.json")),
        ("GET", P(f"/cases/{n}/attachments/..%2f..%2f..%2fetc%2fpasswd")),
        ("GET", P(f"/cases/{n}/attachments/%2e%2e")),
        ("GET", P(f"/cases/{n}/attachments/{a}%00.pdf")),
        ("GET", P(f"/cases/{n}/attachments/..%5c..%5cwin.ini")),
        ("GET", P(f"/cases/{n}/attachments/../../../../etc/passwd")),
        ("GET", P("/cases/../../../../etc/passwd")),
        ("GET", P("/../../../../etc/passwd")),
        ("GET", "/../../../../etc/passwd"),
        ("GET", P(f"/cases/{n}/attachments/%2e%2e%2f%2e%2e%2f%2e%2e%2fblobs")),
        ("PATCH", P(f"/cases/{n}/attachments/..%2f{a}")),
        ("DELETE", P(f"/cases/{n}/attachments/..%2f..%2f{a}")),
        ("DELETE", P(f"/cases/{n}/watchers/..%2f..%2fetc%2fpasswd")),
        ("GET", P("/commands/..%2f..%2fetc%2fpasswd")),
        ("GET", P("/users/..%2f..%2fetc%2fpasswd")),
        ("GET", P("/accounts/..%2f..%2fetc%2fpasswd")),
        ("GET", P(f"/cases/{n}/attachments/{a}/../../../../etc/passwd")),
    ]
    out = []
    for m, path in paths:
        body = b'{"file_name": "x.txt"}' if m == "PATCH" else None
        out.append(Bad(f"{m} {path}", m, path, body, JSON if body else [], "alice",
                       NOT_FOUND_OR_BAD, extra=no_passwd))
    # File names in uploads that no file system should see.
    for fn in (b"a\x00b.txt", b"a\r\nX-Injected: 1.txt", b"\x01\x02.txt", b"ab\xff.txt",
               b"evil\xe2\x80\xae.txt"):
        ctype, body = multipart([("file", fn, "text/plain", b"hello")])
        out.append(Bad(f"upload file name {fn!r}", "POST", P(f"/cases/{n}/attachments"), body,
                       [("Content-Type", ctype)], "alice",
                       ({400, 422}, {"bad-request", "validation", "unprocessable"})))
    return out


def g_duplicate_query(ctx):
    n = ctx["case"]
    out = []
    for q in ("state=OPEN&state=NEW", "sort=updated&sort=opened", "page[size]=1&page[size]=2",
              "page[size]=5&page[size]=5", "account_id=a&account_id=b",
              "case_type=x&case_type=y", "category=internet&category=email",
              "page[after]=x&page[after]=y"):
        out.append(Bad(f"cases ?{q}", "GET", P(f"/cases?{q}")))
        out.append(Bad(f"export ?{q}", "GET", P(f"/cases/export.csv?{q}")))
    for q in ("q=a&q=b", "q=a&q=a", "q=a&page[size]=5&page[size]=6"):
        out.append(Bad(f"search ?{q}", "GET", P(f"/search?{q}")))
    out.append(Bad("activity ?page[size] twice", "GET", P(f"/cases/{n}/activity?page[size]=1&page[size]=1")))
    return out


def g_paging_params(ctx):
    n = ctx["case"]
    out = []
    for base in ("/cases?", "/search?q=router&", f"/cases/{n}/activity?"):
        for v in ("0", "101", "abc", "-1", "1.5", "", "1e2", "99999999999999999999", "%205", "0x10",
                  "%00"):
            out.append(Bad(f"{base} page[size]={v}", "GET", P(f"{base}page[size]={v}"),
                           expect=BAD_OR_INVALID))
        for v in ("!!!", "%00", "x" * 1000):
            out.append(Bad(f"{base} page[after]={v[:10]}", "GET", P(f"{base}page[after]={v}"),
                           expect=BAD_OR_INVALID))
    # (Unknown query parameters are ignored, as most APIs do: not listed here.)
    for q in ("sort=bogus", "sort=", "state=BOGUS", "state=NEW,BOGUS"):
        out.append(Bad(f"cases ?{q}", "GET", P(f"/cases?{q}"), expect=BAD_OR_INVALID))
    return out


ROUTES = [  # documented path -> methods
    ("/auth/login", {"POST"}), ("/auth/logout", {"POST"}), ("/me", {"GET", "PATCH"}),
    ("/me/challenge", {"PUT"}), ("/auth/activate", {"POST"}), ("/auth/unlock", {"POST"}),
    ("/auth/challenge-questions", {"GET"}), ("/access-requests", {"GET", "POST"}),
    ("/accounts", {"GET", "POST"}), ("/accounts/{acct}", {"GET"}),
    ("/accounts/{acct}/service-addresses", {"POST"}), ("/users", {"GET", "POST"}),
    ("/users/{user}", {"GET", "PATCH"}), ("/catalog", {"GET"}), ("/cases", {"GET", "POST"}),
    ("/cases/export.csv", {"GET"}), ("/cases/{n}", {"GET"}), ("/cases/{n}/activity", {"GET"}),
    ("/cases/{n}/comments", {"POST"}), ("/cases/{n}/notes", {"POST"}),
    ("/cases/{n}/attachments", {"GET", "POST"}),
    ("/cases/{n}/attachments/{a}", {"GET", "PATCH", "DELETE"}),
    ("/cases/{n}/watchers", {"GET", "POST"}), ("/cases/{n}/watchers/{w}", {"DELETE"}),
    ("/cases/{n}/cancel", {"POST"}), ("/cases/{n}/accept", {"POST"}),
    ("/cases/{n}/request-info", {"POST"}), ("/cases/{n}/resolve", {"POST"}),
    ("/cases/{n}/close", {"POST"}), ("/cases/{n}/reopen", {"POST"}),
    ("/cases/{n}/accept-resolution", {"POST"}), ("/cases/{n}/reject-resolution", {"POST"}),
    ("/search", {"GET"}), ("/overview", {"GET"}), ("/commands/{cmd}", {"GET"}),
    ("/system-status", {"GET"}), ("/system-status/{svc}", {"PUT"}), ("/quick-links", {"GET"}),
    ("/feedback", {"GET", "POST"}), ("/stream", {"GET"}), ("/portal", {"GET"}), ("/healthz", {"GET"}), ("/readyz", {"GET"}), ("/metrics", {"GET"}),
]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allow_check(allowed, method):
    def check(r):
        allow = {x.strip().upper() for x in (r.header("allow") or "").split(",") if x.strip()}
        assert allowed <= allow and method not in allow, f"Allow {r.header('allow')!r}: {r}"
    return check


def g_wrong_methods(ctx):
    out = []
    for template, allowed in ROUTES:
        path = template.format(n=ctx["case"], a=ctx["attachment"], w="w%40example.com",
                               acct=ctx["account1"], user=ctx["user"], cmd="c-1", svc="internet")
        targets = [P(path)] + ([path] if template in ("/healthz", "/readyz", "/metrics") else [])
        for target in targets:
            for m in METHODS:
                if m in allowed:
                    continue
                body = b"{}" if m in ("POST", "PUT", "PATCH") else None
                out.append(Bad(f"{m} {target}", m, target, body, JSON if body else [], "staff",
                               ({405}, {"method-not-allowed"}), extra=allow_check(allowed, m)))
    return out


def g_content_types(ctx):
    out = []
    for label, m, path, who, members, valid in json_routes(ctx):
        body = jbody(valid)
        for ctype in ("text/plain", "multipart/form-data; boundary=xyz",
                      "application/x-www-form-urlencoded", "application/xml", "image/png"):
            out.append(Bad(f"{label} as {ctype}", m, P(path), body, [("Content-Type", ctype)], who,
                           UNSUPPORTED))
        out.append(Bad(f"{label} without Content-Type", m, P(path), body, [], who,
                       ({400, 415}, {"bad-request", "unsupported-media-type"})))
    n = ctx["case"]
    up = P(f"/cases/{n}/attachments")
    no_file_ctype, no_file_body = multipart([("other", None, None, b"x")])
    no_name_ctype, no_name_body = multipart([("file", None, "text/plain", b"x")])
    out += [
        Bad("upload as JSON", "POST", up, b'{"file": "x"}', JSON, "alice", UNSUPPORTED),
        Bad("upload as text", "POST", up, b"hello", [("Content-Type", "text/plain")], "alice",
            UNSUPPORTED),
        Bad("upload multipart without boundary", "POST", up, b"--x\r\n\r\nhi\r\n--x--\r\n",
            [("Content-Type", "multipart/form-data")], "alice",
            ({400, 415}, {"bad-request", "unsupported-media-type"})),
        Bad("upload multipart garbage", "POST", up, b"this is not multipart at all",
            [("Content-Type", "multipart/form-data; boundary=xyz")], "alice", BAD_OR_INVALID),
        Bad("upload multipart unterminated", "POST", up,
            b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello',
            [("Content-Type", "multipart/form-data; boundary=xyz")], "alice", BAD_OR_INVALID),
        Bad("upload without a file part", "POST", up, no_file_body,
            [("Content-Type", no_file_ctype)], "alice", BAD_OR_INVALID),
        Bad("upload part without file name", "POST", up, no_name_body,
            [("Content-Type", no_name_ctype)], "alice", BAD_OR_INVALID),
    ]
    return out


def g_idempotency_keys(ctx):
    n = ctx["case"]
    case = jbody({"account_id": ctx["account1"], "case_type": "technical-support",
                  "category": "internet", "subject": "idempotency", "description": "d"})
    keys = [b"", b"k" * 256, b"k" * 300, b"a\x01b", b"a\x7fb", "ключ".encode(), b"a\tb",
            b"\xff\xfe"]
    out = []
    for k in keys:
        out.append(Bad(f"POST /cases key {k[:12]!r}", "POST", P("/cases"), case,
                       JSON + [(b"Idempotency-Key", k)]))
        out.append(Bad(f"comment key {k[:12]!r}", "POST", P(f"/cases/{n}/comments"),
                       b'{"body": "idempotent?"}', JSON + [(b"Idempotency-Key", k)]))
    out.append(Bad("DELETE watcher key \\x01", "DELETE", P(f"/cases/{n}/watchers/x%40example.com"),
                   None, [(b"Idempotency-Key", b"a\x01")]))
    return out


def g_if_match(ctx):
    n = ctx["case"]
    values = [b"abc", b'"abc"', b'"-1"', b'""', b'"1', b"1", b'"1.5"', b'"1e3"', b'" 1"',
              b'"0x1"']
    out = []
    for v in values:
        out.append(Bad(f"comment If-Match {v!r}", "POST", P(f"/cases/{n}/comments"),
                       b'{"body": "if-match"}', JSON + [(b"If-Match", v)]))
    out.append(Bad("watcher If-Match abc", "POST", P(f"/cases/{n}/watchers"),
                   b'{"email": "if-match@example.com"}', JSON + [(b"If-Match", b"abc")]))
    for v in (b'"99999999999999999999999"', b'W/"1"'):
        out.append(Bad(f"comment If-Match {v!r}", "POST", P(f"/cases/{n}/comments"),
                       b'{"body": "if-match"}', JSON + [(b"If-Match", v)],
                       expect=({400, 412}, {"bad-request", "version-conflict"})))
    return out


def g_min_position(ctx):
    n = ctx["case"]
    values = ["cases", "cases:1", "cases:a:b", "cases:-1:5", "cases:1:-5", ":1:2", "cases:1:2:3",
              "cases::", "cases:1:99999999999999999999999", "nosuchcontext:1:2", "cases:1:2x",
              "cases:0x1:2", "cases:1.5:2"]  # (an empty value counts as none)
    out = []
    for v in values:
        for path in (P("/cases"), P(f"/cases/{n}"), P("/overview")):
            out.append(Bad(f"{path} Docket-Min-Position {v!r}", "GET", path, None,
                           [("Docket-Min-Position", v)]))
    return out


def www_bearer(r):
    assert (r.header("www-authenticate") or "").startswith("Bearer"), f"no WWW-Authenticate: {r}"


def g_bad_tokens(ctx):
    t = ctx["tokens"]["alice"]
    values = [b"Bearer", b"Bearer ", b"Bearer x", ("Bearer " + t + "x").encode(),
              ("Bearer " + t[:-1]).encode(), b"Bearer " + b"a" * 5000, b"Basic YWJjOmRlZg==",
              ("Token " + t).encode(), b"Bearer abc def", ("Bearer " + t[::-1]).encode(),
              b"Bearer ../../etc/passwd", b"Bearer %00"]
    out = []
    for v in values:
        for path in (P("/me"), P("/cases")):
            out.append(Bad(f"{path} Authorization {v[:20]!r}", "GET", path, None,
                           [(b"Authorization", v)], None, UNAUTHENTICATED, extra=www_bearer))
    out.append(Bad("Authorization with bad bytes", "GET", P("/me"), None,
                   [(b"Authorization", b"Bearer \xff\xfe")], None,
                   ({400, 401}, {"bad-request", "unauthenticated"})))
    for c in (b"docket_session=garbage", b"docket_session=", b"docket_session=" + b"%ff" * 10):
        out.append(Bad(f"cookie {c!r}", "GET", P("/me"), None, [(b"Cookie", c)], None,
                       UNAUTHENTICATED, extra=www_bearer))
    return out


def g_http_protocol(ctx):
    host = b"Host: 127.0.0.1\r\n"
    raws = {
        "garbage request line": b"THIS IS NOT HTTP\r\n" + host + b"\r\n",
        "header without colon": b"GET /api/v1/me HTTP/1.1\r\n" + host + b"NoColonHere\r\n\r\n",
        "space in header name": b"GET /api/v1/me HTTP/1.1\r\n" + host + b"Bad Header: x\r\n\r\n",
        "non-numeric Content-Length": b"POST /api/v1/feedback HTTP/1.1\r\n" + host
        + b"Content-Type: application/json\r\nContent-Length: abc\r\n\r\n{}",
        "negative Content-Length": b"POST /api/v1/feedback HTTP/1.1\r\n" + host
        + b"Content-Type: application/json\r\nContent-Length: -5\r\n\r\n{}",
        "two Content-Lengths": b"POST /api/v1/feedback HTTP/1.1\r\n" + host
        + b"Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}",
        "Content-Length and chunked": b"POST /api/v1/feedback HTTP/1.1\r\n" + host
        + b"Content-Type: application/json\r\nContent-Length: 4\r\n"
        + b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        "bad chunk size": b"POST /api/v1/feedback HTTP/1.1\r\n" + host
        + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        "control char in target": b"GET /api/v1/\x01me HTTP/1.1\r\n" + host + b"\r\n",
    }
    out = []
    for name, data in raws.items():
        # Read as chunked (as RFC 9112 allows), it is a request without a
        # session; refused as smuggling, it is a bad request.
        expect = ({400, 401}, {"bad-request", "unauthenticated"}) \
            if name == "Content-Length and chunked" else BAD_REQUEST
        out.append(Bad(name, "RAW", "", raw=data, who=None, expect=expect))
    return out


GROUPS = {
    "wrong_types": g_wrong_types,
    "missing_required": g_missing_required,
    "unknown_members": g_unknown_members,
    "bodies_not_objects": g_not_objects,
    "broken_json": g_broken_json,
    "huge_numbers": g_huge_numbers,
    "bad_utf8_in_json": g_bad_utf8_in_json,
    "oversized_bodies": g_oversized_bodies,
    "huge_headers": g_huge_headers,
    "bad_utf8_in_path_and_query": g_bad_utf8_in_path_and_query,
    "path_traversal": g_path_traversal,
    "duplicate_query_parameters": g_duplicate_query,
    "paging_and_filter_parameters": g_paging_params,
    "wrong_methods": g_wrong_methods,
    "content_types": g_content_types,
    "idempotency_keys": g_idempotency_keys,
    "if_match": g_if_match,
    "min_position": g_min_position,
    "bad_tokens": g_bad_tokens,
    "http_protocol": g_http_protocol,
}

DUMMY_CTX = {"case": "CS00000000006", "attachment": "a2", "account1": "acc-1", "user": "u-1",
             "tokens": {"alice": "t" * 43, "staff": "s" * 43, "admin": "a" * 43}}


def test_the_groups_hold_at_least_300_requests():
    """Pure generation (no server): the suite is as big as promised."""
    total = sum(len(g(DUMMY_CTX)) for g in GROUPS.values())
    assert total >= MIN_REQUESTS, total
    for name, g in GROUPS.items():
        assert g(DUMMY_CTX), name


@pytest.fixture(scope="module")
def ctx(world, alice, staff, admin):
    oc = open_case(alice)
    att = assert_json(upload(alice, oc.number, "m.txt", b"malformed"), 201)
    return {"case": oc.number, "attachment": att["id"], "account1": world.accounts["1"]["id"],
            "user": alice.id or "u", "port": world.server.port,
            "tokens": {"alice": alice.token, "staff": staff.token, "admin": admin.token}}


def healthz(port):
    r = raw_request(port, build_request("GET", "/healthz"))
    assert r.status == 200, f"/healthz after the group: {r}"


@pytest.mark.parametrize("group", list(GROUPS))
def test_malformed_group(ctx, group):
    port = ctx["port"]
    failures = []
    bads = GROUPS[group](ctx)
    for bad in bads:
        SENT["count"] += 1
        try:
            r = raw_request(port, bad.wire(ctx), timeout=bad.timeout)
            assert r.status < 500, f"server error: {r}"
            statuses, slugs = bad.expect
            assert_raw_problem(r, statuses, slugs)
            if bad.extra:
                bad.extra(r)
        except (AssertionError, NoAnswer, OSError, ValueError) as e:
            failures.append(f"[{bad.name}] {type(e).__name__}: {str(e)[:600]}")
    healthz(port)
    assert not failures, f"{len(failures)} of {len(bads)} in {group} failed:\n" + \
        "\n".join(failures[:40])


def test_zz_at_least_300_malformed_requests_were_sent(ctx):
    # Runs last (file order) when the whole module runs.
    assert SENT["count"] >= MIN_REQUESTS, SENT
    healthz(ctx["port"])
