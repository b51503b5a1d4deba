#!/usr/bin/env python3
"""Login timing: an unknown e-mail against a wrong password (and a right one).

The gateway verifies an unknown e-mail against a dummy Argon2id hash of the
same cost, so both failures should take as long. Runs against a docketd
that has a user EMAIL with password PASSWORD (e.g. tools/dev/run.sh's demo
data); standard library only. Prints medians and the ratio.

  bench/login_timing.py --url http://127.0.0.1:8080/api/v1 \
      --email alice@northwind.example --password demo-portal-pass-2026 --rounds 40
"""
import argparse
import json
import statistics
import time
import urllib.error
import urllib.request


def login(url, email, password):
    req = urllib.request.Request(url + "/auth/login", method="POST",
                                 data=json.dumps({"email": email, "password": password}).encode(),
                                 headers={"Content-Type": "application/json"})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status = r.status
            r.read()
    except urllib.error.HTTPError as e:
        status = e.code
        e.read()
    return status, (time.perf_counter() - t0) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--email", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--rounds", type=int, default=40)
    a = ap.parse_args()
    kinds = {"unknown e-mail": ("nobody-%d@example.com", "whatever-password-1"),
             "wrong password": (a.email, a.password + "x"),
             "right password": (a.email, a.password)}
    times = {k: [] for k in kinds}
    statuses = {k: set() for k in kinds}
    for i in range(a.rounds):  # interleaved, so drift hits all kinds alike
        for k, (email, pw) in kinds.items():
            s, ms = login(a.url, email % i if "%d" in email else email, pw)
            times[k].append(ms)
            statuses[k].add(s)
    for k in kinds:
        print(f"{k:15s} status {sorted(statuses[k])} median {statistics.median(times[k]):7.1f} ms"
              f"  p90 {sorted(times[k])[int(0.9 * len(times[k])) - 1]:7.1f} ms")
    ratio = statistics.median(times["unknown e-mail"]) / statistics.median(times["wrong password"])
    print(f"unknown/wrong median ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
