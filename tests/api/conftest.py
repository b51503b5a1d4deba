"""Fixtures of the gateway's acceptance tests: a real docketd (every role)
against the real Kafka broker that tools/dev/test.sh starts.

Environment (all required; a missing one fails the tests, never skips them):
  DOCKET_TEST_BROKERS  host:port of the broker
  DOCKETD_PATH         the docketd binary
  DOCKETCTL_PATH       the docketctl binary

One session = one pytest process = one docketd with a topic prefix of its
own (ctest runs each module in its own process, in parallel). The second,
rate-limited server starts only for the tests that ask for it.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from docket_api import (API_PREFIX, Client, assert_json, describe, position)
from mail import mail_to, token_in

REPO = Path(__file__).resolve().parents[2]
CATALOG = REPO / "config" / "catalog.json"
MAIL_TEMPLATES = REPO / "config" / "mail"
COMMON_PASSWORDS = REPO / "config" / "common-passwords.txt"
CHALLENGE_QUESTIONS = REPO / "config" / "challenge-questions.txt"
STATUS_SERVICES = REPO / "config" / "status-services.json"
PORTAL_CONFIG = REPO / "config" / "portal.json"
CHAT_CONFIG = REPO / "config" / "chat.json"
SMTP_SERVER = REPO / "tools" / "dev" / "smtp-server.py"
PUBLIC_BASE_URL = "https://portal.docket.test"
OPENAPI = REPO / "api" / "openapi.yaml"

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct-horse-battery-staple-9"
USER_PASSWORD = "violet-lantern-orbit-harbor-42"
STARTUP_S = 60          # port file, /healthz and /readyz
LOGIN_VISIBLE_S = 60    # a new user's first successful login
STOP_GRACE_S = 10       # SIGTERM to exit, then SIGKILL

QUICK_LINKS = [
    {"title": "Service status", "url": "https://status.example.com/"},
    {"title": "Billing questions", "url": "https://example.com/help/billing?lang=en&x=1"},
    {"title": "Contact us", "url": "https://example.com/contact"},
]

# The main server: limits high enough never to be met by the suite, except
# the upload limit, kept small so the 413 test sends ~1 MiB, not 25 MiB.
MAIN_CONFIG = {
    "rate-ip-per-s": 100000,
    "rate-ip-burst": 100000,
    "rate-user-per-s": 100000,
    "rate-user-burst": 100000,
    "login-per-min": 100000,
    "max-body-bytes": 65536,
    "max-upload-bytes": 1048576,
    "max-header-bytes": 16384,
    "command-wait-ms": 15000,
    "min-position-wait-ms": 5000,
    "session-idle-s": 3600,
    "session-absolute-s": 86400,
    # Collect unreferenced blobs every second (the grace period stays one
    # hour: test_blobs ages files itself).
    "blob-gc-interval-s": 1,
    # The notifier (every server runs one; `smtp` points it at a real SMTP
    # server, else it retries a port nobody listens on).
    "mail-templates": str(MAIL_TEMPLATES),
    "public-base-url": PUBLIC_BASE_URL,
    "mail-from": "portal@docket.test",
    "common-passwords": str(COMMON_PASSWORDS),
    "challenge-questions": str(CHALLENGE_QUESTIONS),
    # Access requests come from one address here (the default is 10 an hour).
    "access-requests-per-hour": 1000,
    "status-services": str(STATUS_SERVICES),
    "portal-config": str(PORTAL_CONFIG),
    "chat-config": str(CHAT_CONFIG),
}

# The second server, for the 429 tests only. The per-address bucket is
# larger than the per-user one, so a single user's burst meets the user
# bucket first.
LIMITED_CONFIG = dict(MAIN_CONFIG, **{
    "rate-ip-per-s": 10,
    "rate-ip-burst": 30,
    "rate-user-per-s": 2,
    "rate-user-burst": 5,
    "login-per-min": 3,
    # Requests from 127.0.0.1 may name their client in X-Forwarded-For.
    "trusted-proxies": "127.0.0.1",
})


def _env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        pytest.fail(f"{name} is not set: run the API tests through tools/dev/test.sh "
                    f"(or see tests/api/README.md)", pytrace=False)
    return value


def _binary(name: str) -> str:
    path = _env(name)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"{name}={path} is not an executable file", pytrace=False)
    return path


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return json.dumps(str(v))  # a TOML basic string


def _tail(path: Path, lines: int = 80) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no output)"
    return "\n".join(text.splitlines()[-lines:])


class Docketd:
    """One docketd process with a fresh topic prefix and data directory."""

    def __init__(self, name: str, workdir: Path, config: dict, *, prefix: str | None = None,
                 instance_id: str = "a", maildir: Path | None = None):
        self.name = name
        # Where the deployment's mail arrives (the SMTP server of its notifier).
        self.maildir = maildir
        self.instance_id = instance_id
        self.brokers = _env("DOCKET_TEST_BROKERS")
        self.docketd = _binary("DOCKETD_PATH")
        self.docketctl = _binary("DOCKETCTL_PATH")
        self.workdir = workdir
        self.prefix = prefix or "t" + secrets.token_hex(6)
        self.data_dir = workdir / "data"
        self.port_file = workdir / "port"
        self.config_file = workdir / "docketd.toml"
        self.quick_links_file = workdir / "quick-links.json"
        self.stdout = workdir / "docketd.stdout"
        self.stderr = workdir / "docketd.stderr"
        self.config = dict(config)
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        return self.root + API_PREFIX

    def fail(self, why: str):
        pytest.fail(f"docketd ({self.name}, prefix {self.prefix}): {why}\n"
                    f"--- docketd stderr (tail) ---\n{_tail(self.stderr)}\n"
                    f"--- docketd stdout (tail) ---\n{_tail(self.stdout, 30)}", pytrace=False)

    def ctl(self, *args, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
        cmd = [self.docketctl, *args]
        try:
            res = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail(f"{' '.join(cmd)} did not finish within {timeout} s")
        if res.returncode != 0:
            self.fail(f"{' '.join(cmd)} exited {res.returncode}:\n{res.stdout}\n{res.stderr}")
        return res

    def write_config(self):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.quick_links_file.write_text(json.dumps(QUICK_LINKS, indent=1))
        cfg = dict(self.config, **{"quick-links": str(self.quick_links_file)})
        self.config_file.write_text(
            "# written by tests/api/conftest.py\n"
            + "".join(f"{k} = {toml_value(v)}\n" for k, v in cfg.items()))

    def read_port(self) -> int | None:
        try:
            text = self.port_file.read_text().strip()
        except OSError:
            return None
        m = re.fullmatch(r"(?:.*:)?(\d{1,5})", text)
        return int(m.group(1)) if m and 0 < int(m.group(1)) < 65536 else None

    def start(self):
        self.write_config()
        # Topics for the fresh prefix (idempotent; docketd may also ensure them).
        self.ctl("topics", "ensure", "--brokers", self.brokers, "--prefix", self.prefix)
        cmd = [self.docketd,
               "--brokers", self.brokers,
               "--topic-prefix", self.prefix,
               "--data-dir", str(self.data_dir),
               "--instance-id", self.instance_id,
               "--listen", "127.0.0.1:0",
               "--port-file", str(self.port_file),
               "--config", str(self.config_file),
               "--catalog", str(CATALOG)]
        with open(self.stdout, "wb") as out, open(self.stderr, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                         cwd=self.workdir, start_new_session=True)
        deadline = time.monotonic() + STARTUP_S
        last = "no port file yet"
        probe = requests.Session()
        probe.trust_env = False
        while True:
            if self.proc.poll() is not None:
                self.fail(f"exited with {self.proc.returncode} during start-up ({last})")
            if time.monotonic() > deadline:
                self.fail(f"not ready within {STARTUP_S} s: {last}")
            port = self.read_port()
            if port is not None:
                self.port = port
                try:
                    h = probe.get(self.root + "/healthz", timeout=5)
                    r = probe.get(self.root + "/readyz", timeout=5)
                    if h.status_code == 200 and r.status_code == 200:
                        return
                    last = f"/healthz {h.status_code}, /readyz {r.status_code} {r.text[:300]}"
                except requests.RequestException as e:
                    last = f"port {port}: {type(e).__name__}"
            time.sleep(0.2)  # bounded by the deadline above

    def wait_directory_ready(self):
        """/readyz passes once the read models are within their lag bound;
        sign-in needs every user (503 "the gateway is starting" until the
        identity model has caught up): wait for that too (bounded)."""
        deadline = time.monotonic() + STARTUP_S
        probe = requests.Session()
        probe.trust_env = False
        while probe.get(self.api + "/me", timeout=5).status_code == 503:
            if time.monotonic() > deadline:
                self.fail(f"sign-in not ready within {STARTUP_S} s")
            time.sleep(0.1)

    def stop(self) -> str | None:
        """SIGTERM, wait, SIGKILL. Returns a complaint, or None when it exited 0."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None or self.proc.returncode == 0 else \
                f"had already exited with {self.proc.returncode}"
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
            return f"did not stop within {STOP_GRACE_S} s of SIGTERM (killed)"
        return None if code == 0 else f"exited with {code} after SIGTERM"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def login(server: Docketd, email: str, password: str, *, min_position: str | None = None,
          name: str = "", user_account: str | None = None) -> Client:
    """Signs in, polling (bounded) while a just-created user is not yet
    visible to the login route. Waits out 429s from a low login limit."""
    base = server.api
    anon = Client(base)
    deadline = time.monotonic() + LOGIN_VISIBLE_S
    headers = {"Docket-Min-Position": min_position} if min_position else None
    while True:
        r = anon.post("/auth/login", json={"email": email, "password": password}, headers=headers)
        if r.status_code == 200:
            body = assert_json(r, 200)
            assert isinstance(body.get("token"), str) and body["token"], describe(r)
            return Client(base, body["token"], name=name or email, user=body.get("user") or {},
                          email=email, password=password, account_id=user_account)
        if time.monotonic() > deadline:
            server.fail(f"{email} cannot sign in after {LOGIN_VISIBLE_S} s: {describe(r)}")
        if r.status_code == 400 and headers:
            headers = None  # the route does not take Docket-Min-Position: poll instead
            continue
        if r.status_code == 429:
            wait = int(r.headers.get("Retry-After", "1") or 1)
            time.sleep(min(max(wait, 1), 30))
        elif r.status_code in (401, 503):
            time.sleep(0.25)
        else:
            server.fail(f"login of {email}: {describe(r)}")


@dataclasses.dataclass
class World:
    server: Docketd
    admin: Client
    staff: Client
    alice: Client
    bob: Client
    accounts: dict  # "1" / "2" -> account JSON

    @property
    def api(self) -> str:
        return self.server.api

    def new_customer(self, *, account_number: str | None = None) -> Client:
        """A fresh account with one fresh customer in it, signed in."""
        acct = create_account(self.staff, account_number or "ACC-" + secrets.token_hex(4).upper(),
                              "Fresh Co " + secrets.token_hex(2))
        email = f"cust-{secrets.token_hex(5)}@example.com"
        r = create_user(self.server, self.staff, email, "Fresh Customer", "customer", [acct["id"]])
        c = login(self.server, email, USER_PASSWORD, min_position=r.headers.get("Docket-Position"),
                  name=email, user_account=acct["id"])
        c.account = acct
        return c


def create_account(client: Client, number: str, name: str) -> dict:
    r = client.post("/accounts", json={"account_number": number, "name": name})
    body = assert_json(r, 201)
    assert body.get("id") and body.get("account_number") == number, describe(r)
    return body


def create_user(server: Docketd, client: Client, email: str, name: str, role: str,
                account_ids=None, password: str = USER_PASSWORD) -> requests.Response:
    """Invites a user (POST /users) and activates them with the link the
    notifier mailed (the server's SMTP server must be running), so they can
    sign in with `password`."""
    body = {"email": email, "name": name, "role": role}
    if account_ids is not None:
        body["account_ids"] = account_ids
    r = client.post("/users", json=body)
    assert_json(r, 201)
    activate(server, email, password)
    return r


def user_when(staff: Client, user_id: str, pred, wait_s: float = 10.0) -> dict:
    """GET /users/{id} until pred(view) holds (bounded): a failed sign-in is
    answered once it is on the log and recorded a moment later."""
    deadline = time.monotonic() + wait_s
    while True:
        view = assert_json(staff.get(f"/users/{user_id}"))
        if pred(view) or time.monotonic() > deadline:
            return view
        time.sleep(0.05)


def activate(server: Docketd, email: str, password: str = USER_PASSWORD, *,
             count: int = 1) -> None:
    """Sets the first password of an invited user through the `count`-th
    invitation mailed to them."""
    mails = mail_to(server.maildir, email, "invited", count=count)
    assert len(mails) >= count, f"no invitation mail reached {email}"
    token = token_in(mails[-1])
    r = Client(server.api).post("/auth/activate", json={"token": token, "password": password})
    assert r.status_code == 204, describe(r)


def bootstrap(server: Docketd, *, full: bool = True) -> World:
    server.ctl("admin", "create", "--brokers", server.brokers, "--topic-prefix", server.prefix,
               "--email", ADMIN_EMAIL, "--name", "Admin", "--common-passwords",
               str(COMMON_PASSWORDS), stdin=ADMIN_PASSWORD + "\n")
    admin = login(server, ADMIN_EMAIL, ADMIN_PASSWORD, name="admin")
    r = create_user(server, admin, "staff@example.com", "Sam Staff", "staff")
    staff = login(server, "staff@example.com", USER_PASSWORD, min_position=position(r), name="staff")
    if not full:
        return World(server, admin, staff, None, None, {})
    a1 = create_account(admin, "ACC-1001", "Alpha Networks")
    a2 = create_account(admin, "ACC-2002", "Bravo Logistics")
    ra = create_user(server, admin, "alice@example.com", "Alice Customer", "customer", [a1["id"]])
    rb = create_user(server, admin, "bob@example.com", "Bob Customer", "customer", [a2["id"]])
    alice = login(server, "alice@example.com", USER_PASSWORD, min_position=position(ra),
                  name="alice", user_account=a1["id"])
    bob = login(server, "bob@example.com", USER_PASSWORD, min_position=position(rb),
                name="bob", user_account=a2["id"])
    return World(server, admin, staff, alice, bob, {"1": a1, "2": a2})


class SmtpServer:
    """tools/dev/smtp-server.py on a free loopback port, keeping mail in a
    Maildir. Stop and start it again (same port) to play an outage."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.maildir = workdir / "mail"
        self.port_file = workdir / "smtp.port"
        self.port = 0
        self.proc: subprocess.Popen | None = None

    def start(self):
        if self.port_file.exists():
            self.port_file.unlink()
        log = open(self.workdir / "smtp.log", "ab")
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", str(SMTP_SERVER), "--maildir", str(self.maildir),
             "--port", str(self.port), "--port-file", str(self.port_file)],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + STARTUP_S
        while not self.port_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the SMTP server did not start: {_tail(self.workdir / 'smtp.log')}")
            time.sleep(0.05)
        self.port = int(self.port_file.read_text())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=STOP_GRACE_S)


def _smtp(request) -> SmtpServer:
    smtp = SmtpServer(Path(tempfile.mkdtemp(prefix="docket-smtp-")))
    smtp.start()
    request.addfinalizer(smtp.stop)
    return smtp


def _mail_config(smtp: SmtpServer) -> dict:
    return {"smtp-port": smtp.port}


def _start(name: str, config: dict, request, **kwargs) -> Docketd:
    workdir = Path(tempfile.mkdtemp(prefix=f"docket-api-{name}-"))
    server = Docketd(name, workdir, config, **kwargs)

    def finish():
        complaint = server.stop()
        if complaint:
            # A clean exit on SIGTERM is part of the contract (api/README.md).
            raise AssertionError(f"docketd ({name}) {complaint}\n{_tail(server.stderr)}")
        if request.session.testsfailed == 0:
            shutil.rmtree(workdir, ignore_errors=True)  # kept for a look when something failed

    request.addfinalizer(finish)
    server.start()
    return server


@pytest.fixture(scope="session")
def smtp(request) -> SmtpServer:
    return _smtp(request)


@pytest.fixture(scope="session")
def server(request, smtp) -> Docketd:
    return _start("main", dict(MAIN_CONFIG, **_mail_config(smtp)), request, maildir=smtp.maildir)


@pytest.fixture(scope="session")
def world(server) -> World:
    return bootstrap(server)


@pytest.fixture(scope="session")
def api(world) -> str:
    return world.api


@pytest.fixture(scope="session")
def admin(world) -> Client:
    return world.admin


@pytest.fixture(scope="session")
def staff(world) -> Client:
    return world.staff


@pytest.fixture(scope="session")
def alice(world) -> Client:
    return world.alice


@pytest.fixture(scope="session")
def bob(world) -> Client:
    return world.bob


@pytest.fixture(scope="session")
def accounts(world) -> dict:
    return world.accounts


@pytest.fixture
def anon(world) -> Client:
    return Client(world.api)


@pytest.fixture(autouse=True)
def _server_still_alive(request):
    """After each test: the server under test did not die."""
    yield
    for name in ("server", "limited_server"):
        if name in request.fixturenames:
            s = request.getfixturevalue(name)
            if not s.alive():
                s.fail("the process died during the test")


def second_gateway(server: Docketd, request, instance_id: str = "b",
                   extra: dict | None = None) -> Docketd:
    """Another docketd of the same deployment as `server`: the same topics
    and secret, its own instance id, data directory and read models.
    `extra`: settings the deployment has beyond MAIN_CONFIG."""
    # One notifier per deployment: the main server's.
    config = dict(MAIN_CONFIG, **(extra or {}),
                  **{"command-id-key-file": str(server.data_dir / "command-id.key"),
                     "roles": "gateway,decider,projector"})
    gateway = _start(f"{server.name}-{instance_id}", config, request, prefix=server.prefix,
                     instance_id=instance_id, maildir=server.maildir)
    gateway.wait_directory_ready()
    return gateway


@pytest.fixture(scope="session")
def limited_server(request, smtp) -> Docketd:
    return _start("limited", dict(LIMITED_CONFIG, **_mail_config(smtp)), request,
                  maildir=smtp.maildir)


@pytest.fixture(scope="session")
def limited(limited_server) -> World:
    # Two sign-ins only (admin, staff): the login bucket holds 3.
    return bootstrap(limited_server, full=False)
