"""No enumeration (issue 12): for an existing, a locked, a disabled and an
unknown e-mail, sign-in (a wrong password), "Forgot password?" and "Unlock
account?" answer the same status and body, and over 200 interleaved
samples of each the median times differ by less than 5 ms. A real broker,
a real docketd (its link-mail limit raised so every sample does the whole
work) and the real notifier and SMTP server."""
from __future__ import annotations

import random
import secrets
import statistics
import time

import pytest

from conftest import MAIN_CONFIG, _mail_config, _start, login, user_when
from docket_api import Client, assert_json, describe

SAMPLES = 200
MAX_MEDIAN_GAP_S = 0.005
WRONG = "not-the-password-at-all-7"


@pytest.fixture(scope="session")
def server(request, smtp):
    config = dict(MAIN_CONFIG, **_mail_config(smtp), **{"link-mails-per-hour": 1000000})
    return _start("enum", config, request, maildir=smtp.maildir)


@pytest.fixture(scope="module")
def emails(world, staff):
    existing = world.new_customer()
    locked = world.new_customer()
    for _ in range(5):
        Client(world.api).post("/auth/login", json={"email": locked.email, "password": WRONG})
    assert user_when(staff, locked.id, lambda v: v["locked"])["locked"] is True
    disabled = world.new_customer()
    assert_json(staff.post(f"/users/{disabled.id}/disable"))
    return {"existing": existing, "locked": locked, "disabled": disabled,
            "unknown": f"nobody-{secrets.token_hex(5)}@example.com"}


def email_of(who) -> str:
    return who if isinstance(who, str) else who.email


@pytest.mark.parametrize("route,body", [
    ("/auth/login", lambda e: {"email": e, "password": WRONG}),
    ("/auth/password/forgot", lambda e: {"email": e}),
    ("/auth/unlock", lambda e: {"login": e}),
])
def test_the_same_answer_in_the_same_time(world, emails, route, body):
    anon = Client(world.api)
    times = {k: [] for k in emails}
    answers = {k: set() for k in emails}
    rng = random.Random(7)
    for i in range(SAMPLES):
        if route == "/auth/login" and i % 3 == 0:
            # The existing user must not lock: a right password now and
            # then forgets the failures (not timed).
            login(world.server, emails["existing"].email, emails["existing"].password)
        kinds = list(emails)
        rng.shuffle(kinds)
        for kind in kinds:
            start = time.perf_counter()
            r = anon.post(route, json=body(email_of(emails[kind])))
            times[kind].append(time.perf_counter() - start)
            answers[kind].add((r.status_code, r.text))
    distinct = set().union(*answers.values())
    assert len(distinct) == 1, f"{route}: answers differ: {answers}"
    medians = {k: statistics.median(v) for k, v in times.items()}
    gap = max(medians.values()) - min(medians.values())
    print(f"\n{route}: medians (ms) " +
          ", ".join(f"{k} {v * 1000:.2f}" for k, v in medians.items()) + f"; gap {gap * 1000:.2f}")
    assert gap < MAX_MEDIAN_GAP_S, f"{route}: medians differ by {gap * 1000:.2f} ms: {medians}"
