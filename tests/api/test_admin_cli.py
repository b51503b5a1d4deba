"""`docketctl admin create`: the first admin comes from the command line.

It reads the password from standard input, refuses a weak one and an e-mail
that exists (whatever its case), and the admin it creates can log in.
"""
import subprocess

from conftest import ADMIN_EMAIL, COMMON_PASSWORDS


def run_ctl(server, email, name, password):
    return subprocess.run(
        [server.docketctl, "admin", "create", "--brokers", server.brokers,
         "--topic-prefix", server.prefix, "--email", email, "--name", name,
         "--common-passwords", str(COMMON_PASSWORDS)],
        input=password + "\n", capture_output=True, text=True, timeout=60)


def test_an_existing_email_is_refused_whatever_its_case(world):
    r = run_ctl(world.server, ADMIN_EMAIL.upper(), "Second Admin", "another-long-passphrase-77")
    assert r.returncode == 65, r
    assert "already exists" in r.stderr
    assert "docketctl admin create" in r.stderr


def test_weak_passwords_are_refused_before_anything_is_written(world):
    for weak, why in [("short-1", "at least 12 characters"),
                      ("aaaaaaaaaaaaaaaa", "5 different characters"),
                      ("my-password-is-long", "common word"),
                      ("newadmin-x-2026-q", "e-mail")]:
        r = run_ctl(world.server, "newadmin@example.com", "New Admin", weak)
        assert r.returncode == 65, (weak, r)
        assert why in r.stderr, (weak, r.stderr)
    # Nothing was created: no such user can log in.
    import requests
    r = requests.post(world.server.api + "/auth/login",
                      json={"email": "newadmin@example.com", "password": "short-1"}, timeout=30)
    assert r.status_code == 401


def test_a_created_admin_can_log_in_and_create_staff(world):
    r = run_ctl(world.server, "second-admin@example.com", "Second Admin", "violet-canyon-orbit-58")
    assert r.returncode == 0, r
    assert "created admin second-admin@example.com" in r.stdout
    import requests
    import time
    # The identity read model applies the new user asynchronously (docketctl
    # returns once the decider accepted it): the login succeeds within
    # moments, never with another answer than 401 before that.
    deadline = time.monotonic() + 10
    while True:
        login = requests.post(world.server.api + "/auth/login",
                              json={"email": "Second-Admin@example.com",
                                    "password": "violet-canyon-orbit-58"},
                              timeout=30)
        if login.status_code != 401 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert login.status_code == 200, login.text
    assert login.json()["user"]["role"] == "admin"


def test_no_password_on_stdin_is_an_error(world):
    r = subprocess.run(
        [world.server.docketctl, "admin", "create", "--brokers", world.server.brokers,
         "--topic-prefix", world.server.prefix, "--email", "x@example.com", "--name", "X"],
        input="", capture_output=True, text=True, timeout=60)
    assert r.returncode == 65
    assert "no password on standard input" in r.stderr
