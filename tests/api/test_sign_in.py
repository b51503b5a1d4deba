"""Sign-in, lock-out, sessions on every gateway, password changes and links
(issue 12): against a real broker and two real docketd processes of one
deployment (the session's main server and a second gateway)."""
from __future__ import annotations

import concurrent.futures
import secrets

import pytest

from conftest import USER_PASSWORD, login, second_gateway, user_when
from docket_api import Client, assert_json, assert_problem, describe, open_case

WRONG = "not-the-password-at-all-7"


@pytest.fixture(scope="module")
def gateway_b(server, world, request):
    return second_gateway(server, request)


def attempt(api: str, email: str, password: str):
    return Client(api).post("/auth/login", json={"email": email, "password": password})


def failure_answer(r) -> tuple:
    """What a failed sign-in shows: status, type, title, detail."""
    body = assert_problem(r, 401, "invalid-credentials")
    return r.status_code, body.get("type"), body.get("title"), body.get("detail")


def user_view(staff: Client, user: Client) -> dict:
    return assert_json(staff.get(f"/users/{user.id}"), 200)


def locked_view(staff: Client, user: Client) -> dict:
    return user_when(staff, user.id, lambda v: v["locked"])


def test_five_failures_lock_and_a_locked_user_is_refused_like_a_wrong_password(world, staff):
    c = world.new_customer()
    unknown = failure_answer(attempt(world.api, f"nobody-{secrets.token_hex(4)}@example.com", WRONG))
    for _ in range(5):
        assert failure_answer(attempt(world.api, c.email, WRONG)) == unknown
    view = locked_view(staff, c)
    assert view["locked"] is True and view["failed_logins"] == 5, view
    # The right password no longer signs in, and says nothing more.
    assert failure_answer(attempt(world.api, c.email, c.password)) == unknown
    # Staff unlock; the right password works again.
    assert assert_json(staff.post(f"/users/{c.id}/unlock"), 200)["locked"] is False
    assert attempt(world.api, c.email, c.password).status_code == 200
    assert_problem(staff.post(f"/users/{c.id}/unlock"), 409, "conflict", rule="user.not_locked")


def test_fifty_parallel_wrong_passwords_check_at_most_five(world, staff):
    c = world.new_customer()
    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda _: attempt(world.api, c.email, WRONG), range(50)))
    # 503: the hasher's queue is full (a flood; real users' checks come first).
    assert {r.status_code for r in answers} <= {401, 503}, [describe(r) for r in answers[:3]]
    assert sum(r.status_code == 401 for r in answers) >= 5
    view = locked_view(staff, c)
    # Each failed check is a LoginFailed event: exactly the limit, then the lock.
    assert view["failed_logins"] == 5 and view["locked"] is True, view


def test_a_session_works_on_every_gateway_and_a_sign_out_anywhere_ends_it(world, gateway_b):
    c = world.new_customer()
    on_a = c
    on_b = Client(gateway_b.api, c.token, name="same session on b")
    assert assert_json(on_b.get("/me"), 200)["id"] == c.id
    r = on_b.post("/auth/logout")
    assert r.status_code == 204, describe(r)
    # Refused at once on the other gateway: no waiting, no retry.
    assert_problem(on_a.get("/me"), 401, "unauthenticated")
    assert_problem(on_b.get("/me"), 401, "unauthenticated")


def test_a_disabled_user_is_refused_at_once_on_both_gateways(world, staff, gateway_b):
    c = world.new_customer()
    on_b = Client(gateway_b.api, c.token)
    assert on_b.get("/me").status_code == 200
    staff_b = Client(gateway_b.api, staff.token)
    view = assert_json(staff_b.post(f"/users/{c.id}/disable"), 200)
    assert view["disabled"] is True
    assert_problem(c.get("/me"), 401, "unauthenticated")
    assert_problem(on_b.get("/me"), 401, "unauthenticated")
    assert failure_answer(attempt(world.api, c.email, c.password))
    assert_problem(c.as_token(None).post("/users/x/disable"), 401, "unauthenticated")
    assert_problem(staff.post(f"/users/{c.id}/disable"), 409, "conflict", rule="user.disabled")
    # Enabled again: the old session stays ended; signing in works.
    assert assert_json(staff.post(f"/users/{c.id}/enable"), 200)["disabled"] is False
    assert_problem(c.get("/me"), 401, "unauthenticated")
    assert attempt(gateway_b.api, c.email, c.password).status_code == 200


def test_only_staff_disable_enable_or_unlock(world, alice, bob):
    for action in ("disable", "enable", "unlock"):
        assert_problem(alice.post(f"/users/{bob.id}/{action}"), 403, "forbidden")
        assert_problem(alice.post(f"/users/{alice.id}/{action}"), 403, "forbidden")


def test_a_lock_holds_across_a_restart_of_a_gateway(world, staff, server, request):
    c = world.new_customer()
    for _ in range(5):
        attempt(world.api, c.email, WRONG)
    b = second_gateway(server, request, instance_id="c")
    assert failure_answer(attempt(b.api, c.email, c.password))
    assert b.stop() is None
    b.start()
    b.wait_directory_ready()
    assert failure_answer(attempt(b.api, c.email, c.password))
    assert locked_view(Client(b.api, staff.token), c)["locked"] is True


def test_changing_the_password_keeps_this_session_and_ends_the_others(world):
    c = world.new_customer()
    other = login(world.server, c.email, c.password)
    new = "amber-falcon-quietly-rows-" + secrets.token_hex(3)
    body = {"current_password": c.password, "new_password": new, "confirm_password": new}
    r = c.post("/me/password", json=body)
    assert assert_json(r, 200) == {"message": "Password changed successfully"}
    assert r.headers.get("Cache-Control") == "no-store"
    assert c.get("/me").status_code == 200
    assert_problem(other.get("/me"), 401, "unauthenticated")
    assert attempt(world.api, c.email, c.password).status_code == 401
    assert attempt(world.api, c.email, new).status_code == 200


@pytest.mark.parametrize("change, field, rule", [
    ({"current_password": WRONG}, "current_password", "password.current"),
    ({"confirm_password": "something-else-entirely-1"}, "confirm_password", "password.confirm"),
    ({"new_password": "password-password-1", "confirm_password": "password-password-1"},
     "new_password", "user.weak_password"),
    ({"new_password": "short", "confirm_password": "short"}, "new_password",
     "user.weak_password"),
    # In config/common-passwords.txt (whatever the case), though long enough.
    ({"new_password": "1QAZ2wsx3EDC", "confirm_password": "1QAZ2wsx3EDC"}, "new_password",
     "user.weak_password"),
    ({"new_password": "x" * 120 + "abcdefghi", "confirm_password": "x" * 120 + "abcdefghi"},
     "new_password", "user.weak_password"),
])
def test_a_password_change_names_what_is_wrong(world, change, field, rule):
    c = world.new_customer()
    new = "amber-falcon-quietly-rows-9"
    body = dict({"current_password": c.password, "new_password": new, "confirm_password": new},
                **change)
    problem = assert_problem(c.post("/me/password", json=body), 422, "unprocessable", rule=rule)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert attempt(world.api, c.email, c.password).status_code == 200  # unchanged


def test_forgotten_password_answers_the_same_for_anyone(world, alice, staff):
    answers = []
    for email in (alice.email, f"nobody-{secrets.token_hex(4)}@example.com", staff.email):
        r = Client(world.api).post("/auth/password/forgot", json={"email": email})
        answers.append((r.status_code, r.json(), r.headers.get("Cache-Control")))
    assert answers[0][0] == 202 and answers[0][2] == "no-store"
    assert answers[0] == answers[1] == answers[2]


@pytest.mark.parametrize("token", [
    "",
    "not-a-token",
    "u" + "0" * 24 + "." + "0" * 64,          # well-formed, never issued
    "u" + "0" * 24 + "." + "0" * 63 + "G",    # not hex
])
def test_a_bad_reset_link_is_refused_without_saying_why(world, token):
    for path, body in (("/auth/password/reset/check", {"token": token}),
                       ("/auth/password/reset", {"token": token, "password": "x" * 20})):
        r = Client(world.api).post(path, json=body)
        if token == "":
            assert_problem(r, 400, "validation")
            continue
        assert_problem(r, 400, "invalid-link", rule="token.invalid")
        assert r.headers.get("Referrer-Policy") == "no-referrer"


def test_a_command_lookup_works_on_every_gateway_and_after_a_restart(world, bob, server,
                                                                     request, accounts):
    """The result names its sender: any gateway answers them, and only them,
    before and after a restart; a rejection looks up as "not found" for a
    foreign case and a missing one alike."""
    c = world.new_customer()
    opened = open_case(c)
    cmd = opened.resp.headers["Docket-Command"]
    # A comment on another account's case: the direct answer is a 404.
    theirs = open_case(bob)
    refused = c.post(f"/cases/{theirs.number}/comments", json={"body": "hello"})
    assert_problem(refused, 404, "not-found")
    refused_cmd = refused.headers["Docket-Command"]
    b = second_gateway(server, request, instance_id="lookup")
    for round_ in ("running", "restarted"):
        on_b = Client(b.api, c.token)
        got = assert_json(on_b.get(f"/commands/{cmd}"))
        assert got["status"] == "accepted" and got["aggregate_id"] == opened.number, (round_, got)
        assert got["position"].startswith("cases:"), got
        rej = assert_json(on_b.get(f"/commands/{refused_cmd}"))
        assert rej["status"] == "rejected" and rej["problem"]["status"] == 404, (round_, rej)
        assert theirs.number not in str(rej) or "not found" in rej["problem"]["detail"], rej
        assert not {"version", "rule", "code"} & set(rej), rej
        assert_problem(Client(b.api, bob.token).get(f"/commands/{cmd}"), 404, "not-found")
        assert_problem(on_b.get("/commands/cmd-" + secrets.token_hex(8)), 404, "not-found")
        if round_ == "running":
            assert b.stop() is None
            b.start()
            b.wait_directory_ready()
