"""Every route of docs/api.md: the happy path and each documented error,
with the headers clients rely on (Location, ETag, Docket-Position,
Content-Disposition, X-Content-Type-Options, Set-Cookie, WWW-Authenticate,
Allow, Retry-After) and the bodies."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urljoin

import pytest

from conftest import (CATALOG, MAIN_CONFIG, QUICK_LINKS, USER_PASSWORD, create_account,
                      create_user, login, activate)
from docket_api import (API_PREFIX, CASE_NUMBER_RE, CASE_POSITION_RE, MISSING_CASE, STATES,
                        Client, after, assert_case_write, assert_json, assert_problem,
                        build_request, describe, find_secret_members, multipart,
                        normalize_problem, open_case, position, raw_request,
                        assert_raw_problem, unique_word, upload)

# Rules the aggregate checks on content (InvalidArgument) may be mapped to
# 400 validation or 422 unprocessable; docs/api.md names 422 only for the
# catalog and passwords.
CONTENT_RULE = ((400, 422), ("validation", "unprocessable"))


def set_cookies(resp) -> list[str]:
    return list(resp.raw.headers.getlist("Set-Cookie"))


def parse_cookie(header: str) -> tuple[str, str, dict]:
    parts = [p.strip() for p in header.split(";")]
    name, _, value = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip()
    return name.strip(), value.strip(), attrs


def session_cookie(resp) -> tuple[str, dict]:
    for h in set_cookies(resp):
        name, value, attrs = parse_cookie(h)
        if name == "docket_session":
            return value, attrs
    raise AssertionError(f"no docket_session cookie in {set_cookies(resp)}: {describe(resp)}")


def follow(client: Client, link: str, **kw):
    """GET a links.next value, relative or absolute."""
    if link.startswith("http://") or link.startswith("https://"):
        return client.get(link, **kw)
    if link.startswith("/"):
        root = client.base[: -len(API_PREFIX)]
        return client.get(root + link if link.startswith(API_PREFIX) else client.base + link, **kw)
    return client.get(urljoin(client.base + "/cases", link), **kw)


def page(resp) -> tuple[list, dict, dict]:
    body = assert_json(resp, 200)
    assert isinstance(body.get("data"), list), describe(resp)
    assert isinstance(body.get("meta"), dict) and isinstance(body["meta"].get("has_more"), bool), \
        describe(resp)
    assert isinstance(body.get("links"), dict) and "next" in body["links"], describe(resp)
    if body["meta"]["has_more"]:
        assert body["meta"].get("after_cursor"), describe(resp)
        assert isinstance(body["links"]["next"], str) and body["links"]["next"], describe(resp)
    else:
        assert body["links"]["next"] is None, describe(resp)
    return body["data"], body["meta"], body["links"]


def numbers(rows) -> list[str]:
    return [r["number"] for r in rows]


# ------------------------------------------------------------ probes, metrics


def test_healthz_and_readyz_with_and_without_prefix(world):
    c = Client(world.server.root)
    for prefix in ("", API_PREFIX):
        h = assert_json(c.get(prefix + "/healthz"), 200)
        assert h == {"status": "ok"} or h.get("status") == "ok", h
        r = c.get(prefix + "/readyz")
        body = assert_json(r, 200)
        assert "status" in body, describe(r)


def metric_sum(text: str, name: str) -> float:
    total, seen = 0.0, False
    for line in text.splitlines():
        m = re.match(rf"^{name}(\{{[^}}]*\}})? ([-+0-9.eE]+|NaN|[+-]Inf)( \d+)?$", line)
        if m:
            seen = True
            total += float(m.group(2))
    assert seen, f"{name} not in the metrics"
    return total


def test_metrics_are_prometheus_text_and_count_requests(world, alice):
    c = Client(world.server.root)
    r = c.get("/metrics")
    assert r.status_code == 200, describe(r)
    assert r.headers.get("Content-Type", "").startswith(("text/plain", "application/openmetrics-text")), \
        describe(r)
    for line in r.text.splitlines():
        if line and not line.startswith("#"):
            assert re.match(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? \S+( \d+)?$", line), line
    assert "docket_http_requests_total" in r.text
    assert "docket_projection_lag_events" in r.text
    # Command records no decider could read (docketctl commands parked):
    # none in this suite.
    assert re.search(r"^docket_commands_parked_total 0$", r.text, re.M), r.text[-2000:]
    before = metric_sum(r.text, "docket_http_requests_total")
    for _ in range(5):
        assert alice.get("/me").status_code == 200
    deadline = time.monotonic() + 5  # counted as the answers go out: poll, bounded
    while True:
        r2 = Client(world.api).get("/metrics")  # also served under the prefix
        assert r2.status_code == 200, describe(r2)
        if metric_sum(r2.text, "docket_http_requests_total") >= before + 5:
            break
        assert time.monotonic() < deadline, "docket_http_requests_total did not count 5 requests"
        time.sleep(0.05)


def test_every_answer_carries_a_request_id_and_echoes_a_sane_one(alice, anon):
    for resp in (alice.get("/me"), alice.get("/cases/" + MISSING_CASE), anon.get("/me")):
        assert resp.headers.get("X-Request-Id"), describe(resp)
    rid = "test-" + secrets.token_hex(8)
    r = alice.get("/me", headers={"X-Request-Id": rid})
    assert r.headers.get("X-Request-Id") == rid, describe(r)
    r = alice.get("/cases/" + MISSING_CASE, headers={"X-Request-Id": rid + "-2"})
    assert r.headers.get("X-Request-Id") == rid + "-2", describe(r)


def test_unknown_route_is_a_404_problem(alice):
    assert_problem(alice.get("/no-such-route"), 404, "not-found")
    assert_problem(alice.get(world_root(alice) + "/no-such-route"), 404, "not-found")


def world_root(client: Client) -> str:
    return client.base[: -len(API_PREFIX)]


def test_known_path_with_another_method_is_405_with_allow(alice, staff):
    oc = open_case(alice)
    for client, method, path, allowed in [
        (alice, "DELETE", "/cases", {"GET", "POST"}),
        (alice, "PUT", f"/cases/{oc.number}", {"GET"}),
        (alice, "GET", "/auth/login", {"POST"}),
        (staff, "DELETE", "/system-status", {"GET"}),
    ]:
        r = client.request(method, path)
        assert_problem(r, 405, "method-not-allowed")
        allow = {m.strip().upper() for m in r.headers.get("Allow", "").split(",") if m.strip()}
        assert allowed <= allow, f"Allow {r.headers.get('Allow')!r}: {describe(r)}"
        assert method not in allow, describe(r)


# --------------------------------------------------------------------- auth


def test_login_answers_token_user_and_a_strict_http_only_cookie(world, anon):
    r = anon.post("/auth/login", json={"email": "alice@example.com", "password": USER_PASSWORD})
    body = assert_json(r, 200)
    assert isinstance(body.get("token"), str) and len(body["token"]) >= 20, describe(r)
    assert isinstance(body.get("expires_at"), str) and body["expires_at"], describe(r)
    assert body["user"]["email"] == "alice@example.com"
    assert body["user"]["role"] == "customer"
    assert find_secret_members(body) == [], describe(r)
    value, attrs = session_cookie(r)
    assert value, set_cookies(r)
    assert "httponly" in attrs, set_cookies(r)
    assert attrs.get("samesite", "").lower() == "strict", set_cookies(r)
    assert attrs.get("path") == "/", set_cookies(r)
    # The token works at once.
    assert Client(world.api, body["token"]).get("/me").status_code == 200


def test_login_wrong_password_and_unknown_email_answer_the_same(anon):
    wrong = anon.post("/auth/login", json={"email": "alice@example.com",
                                           "password": "not-her-password-123"})
    unknown = anon.post("/auth/login", json={"email": "nobody-" + secrets.token_hex(4)
                                             + "@example.com", "password": "not-her-password-123"})
    b1 = assert_problem(wrong, 401, "invalid-credentials")
    b2 = assert_problem(unknown, 401, "invalid-credentials")
    assert normalize_problem(b1, {}) == normalize_problem(b2, {})
    assert "docket_session" not in " ".join(set_cookies(wrong) + set_cookies(unknown))


def test_login_without_password_is_a_validation_problem(anon):
    body = assert_problem(anon.post("/auth/login", json={"email": "alice@example.com"}),
                          400, "validation")
    assert any(e.get("field") == "password" for e in body.get("errors", [])), body


def test_logout_revokes_the_session_and_clears_the_cookie(world, alice):
    c = login(world.server, "alice@example.com", USER_PASSWORD, name="alice-2")
    assert c.get("/me").status_code == 200
    r = c.post("/auth/logout")
    assert r.status_code == 204, describe(r)
    value, attrs = session_cookie(r)
    cleared = value == "" or attrs.get("max-age") == "0" or "expires" in attrs
    assert cleared, set_cookies(r)
    after_logout = c.get("/me")
    assert_problem(after_logout, 401, "unauthenticated")
    assert after_logout.headers.get("WWW-Authenticate", "").startswith("Bearer"), describe(after_logout)
    assert_problem(c.post("/auth/logout"), 401, "unauthenticated")
    # Only that session: alice's other session still works.
    assert alice.get("/me").status_code == 200


def test_the_session_cookie_authenticates_without_a_bearer_token(world, anon):
    r = anon.post("/auth/login", json={"email": "bob@example.com", "password": USER_PASSWORD})
    token = assert_json(r, 200)["token"]
    value, _ = session_cookie(r)
    me = anon.get("/me", headers={"Cookie": f"docket_session={value}"})
    assert assert_json(me, 200)["email"] == "bob@example.com"
    assert Client(world.api, token).post("/auth/logout").status_code == 204
    assert_problem(anon.get("/me", headers={"Cookie": f"docket_session={value}"}),
                   401, "unauthenticated")
    assert_problem(anon.get("/me", headers={"Cookie": "docket_session=forged" + value[:8]}),
                   401, "unauthenticated")


@pytest.mark.parametrize("method,path,body", [
    ("GET", "/me", None),
    ("POST", "/auth/logout", None),
    ("GET", "/catalog", None),
    ("GET", "/cases", None),
    ("POST", "/cases", {"account_id": "x", "case_type": "technical-support", "category": "internet",
                        "subject": "s", "description": "d"}),
    ("GET", "/cases/export.csv", None),
    ("GET", f"/cases/{MISSING_CASE}", None),
    ("GET", f"/cases/{MISSING_CASE}/activity", None),
    ("POST", f"/cases/{MISSING_CASE}/comments", {"body": "x"}),
    ("POST", f"/cases/{MISSING_CASE}/cancel", {}),
    ("GET", f"/cases/{MISSING_CASE}/attachments", None),
    ("GET", f"/cases/{MISSING_CASE}/watchers", None),
    ("GET", "/search?q=router", None),
    ("GET", "/overview", None),
    ("GET", "/commands/some-command", None),
    ("GET", "/system-status", None),
    ("PUT", "/system-status/internet", {"status": "OUTAGE"}),
    ("GET", "/quick-links", None),
    ("POST", "/feedback", {"message": "hi"}),
    ("GET", "/feedback", None),
    ("GET", "/stream", None),
    ("POST", "/accounts", {"account_number": "ACC-9", "name": "n"}),
    ("GET", "/accounts/some-account", None),
    ("GET", "/accounts", None),
    ("POST", "/users", {"email": "x@example.com", "name": "n", "role": "customer"}),
    ("GET", "/users", None),
    ("GET", "/users/some-user", None),
    ("PATCH", "/users/some-user", {"name": "n"}),
    ("PATCH", "/me", {"name": "n"}),
    ("PUT", "/me/challenge", {"question_id": "first_pet", "answer": "a", "current_password": "p"}),
    ("GET", "/access-requests", None),
    ("POST", "/access-requests/req_0123456789abcdef0123/approve", {}),
])
@pytest.mark.parametrize("auth", [None, "Bearer not-a-session-token", "Basic YWxpY2U6cHc="])
def test_without_a_valid_session_routes_answer_401_with_www_authenticate(anon, method, path,
                                                                         body, auth):
    r = anon.request(method, path, json=body, headers={"Authorization": auth})
    assert_problem(r, 401, "unauthenticated")
    assert r.headers.get("WWW-Authenticate", "").split(" ")[0] == "Bearer", describe(r)


# ---------------------------------------------------------- me, accounts, users


def test_me_lists_the_users_accounts_and_no_secrets(alice, bob, staff, admin, accounts):
    me = assert_json(alice.get("/me"), 200)
    assert me["email"] == "alice@example.com" and me["role"] == "customer"
    assert [{k: a.get(k) for k in ("id", "name", "account_number")} for a in me["accounts"]] == \
        [{"id": accounts["1"]["id"], "name": "Alpha Networks", "account_number": "ACC-1001"}]
    assert find_secret_members(me) == []
    assert [a["account_number"] for a in assert_json(bob.get("/me"))["accounts"]] == ["ACC-2002"]
    assert assert_json(staff.get("/me"))["role"] == "staff"
    assert assert_json(admin.get("/me"))["role"] == "admin"


def test_accounts_create_read_and_conflicts(staff, alice, bob, accounts):
    number = "ACC-" + secrets.token_hex(4).upper()
    r = staff.post("/accounts", json={"account_number": number, "name": "Charlie Telecom",
                                      "service_addresses": ["1 Main St, Springfield"]})
    acct = assert_json(r, 201)
    assert acct["account_number"] == number and acct["name"] == "Charlie Telecom"
    assert "1 Main St, Springfield" in acct["service_addresses"]
    assert r.headers.get("Location", "").endswith(f"{API_PREFIX}/accounts/{acct['id']}"), describe(r)
    assert re.match(r"^identity:\d+:\d+$", position(r)), describe(r)
    got = assert_json(staff.get(f"/accounts/{acct['id']}", headers=after(r)), 200)
    assert got["id"] == acct["id"] and got["account_number"] == number

    assert_problem(staff.post("/accounts", json={"account_number": number, "name": "Again"}),
                   409, "conflict", rule="account.exists")
    assert_problem(alice.post("/accounts", json={"account_number": "ACC-X" + secrets.token_hex(3),
                                                 "name": "Mine"}), 403, "forbidden")

    # Members read their account; others get the answer of a missing one.
    a1 = accounts["1"]["id"]
    assert assert_json(alice.get(f"/accounts/{a1}"))["account_number"] == "ACC-1001"
    foreign = assert_problem(bob.get(f"/accounts/{a1}"), 404, "not-found")
    missing_id = "missing-" + secrets.token_hex(6)
    missing = assert_problem(staff.get(f"/accounts/{missing_id}"), 404, "not-found")
    assert normalize_problem(foreign, {a1: "<id>"}) == \
        normalize_problem(assert_problem(bob.get(f"/accounts/{missing_id}"), 404, "not-found"),
                          {missing_id: "<id>"})
    assert missing


def test_service_addresses(staff, alice, accounts):
    acct = create_account(staff, "ACC-" + secrets.token_hex(4).upper(), "Delta Foods")
    r = staff.post(f"/accounts/{acct['id']}/service-addresses", json={"address": "2 Side Rd"})
    got = assert_json(r, 201)
    assert got["id"] == acct["id"] and "2 Side Rd" in got["service_addresses"]
    assert_problem(staff.post(f"/accounts/{acct['id']}/service-addresses",
                              json={"address": "2 Side Rd"}),
                   409, "conflict", rule="account.address_exists")
    assert_problem(alice.post(f"/accounts/{accounts['1']['id']}/service-addresses",
                              json={"address": "3 Elm St"}), 403, "forbidden")
    assert_problem(staff.post(f"/accounts/missing-{secrets.token_hex(5)}/service-addresses",
                              json={"address": "3 Elm St"}), 404, "not-found")


def test_users_create_read_and_rules(world, staff, admin, alice, accounts):
    email = f"erin-{secrets.token_hex(4)}@example.com"
    r = staff.post("/users", json={"email": email, "name": "Erin", "role": "customer",
                                   "account_ids": [accounts["1"]["id"]]})
    user = assert_json(r, 201)
    assert user["pending_activation"] is True
    assert user["email"] == email and user["role"] == "customer" and user.get("id")
    assert find_secret_members(user) == [] and "$argon2" not in r.text
    assert r.headers.get("Location", "").endswith(f"{API_PREFIX}/users/{user['id']}"), describe(r)
    assert re.match(r"^identity:\d+:\d+$", position(r)), describe(r)
    got = assert_json(staff.get(f"/users/{user['id']}", headers=after(r)))
    assert got["email"] == email and find_secret_members(got) == []

    activate(world.server, email)  # the invitation's link, from the mail
    erin = login(world.server, email, USER_PASSWORD, min_position=position(r), name="erin")
    assert assert_json(erin.get(f"/users/{user['id']}"))["email"] == email
    # Another customer (even of the same account) does not read her.
    other = assert_problem(alice.get(f"/users/{user['id']}"), 404, "not-found")
    ghost = f"missing-{secrets.token_hex(6)}"
    assert normalize_problem(other, {user["id"]: "<id>"}) == \
        normalize_problem(assert_problem(alice.get(f"/users/{ghost}"), 404, "not-found"),
                          {ghost: "<id>"})

    assert_problem(staff.post("/users", json={"email": email, "name": "Erin 2", "role": "customer",
                                              "account_ids": [accounts["1"]["id"]]}),
                   409, "conflict", rule="user.email_taken")
    # Staff never choose a password: the field is not taken.
    assert_problem(staff.post("/users", json={"email": f"pw-{secrets.token_hex(3)}@example.com",
                                              "name": "Pw", "role": "customer",
                                              "account_ids": [accounts["1"]["id"]],
                                              "password": USER_PASSWORD}),
                   400, "validation")
    assert_problem(staff.post("/users", json={"email": f"lost-{secrets.token_hex(3)}@example.com",
                                              "name": "Lost", "role": "customer",
                                              "account_ids": ["missing-" + secrets.token_hex(5)]}),
                   422, "unprocessable", rule="user.unknown_account")
    # Staff and admins are created by admins only.
    assert_problem(staff.post("/users", json={"email": f"s-{secrets.token_hex(3)}@example.com",
                                              "name": "New Staff", "role": "staff"}),
                   403, "forbidden")
    assert_json(admin.post("/users", json={"email": f"s-{secrets.token_hex(3)}@example.com",
                                           "name": "New Staff", "role": "staff"}), 201)
    assert_problem(alice.post("/users", json={"email": f"c-{secrets.token_hex(3)}@example.com",
                                              "name": "Friend", "role": "customer",
                                              "account_ids": [accounts["1"]["id"]]}),
                   403, "forbidden")
    assert_problem(staff.get(f"/users/{ghost}"), 404, "not-found")


# ------------------------------------------------------------------ catalog


def test_catalog_is_the_configured_catalog(alice):
    got = assert_json(alice.get("/catalog"))
    want = json.loads(CATALOG.read_text())
    assert got["version"] == want["version"]

    def shape(cat):
        return [{"id": t["id"], "name": t["name"],
                 "categories": [{"id": c["id"], "name": c["name"],
                                 "fields": [{"key": f["key"], "label": f["label"],
                                             "required": f["required"]} for f in c["fields"]]}
                                for c in t["categories"]]} for t in cat["request_types"]]

    assert shape(got) == shape(want)


# -------------------------------------------------------------------- cases


def test_open_case_answers_the_case_with_location_etag_and_position(alice, accounts):
    oc = open_case(alice, accounts["1"]["id"], subject="Router reboots every hour",
                   description="It started after the firmware update.",
                   service_address="1 Main St, Springfield")
    b = oc.body
    assert CASE_NUMBER_RE.match(oc.number)
    assert b["version"] == 1 and oc.etag == '"1"'
    assert (b["case_type"], b["category"]) == ("technical-support", "internet")
    assert b["subject"] == "Router reboots every hour"
    assert b["description"] == "It started after the firmware update."
    assert b["service_address"] == "1 Main St, Springfield"
    assert b["resolved_at"] is None
    r = alice.get(oc.resp.headers["Location"] if oc.resp.headers["Location"].startswith("http")
                  else world_root(alice) + oc.resp.headers["Location"], headers=after(oc.position))
    got = assert_json(r, 200)
    assert r.headers.get("ETag") == '"1"', describe(r)
    assert got["number"] == oc.number and got["state"] == "NEW"
    assert got["account_id"] == accounts["1"]["id"]


def test_open_case_catalog_rules_are_422(alice, accounts):
    a1 = accounts["1"]["id"]
    assert_problem(alice.post("/cases", json={"account_id": a1, "case_type": "time-travel",
                                              "category": "internet", "subject": "s",
                                              "description": "d"}),
                   422, "unprocessable", rule="case.catalog")
    assert_problem(alice.post("/cases", json={"account_id": a1, "case_type": "technical-support",
                                              "category": "payment", "subject": "s",
                                              "description": "d"}),
                   422, "unprocessable", rule="case.catalog")
    body = assert_problem(alice.post("/cases", json={"account_id": a1,
                                                     "case_type": "technical-support",
                                                     "category": "backups", "subject": "s",
                                                     "description": "d"}),
                          422, "unprocessable", rule="case.catalog")
    assert any("server_name" in e.get("field", "") for e in body.get("errors", [])), body
    oc = open_case(alice, a1, category="backups", fields={"server_name": "srv-01"})
    assert oc.body["fields"] == {"server_name": "srv-01"}
    assert_problem(alice.post("/cases", json={"account_id": a1, "case_type": "technical-support",
                                              "category": "internet", "subject": "s",
                                              "description": "d",
                                              "fields": {"no_such_field": "x"}}),
                   422, "unprocessable", rule="case.catalog")


def test_open_case_for_another_account_is_404(alice, staff, accounts):
    b = assert_problem(alice.post("/cases", json={"account_id": accounts["2"]["id"],
                                                  "case_type": "technical-support",
                                                  "category": "internet", "subject": "s",
                                                  "description": "d"}), 404, "not-found")
    assert "account" not in b.get("rule", "")
    # Staff open cases for any account.
    assert open_case(staff, accounts["2"]["id"]).body["account_id"] == accounts["2"]["id"]


@pytest.mark.parametrize("number", [MISSING_CASE, "CS123", "cs00000000001", "nonsense"])
def test_unknown_and_malformed_case_numbers_are_the_same_404(alice, number):
    body = assert_problem(alice.get(f"/cases/{number}"), 404, "not-found")
    assert number in body["detail"] and "not found" in body["detail"], body
    ref = assert_problem(alice.get(f"/cases/{MISSING_CASE}"), 404, "not-found")
    assert normalize_problem(body, {number: "<n>"}) == normalize_problem(ref, {MISSING_CASE: "<n>"})


def test_lists_filter_sort_and_page(world, staff):
    c = world.new_customer()
    a = open_case(c, subject="first " + unique_word())
    b = open_case(c, category="email", subject="second " + unique_word())
    x = open_case(c, case_type="account-billing", category="payment", subject="third")
    cancel = c.post(f"/cases/{x.number}/cancel", json={"reason": "sorted out"})
    assert assert_case_write(cancel)["state"] == "CANCELLED"
    touch = c.post(f"/cases/{a.number}/comments", json={"body": "still broken"})
    last = position(touch)
    assert_case_write(touch, 201)

    def ls(query="", client=c):
        return page(client.get("/cases" + query, headers=after(last)))

    rows, meta, links = ls()
    assert numbers(rows) == [a.number, x.number, b.number]  # last updated first
    assert meta["has_more"] is False
    if "total" in meta:
        assert meta["total"] == 3
    assert numbers(ls("?sort=updated")[0]) == [a.number, x.number, b.number]
    assert numbers(ls("?sort=opened")[0]) == [x.number, b.number, a.number]
    assert numbers(ls("?state=NEW")[0]) == [a.number, b.number]
    assert numbers(ls("?state=CANCELLED")[0]) == [x.number]
    assert numbers(ls("?state=OPEN,CANCELLED")[0]) == [x.number]
    assert numbers(ls("?state=NEW,CANCELLED")[0]) == [a.number, x.number, b.number]
    assert numbers(ls("?case_type=account-billing")[0]) == [x.number]
    assert numbers(ls("?category=email")[0]) == [b.number]
    assert numbers(ls(f"?account_id={c.account_id}")[0]) == [a.number, x.number, b.number]
    for row in rows:
        assert row["account_id"] == c.account_id and row["state"] in STATES

    # Pages of one, by links.next and by page[after].
    seen, link = [], None
    r = c.get("/cases?page[size]=1", headers=after(last))
    for _ in range(5):
        data, meta, links = page(r)
        assert len(data) == 1
        seen += numbers(data)
        if not meta["has_more"]:
            break
        r2 = c.get(f"/cases?page[size]=1&page[after]={quote(meta['after_cursor'], safe='')}")
        r = follow(c, links["next"])
        assert numbers(page(r2)[0]) == numbers(page(r)[0])
    assert seen == [a.number, x.number, b.number]

    # Staff see every account, and filter by one.
    staff_rows = ls(f"?account_id={c.account_id}&page[size]=100", client=staff)[0]
    assert numbers(staff_rows) == [a.number, x.number, b.number]


def test_export_csv(world):
    c = world.new_customer()
    word = unique_word()
    oc = open_case(c, subject=f"=SUM(A1:A2) {word}", service_address='1 Main St, "Unit 2"')
    r = c.get("/cases/export.csv", headers=after(oc.position))
    assert r.status_code == 200, describe(r)
    assert r.headers.get("Content-Type", "").split(";")[0].strip() == "text/csv", describe(r)
    assert r.headers.get("Content-Disposition") == 'attachment; filename="cases.csv"', describe(r)
    # Streamed as it is read (before: written whole to disk, then sent).
    assert r.headers.get("Transfer-Encoding") == "chunked", describe(r)
    assert "Content-Length" not in r.headers, describe(r)
    assert not list((world.server.data_dir).rglob("export-*.csv"))
    text = r.content.decode("utf-8")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["Number", "State", "Account", "Service Address", "Case Type", "Category",
                       "Subject", "Opened", "Opened By", "Last Updated", "Resolved"]
    assert len(rows) == 2, rows
    row = rows[1]
    # Names, not ids (the account's, and the catalog's).
    assert row[0] == oc.number and row[1] == "NEW" and row[2] == c.account["name"]
    assert row[3] == '1 Main St, "Unit 2"'
    assert (row[4], row[5]) == ("Technical Support", "Internet")
    assert row[6] == f"'=SUM(A1:A2) {word}"  # never a formula in a spreadsheet
    empty = c.get("/cases/export.csv?state=CANCELLED", headers=after(oc.position))
    assert empty.status_code == 200
    assert len(list(csv.reader(io.StringIO(empty.content.decode("utf-8"), newline="")))) == 1


def test_activity_shows_comments_and_hides_internal_notes_from_customers(alice, staff):
    oc = open_case(alice)
    secret = unique_word("note")
    assert_case_write(alice.post(f"/cases/{oc.number}/comments", json={"body": "hello from alice"}),
                      201)
    assert_case_write(staff.post(f"/cases/{oc.number}/notes", json={"body": f"internal {secret}"}),
                      201)
    last = staff.post(f"/cases/{oc.number}/comments", json={"body": "hello from staff"})
    assert_case_write(last, 201)

    items, meta, _ = page(alice.get(f"/cases/{oc.number}/activity", headers=after(last)))
    bodies = [i.get("body") for i in items if i.get("type") == "comment"]
    assert bodies == ["hello from alice", "hello from staff"], items
    assert secret not in json.dumps(items)
    assert all(i.get("type") != "internal_note" for i in items)
    staff_items, _, _ = page(staff.get(f"/cases/{oc.number}/activity", headers=after(last)))
    assert any(i.get("type") == "internal_note" and secret in i.get("body", "")
               for i in staff_items), staff_items
    one, meta, links = page(alice.get(f"/cases/{oc.number}/activity?page[size]=1"))
    assert len(one) == 1 and meta["has_more"] is True
    two, _, _ = page(follow(alice, links["next"]))
    assert two and two[0] != one[0]
    case = assert_json(alice.get(f"/cases/{oc.number}"))
    assert case["comment_count"] == 2


def test_notes_are_for_staff_and_comments_need_a_body(alice, staff):
    oc = open_case(alice)
    assert_problem(alice.post(f"/cases/{oc.number}/notes", json={"body": "sneaky"}), 403, "forbidden")
    assert_problem(alice.post(f"/cases/{oc.number}/comments", json={"body": ""}), *CONTENT_RULE)
    assert_problem(staff.post(f"/cases/{oc.number}/notes", json={"body": ""}), *CONTENT_RULE)
    assert_problem(alice.post(f"/cases/{oc.number}/comments", json={"body": "x" * 10_001}),
                   *CONTENT_RULE)


# ------------------------------------------------------------- attachments


def test_attachment_upload_list_download_rename_delete(alice):
    oc = open_case(alice)
    data = os.urandom(100 * 1024) + b"\x00end"
    r = upload(alice, oc.number, "report.bin", data)
    att = assert_json(r, 201)
    assert att["sha256"] == hashlib.sha256(data).hexdigest()
    assert att["size_bytes"] == len(data)
    assert att["file_name"] == "report.bin"
    aid = att["id"]
    assert r.headers.get("Location", "").endswith(f"{API_PREFIX}/cases/{oc.number}/attachments/{aid}"), \
        describe(r)
    assert CASE_POSITION_RE.match(r.headers.get("Docket-Position", "")), describe(r)

    listed = assert_json(alice.get(f"/cases/{oc.number}/attachments", headers=after(r)))["data"]
    assert [(a["id"], a["sha256"], a["size_bytes"]) for a in listed] == \
        [(aid, att["sha256"], len(data))]

    dl = alice.get(f"/cases/{oc.number}/attachments/{aid}", headers=after(r))
    assert dl.status_code == 200, describe(dl)
    assert dl.content == data
    cd = dl.headers.get("Content-Disposition", "")
    assert cd.startswith("attachment") and "report.bin" in cd, cd
    assert dl.headers.get("X-Content-Type-Options") == "nosniff"
    assert assert_json(alice.get(f"/cases/{oc.number}", headers=after(r)))["attachment_count"] == 1

    ren = alice.patch(f"/cases/{oc.number}/attachments/{aid}", json={"file_name": "renamed.txt"})
    got = assert_json(ren, 200)
    assert got["id"] == aid and got["file_name"] == "renamed.txt"
    assert CASE_POSITION_RE.match(ren.headers.get("Docket-Position", "")), describe(ren)
    listed = assert_json(alice.get(f"/cases/{oc.number}/attachments", headers=after(ren)))["data"]
    assert [a["file_name"] for a in listed] == ["renamed.txt"]
    dl = alice.get(f"/cases/{oc.number}/attachments/{aid}", headers=after(ren))
    assert "renamed.txt" in dl.headers.get("Content-Disposition", "") and dl.content == data

    assert_problem(alice.patch(f"/cases/{oc.number}/attachments/a999999",
                               json={"file_name": "x.txt"}), 404, "not-found")
    gone = alice.delete(f"/cases/{oc.number}/attachments/{aid}")
    assert gone.status_code == 204 and gone.content == b"", describe(gone)
    assert CASE_POSITION_RE.match(gone.headers.get("Docket-Position", "")), describe(gone)
    assert_problem(alice.get(f"/cases/{oc.number}/attachments/{aid}", headers=after(gone)),
                   404, "not-found")
    assert assert_json(alice.get(f"/cases/{oc.number}/attachments", headers=after(gone)))["data"] == []
    assert_problem(alice.delete(f"/cases/{oc.number}/attachments/{aid}"), 404, "not-found")
    assert_problem(upload(alice, MISSING_CASE, "x.txt", b"x"), 404, "not-found")


@pytest.mark.parametrize("uploaded,served", [
    ("image/png", "image/png"), ("application/pdf", "application/pdf"),
    ("text/plain", "text/plain"),
    # Anything not known to be inert is a download of bytes (before, only a
    # denylist of active types was: these were served as they came).
    ("application/rss+xml", "application/octet-stream"),
    ("text/xsl", "application/octet-stream"),
    ("application/x-shockwave-flash", "application/octet-stream"),
    ("text/html", "application/octet-stream"),
])
def test_downloads_are_served_by_an_allowlist_of_types(alice, uploaded, served):
    oc = open_case(alice)
    r = upload(alice, oc.number, "file.dat", b"<x>content</x>", content_type=uploaded)
    att = assert_json(r, 201)
    dl = alice.get(f"/cases/{oc.number}/attachments/{att['id']}", headers=after(r))
    assert dl.status_code == 200, describe(dl)
    assert dl.headers.get("Content-Type") == served, describe(dl)
    assert dl.headers.get("X-Content-Type-Options") == "nosniff"


@pytest.mark.parametrize("name", ["../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/shadow",
                                  "a/../../b.txt", ".."])
def test_attachment_names_with_paths_are_refused_or_made_safe(alice, name):
    oc = open_case(alice)
    data = b"not the real file " + secrets.token_bytes(16)
    r = upload(alice, oc.number, name, data)
    if r.status_code != 201:
        assert_problem(r, (400, 422), ("bad-request", "validation", "unprocessable"))
        return
    att = assert_json(r, 201)
    stored = att["file_name"]
    assert "/" not in stored and "\\" not in stored and stored not in ("", ".", ".."), att
    dl = alice.get(f"/cases/{oc.number}/attachments/{att['id']}", headers=after(r))
    assert dl.status_code == 200 and dl.content == data, describe(dl)
    cd = dl.headers.get("Content-Disposition", "")
    assert cd.startswith("attachment") and "/" not in cd and "\\" not in cd, cd


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b.txt", "a\\b.txt", "..", ".", "",
                                  "a\u0000b", "evil\u202etxt.exe", "x" * 256])
def test_renaming_to_an_unsafe_name_is_refused(alice, name):
    oc = open_case(alice)
    att = assert_json(upload(alice, oc.number, "ok.txt", b"hello"), 201)
    r = alice.patch(f"/cases/{oc.number}/attachments/{att['id']}", json={"file_name": name})
    assert_problem(r, (400, 422), ("bad-request", "validation", "unprocessable"))
    listed = assert_json(alice.get(f"/cases/{oc.number}/attachments"))["data"]
    assert [a["file_name"] for a in listed] == ["ok.txt"]


def test_empty_upload_is_refused(alice):
    oc = open_case(alice)
    assert_problem(upload(alice, oc.number, "empty.txt", b""), *CONTENT_RULE)


def test_upload_over_the_limit_is_413(world, alice):
    oc = open_case(alice)
    limit = MAIN_CONFIG["max-upload-bytes"]
    data = b"x" * (limit + 64 * 1024 + 4096)
    ctype, body = multipart([("file", "big.bin", "application/octet-stream", data)])
    req = build_request("POST", f"{API_PREFIX}/cases/{oc.number}/attachments",
                        {"Authorization": f"Bearer {alice.token}", "Content-Type": ctype}, body)
    assert_raw_problem(raw_request(world.server.port, req), 413, "payload-too-large")
    # Nothing was attached, and the server still serves.
    assert assert_json(alice.get(f"/cases/{oc.number}/attachments"))["data"] == []


def test_json_body_over_the_limit_is_413(world, alice):
    oc = open_case(alice)
    body = json.dumps({"body": "y" * (MAIN_CONFIG["max-body-bytes"] + 1024)}).encode()
    req = build_request("POST", f"{API_PREFIX}/cases/{oc.number}/comments",
                        {"Authorization": f"Bearer {alice.token}",
                         "Content-Type": "application/json"}, body)
    assert_raw_problem(raw_request(world.server.port, req), 413, "payload-too-large")


# ---------------------------------------------------------------- watchers


def test_watchers_add_list_remove(alice):
    oc = open_case(alice)
    r = alice.post(f"/cases/{oc.number}/watchers", json={"email": "Carol.Watcher@Example.com"})
    w = assert_json(r, 201)
    assert w["email"] == "carol.watcher@example.com"
    assert CASE_POSITION_RE.match(r.headers.get("Docket-Position", "")), describe(r)
    listed = assert_json(alice.get(f"/cases/{oc.number}/watchers", headers=after(r)))["data"]
    assert [x["email"] for x in listed] == ["carol.watcher@example.com"]
    assert_problem(alice.post(f"/cases/{oc.number}/watchers", json={"email": "CAROL.watcher@example.com"}),
                   409, "conflict", rule="watcher.duplicate")
    assert_problem(alice.post(f"/cases/{oc.number}/watchers", json={"email": "not-an-address"}),
                   *CONTENT_RULE)
    d = alice.delete(f"/cases/{oc.number}/watchers/{quote('carol.watcher@example.com', safe='')}")
    assert d.status_code == 204, describe(d)
    assert CASE_POSITION_RE.match(d.headers.get("Docket-Position", "")), describe(d)
    assert assert_json(alice.get(f"/cases/{oc.number}/watchers", headers=after(d)))["data"] == []
    assert_problem(alice.delete(f"/cases/{oc.number}/watchers/{quote('carol.watcher@example.com')}"),
                   404, "not-found")
    assert assert_json(alice.get(f"/cases/{oc.number}", headers=after(d)))["watcher_count"] == 0


# --------------------------------------------------------------- lifecycle


def test_full_lifecycle_with_if_match(alice, staff):
    oc = open_case(alice)
    n, etag = oc.number, oc.etag
    last = [oc.resp]

    def step(client, action, body, state, status=200):
        nonlocal etag
        r = client.post(f"/cases/{n}/{action}", json=body, headers={"If-Match": etag})
        last[0] = r
        case = assert_case_write(r, status)
        assert case["state"] == state, describe(r)
        assert r.headers["ETag"] != etag
        etag = r.headers["ETag"]
        return case

    step(staff, "accept", None, "OPEN")
    step(staff, "request-info", {"message": "Which router model?"}, "AWAITING_INFO")
    step(alice, "comments", {"body": "It is a TP-Link AX55."}, "OPEN", status=201)
    step(staff, "resolve", {"resolution": "Firmware rolled back."}, "RESOLVED")
    step(alice, "reject-resolution", {"reason": "Still dropping."}, "OPEN")
    resolved = step(staff, "resolve", {"resolution": "Replaced the router."}, "RESOLVED")
    assert resolved["resolution"] == "Replaced the router." and resolved["resolved_at"]
    closed = step(alice, "accept-resolution", None, "CLOSED")
    assert closed["closed_at"]
    # A final state takes nothing more.
    assert_problem(alice.post(f"/cases/{n}/comments", json={"body": "thanks"}),
                   409, "conflict", rule="case.final_state")
    assert_problem(staff.post(f"/cases/{n}/reopen", json={}), 409, "conflict", rule="case.final_state")
    assert_problem(alice.post(f"/cases/{n}/cancel", json={}), 409, "conflict", rule="case.final_state")
    items = page(alice.get(f"/cases/{n}/activity?page[size]=100", headers=after(last[0])))[0]
    changes = [(i.get("from"), i.get("to")) for i in items if i.get("type") == "state_changed"]
    assert ("RESOLVED", "CLOSED") in changes, items
    assert [i.get("body") for i in items if i.get("type") == "comment"] == ["It is a TP-Link AX55."]


def test_role_rules_on_actions(alice, staff):
    oc = open_case(alice)
    for action, body in [("accept", None), ("request-info", {}), ("resolve", {"resolution": "x"}),
                         ("close", None), ("reopen", {})]:
        assert_problem(alice.post(f"/cases/{oc.number}/{action}", json=body), 403, "forbidden")
    assert_case_write(staff.post(f"/cases/{oc.number}/resolve", json={"resolution": "done"}))
    assert_problem(staff.post(f"/cases/{oc.number}/accept-resolution"), 403, "forbidden",
                   rule="case.customer_only")
    assert_problem(staff.post(f"/cases/{oc.number}/reject-resolution", json={}), 403, "forbidden",
                   rule="case.customer_only")
    # Nothing moved.
    assert assert_json(alice.get(f"/cases/{oc.number}"))["state"] == "RESOLVED"


def test_invalid_transitions_are_409(alice, staff):
    oc = open_case(alice)
    assert_problem(alice.post(f"/cases/{oc.number}/accept-resolution"), 409, "conflict",
                   rule="case.invalid_transition")
    assert_problem(staff.post(f"/cases/{oc.number}/reopen", json={}), 409, "conflict",
                   rule="case.invalid_transition")
    assert_case_write(staff.post(f"/cases/{oc.number}/accept"))
    assert_problem(staff.post(f"/cases/{oc.number}/accept"), 409, "conflict",
                   rule="case.invalid_transition")


def test_cancel(alice):
    oc = open_case(alice)
    r = alice.post(f"/cases/{oc.number}/cancel", json={"reason": "Works again"})
    case = assert_case_write(r)
    assert case["state"] == "CANCELLED" and case["cancelled_at"]
    assert_problem(alice.post(f"/cases/{oc.number}/cancel", json={}), 409, "conflict",
                   rule="case.final_state")
    assert assert_json(alice.get(f"/cases/{oc.number}", headers=after(r)))["state"] == "CANCELLED"
    # No body at all is a cancel without a reason.
    oc2 = open_case(alice)
    assert assert_case_write(alice.post(f"/cases/{oc2.number}/cancel"))["state"] == "CANCELLED"


def test_reopen_and_close(alice, staff):
    oc = open_case(alice)
    assert_case_write(staff.post(f"/cases/{oc.number}/resolve", json={"resolution": "fixed"}))
    reopened = assert_case_write(staff.post(f"/cases/{oc.number}/reopen", json={"reason": "not fixed"}))
    assert reopened["state"] == "OPEN" and reopened["resolved_at"] is None
    closed = assert_case_write(staff.post(f"/cases/{oc.number}/close"))
    assert closed["state"] == "CLOSED"
    assert_problem(staff.post(f"/cases/{oc.number}/close"), 409, "conflict", rule="case.final_state")


def test_if_match_stale_version_is_412(alice):
    oc = open_case(alice)
    first = alice.post(f"/cases/{oc.number}/comments", json={"body": "one"}, headers={"If-Match": '"1"'})
    assert assert_case_write(first, 201)["version"] == 2
    stale = alice.post(f"/cases/{oc.number}/comments", json={"body": "two"}, headers={"If-Match": '"1"'})
    assert_problem(stale, 412, "version-conflict")
    assert_problem(alice.post(f"/cases/{oc.number}/cancel", json={}, headers={"If-Match": '"1"'}),
                   412, "version-conflict")
    anyv = alice.post(f"/cases/{oc.number}/comments", json={"body": "three"}, headers={"If-Match": "*"})
    assert assert_case_write(anyv, 201)["version"] == 3
    got = alice.get(f"/cases/{oc.number}", headers=after(anyv))
    assert got.headers.get("ETag") == '"3"' and assert_json(got)["state"] == "NEW"
    assert assert_json(got)["comment_count"] == 2


def test_idempotency_key_repeats_return_the_first_result(alice, bob):
    word = unique_word()
    key = "open-" + secrets.token_hex(8)
    body = {"account_id": alice.account_id, "case_type": "technical-support",
            "category": "internet", "subject": f"Idempotent {word}", "description": "once"}
    r1 = alice.post("/cases", json=body, headers={"Idempotency-Key": key})
    r2 = alice.post("/cases", json=body, headers={"Idempotency-Key": key})
    c1, c2 = assert_case_write(r1, 201), assert_json(r2, 201)
    assert c2["number"] == c1["number"]
    hits, _, _ = page(alice.get(f"/search?q={word}", headers=after(r1)))
    assert numbers(hits) == [c1["number"]]
    # The key is the user's own: bob's request with it is a new command.
    rb = bob.post("/cases", json=dict(body, account_id=bob.account_id), headers={"Idempotency-Key": key})
    assert assert_case_write(rb, 201)["number"] != c1["number"]
    # And on another route it is a new command too.
    k2 = "comment-" + secrets.token_hex(8)
    m1 = alice.post(f"/cases/{c1['number']}/comments", json={"body": "once only"},
                    headers={"Idempotency-Key": k2})
    m2 = alice.post(f"/cases/{c1['number']}/comments", json={"body": "once only"},
                    headers={"Idempotency-Key": k2})
    v1 = assert_case_write(m1, 201)["version"]
    assert assert_json(m2, 201)["version"] == v1
    assert assert_json(alice.get(f"/cases/{c1['number']}", headers=after(m1)))["comment_count"] == 1


# ------------------------------------------------------------------- search


def test_search_by_words_and_by_number(alice):
    word = unique_word()
    oc = open_case(alice, subject=f"Backups failing on {word}",
                   description="The nightly Résumé export stopped.")
    h = after(oc.position)
    rows, meta, _ = page(alice.get(f"/search?q={word}", headers=h))
    assert numbers(rows) == [oc.number]
    assert isinstance(rows[0]["score"], (int, float))
    assert numbers(page(alice.get(f"/search?q=backup {word}", headers=h))[0]) == [oc.number]
    assert numbers(page(alice.get(f"/search?q=resume {word[:6]}", headers=h))[0]) == [oc.number]
    assert page(alice.get(f"/search?q={word} zzzznotthereqq", headers=h))[0] == []
    assert numbers(page(alice.get(f"/search?q={oc.number}", headers=h))[0])[0] == oc.number
    assert oc.number in numbers(page(alice.get(f"/search?q={oc.number[2:]}&page[size]=100",
                                               headers=h))[0])
    # A prefix of 10 of the 11 digits: at most 10 cases share it.
    prefix = page(alice.get(f"/search?q={oc.number[2:-1]}&page[size]=100", headers=h))[0]
    assert oc.number in numbers(prefix) and len(prefix) <= 10
    assert all(x["number"].startswith(oc.number[:-1]) for x in prefix), numbers(prefix)


def test_search_without_words_finds_nothing(alice):
    # Not a documented error: an empty search is either refused or empty.
    for path in ("/search", "/search?q=", "/search?q=%20%20"):
        r = alice.get(path)
        if r.status_code == 200:
            assert page(r)[0] == [], describe(r)
        else:
            assert_problem(r, 400, ("bad-request", "validation"))


# ----------------------------------------------------------------- overview


def test_overview_counts_open_cases_and_updates(world):
    c = world.new_customer()
    a = open_case(c, subject="keeps going")
    b = open_case(c, subject="goes away")
    assert_case_write(c.post(f"/cases/{b.number}/cancel", json={}))
    last = c.post(f"/cases/{a.number}/comments", json={"body": "any news?"})
    assert_case_write(last, 201)
    ov = assert_json(c.get("/overview", headers=after(last)))
    counts = ov["counts"]
    assert {s: counts.get(s, 0) for s in STATES} == \
        {"NEW": 1, "OPEN": 0, "AWAITING_INFO": 0, "RESOLVED": 0, "CLOSED": 0, "CANCELLED": 1}
    assert [x["number"] for x in ov["open_cases"]] == [a.number]
    assert ov["updates"] and a.number in json.dumps(ov["updates"])
    assert "any news?" in json.dumps(ov["updates"])


# ------------------------------------------------------- status, links, feedback


def test_system_status_put_and_get(staff, alice):
    r = staff.put("/system-status/internet", json={"status": "DEGRADED",
                                                   "message": "Slow in the north"})
    got = assert_json(r, 200)
    assert (got["service"], got["status"], got["message"]) == ("internet", "DEGRADED",
                                                               "Slow in the north")
    assert got.get("updated_at")
    headers = after(r) if r.headers.get("Docket-Position") else {}
    deadline = time.monotonic() + 10
    while True:
        entries = assert_json(alice.get("/system-status", headers=headers))["data"]
        mine = [e for e in entries if e["service"] == "internet"]
        if mine and mine[0]["status"] == "DEGRADED":
            break
        assert time.monotonic() < deadline, entries
        time.sleep(0.1)  # bounded: only when the PUT gave no position
    assert mine[0]["message"] == "Slow in the north" and mine[0]["updated_at"]
    assert_problem(alice.put("/system-status/internet", json={"status": "OUTAGE"}), 403, "forbidden")
    assert_problem(staff.put("/system-status/internet", json={"status": "ON_FIRE"}), *CONTENT_RULE)
    back = assert_json(staff.put("/system-status/internet", json={"status": "OPERATIONAL"}))
    assert back["status"] == "OPERATIONAL"


def test_quick_links_come_from_the_config_file(alice):
    got = assert_json(alice.get("/quick-links"))["data"]
    assert [{"title": x["title"], "url": x["url"]} for x in got] == QUICK_LINKS
    # A link the file gives no description has an empty one.
    assert all(x["description"] == "" for x in got), got


def test_feedback(alice):
    r = alice.post("/feedback", json={"message": "The new overview is great", "rating": 5,
                                      "page": "/overview"})
    body = assert_json(r, 201)
    assert body.get("id")
    assert_json(alice.post("/feedback", json={"message": "Just a note"}), 201)
    body = assert_problem(alice.post("/feedback", json={"rating": 3}), 400, "validation")
    assert any(e.get("field") == "message" for e in body.get("errors", [])), body


# ---------------------------------------------------------- commands, positions


@pytest.mark.parametrize("cid", ["00000000-0000-4000-8000-000000000000", "no-such-command"])
def test_unknown_command_is_404(alice, cid):
    assert_problem(alice.get(f"/commands/{cid}"), 404, "not-found")


def test_a_position_past_the_end_of_the_log_is_refused_without_waiting(alice):
    """No command ever got such a position: it is refused at once instead of
    holding a worker for min-position-wait-ms (8 of them would have made
    everyone's positioned reads 503)."""
    t0 = time.monotonic()
    body = assert_problem(alice.get("/cases", headers={"Docket-Min-Position": "cases:0:999999999999"}),
                          400, "bad-request")
    assert "past the end" in body["detail"], body
    waited = time.monotonic() - t0
    assert waited < MAIN_CONFIG["min-position-wait-ms"] / 1000 / 2, waited
    # Many at once (more than the gateway's wait slots) are all refused the
    # same way, none with "too many waiting".
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(
            lambda _: alice.get("/cases", headers={"Docket-Min-Position": "cases:0:999999999998"}),
            range(12)))
    assert {r.status_code for r in answers} == {400}


def test_an_upload_without_a_session_is_refused_before_its_body_is_read(world, alice):
    oc = open_case(alice)
    # A 20 MB body is announced but never sent: the answer must come anyway.
    req = build_request("POST", f"{API_PREFIX}/cases/{oc.number}/attachments",
                        {"Content-Type": "multipart/form-data; boundary=x",
                         "Content-Length": "20000000"}, b"", content_length=False)
    r = raw_request(world.server.port, req, timeout=10)
    assert_raw_problem(r, 401, "unauthenticated")
    assert any(k.lower() == "www-authenticate" for k, _ in r.headers), r
