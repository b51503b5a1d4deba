"""Broken object-level authorisation: a customer of another account sees and
touches nothing of a case, on every case route and method, and cannot even
tell that it exists: every answer equals, byte for byte after the case
number is swapped, the answer for a case number that does not exist.
Lists, export, search and the overview never show it."""
from __future__ import annotations

import csv
import io
import json
import secrets
from urllib.parse import quote

import pytest

from docket_api import (MISSING_CASE, STATES, Client, after, assert_case_write, assert_json,
                        assert_problem, describe, multipart, normalize_problem, open_case,
                        unique_word, upload)


@pytest.fixture(scope="module")
def target(alice, staff):
    """alice's case in account 1, with an attachment, a watcher, a comment."""
    word = unique_word("bola")
    oc = open_case(alice, subject=f"Confidential outage {word}",
                   description=f"Only for Alpha Networks {word}")
    att = assert_json(upload(alice, oc.number, "contract.pdf", b"%PDF-1.4 secret"), 201)
    w = alice.post(f"/cases/{oc.number}/watchers", json={"email": "cfo@alpha.example.com"})
    assert_json(w, 201)
    last = alice.post(f"/cases/{oc.number}/comments", json={"body": f"secret detail {word}"})
    case = assert_case_write(last, 201)
    return {"number": oc.number, "word": word, "attachment": att["id"],
            "watcher": "cfo@alpha.example.com", "version": case["version"],
            "position": last.headers["Docket-Position"]}


def _upload_args():
    ctype, body = multipart([("file", "x.txt", "text/plain", b"hello")])
    return {"data": body, "headers": {"Content-Type": ctype}}


# (method, path template, request kwargs). {n} = case number, {a} = attachment, {w} = watcher.
CASE_ROUTES = [
    ("GET", "/cases/{n}", {}),
    ("GET", "/cases/{n}/activity", {}),
    ("GET", "/cases/{n}/activity?page[size]=1", {}),
    ("POST", "/cases/{n}/comments", {"json": {"body": "hi from bob"}}),
    ("GET", "/cases/{n}/attachments", {}),
    ("POST", "/cases/{n}/attachments", "upload"),
    ("GET", "/cases/{n}/attachments/{a}", {}),
    ("PATCH", "/cases/{n}/attachments/{a}", {"json": {"file_name": "mine.pdf"}}),
    ("DELETE", "/cases/{n}/attachments/{a}", {}),
    ("GET", "/cases/{n}/watchers", {}),
    ("POST", "/cases/{n}/watchers", {"json": {"email": "bob@bravo.example.com"}}),
    ("DELETE", "/cases/{n}/watchers/{w}", {}),
    ("POST", "/cases/{n}/cancel", {"json": {"reason": "bob says so"}}),
    ("POST", "/cases/{n}/cancel", {}),
    ("POST", "/cases/{n}/accept-resolution", {}),
    ("POST", "/cases/{n}/reject-resolution", {"json": {"reason": "no"}}),
    # The same with headers that must not change the answer.
    ("POST", "/cases/{n}/comments", {"json": {"body": "x"}, "headers": {"If-Match": '"1"'}}),
    ("POST", "/cases/{n}/cancel", {"json": {}, "headers": {"If-Match": '"999"'}}),
    ("GET", "/cases/{n}", {"headers": {"If-None-Match": '"1"'}}),
]

STAFF_ROUTES = [
    ("POST", "/cases/{n}/notes", {"json": {"body": "note"}}),
    ("POST", "/cases/{n}/accept", {}),
    ("POST", "/cases/{n}/request-info", {"json": {"message": "?"}}),
    ("POST", "/cases/{n}/resolve", {"json": {"resolution": "done"}}),
    ("POST", "/cases/{n}/close", {}),
    ("POST", "/cases/{n}/reopen", {"json": {}}),
]


def _send(client, method, template, kwargs, number, target):
    path = template.format(n=number, a=target["attachment"], w=quote(target["watcher"], safe=""))
    kw = _upload_args() if kwargs == "upload" else dict(kwargs)
    return client.request(method, path, **kw)


def _same_answer(theirs, missing, number):
    """theirs (about `number`) is indistinguishable from missing (about MISSING_CASE)."""
    assert theirs.status_code == missing.status_code, f"{describe(theirs)}\nvs\n{describe(missing)}"
    assert theirs.headers.get("Content-Type") == missing.headers.get("Content-Type")
    for h in ("ETag", "Location", "Docket-Position", "Allow", "Content-Disposition"):
        assert h not in theirs.headers, describe(theirs)
    b1 = normalize_problem(theirs.json(), {number: "<case>"})
    b2 = normalize_problem(missing.json(), {MISSING_CASE: "<case>"})
    assert b1 == b2, f"{describe(theirs)}\nvs\n{describe(missing)}"


@pytest.mark.parametrize("method,template,kwargs", CASE_ROUTES,
                         ids=[f"{m} {t} {i}" for i, (m, t, _) in enumerate(CASE_ROUTES)])
def test_foreign_case_answers_exactly_like_a_missing_one(bob, target, method, template, kwargs):
    theirs = _send(bob, method, template, kwargs, target["number"], target)
    missing = _send(bob, method, template, kwargs, MISSING_CASE, target)
    assert_problem(theirs, 404, "not-found")
    assert_problem(missing, 404, "not-found")
    _same_answer(theirs, missing, target["number"])


COMMAND_ROUTES = [r for r in CASE_ROUTES if r[0] != "GET"]


@pytest.mark.parametrize("method,template,kwargs", COMMAND_ROUTES,
                         ids=[f"{m} {t} {i}" for i, (m, t, _) in enumerate(COMMAND_ROUTES)])
def test_command_lookup_answers_exactly_like_a_missing_case(alice, bob, target, method, template,
                                                            kwargs):
    """The 202 + lookup path tells no more than the direct answer: bob's
    command on alice's case looks up exactly like one on a missing case (no
    rule, no version), and only bob can look it up."""
    key = secrets.token_hex(8)

    def send(number, suffix):
        kw = _upload_args() if kwargs == "upload" else dict(kwargs)
        kw["headers"] = {**kw.get("headers", {}), "Idempotency-Key": key + suffix}
        path = template.format(n=number, a=target["attachment"], w=quote(target["watcher"], safe=""))
        return bob.request(method, path, **kw)

    theirs, missing = send(target["number"], "-t"), send(MISSING_CASE, "-m")
    _same_answer(theirs, missing, target["number"])
    if kwargs == "upload":
        # Refused from the read model before any byte is stored: no command.
        assert "Docket-Command" not in theirs.headers and "Docket-Command" not in missing.headers
        return
    # Every other route sent a command, and its answer names it.
    assert "Docket-Command" in theirs.headers, describe(theirs)
    assert "Docket-Command" in missing.headers, describe(missing)
    ids = {theirs.headers["Docket-Command"]: "<cmd>", missing.headers["Docket-Command"]: "<cmd>"}
    looked = [bob.get(f"/commands/{r.headers['Docket-Command']}") for r in (theirs, missing)]
    bodies = [assert_json(r) for r in looked]
    assert bodies[0]["status"] == "rejected", bodies[0]
    for b in bodies:
        assert not {"version", "rule", "aggregate_id", "code"} & set(b), b
    b1 = normalize_problem(bodies[0], {**ids, target["number"]: "<case>"})
    b2 = normalize_problem(bodies[1], {**ids, MISSING_CASE: "<case>"})
    assert b1 == b2, f"{describe(looked[0])}\nvs\n{describe(looked[1])}"
    # The direct answer's problem and the lookup's are one document.
    assert normalize_problem(bodies[0]["problem"], {}) == normalize_problem(theirs.json(), {})
    # Only the sender may look a command up.
    other = alice.get(f"/commands/{theirs.headers['Docket-Command']}")
    assert_problem(other, 404, "not-found")


def test_idempotent_command_ids_cannot_be_computed_by_others(bob, target):
    """Ids derived from an Idempotency-Key are keyed by a server secret: the
    old public derivation (SHA-256 of user, route and key) does not give
    them, and the same key on another route is another command."""
    import hashlib
    me = assert_json(bob.get("/me"))
    key = "guess-" + secrets.token_hex(8)
    path = f"/cases/{MISSING_CASE}/comments"
    r = bob.post(path, json={"body": "x"}, headers={"Idempotency-Key": key})
    assert_problem(r, 404, "not-found")
    cmd = r.headers["Docket-Command"]
    public = "k-" + hashlib.sha256(
        f"{me['id']}\nPOST /api/v1{path}\n{key}".encode()).hexdigest()[:40]
    assert cmd.startswith("k-") and len(cmd) == 42 and cmd != public
    again = bob.post(path, json={"body": "x"}, headers={"Idempotency-Key": key})
    assert again.headers["Docket-Command"] == cmd  # the same command: dedupe holds
    other = bob.post(f"/cases/{MISSING_CASE}/cancel", json={}, headers={"Idempotency-Key": key})
    assert other.headers["Docket-Command"] != cmd


@pytest.mark.parametrize("method,template,kwargs", STAFF_ROUTES,
                         ids=[f"{m} {t}" for m, t, _ in STAFF_ROUTES])
def test_staff_only_actions_are_403_whoever_owns_the_case(alice, bob, target, method, template,
                                                          kwargs):
    own = _send(alice, method, template, kwargs, target["number"], target)
    foreign = _send(bob, method, template, kwargs, target["number"], target)
    missing = _send(bob, method, template, kwargs, MISSING_CASE, target)
    for r in (own, foreign, missing):
        assert_problem(r, 403, "forbidden")
    _same_answer(foreign, missing, target["number"])
    _same_answer(own, missing, target["number"])


def test_idempotency_keys_do_not_cross_users(alice, bob, target):
    key = "shared-" + secrets.token_hex(8)
    mine = alice.post(f"/cases/{target['number']}/watchers", json={"email": "ops@alpha.example.com"},
                      headers={"Idempotency-Key": key})
    assert_json(mine, 201)
    # bob replays alice's key on the same route: he must not get her stored answer.
    theirs = bob.post(f"/cases/{target['number']}/watchers", json={"email": "ops@alpha.example.com"},
                      headers={"Idempotency-Key": key})
    missing = bob.post(f"/cases/{MISSING_CASE}/watchers", json={"email": "ops@alpha.example.com"},
                       headers={"Idempotency-Key": key + "-m"})
    assert_problem(theirs, 404, "not-found")
    _same_answer(theirs, missing, target["number"])
    removed = alice.delete(f"/cases/{target['number']}/watchers/{quote('ops@alpha.example.com', safe='')}")
    assert removed.status_code == 204, describe(removed)
    target["position"] = removed.headers.get("Docket-Position", target["position"])


def test_nothing_bob_sent_changed_the_case(alice, bob, target):
    # Runs after the matrix (file order): bob's commands must have had no effect.
    for method, template, kwargs in CASE_ROUTES + STAFF_ROUTES:
        _send(bob, method, template, kwargs, target["number"], target)
    probe = alice.post(f"/cases/{target['number']}/watchers", json={"email": "probe@alpha.example.com"})
    assert_json(probe, 201)
    h = after(probe)
    case = assert_json(alice.get(f"/cases/{target['number']}", headers=h))
    assert case["state"] == "NEW"
    assert case["comment_count"] == 1
    atts = assert_json(alice.get(f"/cases/{target['number']}/attachments", headers=h))["data"]
    assert [(a["id"], a["file_name"]) for a in atts] == [(target["attachment"], "contract.pdf")]
    watchers = {w["email"] for w in assert_json(alice.get(f"/cases/{target['number']}/watchers",
                                                          headers=h))["data"]}
    assert watchers == {target["watcher"], "probe@alpha.example.com"}
    items = assert_json(alice.get(f"/cases/{target['number']}/activity?page[size]=100",
                                  headers=h))["data"]
    assert "bob" not in json.dumps(items).lower()
    target["position"] = probe.headers["Docket-Position"]


def _all_rows(client, path, h):
    rows, url = [], path
    for _ in range(50):
        r = client.get(url, headers=h)
        body = assert_json(r, 200)
        rows += body["data"]
        if not body["meta"]["has_more"]:
            return rows
        sep = "&" if "?" in path else "?"
        url = f"{path}{sep}page[after]={quote(body['meta']['after_cursor'], safe='')}"
    raise AssertionError("more than 50 pages")


def test_lists_never_show_a_foreign_case(bob, target, accounts):
    h = after(target["position"])
    own = open_case(bob)  # bob has cases of his own, so the lists are not trivially empty
    h2 = after(own.position)
    for query in ["", "?sort=opened", "?state=NEW", "?state=NEW,OPEN,AWAITING_INFO,RESOLVED",
                  "?case_type=technical-support", "?category=internet", "?page[size]=100"]:
        rows = _all_rows(bob, "/cases" + query, h2)
        nums = [r["number"] for r in rows]
        assert target["number"] not in nums, query
        assert own.number in nums, query
        assert all(r["account_id"] == accounts["2"]["id"] for r in rows), query
    # Asking for account 1 by id: nothing (an empty page, or a 404).
    r = bob.get(f"/cases?account_id={accounts['1']['id']}", headers=h)
    if r.status_code == 200:
        body = assert_json(r)
        assert body["data"] == [] and body["meta"]["has_more"] is False, describe(r)
        assert body["meta"].get("total", 0) == 0
    else:
        assert_problem(r, 404, "not-found")
    assert target["number"] not in r.text and target["word"] not in r.text


def test_export_never_shows_a_foreign_case(bob, target, accounts):
    h = after(target["position"])
    for query in ["", "?state=NEW", f"?account_id={accounts['1']['id']}"]:
        r = bob.get("/cases/export.csv" + query, headers=h)
        if r.status_code != 200:
            assert_problem(r, 404, "not-found")
            continue
        text = r.content.decode("utf-8")
        assert target["number"] not in text and target["word"] not in text, query
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert all(row[2] == accounts["2"]["name"] for row in rows[1:]), query  # by name
        if "account_id" in query:
            assert len(rows) == 1, rows


def test_search_never_shows_a_foreign_case(bob, target, accounts):
    h = after(target["position"])
    n = target["number"]
    for q in [n, n.lower(), n[2:], n[2:8], target["word"], target["word"][:5],
              f"confidential {target['word']}", "secret detail", "alpha networks",
              accounts["1"]["id"]]:
        r = bob.get(f"/search?q={quote(q)}&page[size]=100", headers=h)
        body = assert_json(r)
        assert n not in [x["number"] for x in body["data"]], q
        assert target["word"] not in r.text, q


def test_overview_never_shows_a_foreign_case(world, bob, target):
    h = after(target["position"])
    r = bob.get("/overview", headers=h)
    ov = assert_json(r)
    assert target["number"] not in r.text and target["word"] not in r.text
    # A customer with no case at all sees zero everywhere, however busy other accounts are.
    fresh = world.new_customer()
    ov = assert_json(fresh.get("/overview", headers=h))
    assert {s: ov["counts"].get(s, 0) for s in STATES} == {s: 0 for s in STATES}
    assert ov["open_cases"] == [] and ov["updates"] == []
    assert assert_json(fresh.get("/cases", headers=h))["data"] == []
    assert assert_json(fresh.get(f"/search?q={target['word']}", headers=h))["data"] == []


def test_foreign_account_and_user_look_missing(bob, alice, accounts):
    a1 = accounts["1"]["id"]
    ghost = "missing-" + secrets.token_hex(6)
    theirs = assert_problem(bob.get(f"/accounts/{a1}"), 404, "not-found")
    missing = assert_problem(bob.get(f"/accounts/{ghost}"), 404, "not-found")
    assert normalize_problem(theirs, {a1: "<id>"}) == normalize_problem(missing, {ghost: "<id>"})
    theirs = assert_problem(bob.get(f"/users/{alice.id}"), 404, "not-found")
    missing = assert_problem(bob.get(f"/users/{ghost}"), 404, "not-found")
    assert normalize_problem(theirs, {alice.id: "<id>"}) == normalize_problem(missing, {ghost: "<id>"})
    # Opening a case in alice's account is the same 404 as in an account that does not exist.
    body = {"case_type": "technical-support", "category": "internet", "subject": "s",
            "description": "d"}
    theirs = assert_problem(bob.post("/cases", json=dict(body, account_id=a1)), 404, "not-found")
    missing = assert_problem(bob.post("/cases", json=dict(body, account_id=ghost)), 404, "not-found")
    assert normalize_problem(theirs, {a1: "<id>"}) == normalize_problem(missing, {ghost: "<id>"})


USER_STAFF_ROUTES = [
    ("POST", "/users/{u}/disable", None), ("POST", "/users/{u}/enable", None),
    ("POST", "/users/{u}/unlock", None), ("POST", "/users/{u}/invitation", None),
    ("POST", "/users/{u}/reset-link", None), ("PATCH", "/users/{u}", {"name": "Mallory"}),
    ("POST", "/users/{u}/accounts", {"account_id": "ACC-2002"}),
    ("DELETE", "/users/{u}/accounts/ACC-1001", None),
]


@pytest.mark.parametrize("method,template,body", USER_STAFF_ROUTES,
                         ids=[f"{m} {t}" for m, t, _ in USER_STAFF_ROUTES])
def test_user_management_is_403_for_customers_whoever_the_user(alice, bob, method, template,
                                                               body):
    """Another user, oneself and a user that does not exist: the same 403,
    before anything about the user is looked at."""
    ghost = "u" + secrets.token_hex(12)
    answers = [bob.request(method, template.format(u=u), json=body)
               for u in (alice.id, bob.id, ghost)]
    bodies = [assert_problem(r, 403, "forbidden") for r in answers]
    assert normalize_problem(bodies[0], {alice.id: "<u>"}) == \
        normalize_problem(bodies[2], {ghost: "<u>"})
    me = assert_json(bob.get("/me"), 200)
    assert me["disabled"] is False and me["name"] != "Mallory"  # nothing happened
    assert assert_json(alice.get("/me"), 200)["name"] != "Mallory"


ACCESS_STAFF_ROUTES = [
    ("GET", "/access-requests", None), ("GET", "/access-requests/{r}", None),
    ("POST", "/access-requests/{r}/approve", {"account_id": "ACC-2002"}),
    ("POST", "/access-requests/{r}/reject", {"reason": "no"}),
    ("GET", "/users", None), ("GET", "/users?account_id=ACC-1001", None),
    ("POST", "/users", {"email": "m@example.com", "name": "M", "role": "customer",
                        "account_ids": ["ACC-2002"]}),
]


@pytest.mark.parametrize("method,template,body", ACCESS_STAFF_ROUTES,
                         ids=[f"{m} {t}" for m, t, _ in ACCESS_STAFF_ROUTES])
def test_access_requests_and_the_user_list_are_staff_data(world, staff, bob, method, template,
                                                          body):
    """A request of bob's own account and one that does not exist: the same
    403; the request stays pending."""
    mine = Client(world.api).post("/access-requests", json={
        "name": "Bob", "phone": "+1 555 0100", "email": bob.email, "account_name": "Bravo",
        "account_number": "ACC-2002", "service_address": "1 Bravo Way"})
    rid = assert_json(mine, 202)["id"]
    ghost = "req_" + secrets.token_hex(10)
    answers = [bob.request(method, template.format(r=r), json=body) for r in (rid, ghost)]
    bodies = [assert_problem(r, 403, "forbidden") for r in answers]
    assert normalize_problem(bodies[0], {rid: "<r>"}) == normalize_problem(bodies[1], {ghost: "<r>"})
    assert assert_json(staff.get(f"/access-requests/{rid}"))["state"] == "pending"


def test_a_profile_change_is_the_callers_own(world, alice, bob):
    """PATCH /me names no user: it changes the caller, and only the name and
    phone (no username, role, e-mail or membership)."""
    c = world.new_customer()
    for sneaky in ({"role": "staff"}, {"email": alice.email}, {"account_ids": ["ACC-1001"]},
                   {"username": "alice"}, {"id": alice.id}):
        assert_problem(c.patch("/me", json=sneaky), 400, "validation")
    assert_json(c.patch("/me", json={"name": "Only Me"}))
    assert assert_json(alice.get("/me"))["name"] != "Only Me"
    assert assert_json(bob.get("/me"))["name"] != "Only Me"
    mine = assert_json(c.get("/me"))
    assert mine["role"] == "customer" and [a["id"] for a in mine["accounts"]] == [c.account["id"]]


def test_a_password_change_is_the_callers_own(world, alice):
    """The route names no user: a change is always the caller's own, and
    never touches a user with the same password."""
    c = world.new_customer()
    assert c.password == alice.password  # the suite's users share one
    new = "n-" + secrets.token_hex(10)
    r = c.post("/me/password", json={"current_password": c.password,
                                     "new_password": new, "confirm_password": new})
    assert assert_json(r, 200)["message"] == "Password changed successfully"
    assert alice.get("/me").status_code == 200
    again = Client(world.api).post("/auth/login",
                                   json={"email": alice.email, "password": alice.password})
    assert again.status_code == 200, describe(again)


# ------------------------------------------------------------- live chat

MISSING_CHAT = "chat-" + "0" * 24

CHAT_ROUTES = [
    ("GET", "/chat/conversations/{c}", {}),
    ("GET", "/chat/conversations/{c}/transcript", {}),
    ("GET", "/chat/conversations/{c}/transcript?after=1", {}),
    ("POST", "/chat/conversations/{c}/messages", {"json": {"client_message_id": "b1", "text": "hi"}}),
    ("POST", "/chat/conversations/{c}/end", {}),
    ("POST", "/chat/conversations/{c}/cases", {"json": {"case_number": "CS00000000001"}}),
    ("POST", "/chat/conversations/{c}/cases", {"json": {"end": True}}),
    ("POST", "/chat/conversations/{c}/transcript/email", {}),
]


@pytest.fixture(scope="module")
def chat(alice):
    """alice's conversation, waiting in the support queue, with a message."""
    r = alice.post("/chat/conversations", json={"queue": "support", "topic": "private"})
    c = assert_json(r, 201)
    assert_json(alice.post(f"/chat/conversations/{c['id']}/messages",
                           json={"client_message_id": "a1", "text": "my secret line"}), 201)
    yield c
    alice.post(f"/chat/conversations/{c['id']}/end")


@pytest.mark.parametrize("method,template,kwargs", CHAT_ROUTES,
                         ids=[f"{m} {t} {','.join(k.get('json', {}))}" for m, t, k in CHAT_ROUTES])
def test_foreign_conversation_answers_exactly_like_a_missing_one(bob, chat, method, template,
                                                                 kwargs):
    theirs = bob.request(method, template.format(c=chat["id"]), **kwargs)
    missing = bob.request(method, template.format(c=MISSING_CHAT), **kwargs)
    assert_problem(theirs, 404, "not-found")
    assert theirs.status_code == missing.status_code, f"{describe(theirs)}\nvs\n{describe(missing)}"
    for h in ("ETag", "Location", "Docket-Position", "Docket-Command"):
        assert h not in theirs.headers, describe(theirs)
    assert (normalize_problem(theirs.json(), {chat["id"]: "<chat>"})
            == normalize_problem(missing.json(), {MISSING_CHAT: "<chat>"})), describe(theirs)


def test_foreign_conversations_are_never_listed_and_queues_are_for_agents(alice, bob, chat):
    assert chat["id"] not in [c["id"] for c in assert_json(bob.get("/chat/conversations"))["data"]]
    assert chat["id"] in [c["id"] for c in assert_json(alice.get("/chat/conversations"))["data"]]
    assert_problem(bob.get("/chat/conversations?view=waiting"), 403, "forbidden")
    assert_problem(bob.post(f"/chat/conversations/{chat['id']}/accept"), 403, "forbidden")
    # bob's attempts wrote nothing into alice's conversation.
    items = assert_json(alice.get(f"/chat/conversations/{chat['id']}/transcript"))["data"]
    assert [(i["kind"], i.get("text")) for i in items] == [("started", None),
                                                          ("message", "my secret line")]


def test_a_socket_cannot_follow_or_write_in_a_foreign_conversation(bob, alice, chat):
    import websocket  # websocket-client
    url = bob.base.replace("http://", "ws://", 1) + "/chat/socket"
    ws = websocket.create_connection(url, header=[f"Authorization: Bearer {bob.token}"],
                                     timeout=10)
    try:
        answers = []
        for message in ({"type": "subscribe", "conversation": chat["id"], "after": 0},
                        {"type": "subscribe", "conversation": MISSING_CHAT, "after": 0},
                        {"type": "message", "conversation": chat["id"],
                         "client_message_id": "w1", "text": "hi"},
                        {"type": "message", "conversation": MISSING_CHAT,
                         "client_message_id": "w1", "text": "hi"}):
            ws.send(json.dumps(message))
            while True:
                m = json.loads(ws.recv())
                if m["type"] == "error":
                    break
                assert m["type"] == "hello", m  # never an item of alice's
            answers.append(normalize_problem(m["problem"], {chat["id"]: "<chat>",
                                                            MISSING_CHAT: "<chat>"}))
        assert answers[0] == answers[1] and answers[2] == answers[3], answers
        assert answers[0]["status"] == 404
    finally:
        ws.close()
    items = assert_json(alice.get(f"/chat/conversations/{chat['id']}/transcript"))["data"]
    assert [i["kind"] for i in items] == ["started", "message"]
