"""Access requests, invitations, usernames, unlock with a challenge question,
and staff's user management (issue 12), end to end over HTTP against a real
broker, a real docketd and the real SMTP server the tests start: every link
is read from the mail it came in."""
from __future__ import annotations

import re
import secrets

import requests

from conftest import USER_PASSWORD, activate, login
from docket_api import Client, assert_json, assert_problem, describe
from mail import all_mail, html, mail_to, text, token_in

NEW_PASSWORD = "a-brand-new-passphrase-42"
WRONG = "not-the-password-at-all-7"


def fresh_email(tag: str) -> str:
    return f"{tag}-{secrets.token_hex(5)}@example.com"


def request_body(email: str, **extra) -> dict:
    return dict({"name": "Dana Rivers", "phone": "+1 555 0199", "email": email,
                 "account_name": "Rivers Freight", "service_address": "9 Quay St, Leith",
                 "description": "Please also invite Eli (eli@example.com)."}, **extra)


def test_request_access_approve_activate_and_sign_in(world, staff, alice, anon, server):
    email = fresh_email("dana")
    r = anon.post("/access-requests", json=request_body(email))
    body = assert_json(r, 202)
    rid = body["id"]
    assert rid.startswith("req_") and r.headers.get("Cache-Control") == "no-store", describe(r)
    got = mail_to(server.maildir, email, "We received your request")
    assert got and rid in text(got[0]) and "Dana Rivers" in text(got[0])

    # Staff see it among the pending ones; a customer sees nothing of it.
    listed = assert_json(staff.get("/access-requests?state=pending&page[size]=100"))
    mine = [x for x in listed["data"] if x["id"] == rid]
    assert mine and mine[0]["email"] == email and mine[0]["state"] == "pending", listed
    assert_problem(alice.get("/access-requests"), 403, "forbidden")
    assert_problem(alice.get(f"/access-requests/{rid}"), 403, "forbidden")
    assert_problem(alice.post(f"/access-requests/{rid}/approve", json={}), 403, "forbidden")

    number = "ACC-" + secrets.token_hex(4).upper()
    decided = assert_json(staff.post(f"/access-requests/{rid}/approve", json={
        "create_account": {"account_number": number, "name": "Rivers Freight",
                           "service_addresses": ["9 Quay St, Leith"]}}))
    assert decided["state"] == "approved" and decided["account_id"] == number, decided
    assert decided["decided_by"] == staff.id
    assert_problem(staff.post(f"/access-requests/{rid}/approve", json={"account_id": number}),
                   409, "conflict", rule="access_request.decided")
    assert mail_to(server.maildir, email, "was approved")

    # The invitation: a single-use link that sets the first password.
    user = assert_json(staff.get(f"/users/{decided['user_id']}"))
    assert user["pending_activation"] is True and user["account_ids"] == [number], user
    token = token_in(mail_to(server.maildir, email, "invited")[0])
    check = anon.post("/auth/activate/check", json={"token": token})
    assert assert_json(check)["email"] == email
    assert check.headers.get("Referrer-Policy") == "no-referrer"
    assert_problem(anon.post("/auth/login", json={"login": email, "password": USER_PASSWORD}),
                   401, "invalid-credentials")
    assert_problem(anon.post("/auth/activate", json={"token": token, "password": "short"}),
                   422, "unprocessable", rule="user.weak_password")
    r = anon.post("/auth/activate", json={"token": token, "password": USER_PASSWORD})
    assert r.status_code == 204, describe(r)
    assert_problem(anon.post("/auth/activate", json={"token": token, "password": USER_PASSWORD}),
                   400, "invalid-link")
    dana = login(server, email, USER_PASSWORD, name="dana")
    me = assert_json(dana.get("/me"))
    assert me["pending_activation"] is False and me["phone"] == "+1 555 0199"
    assert [a["account_number"] for a in me["accounts"]] == [number]


def test_a_rejected_request_tells_the_requester_why(staff, anon, server):
    email = fresh_email("rej")
    rid = assert_json(anon.post("/access-requests", json=request_body(email)), 202)["id"]
    assert_problem(staff.post(f"/access-requests/{rid}/reject", json={}), 400, "validation")
    decided = assert_json(staff.post(f"/access-requests/{rid}/reject",
                                     json={"reason": "We could not find this account number."}))
    assert decided["state"] == "rejected"
    mail = mail_to(server.maildir, email, "About your request")
    assert mail and "We could not find this account number." in text(mail[0])
    rejected = assert_json(staff.get("/access-requests?state=rejected&page[size]=100"))
    assert rid in [x["id"] for x in rejected["data"]]
    pending = assert_json(staff.get("/access-requests?state=pending&page[size]=100"))
    assert rid not in [x["id"] for x in pending["data"]]


def test_a_request_for_an_existing_e_mail_cannot_be_approved_as_a_new_user(alice, staff, anon):
    rid = assert_json(anon.post("/access-requests", json=request_body(alice.email)), 202)["id"]
    r = staff.post(f"/access-requests/{rid}/approve", json={"account_id": alice.account_id})
    assert_problem(r, 409, "conflict", rule="user.email_taken")


def test_the_request_form_names_every_wrong_field(anon):
    r = anon.post("/access-requests", json={"name": "", "email": "nope", "phone": "call me"})
    body = assert_problem(r, 400, "validation")
    fields = {e["field"] for e in body.get("errors", [])}
    assert {"name", "account_name", "service_address"} <= fields, body


def test_cant_access_email_opens_a_request_to_staff(staff, anon, server):
    email = fresh_email("lost")
    rid = assert_json(anon.post("/auth/help", json={
        "name": "Lou", "email": email, "description": "My old mailbox is gone."}), 202)["id"]
    got = assert_json(staff.get(f"/access-requests/{rid}"))
    assert got["kind"] == "recovery" and got["description"] == "My old mailbox is gone."
    assert mail_to(server.maildir, email, "We received your request")
    assert assert_json(staff.post(f"/access-requests/{rid}/approve", json={}))["state"] == "approved"


def test_sign_in_with_a_username_in_any_case(world, staff, server):
    c = world.new_customer()
    name = "user" + secrets.token_hex(3)
    assert assert_json(staff.patch(f"/users/{c.id}", json={"username": name}))["username"] == name
    by_name = Client(world.api).post("/auth/login",
                                     json={"login": name.upper(), "password": c.password})
    assert assert_json(by_name)["user"]["id"] == c.id
    # Unique whatever the case.
    d = world.new_customer()
    assert_problem(staff.patch(f"/users/{d.id}", json={"username": name.capitalize()}),
                   409, "conflict", rule="username.taken")
    # A new username frees the old one.
    assert_json(staff.patch(f"/users/{c.id}", json={"username": name + "x"}))
    assert assert_json(staff.patch(f"/users/{d.id}", json={"username": name}))["username"] == name
    # The name now signs in d (the suite's users share a password), not c.
    r = Client(world.api).post("/auth/login", json={"login": name, "password": d.password})
    assert assert_json(r)["user"]["id"] == d.id
    assert_problem(staff.patch(f"/users/{d.id}", json={"username": "no spaces"}),
                   400, "validation")


def set_challenge(c: Client, answer: str = "Crème Brûlée") -> None:
    qs = assert_json(Client(c.base).get("/auth/challenge-questions"))["data"]
    assert len(qs) >= 3 and all(q["id"] and q["text"] for q in qs)
    assert_problem(c.put("/me/challenge", json={"question_id": qs[0]["id"], "answer": answer,
                                                "current_password": WRONG}),
                   422, "unprocessable", rule="password.current")
    assert_problem(c.put("/me/challenge", json={"question_id": "no_such", "answer": answer,
                                                "current_password": c.password}),
                   422, "unprocessable", rule="user.challenge_question")
    r = assert_json(c.put("/me/challenge", json={"question_id": qs[0]["id"], "answer": answer,
                                                 "current_password": c.password}))
    assert r["challenge_question"]["id"] == qs[0]["id"]


def lock(world, c: Client) -> None:
    for _ in range(5):
        assert_problem(Client(world.api).post("/auth/login", json={"email": c.email,
                                                                   "password": WRONG}),
                       401, "invalid-credentials")


def test_locked_then_unlocked_with_the_link_and_the_challenge_answer(world, staff, server):
    c = world.new_customer()
    set_challenge(c)
    assert assert_json(c.get("/me"))["challenge_question"]
    lock(world, c)
    assert mail_to(server.maildir, c.email, "locked")
    assert_problem(Client(world.api).post("/auth/login", json={"email": c.email,
                                                               "password": c.password}),
                   401, "invalid-credentials")
    same = Client(world.api).post("/auth/unlock", json={"login": c.email})
    unknown = Client(world.api).post("/auth/unlock", json={"login": fresh_email("nobody")})
    assert (same.status_code, same.json()) == (unknown.status_code, unknown.json()) == \
        (202, same.json())
    mail = mail_to(server.maildir, c.email, "Unlock your portal account")
    assert mail, "no unlock mail"
    token = token_in(mail[0])
    anon = Client(world.api)
    question = assert_json(anon.post("/auth/unlock/check", json={"token": token}))
    assert question["challenge_question"]["text"]
    assert_problem(anon.post("/auth/unlock/confirm", json={"token": token, "answer": "custard"}),
                   422, "unprocessable", rule="user.challenge_answer")
    # The answer is compared without case, accents or extra spaces.
    r = anon.post("/auth/unlock/confirm", json={"token": token, "answer": "  creme   BRULEE "})
    assert r.status_code == 204, describe(r)
    assert assert_json(staff.get(f"/users/{c.id}"))["locked"] is False
    login(server, c.email, c.password)
    assert_problem(anon.post("/auth/unlock/confirm", json={"token": token,
                                                           "answer": "creme brulee"}),
                   400, "invalid-link")


def test_without_a_challenge_question_unlock_says_to_reset_the_password(world, server):
    c = world.new_customer()
    lock(world, c)
    assert Client(world.api).post("/auth/unlock", json={"email": c.email}).status_code == 202
    mail = mail_to(server.maildir, c.email, "How to unlock")
    assert mail and "#token=" not in text(mail[0]) and "Forgot password" in text(mail[0])
    # The reset link unlocks.
    Client(world.api).post("/auth/password/forgot", json={"login": c.email})
    token = token_in(mail_to(server.maildir, c.email, "Set a new password")[0])
    r = Client(world.api).post("/auth/password/reset", json={"token": token,
                                                             "password": NEW_PASSWORD})
    assert r.status_code == 204, describe(r)
    login(server, c.email, NEW_PASSWORD)


def test_a_reset_needs_the_challenge_answer_once_one_is_set(world, server):
    c = world.new_customer()
    set_challenge(c, "Lisbon")
    Client(world.api).post("/auth/password/forgot", json={"email": c.email})
    token = token_in(mail_to(server.maildir, c.email, "Set a new password")[0])
    anon = Client(world.api)
    assert assert_json(anon.post("/auth/password/reset/check",
                                 json={"token": token}))["challenge_question"]["id"]
    assert_problem(anon.post("/auth/password/reset", json={"token": token,
                                                           "password": NEW_PASSWORD}),
                   422, "unprocessable", rule="user.challenge_answer")
    assert_problem(anon.post("/auth/password/reset", json={"token": token, "password": NEW_PASSWORD,
                                                           "answer": "Porto"}),
                   422, "unprocessable", rule="user.challenge_answer")
    r = anon.post("/auth/password/reset", json={"token": token, "password": NEW_PASSWORD,
                                                "answer": "lisbon"})
    assert r.status_code == 204, describe(r)
    login(server, c.email, NEW_PASSWORD)


def test_staff_list_search_and_edit_users_and_their_memberships(world, staff, admin, alice,
                                                                 accounts, server):
    c = world.new_customer()
    unique = "Zed" + secrets.token_hex(3)
    edited = assert_json(staff.patch(f"/users/{c.id}", json={"name": f"{unique} Quill",
                                                              "phone": "+44 1632 960000"}))
    assert edited["name"] == f"{unique} Quill" and edited["phone"] == "+44 1632 960000"
    # By a name word (a prefix, any case), by e-mail, by account.
    for q in (unique.lower(), unique[:4], c.email, f"{unique} qui"):
        found = assert_json(staff.get("/users", params={"q": q}))["data"]
        assert [u["id"] for u in found] == [c.id], (q, found)
    members = assert_json(staff.get("/users", params={"account_id": c.account["id"]}))["data"]
    assert [u["id"] for u in members] == [c.id]
    # Paging through everyone: each user once.
    seen, url = [], "/users?page[size]=2"
    while url:
        page = assert_json(staff.get(url))
        seen += [u["id"] for u in page["data"]]
        url = page["links"]["next"] and page["links"]["next"].replace("/api/v1", "")
    assert len(seen) == len(set(seen)) and c.id in seen and alice.id in seen

    other = accounts["2"]["id"]
    after = assert_json(staff.post(f"/users/{c.id}/accounts", json={"account_id": other}))
    assert sorted(after["account_ids"]) == sorted([c.account["id"], other])
    assert_problem(staff.post(f"/users/{c.id}/accounts", json={"account_id": other}),
                   409, "conflict", rule="user.member")
    fresh = login(server, c.email, c.password)
    assert other in [a["id"] for a in assert_json(fresh.get("/me"))["accounts"]]
    r = staff.delete(f"/users/{c.id}/accounts/{other}")
    assert assert_json(r)["account_ids"] == [c.account["id"]]
    assert_problem(staff.delete(f"/users/{c.id}/accounts/{c.account['id']}"), 409, "conflict",
                   rule="user.last_account")

    # Staff send a reset link; a customer can do none of this.
    assert staff.post(f"/users/{c.id}/reset-link").status_code == 202
    assert mail_to(server.maildir, c.email, "Set a new password")
    for method, path, body in (("GET", "/users", None), ("PATCH", f"/users/{c.id}", {"name": "x"}),
                               ("POST", f"/users/{c.id}/accounts", {"account_id": other}),
                               ("POST", f"/users/{c.id}/reset-link", None),
                               ("POST", f"/users/{c.id}/invitation", None)):
        assert_problem(alice.request(method, path, json=body), 403, "forbidden")


def test_a_user_edits_their_own_name_and_phone_but_nothing_else(world):
    c = world.new_customer()
    me = assert_json(c.patch("/me", json={"name": "Renamed Customer", "phone": "+1 555 0142"}))
    assert me["name"] == "Renamed Customer" and me["phone"] == "+1 555 0142"
    assert_problem(c.patch("/me", json={"username": "sneaky"}), 400, "validation")
    assert_problem(c.patch("/me", json={"phone": "call me maybe"}), 400, "validation")
    assert assert_json(c.get("/me"))["name"] == "Renamed Customer"


def test_an_invitation_can_be_sent_again_and_the_older_link_stops_working(world, staff, server,
                                                                          accounts):
    email = fresh_email("inv")
    user = assert_json(staff.post("/users", json={"email": email, "name": "Ivy",
                                                  "role": "customer",
                                                  "account_ids": [accounts["1"]["id"]]}), 201)
    assert user["pending_activation"] is True
    first = token_in(mail_to(server.maildir, email, "invited")[0])
    assert staff.post(f"/users/{user['id']}/invitation").status_code == 202
    assert len(mail_to(server.maildir, email, "invited", count=2)) == 2
    assert_problem(Client(world.api).post("/auth/activate", json={"token": first,
                                                                  "password": USER_PASSWORD}),
                   400, "invalid-link")
    activate(server, email, count=2)
    login(server, email, USER_PASSWORD)
    assert_problem(staff.post(f"/users/{user['id']}/invitation"), 409, "conflict",
                   rule="user.active")
    # POST /users takes no password: staff never choose one.
    assert_problem(staff.post("/users", json={"email": fresh_email("pw"), "name": "P",
                                              "role": "customer", "password": USER_PASSWORD,
                                              "account_ids": [accounts["1"]["id"]]}),
                   400, "validation")


def test_no_password_token_or_answer_in_any_event_log_line_metric_or_other_mail(world, server,
                                                                                 staff):
    """After every flow above (runs last): the secrets they used appear in no
    event, log line or metric, and a link's token only in its own mail."""
    passwords = [USER_PASSWORD, NEW_PASSWORD, WRONG]
    answers = ["Crème Brûlée", "creme brulee", "custard", "Lisbon", "lisbon", "Porto"]
    sessions = [c.token for c in (world.admin, world.staff, world.alice, world.bob)]
    secrets_ = passwords + answers + [t.split(".", 1)[1] for t in sessions]
    mails = all_mail(server.maildir)
    links = {}  # token -> the mail it belongs in
    for i, m in enumerate(mails):
        for token in re.findall(r"#token=([A-Za-z0-9.]+)", text(m) + html(m)):
            links.setdefault(token.split(".", 1)[1], set()).add(i)
    assert len(links) >= 10, "the flows above mailed links"

    events = ""
    for context in ("identity", "cases"):
        events += server.ctl("replay", "--brokers", server.brokers,
                             "--topic", f"{server.prefix}.{context}.events", timeout=120).stdout
    assert '"LoginSucceeded"' in events and '"TokenIssued"' in events, events[:500]
    log = server.stderr.read_text(errors="replace") + server.stdout.read_text(errors="replace")
    metrics = requests.get(server.root + "/metrics", timeout=30).text
    for where, haystack in (("events", events), ("the log", log), ("/metrics", metrics)):
        for s in secrets_ + list(links):
            assert s not in haystack, f"a secret ({s[:6]}...) is in {where}"
    for i, m in enumerate(mails):
        body = text(m) + html(m) + str(m["Subject"])
        for s in secrets_:
            assert s not in body, f"a secret ({s[:6]}...) is in mail {m['Subject']}"
        for token, owners in links.items():
            if i not in owners:
                assert token not in body, f"another mail's link is in {m['Subject']}"
