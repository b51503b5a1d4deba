"""Link expiry with an injected clock (issue 12): this docketd's clock is the
system clock plus the seconds in a file (--test-clock-offset-file,
common/offset_clock.h), so the test moves it to 59:59 and 60:01 after a
link was sent, with a real broker, the real notifier and the real SMTP
server. Also: a used link, another user's, an older one after a newer one
and a tampered one are refused."""
from __future__ import annotations

import secrets
import time
from pathlib import Path

import pytest

from conftest import MAIN_CONFIG, USER_PASSWORD, _mail_config, _start, login
from docket_api import Client, assert_json, assert_problem, describe
from mail import mail_to, token_in

NEW_PASSWORD = "a-brand-new-passphrase-42"
HOUR = 3600


@pytest.fixture(scope="session")
def clock_file(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("clock") / "offset-seconds"
    p.write_text("0")
    return p


@pytest.fixture(scope="session")
def server(request, smtp, clock_file):
    config = dict(MAIN_CONFIG, **_mail_config(smtp),
                  **{"test-clock-offset-file": str(clock_file)})
    return _start("clock", config, request, maildir=smtp.maildir)


class Clock:
    """The docketd's clock: `at(t0, s)` makes it read t0 + s (t0 a real
    time.time()), from now until the next move."""

    def __init__(self, path: Path):
        self.path = path

    def at(self, t0: float, seconds: float) -> None:
        self.path.write_text(repr(t0 + seconds - time.time()))
        time.sleep(0.1)  # docketd reads the file again within 20 ms

    def reset(self) -> None:
        self.path.write_text("0")
        time.sleep(0.1)


@pytest.fixture
def clock(clock_file):
    c = Clock(clock_file)
    yield c
    c.reset()


def forgot(world, email: str, count: int) -> tuple[str, float, float]:
    """Asks for a reset link: (token, a time before, a time after)."""
    before = time.time()
    r = Client(world.api).post("/auth/password/forgot", json={"email": email})
    after = time.time()
    assert r.status_code == 202, describe(r)
    assert after - before < 0.5, "the request took too long to place the link in time"
    mails = mail_to(world.server.maildir, email, "Set a new password", count=count)
    assert len(mails) == count, f"no reset mail #{count} for {email}"
    return token_in(mails[-1]), before, after


def test_a_reset_link_works_at_59_59_and_is_refused_at_60_01(world, clock):
    c = world.new_customer()
    anon = Client(world.api)
    token, before, after = forgot(world, c.email, 1)
    clock.at(after, HOUR - 1)  # 59:59 after it was sent, at the latest
    assert assert_json(anon.post("/auth/password/reset/check", json={"token": token}))["valid"]
    r = anon.post("/auth/password/reset", json={"token": token, "password": NEW_PASSWORD})
    assert r.status_code == 204, describe(r)
    clock.reset()
    login(world.server, c.email, NEW_PASSWORD)

    token, before, after = forgot(world, c.email, 2)
    clock.at(before, HOUR + 1)  # 60:01 after it was sent, at the earliest
    assert_problem(anon.post("/auth/password/reset/check", json={"token": token}),
                   400, "invalid-link")
    assert_problem(anon.post("/auth/password/reset", json={"token": token,
                                                           "password": USER_PASSWORD + "x"}),
                   400, "invalid-link")


def test_an_invitation_works_for_72_hours(world, staff, accounts, clock):
    email = f"late-{secrets.token_hex(4)}@example.com"
    before = time.time()
    user = assert_json(staff.post("/users", json={"email": email, "name": "Lee", "role": "customer",
                                                  "account_ids": [accounts["1"]["id"]]}), 201)
    after = time.time()
    token = token_in(mail_to(world.server.maildir, email, "invited")[0])
    anon = Client(world.api)
    clock.at(after, 72 * HOUR - 1)
    assert assert_json(anon.post("/auth/activate/check", json={"token": token}))["valid"]
    clock.at(before, 72 * HOUR + 1)
    assert_problem(anon.post("/auth/activate", json={"token": token, "password": USER_PASSWORD}),
                   400, "invalid-link")
    clock.reset()
    assert assert_json(staff.get(f"/users/{user['id']}"))["pending_activation"] is True


def test_used_replaced_tampered_and_other_users_links_are_refused(world):
    c = world.new_customer()
    d = world.new_customer()
    anon = Client(world.api)
    older, _, _ = forgot(world, c.email, 1)
    newer, _, _ = forgot(world, c.email, 2)
    theirs, _, _ = forgot(world, d.email, 1)
    invalid = [older,                                        # replaced by a newer one
               newer[:-1] + ("0" if newer[-1] != "0" else "1"),  # tampered
               c.id + theirs[theirs.index("."):],            # another user's, on this user
               "u" + "0" * 24 + newer[newer.index("."):]]    # on a user that does not exist
    answers = set()
    for token in invalid:
        for path, body in (("/auth/password/reset/check", {"token": token}),
                           ("/auth/password/reset", {"token": token, "password": NEW_PASSWORD})):
            r = anon.post(path, json=body)
            p = assert_problem(r, 400, "invalid-link")
            assert r.headers.get("Referrer-Policy") == "no-referrer"
            answers.add((p["title"], p["detail"]))
    assert len(answers) == 1, answers  # one answer for every kind of bad link
    r = anon.post("/auth/password/reset", json={"token": newer, "password": NEW_PASSWORD})
    assert r.status_code == 204, describe(r)
    assert_problem(anon.post("/auth/password/reset", json={"token": newer,
                                                           "password": NEW_PASSWORD + "2"}),
                   400, "invalid-link")  # used
