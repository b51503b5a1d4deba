"""Helpers shared by the gateway's acceptance tests (tests/api).

Everything here talks real HTTP to a running docketd: `Client` wraps a
requests.Session with a bearer token, `raw_request` speaks HTTP/1.1 over a
plain socket for requests that a client library would refuse or normalise
(bad UTF-8 in the path, oversized headers, bytes that are not JSON).
"""
from __future__ import annotations

import copy
import dataclasses
import http.cookiejar
import json
import re
import secrets
import socket
import time
from typing import Any, Iterable

import requests

API_PREFIX = "/api/v1"
PROBLEM_BASE = "https://docket.dev/problems/"
CASE_NUMBER_RE = re.compile(r"^CS\d{11}$")
CASE_POSITION_RE = re.compile(r"^cases:\d+:\d+$")
ANY_POSITION_RE = re.compile(r"^[a-z][a-z-]*:\d+:\d+$")
MISSING_CASE = "CS99999999999"  # well-formed; no counter ever gets there
STATES = ("NEW", "OPEN", "AWAITING_INFO", "RESOLVED", "CLOSED", "CANCELLED")
# Problem members that may legitimately differ between two requests.
PER_REQUEST_MEMBERS = ("instance", "request_id")


def unique_word(prefix: str = "zq") -> str:
    """A lower-case word no analyzer will split or stem into something common."""
    letters = "bcdfghjklmnpqrstvwxz"
    return prefix + "".join(secrets.choice(letters) for _ in range(10))


class Client:
    """A signed-in (or anonymous) API user. Never keeps cookies, so what it
    sends is exactly the bearer token (or the headers a test passes)."""

    def __init__(self, base: str, token: str | None = None, *, name: str = "anon",
                 user: dict | None = None, email: str | None = None,
                 password: str | None = None, account_id: str | None = None):
        self.base = base.rstrip("/")
        self.token = token
        self.name = name
        self.user = user or {}
        self.email = email
        self.password = password
        self.account_id = account_id
        self.session = requests.Session()
        self.session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self.session.trust_env = False  # no proxies from the environment

    @property
    def id(self) -> str:
        return self.user.get("id")

    def url(self, path: str) -> str:
        if path.startswith("http://") or path.startswith("https://"):
            return path
        return self.base + path

    def request(self, method: str, path: str, *, headers: dict | None = None,
                **kwargs) -> requests.Response:
        h = {}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        h.update(headers or {})
        h = {k: v for k, v in h.items() if v is not None}
        kwargs.setdefault("timeout", 60)
        kwargs.setdefault("allow_redirects", False)
        return self.session.request(method, self.url(path), headers=h, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def as_token(self, token: str | None) -> "Client":
        return Client(self.base, token, name=self.name + "'", user=self.user)

    def __repr__(self):
        return f"Client({self.name})"


def describe(resp: requests.Response) -> str:
    req = resp.request
    return (f"{req.method} {req.url} -> {resp.status_code} "
            f"{resp.headers.get('Content-Type')!r}: {resp.text[:800]!r}")


def _as_set(x) -> set:
    if isinstance(x, (set, frozenset, list, tuple)):
        return set(x)
    return {x}


def assert_problem(resp: requests.Response, status, slug, *, rule: str | None = None) -> dict:
    """An RFC 9457 problem of the given status(es) and slug(s); returns the body."""
    statuses, slugs = _as_set(status), _as_set(slug)
    assert resp.status_code in statuses, f"expected {sorted(statuses)}: {describe(resp)}"
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.split(";")[0].strip().lower() == "application/problem+json", describe(resp)
    try:
        body = resp.json()
    except ValueError:
        raise AssertionError(f"problem body is not JSON: {describe(resp)}")
    check_problem_body(body, resp.status_code, slugs, where=describe(resp))
    if rule is not None:
        assert body.get("rule") == rule, f"expected rule {rule}: {describe(resp)}"
    return body


def check_problem_body(body: Any, status: int, slugs: set, *, where: str = "") -> None:
    assert isinstance(body, dict), f"problem body is not an object: {where}"
    for member in ("type", "title", "status", "detail"):
        assert member in body, f"problem without {member!r}: {where}"
    assert body["type"] in {PROBLEM_BASE + s for s in slugs}, \
        f"expected type {sorted(PROBLEM_BASE + s for s in slugs)}: {where}"
    assert isinstance(body["title"], str) and body["title"], where
    assert body["status"] == status, where
    assert isinstance(body["detail"], str) and body["detail"], where


def assert_json(resp: requests.Response, status: int = 200) -> Any:
    assert resp.status_code == status, f"expected {status}: {describe(resp)}"
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.split(";")[0].strip().lower() == "application/json", describe(resp)
    return resp.json()


def assert_case_write(resp: requests.Response, status: int = 200) -> dict:
    """A case command's answer: the case, ETag of its version, its position."""
    body = assert_json(resp, status)
    assert CASE_NUMBER_RE.match(body.get("number", "")), describe(resp)
    assert isinstance(body.get("version"), int) and body["version"] >= 1, describe(resp)
    assert resp.headers.get("ETag") == f'"{body["version"]}"', describe(resp)
    assert CASE_POSITION_RE.match(resp.headers.get("Docket-Position", "")), \
        f"Docket-Position missing or malformed: {resp.headers.get('Docket-Position')!r}: {describe(resp)}"
    return body


def position(resp: requests.Response) -> str:
    p = resp.headers.get("Docket-Position")
    assert p and ANY_POSITION_RE.match(p), f"no Docket-Position: {describe(resp)}"
    return p


def after(resp_or_position) -> dict:
    """Headers for a read that must see the write `resp_or_position` made."""
    p = resp_or_position if isinstance(resp_or_position, str) else position(resp_or_position)
    return {"Docket-Min-Position": p}


@dataclasses.dataclass
class OpenedCase:
    number: str
    version: int
    etag: str
    position: str
    body: dict
    resp: requests.Response

    @property
    def path(self) -> str:
        return f"/cases/{self.number}"


def case_body(account_id: str, **overrides) -> dict:
    body = {
        "account_id": account_id,
        "case_type": "technical-support",
        "category": "internet",
        "subject": "Internet is down " + unique_word(),
        "description": "Since this morning no traffic passes the router.",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def open_case(client: Client, account_id: str | None = None, *, headers=None,
              **overrides) -> OpenedCase:
    """POST /cases (technical-support/internet unless overridden); asserts 201."""
    account_id = account_id or client.account_id
    body = case_body(account_id, **overrides)
    resp = client.post("/cases", json=body, headers=headers)
    got = assert_case_write(resp, 201)
    assert got["state"] == "NEW", describe(resp)
    assert got["account_id"] == account_id, describe(resp)
    loc = resp.headers.get("Location", "")
    assert loc.endswith(f"{API_PREFIX}/cases/{got['number']}"), f"Location {loc!r}: {describe(resp)}"
    return OpenedCase(got["number"], got["version"], resp.headers["ETag"],
                      resp.headers["Docket-Position"], got, resp)


def multipart(parts: Iterable[tuple], boundary: str | None = None) -> tuple[str, bytes]:
    """parts: (name, filename or None, content type or None, data bytes).
    File names are written as given (bytes or str), so tests control them."""
    boundary = boundary or "----docket" + secrets.token_hex(12)
    out = bytearray()
    for name, filename, ctype, data in parts:
        out += b"--" + boundary.encode() + b"\r\n"
        disp = b'Content-Disposition: form-data; name="' + name.encode() + b'"'
        if filename is not None:
            fn = filename if isinstance(filename, bytes) else filename.encode("utf-8")
            disp += b'; filename="' + fn + b'"'
        out += disp + b"\r\n"
        if ctype:
            out += b"Content-Type: " + ctype.encode() + b"\r\n"
        out += b"\r\n" + (data if isinstance(data, bytes) else data.encode()) + b"\r\n"
    out += b"--" + boundary.encode() + b"--\r\n"
    return f"multipart/form-data; boundary={boundary}", bytes(out)


def upload(client: Client, number: str, file_name, data: bytes,
           content_type: str = "application/octet-stream", headers=None) -> requests.Response:
    ctype, body = multipart([("file", file_name, content_type, data)])
    h = {"Content-Type": ctype}
    h.update(headers or {})
    return client.post(f"/cases/{number}/attachments", data=body, headers=h)


def normalize_problem(body: Any, replacements: dict[str, str]) -> Any:
    """A problem body with per-request members dropped and the given
    identifiers replaced, so two answers can be compared for equality."""
    body = copy.deepcopy(body)

    def walk(x):
        if isinstance(x, dict):
            return {k: walk(v) for k, v in x.items() if k not in PER_REQUEST_MEMBERS}
        if isinstance(x, list):
            return [walk(v) for v in x]
        if isinstance(x, str):
            for old, new in replacements.items():
                x = x.replace(old, new)
            return x
        return x

    return walk(body)


def find_secret_members(x: Any, path: str = "") -> list[str]:
    """Members that look like secrets (passwords, hashes) anywhere in x."""
    found = []
    if isinstance(x, dict):
        for k, v in x.items():
            if re.search(r"password|hash|secret", k, re.I):
                found.append(path + "." + k)
            found += find_secret_members(v, path + "." + k)
    elif isinstance(x, list):
        for i, v in enumerate(x):
            found += find_secret_members(v, f"{path}[{i}]")
    elif isinstance(x, str) and x.startswith("$argon2"):
        found.append(path)
    return found


# ---------------------------------------------------------------- raw HTTP


@dataclasses.dataclass
class RawResponse:
    status: int
    reason: str
    headers: list  # [(name, value)] as sent, names lower-cased
    body: bytes
    request_line: str = ""

    def header(self, name: str, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return default

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __str__(self):
        return (f"{self.request_line!r} -> {self.status} {self.header('content-type')!r}: "
                f"{self.body[:500]!r}")


class NoAnswer(AssertionError):
    pass


def build_request(method: str, target, headers: list | dict | None = None,
                  body: bytes | None = None, *, host: str = "127.0.0.1",
                  content_length: bool = True) -> bytes:
    """An HTTP/1.1 request as bytes. target may be bytes (sent verbatim)."""
    t = target if isinstance(target, bytes) else target.encode("latin-1")
    lines = [method.encode() + b" " + t + b" HTTP/1.1", b"Host: " + host.encode()]
    items = headers.items() if isinstance(headers, dict) else (headers or [])
    names = set()
    for k, v in items:
        kb = k if isinstance(k, bytes) else k.encode("latin-1")
        vb = v if isinstance(v, bytes) else v.encode("latin-1")
        names.add(kb.lower())
        lines.append(kb + b": " + vb)
    if body is not None and content_length and b"content-length" not in names \
            and b"transfer-encoding" not in names:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    if b"connection" not in names:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")


def raw_request(port: int, data: bytes, *, timeout: float = 30.0) -> RawResponse:
    """Sends bytes, reads one HTTP/1.1 answer. A server that answers early
    (413, 431) and closes is fine: its answer is read even when the rest of
    the request could not be sent."""
    request_line = data.split(b"\r\n", 1)[0][:200].decode("latin-1")
    deadline = time.monotonic() + timeout
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading; its answer may be waiting
        buf = bytearray()
        closed = False

        def fill() -> bool:
            nonlocal closed
            if closed:
                return False
            s.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                chunk = b""
            except socket.timeout:
                raise NoAnswer(f"{request_line!r}: no complete answer within {timeout} s "
                               f"(got {bytes(buf[:300])!r})")
            if not chunk:
                closed = True
                return False
            buf.extend(chunk)
            return True

        while b"\r\n\r\n" not in buf:
            if not fill():
                raise NoAnswer(f"{request_line!r}: connection closed without an HTTP answer "
                               f"(got {bytes(buf[:300])!r})")
        head, _, rest = bytes(buf).partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        m = re.match(rb"^HTTP/1\.[01] (\d{3}) ?(.*)$", lines[0])
        if not m:
            raise NoAnswer(f"{request_line!r}: bad status line {lines[0][:200]!r}")
        status, reason = int(m.group(1)), m.group(2).decode("latin-1")
        hdrs = []
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            hdrs.append((k.strip().lower().decode("latin-1"), v.strip().decode("latin-1")))
        hd = dict(hdrs)
        buf = bytearray(rest)
        if status in (204, 304) or 100 <= status < 200:
            body = b""
        elif "content-length" in hd:
            n = int(hd["content-length"])
            while len(buf) < n and fill():
                pass
            if len(buf) < n:
                raise NoAnswer(f"{request_line!r}: body cut at {len(buf)} of {n} bytes")
            body = bytes(buf[:n])
        elif "chunked" in hd.get("transfer-encoding", "").lower():
            body = bytearray()
            pos = 0
            while True:
                while b"\r\n" not in buf[pos:]:
                    if not fill():
                        raise NoAnswer(f"{request_line!r}: chunked body cut")
                end = buf.index(b"\r\n", pos)
                size = int(bytes(buf[pos:end]).split(b";")[0], 16)
                pos = end + 2
                while len(buf) < pos + size + 2:
                    if not fill():
                        raise NoAnswer(f"{request_line!r}: chunked body cut")
                body += buf[pos:pos + size]
                pos += size + 2
                if size == 0:
                    break
            body = bytes(body)
        else:
            while fill():
                pass
            body = bytes(buf)
        return RawResponse(status, reason, hdrs, body, request_line)


def assert_raw_problem(r: RawResponse, statuses, slugs=None) -> dict:
    statuses = _as_set(statuses)
    assert r.status in statuses, f"expected {sorted(statuses)}: {r}"
    ctype = (r.header("content-type") or "").split(";")[0].strip().lower()
    assert ctype == "application/problem+json", f"not a problem: {r}"
    try:
        body = r.json()
    except ValueError:
        raise AssertionError(f"problem body is not JSON: {r}")
    if slugs is None:
        assert isinstance(body, dict) and isinstance(body.get("type"), str) \
            and body["type"].startswith(PROBLEM_BASE), f"bad problem type: {r}"
        slugs = {body["type"][len(PROBLEM_BASE):]}
    check_problem_body(body, r.status, _as_set(slugs), where=str(r))
    return body
