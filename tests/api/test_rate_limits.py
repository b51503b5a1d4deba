"""Rate limits (token buckets) on a second docketd with low limits
(conftest.LIMITED_CONFIG): per user, per client address, and the login
bucket. A limited request answers 429 too-many-requests with Retry-After
in whole seconds."""
from __future__ import annotations

import time

import requests

from conftest import ADMIN_EMAIL, ADMIN_PASSWORD, LIMITED_CONFIG
from docket_api import Client, assert_problem, describe

BOUND = 400  # requests at most before a limit must have answered 429


def check_429(r: requests.Response):
    assert_problem(r, 429, "too-many-requests")
    ra = r.headers.get("Retry-After", "")
    assert ra.isdigit() and int(ra) >= 1, f"Retry-After {ra!r}: {describe(r)}"
    return int(ra)


def wait_until_served(client: Client, path: str = "/me", timeout: float = 60.0):
    """Bounded polling until the buckets let `client` through again."""
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(path)
        if r.status_code != 429:
            return r
        assert time.monotonic() < deadline, describe(r)
        time.sleep(min(int(r.headers.get("Retry-After", "1") or 1), 5))


def first_429(send, bound: int = BOUND):
    """Calls send() until it answers 429; returns (answer, how many before it)."""
    for i in range(bound):
        r = send()
        if r.status_code == 429:
            return r, i
    raise AssertionError(f"no 429 within {bound} requests")


def test_login_limit(limited):
    # First in this file: the address bucket (rate-ip-burst) is still nearly
    # full, so the 429 below can only come from the login bucket.
    anon = Client(limited.api)
    answers = []
    # The login bucket holds login-per-min attempts; bootstrap spent some of them.
    for _ in range(LIMITED_CONFIG["login-per-min"] + 1):
        r = anon.post("/auth/login", json={"email": ADMIN_EMAIL, "password": "wrong-password-123"})
        answers.append(r)
        if r.status_code == 429:
            break
    assert answers[-1].status_code == 429, [a.status_code for a in answers]
    for a in answers[:-1]:
        assert_problem(a, 401, "invalid-credentials")
    retry = check_429(answers[-1])
    assert retry <= 60, retry
    # The right password does not get through the limit either.
    r = anon.post("/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    check_429(r)
    assert "token" not in r.text


def test_a_guesser_cannot_keep_the_real_user_out(limited):
    """Wrong passwords from other addresses empty alice's e-mail bucket; the
    guessers then get 429, but the right password from an address that has
    not been failing still signs in (before: 429 for everyone)."""
    email, password = limited.staff.email, limited.staff.password

    def login_from(ip, pw):
        return requests.post(limited.api + "/auth/login", json={"email": email, "password": pw},
                             headers={"X-Forwarded-For": f"{ip}, 127.0.0.1"}, timeout=30)
    for i in range(LIMITED_CONFIG["login-per-min"]):
        assert_problem(login_from(f"203.0.113.{20 + i}", "wrong-password-123"), 401,
                       "invalid-credentials")
    # The e-mail's bucket is empty: a guesser is refused, even with the
    # right password...
    check_429(login_from("203.0.113.20", "wrong-password-123"))
    check_429(login_from("203.0.113.21", password))
    # ...the real user, from her own address, is not.
    r = login_from("198.51.100.42", password)
    assert r.status_code == 200, describe(r)
    assert r.json().get("token")


def test_per_user_limit(limited):
    admin, staff = limited.admin, limited.staff
    assert wait_until_served(admin).status_code == 200
    assert wait_until_served(staff).status_code == 200
    t0 = time.monotonic()
    r, before = first_429(lambda: admin.get("/me"), bound=60)
    elapsed = time.monotonic() - t0
    check_429(r)
    # No more than the burst and what refilled meanwhile was served.
    assert before <= LIMITED_CONFIG["rate-user-burst"] + \
        LIMITED_CONFIG["rate-user-per-s"] * elapsed + 1, (before, elapsed)
    # Another user from the same address is still served: the bucket was admin's.
    other = staff.get("/me")
    assert other.status_code == 200, describe(other)
    # And admin is served again once the bucket refills.
    assert wait_until_served(admin, timeout=10).status_code == 200


def test_per_address_limit(limited):
    anon = Client(limited.api)
    # Unauthenticated requests meet the address bucket (401 until it is empty).
    r, before = first_429(lambda: anon.get("/catalog"))
    check_429(r)
    assert before >= 1, "the address bucket was empty before the test"
    # Signed-in users from the same address are limited too.
    r = limited.staff.get("/me")
    if r.status_code != 429:
        r, _ = first_429(lambda: limited.staff.get("/me"), bound=60)
    check_429(r)
    assert wait_until_served(limited.staff, timeout=60).status_code == 200


def test_behind_a_trusted_proxy_clients_are_told_apart_by_x_forwarded_for(limited):
    # The limited server trusts 127.0.0.1 as a proxy: each forwarded client
    # has its own address bucket, and a proxy's own hop is skipped.
    def as_client(ip):
        return requests.get(limited.api + "/catalog",
                            headers={"X-Forwarded-For": f"{ip}, 127.0.0.1"}, timeout=30)
    r, before = first_429(lambda: as_client("203.0.113.7"))
    check_429(r)
    assert before >= LIMITED_CONFIG["rate-ip-burst"] - 1, before
    # Another client behind the same proxy is not limited by the first one.
    other = as_client("198.51.100.9")
    assert other.status_code == 401, describe(other)
