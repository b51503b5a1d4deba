#!/usr/bin/env python3
"""What a signed-in request and a sign-in cost: GET /me (the session check,
which since issue 12 waits on a read barrier: one broker probe per
partition at a time, shared) and POST /auth/login, one client, keep-alive,
sequential. Standard library only. Prints p50 / p99 in ms.

  bench/session_check.py --url http://127.0.0.1:8080/api/v1 \
      --email alice@northwind.example --password demo-portal-pass-2026 --requests 2000
"""
import argparse
import http.client
import json
import statistics
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--email", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--logins", type=int, default=20)
    a = ap.parse_args()
    u = urllib.parse.urlsplit(a.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    body = json.dumps({"email": a.email, "password": a.password})
    logins, token = [], None
    for _ in range(a.logins):
        t0 = time.perf_counter()
        conn.request("POST", u.path + "/auth/login", body=body,
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        logins.append((time.perf_counter() - t0) * 1000)
        if r.status != 200:
            raise SystemExit(f"login: {r.status} {data[:200]!r}")
        token = json.loads(data)["token"]
    me = []
    for _ in range(a.requests):
        t0 = time.perf_counter()
        conn.request("GET", u.path + "/me", headers={"Authorization": f"Bearer {token}"})
        r = conn.getresponse()
        r.read()
        me.append((time.perf_counter() - t0) * 1000)
        if r.status != 200:
            raise SystemExit(f"GET /me: {r.status}")

    def q(xs, p):
        return sorted(xs)[min(len(xs) - 1, int(p * len(xs)))]

    print(json.dumps({"me_p50_ms": round(statistics.median(me), 3), "me_p99_ms": round(q(me, 0.99), 3),
                      "login_p50_ms": round(statistics.median(logins), 1),
                      "login_p99_ms": round(q(logins, 0.99), 1),
                      "requests": a.requests, "logins": a.logins}))


if __name__ == "__main__":
    main()
