"""Floods from some clients do not shut out the others (loopback addresses
127.x.y.z, each its own client).

Logins cannot be starved: while logins with unknown e-mails pour in from 200
addresses, a real user's login is still answered, and answered 200 (before:
the two hash slots and four queue places were full of the flood's dummy
verifies, and the real login got 503). Nor can one address hold every
connection."""
from __future__ import annotations

import http.client
import json
import secrets
import threading
import time
from urllib.parse import urlparse

from conftest import USER_PASSWORD

FLOOD_ADDRESSES = [f"127.0.2.{i}" for i in range(1, 201)]


def _login(api: str, source: str, email: str, password: str) -> int:
    u = urlparse(api)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30, source_address=(source, 0))
    try:
        conn.request("POST", u.path + "/auth/login",
                     body=json.dumps({"email": email, "password": password}),
                     headers={"Content-Type": "application/json"})
        return conn.getresponse().status
    except OSError:
        return -1  # refused or closed: the flood's problem, not the user's
    finally:
        conn.close()


def test_a_real_login_is_answered_during_a_flood_of_unknown_ones(world):
    api = world.api
    stop = threading.Event()
    seen: dict[int, int] = {}
    lock = threading.Lock()

    def flood(k: int):
        i = k
        while not stop.is_set():
            source = FLOOD_ADDRESSES[i % len(FLOOD_ADDRESSES)]
            status = _login(api, source, f"nobody-{secrets.token_hex(6)}@example.com",
                            "guess-password-123")
            with lock:
                seen[status] = seen.get(status, 0) + 1
            i += 40

    threads = [threading.Thread(target=flood, args=(k,), daemon=True) for k in range(40)]
    for t in threads:
        t.start()
    try:
        time.sleep(2)  # the flood is on: every address has started spending
        answers = []
        for n in range(5):
            answers.append(_login(api, f"127.0.3.{n + 1}", "alice@example.com", USER_PASSWORD))
            time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert answers == [200] * 5, (answers, seen)
    # It was a flood: the unknown e-mails were refused, some told to slow down.
    assert seen.get(401, 0) > 0, seen
    assert sum(seen.values()) > 400, seen


def test_one_address_cannot_hold_every_connection(world):
    """A client address may hold max-connections-per-client (64) connections;
    more are closed at once, and other addresses are still served."""
    import socket

    u = urlparse(world.api)

    def connect(source: str) -> socket.socket:
        s = socket.create_connection((u.hostname, u.port), timeout=10, source_address=(source, 0))
        return s

    def served(s: socket.socket) -> bool:
        try:
            s.sendall(f"GET /healthz HTTP/1.1\r\nHost: {u.netloc}\r\n\r\n".encode())
            return s.recv(64).startswith(b"HTTP/1.1 200")
        except OSError:
            return False

    held = [connect("127.0.4.1") for _ in range(64)]
    try:
        assert served(held[0]) and served(held[-1])
        extra = connect("127.0.4.1")  # accepted by the kernel, closed by docketd
        assert not served(extra)
        extra.close()
        other = connect("127.0.4.2")
        assert served(other)
        other.close()
    finally:
        for s in held:
            s.close()
    # Once they are closed, the address is served again.
    deadline = time.monotonic() + 10
    while True:
        again = connect("127.0.4.1")
        ok = served(again)
        again.close()
        if ok:
            break
        assert time.monotonic() < deadline, "the closed connections were never given back"
        time.sleep(0.2)
