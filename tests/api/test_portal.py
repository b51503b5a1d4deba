"""What the portal needs of the API (issue: the customer portal): the live
event stream, account and catalog names in case rows and exports, filters
with several values, the portal's configuration, the configured System
Status services, the feedback list for staff, and the portal's files served
by docketd with their security headers."""
import csv
import gzip
import http.client
import io
import json
import queue
import secrets
import socket
import threading
import time
import urllib.parse

import pytest
import requests

from conftest import MAIN_CONFIG, PORTAL_CONFIG, STATUS_SERVICES, _start, login
from docket_api import (Client, after, assert_json, assert_problem, describe, open_case,
                        unique_word)


# ----------------------------------------------------------------- the stream

class Stream:
    """A Server-Sent Events client on a thread: events land in a queue. On
    http.client, so that close() ends the connection at once (closing a
    requests response drains a body that never ends)."""

    def __init__(self, client: Client, query: str = "", headers: dict | None = None):
        self.events: queue.Queue = queue.Queue()
        self.ended = threading.Event()
        url = urllib.parse.urlsplit(client.url("/stream" + query))
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        h = {"Accept": "text/event-stream"}
        if client.token:
            h["Authorization"] = f"Bearer {client.token}"
        h.update(headers or {})
        self.conn.request("GET", url.path + ("?" + url.query if url.query else ""), headers=h)
        self.resp = self.conn.getresponse()
        self.status_code = self.resp.status
        if self.status_code == 200:
            threading.Thread(target=self._read, daemon=True).start()
        else:
            self.body = self.resp.read()
            self.conn.close()

    def _read(self):
        event = {}
        try:
            while True:
                raw = self.resp.readline()
                if not raw:
                    break
                line = raw.decode("utf-8").rstrip("\r\n")
                if line == "":
                    if "data" in event:
                        self.events.put(event)
                    event = {}
                elif not line.startswith(":") and ":" in line:
                    k, v = line.split(":", 1)
                    event[k] = v[1:] if v.startswith(" ") else v
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            pass  # closed: by the server (the stream ended), or by close()
        self.ended.set()

    def next_case(self, number: str, when=lambda row: True, timeout: float = 10) -> dict:
        """Events until one names `number` with a row for which `when` holds
        (returned); the events read are kept in `seen`. (A stream may repeat
        changes of the last seconds: earlier versions come first.)"""
        deadline = time.monotonic() + timeout
        self.seen = getattr(self, "seen", [])
        while time.monotonic() < deadline:
            try:
                e = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(e)
            if e.get("event") == "case":
                row = json.loads(e["data"])
                if row["number"] == number and when(row):
                    return e
        raise AssertionError(f"no event for {number} within {timeout} s; got {self.seen}")

    def close(self):
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except (OSError, AttributeError):
            pass
        self.conn.close()


def test_stream_delivers_changes_of_own_accounts_only(alice, bob, staff):
    mine = open_case(alice)
    theirs = open_case(bob)
    s = Stream(alice)
    try:
        assert s.status_code == 200, s.status_code
        assert s.resp.getheader("Content-Type").startswith("text/event-stream")
        # Bob's case changes first, then Alice's: every event before hers
        # must be of her accounts.
        assert_json(staff.post(f"/cases/{theirs.number}/comments",
                               json={"body": "for bob " + unique_word()}), 201)
        body = "for alice " + unique_word()
        assert_json(staff.post(f"/cases/{mine.number}/comments", json={"body": body}), 201)
        e = s.next_case(mine.number, lambda row: row["comment_count"] >= 1)
        row = json.loads(e["data"])
        assert row["account_id"] == alice.account_id
        assert row["account_name"] == "Alpha Networks"
        assert int(e["id"]) > 0
        for other in s.seen:
            if other.get("event") == "case":
                assert json.loads(other["data"])["account_id"] == alice.account_id, other
    finally:
        s.close()


def test_stream_of_one_case_and_of_another_accounts_case(alice, bob, staff):
    mine = open_case(alice)
    assert_problem(alice.get(f"/stream?case={open_case(bob).number}"), 404, "not-found")
    assert_problem(alice.get("/stream?case=CS99999999999"), 404, "not-found")
    s = Stream(alice, f"?case={mine.number}")
    try:
        other = open_case(alice)
        assert_json(staff.post(f"/cases/{other.number}/comments", json={"body": "x"}), 201)
        assert_json(staff.post(f"/cases/{mine.number}/accept"))
        s.next_case(mine.number, lambda row: row["state"] == "OPEN")
        assert all(json.loads(x["data"])["number"] == mine.number for x in s.seen), s.seen
    finally:
        s.close()


def test_stream_resumes_from_last_event_id(alice, staff):
    case = open_case(alice)
    s = Stream(alice, f"?case={case.number}")
    assert_json(staff.post(f"/cases/{case.number}/comments", json={"body": "one"}), 201)
    first = s.next_case(case.number, lambda row: row["comment_count"] == 1)
    s.close()
    # Missed while disconnected: delivered on reconnect from the last id.
    assert_json(staff.post(f"/cases/{case.number}/accept"))
    time.sleep(1)
    again = Stream(alice, f"?case={case.number}", headers={"Last-Event-ID": first["id"]})
    try:
        e = again.next_case(case.number, lambda row: row["state"] == "OPEN")
        assert int(e["id"]) >= int(first["id"])
    finally:
        again.close()


def test_stream_refuses_bad_requests(alice, anon):
    assert_problem(anon.get("/stream"), 401, "unauthenticated")
    assert_problem(alice.get("/stream", headers={"Last-Event-ID": "yesterday"}), 400,
                   "bad-request")


def test_stream_count_per_user_is_capped_and_freed_on_close(world):
    user = world.new_customer()
    streams = [Stream(user) for _ in range(8)]
    try:
        assert all(s.status_code == 200 for s in streams), [s.status_code for s in streams]
        assert_problem(user.get("/stream"), 429, "too-many-requests")
        streams.pop().close()
        deadline = time.monotonic() + 5
        while True:
            s = Stream(user)
            if s.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert s.status_code == 200, "a closed stream's place was not given back"
        streams.append(s)
    finally:
        for s in streams:
            s.close()


def test_stream_ends_when_the_session_ends(world):
    user = world.new_customer()
    s = Stream(user)
    assert s.status_code == 200
    assert user.post("/auth/logout").status_code == 204
    assert s.ended.wait(15), "the stream outlived its session"


# ----------------------------------------------------- names, filters, export

def test_rows_carry_the_account_name(alice, staff):
    case = open_case(alice)
    got = assert_json(alice.get(case.path, headers=after(case.position)))
    assert got["account_name"] == "Alpha Networks"
    rows = assert_json(staff.get("/cases?page[size]=5", headers=after(case.position)))["data"]
    assert rows and all("account_name" in r for r in rows), rows


def test_filters_take_several_values(staff, accounts):
    a1, a2 = accounts["1"]["id"], accounts["2"]["id"]
    word = unique_word()
    c1 = open_case(staff, a1, subject="multi " + word)
    c2 = open_case(staff, a2, subject="multi " + word, case_type="account-billing",
                   category="payment")
    h = after(c2.position)
    both = assert_json(staff.get(f"/cases?account_id={a1},{a2}&page[size]=100", headers=h))["data"]
    numbers = {r["number"] for r in both}
    assert {c1.number, c2.number} <= numbers
    assert {r["account_id"] for r in both} <= {a1, a2}
    only = assert_json(staff.get(f"/cases?account_id={a2}&case_type=account-billing,add-service"
                                 "&page[size]=100", headers=h))["data"]
    assert c2.number in {r["number"] for r in only} and c1.number not in {r["number"] for r in only}
    assert all(r["case_type"] in ("account-billing", "add-service") for r in only)
    cats = assert_json(staff.get("/cases?category=payment,internet&page[size]=100",
                                 headers=h))["data"]
    assert {c1.number, c2.number} <= {r["number"] for r in cats}
    assert_problem(staff.get("/cases?case_type=a,,b"), 400, "validation")


def test_customer_filter_on_another_account_finds_nothing(alice, accounts):
    rows = assert_json(alice.get(f"/cases?account_id={accounts['2']['id']}"))["data"]
    assert rows == []
    rows = assert_json(alice.get(f"/cases?account_id={accounts['2']['id']},{alice.account_id}"
                                 "&page[size]=100"))["data"]
    assert rows and all(r["account_id"] == alice.account_id for r in rows)


def test_export_names_accounts_types_and_categories(alice):
    case = open_case(alice, case_type="account-billing", category="bill-inquiry")
    r = alice.get("/cases/export.csv?case_type=account-billing", headers=after(case.position))
    assert r.status_code == 200, describe(r)
    rows = list(csv.DictReader(io.StringIO(r.text)))
    mine = [x for x in rows if x["Number"] == case.number]
    assert mine, rows[:3]
    assert mine[0]["Account"] == "Alpha Networks"
    assert mine[0]["Case Type"] == "Account & Billing Support"
    assert mine[0]["Category"] == "Bill Inquiry"
    assert all(x["Case Type"] == "Account & Billing Support" for x in rows)


# ------------------------------------------------- status, portal, feedback

def test_portal_configuration_is_public(anon):
    got = assert_json(anon.get("/portal"))
    assert got == json.loads(PORTAL_CONFIG.read_text())
    assert {"guide", "provider", "terms", "speed-test"} <= {link["id"] for link in got["links"]}


def test_system_status_lists_the_configured_services(alice, staff):
    configured = json.loads(STATUS_SERVICES.read_text())
    r = staff.put("/system-status/connectivity",
                  json={"status": "DEGRADED", "message": "Fibre cut " + unique_word()})
    posted = assert_json(r)
    assert posted["name"] == "Connectivity" and posted["status"] == "DEGRADED"
    data = assert_json(alice.get("/system-status", headers=after(r)))["data"]
    assert [d["service"] for d in data[:len(configured)]] == [c["id"] for c in configured]
    assert [d["name"] for d in data[:len(configured)]] == [c["name"] for c in configured]
    by_id = {d["service"]: d for d in data}
    assert by_id["connectivity"]["message"] == posted["message"]
    assert by_id["microsoft-365"]["status"] in ("OPERATIONAL", "DEGRADED", "OUTAGE", "MAINTENANCE")
    back = assert_json(staff.put("/system-status/connectivity", json={"status": "OPERATIONAL"}))
    assert back["status"] == "OPERATIONAL"


def test_staff_read_feedback_newest_first(alice, bob, staff):
    text = "Love the portal " + unique_word()
    assert_json(alice.post("/feedback", json={"message": text + " 1", "rating": 4,
                                              "page": "/support"}), 201)
    r = bob.post("/feedback", json={"message": text + " 2"})
    assert_json(r, 201)
    page = assert_json(staff.get("/feedback?page[size]=2", headers=after(r)))
    first, second = page["data"]
    assert first["message"] == text + " 2" and first["rating"] is None
    assert first["user_id"] == bob.id and first["user_name"] == "Bob Customer"
    assert second["message"] == text + " 1" and second["rating"] == 4
    assert second["page"] == "/support" and second["user_name"] == "Alice Customer"
    assert page["meta"]["has_more"] in (True, False)
    if page["meta"]["has_more"]:
        more = assert_json(staff.get(page["links"]["next"].removeprefix("/api/v1")))
        assert all(m["id"] not in (first["id"], second["id"]) for m in more["data"])
    assert_problem(alice.get("/feedback"), 403, "forbidden")
    assert_problem(staff.get("/feedback?page[after]=zz"), 400, "validation")


def test_staff_find_accounts_by_name_or_number(staff, alice, world):
    acct = world.new_customer().account
    word = acct["name"].split()[-1]  # "Fresh Co <hex>"
    found = assert_json(staff.get(f"/accounts?q={word}"))["data"]
    assert [a["id"] for a in found] == [acct["id"]], found
    assert found[0]["name"] == acct["name"]
    by_number = assert_json(staff.get(f"/accounts?q={acct['account_number'].lower()}"))["data"]
    assert acct["id"] in [a["id"] for a in by_number]
    page = assert_json(staff.get("/accounts?page[size]=1"))
    assert len(page["data"]) == 1 and page["meta"]["has_more"] is True
    nxt = assert_json(staff.get(page["links"]["next"].removeprefix("/api/v1")))
    assert nxt["data"][0]["id"] > page["data"][0]["id"]
    assert_problem(alice.get("/accounts"), 403, "forbidden")


# ------------------------------------------------------------- the files

@pytest.fixture(scope="module")
def portal(request, tmp_path_factory, smtp):
    root = tmp_path_factory.mktemp("web")
    (root / "assets").mkdir()
    (root / "index.html").write_text(
        '<!doctype html><html><head><script type="module" src="/assets/app-0a1b2c3d.js">'
        "</script></head><body><div id=root></div></body></html>")
    script = b"console.log('portal');" * 50
    (root / "assets" / "app-0a1b2c3d.js").write_bytes(script)
    (root / "assets" / "app-0a1b2c3d.js.gz").write_bytes(gzip.compress(script))
    (root / ".secret").write_text("not for anyone")
    (root / "branding").mkdir()
    (root / "branding" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    config = dict(MAIN_CONFIG, **{"web-root": str(root), "smtp-port": smtp.port})
    server = _start("portal", config, request, maildir=smtp.maildir)
    server.wait_directory_ready()
    return server


def get(server, path, **headers):
    return requests.get(server.root + path, headers=headers, timeout=30, allow_redirects=False)


def test_portal_pages_get_index_html_with_a_strict_policy(portal):
    for path in ("/", "/support", "/cases/CS00000000042", "/sign-in/help"):
        r = get(portal, path)
        assert r.status_code == 200, (path, describe(r))
        assert r.headers["Content-Type"].startswith("text/html")
        assert "app-0a1b2c3d.js" in r.text
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Cache-Control"] == "no-cache"


def test_hashed_assets_are_cached_and_compressed(portal):
    r = get(portal, "/assets/app-0a1b2c3d.js", **{"Accept-Encoding": "gzip"})
    assert r.status_code == 200, describe(r)
    assert r.headers["Content-Type"].startswith("text/javascript")
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert r.headers.get("Content-Encoding") == "gzip"
    assert r.content == b"console.log('portal');" * 50  # requests decompressed it
    plain = get(portal, "/assets/app-0a1b2c3d.js", **{"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.content == r.content
    logo = get(portal, "/branding/logo.svg")
    assert logo.status_code == 200 and logo.headers["Content-Type"] == "image/svg+xml"


def test_missing_and_hidden_files_are_not_found(portal):
    for path in ("/assets/gone-12345678.js", "/.secret", "/assets/../.secret", "/%2e%2e/etc/passwd",
                 "/favicon.ico"):
        r = get(portal, path)
        assert r.status_code == 404, (path, describe(r))
        assert "not for anyone" not in r.text
    r = requests.post(portal.root + "/support", timeout=30)
    assert r.status_code == 405 and r.headers["Allow"] == "GET"


def test_the_api_is_not_shadowed_by_the_portal(portal):
    r = get(portal, "/api/v1/no-such-route")
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert get(portal, "/api/v1/healthz").json() == {"status": "ok"}
    assert get(portal, "/api/v1/portal").json()["product_name"]
