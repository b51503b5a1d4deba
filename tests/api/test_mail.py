"""Every mail Docket sends, read from a real SMTP server on loopback
(issue 12): forgotten-password links end to end, lock-out and password
notices, case mails to openers and watchers, an SMTP outage, a refused
recipient, and no secret anywhere but in its one link."""
from __future__ import annotations

import secrets
import time
from urllib.parse import quote

import pytest

from conftest import PUBLIC_BASE_URL, login
from docket_api import Client, assert_json, assert_problem, describe, open_case
from mail import all_mail, deliveries, html, mail_to, text, token_in

WRONG = "not-the-password-at-all-7"
NEW_PASSWORD = "copper-meadow-glides-north-5"


def forgot(api, email):
    r = Client(api).post("/auth/password/forgot", json={"email": email})
    assert r.status_code == 202, describe(r)


def test_a_forgotten_password_is_reset_through_the_mailed_link(world, smtp):
    c = world.new_customer()
    other_session = login(world.server, c.email, c.password)
    forgot(world.api, c.email)
    [msg] = mail_to(smtp.maildir, c.email, "Set a new password")
    assert msg["From"].addresses[0].addr_spec == "portal@docket.test"
    assert f"{PUBLIC_BASE_URL}/reset-password#token=" in text(msg), text(msg)
    assert "Set a new password" in html(msg)
    token = token_in(msg)
    anon = Client(world.api)
    # Opening the link does not use it up.
    for _ in range(2):
        assert assert_json(anon.post("/auth/password/reset/check", json={"token": token}))[
            "email"] == c.email
    r = anon.post("/auth/password/reset", json={"token": token, "password": NEW_PASSWORD})
    assert r.status_code == 204, describe(r)
    assert r.headers.get("Referrer-Policy") == "no-referrer"
    # Not signed in by it; every session ended; the new password works.
    assert "Set-Cookie" not in r.headers
    assert_problem(c.get("/me"), 401, "unauthenticated")
    assert_problem(other_session.get("/me"), 401, "unauthenticated")
    assert anon.post("/auth/login", json={"email": c.email, "password": c.password}
                     ).status_code == 401
    assert anon.post("/auth/login", json={"email": c.email, "password": NEW_PASSWORD}
                     ).status_code == 200
    # Used: refused.
    again = anon.post("/auth/password/reset", json={"token": token, "password": NEW_PASSWORD})
    assert_problem(again, 400, "invalid-link", rule="token.invalid")
    [changed] = mail_to(smtp.maildir, c.email, "password was changed")
    assert "forgotten-password" in text(changed)


def test_a_newer_link_voids_the_older_and_links_cannot_be_tampered_or_borrowed(world, smtp):
    c = world.new_customer()
    d = world.new_customer()
    forgot(world.api, c.email)
    [first] = mail_to(smtp.maildir, c.email, "Set a new password")
    forgot(world.api, c.email)
    mails = mail_to(smtp.maildir, c.email, "Set a new password", count=2)
    tokens = {token_in(m) for m in mails}
    assert len(tokens) == 2
    older = token_in(first)
    newer = (tokens - {older}).pop()
    anon = Client(world.api)
    assert_problem(anon.post("/auth/password/reset/check", json={"token": older}), 400,
                   "invalid-link")
    tampered = newer[:-1] + ("0" if newer[-1] != "0" else "1")
    borrowed = d.id + newer[len(c.id):]  # the secret of c's link on d's account
    for bad in (tampered, borrowed):
        r = anon.post("/auth/password/reset", json={"token": bad, "password": NEW_PASSWORD})
        assert_problem(r, 400, "invalid-link", rule="token.invalid")
    assert anon.post("/auth/password/reset/check", json={"token": newer}).status_code == 200


def test_an_unknown_email_gets_no_mail(world, smtp):
    ghost = f"ghost-{secrets.token_hex(4)}@example.com"
    forgot(world.api, ghost)
    c = world.new_customer()
    forgot(world.api, c.email)  # sent after: once it is there, the ghost's would be too
    mail_to(smtp.maildir, c.email, "Set a new password")
    assert not mail_to(smtp.maildir, ghost, wait_s=0)


def test_a_locked_user_is_told_by_mail(world, smtp):
    c = world.new_customer()
    for _ in range(5):
        Client(world.api).post("/auth/login", json={"email": c.email, "password": WRONG})
    [msg] = mail_to(smtp.maildir, c.email, "is locked")
    assert "Forgot password?" in text(msg)


def test_a_changed_password_is_confirmed_by_mail(world, smtp):
    c = world.new_customer()
    r = c.post("/me/password", json={"current_password": c.password,
                                      "new_password": NEW_PASSWORD,
                                      "confirm_password": NEW_PASSWORD})
    assert r.status_code == 200, describe(r)
    [msg] = mail_to(smtp.maildir, c.email, "password was changed")
    assert "My Account" in text(msg)


def test_case_mails_reach_the_opener_and_watchers_but_never_the_actor(world, smtp, staff):
    c = world.new_customer()
    number = open_case(c, c.account["id"]).number
    watcher = f"watcher-{secrets.token_hex(4)}@example.com"
    assert c.post(f"/cases/{number}/watchers", json={"email": watcher}).status_code == 201
    [added] = mail_to(smtp.maildir, watcher, "You are watching")
    assert number in str(added["Subject"])
    assert staff.post(f"/cases/{number}/notes", json={"body": "internal only"}).status_code == 201
    r = staff.post(f"/cases/{number}/comments", json={"body": "We are on it."})
    assert r.status_code == 201, describe(r)
    [to_opener] = mail_to(smtp.maildir, c.email, "New comment")
    [to_watcher] = mail_to(smtp.maildir, watcher, "New comment")
    for m in (to_opener, to_watcher):
        assert "We are on it." in text(m)
        assert f"{PUBLIC_BASE_URL}/cases/{number}" in text(m)
        assert "internal only" not in text(m) + html(m)
    assert to_opener["Message-ID"] != to_watcher["Message-ID"]
    # The customer's own comment goes to the watcher, not back to them.
    assert c.post(f"/cases/{number}/comments", json={"body": "Thanks!"}).status_code == 201
    mail_to(smtp.maildir, watcher, "New comment", count=2)
    assert len(mail_to(smtp.maildir, c.email, "New comment", wait_s=0)) == 1
    assert not [m for m in all_mail(smtp.maildir) if "internal only" in text(m)]
    # A state change and the removal of the watcher.
    assert staff.post(f"/cases/{number}/accept").status_code == 200
    [state] = mail_to(smtp.maildir, c.email, "Now Open")
    assert number in text(state)
    assert c.delete(f"/cases/{number}/watchers/{quote(watcher, safe='')}").status_code == 204
    mail_to(smtp.maildir, watcher, "no longer watch")


def test_every_mail_arrives_once_across_an_smtp_outage(world, smtp, staff):
    c = world.new_customer()
    number = open_case(c, c.account["id"]).number
    smtp.stop()
    try:
        for i in range(3):
            r = staff.post(f"/cases/{number}/comments", json={"body": f"during outage {i}"})
            assert r.status_code == 201, describe(r)
        time.sleep(3)  # the notifier tries, fails and backs off meanwhile
    finally:
        smtp.start()
    mails = mail_to(smtp.maildir, c.email, "New comment", count=3, wait_s=60)
    for i in range(3):
        assert sum(f"during outage {i}" in text(m) for m in mails) == 1
    ids = {m["Message-ID"] for m in mails}
    assert len(ids) == 3
    # Nor was any sent twice (the server keeps one per Message-ID; its log
    # shows every delivery).
    assert not [d for d in deliveries(smtp.maildir) if d[0] in ids and d[1] != "kept"]


def test_a_refused_recipient_is_kept_counted_listed_and_retried(world, smtp, server):
    c = world.new_customer()
    number = open_case(c, c.account["id"]).number
    refused = f"nobody-{secrets.token_hex(3)}@reject.example"
    assert c.post(f"/cases/{number}/watchers", json={"email": refused}).status_code == 201
    deadline = time.monotonic() + 30
    while True:
        listed = server.ctl("notifications", "list", "--data-dir", str(server.data_dir))
        if refused in listed.stdout or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    lines = [l for l in listed.stdout.splitlines() if refused in l]
    assert len(lines) == 1, listed.stdout
    assert "550" in lines[0] and "watcher_added" in lines[0]
    metrics = Client(world.server.root).get("/metrics").text
    failed = [l for l in metrics.splitlines() if l.startswith("docket_mail_failed_total ")]
    assert failed and int(failed[0].split()[1]) >= 1, metrics[-2000:]
    server.ctl("notifications", "retry", "--all", "--data-dir", str(server.data_dir))


def test_no_secret_in_any_log_line_or_mail_but_its_own_link(world, smtp, server):
    c = world.new_customer()
    forgot(world.api, c.email)
    [msg] = mail_to(smtp.maildir, c.email, "Set a new password")
    token = token_in(msg)
    secret = token.split(".")[1]
    for path in (server.stdout, server.stderr):
        logged = path.read_text(errors="replace")
        for needle in (secret, c.password, NEW_PASSWORD, c.token.split(".")[1]):
            assert needle not in logged, f"{needle[:6]}... in {path}"
    # The token is in its own mail only.
    holders = [m for m in all_mail(smtp.maildir) if secret in text(m) or secret in html(m)]
    assert len(holders) == 1
    metrics = Client(world.server.root).get("/metrics").text
    assert secret not in metrics and c.password not in metrics
