#!/usr/bin/env python3
"""Loads Docket's demo data through the HTTP API (standard library only).

Two customer accounts with a customer each, a staff agent, and a few dozen
cases spread over every state, with comments, an attachment, watchers and a
system status. Idempotent: running it again finds the users and accounts
already there and adds no second set of cases (it checks a marker case).

  tools/dev/demo_data.py --url http://127.0.0.1:8080/api/v1 \
      --admin-email admin@docket.local --admin-password-file var/admin-password
"""
import argparse
import email
import email.policy
import json
import mailbox
import re
import sys
import time
import urllib.error
import urllib.request
import uuid

ACCOUNTS = [
    {"account_number": "ACC-1001", "name": "Northwind Logistics",
     "service_addresses": ["12 Harbour Road, Portsmouth", "4 Dock Lane, Southampton"]},
    {"account_number": "ACC-2002", "name": "Contoso Dental Clinics",
     "service_addresses": ["88 High Street, Bath"]},
]
USERS = [
    {"email": "alice@northwind.example", "name": "Alice Carter", "role": "customer",
     "account_ids": ["ACC-1001"]},
    {"email": "bob@contoso.example", "name": "Bob Singh", "role": "customer",
     "account_ids": ["ACC-2002"]},
    {"email": "sam@docket.local", "name": "Sam Agent", "role": "staff", "account_ids": []},
]
# Invited and left for a newcomer to activate from the mailbox
# (tools/dev/mailbox --maildir var/mail links N).
INVITED_ONLY = [
    {"email": "carol@northwind.example", "name": "Carol Reyes", "role": "customer",
     "account_ids": ["ACC-1001"], "phone": "+44 23 9200 0000"},
]
DEMO_PASSWORD = "demo-portal-pass-2026"

SUBJECTS = [
    ("technical-support", "internet", "Internet drops every evening", {}),
    ("technical-support", "voice", "No dial tone on reception line", {"phone_number": "+44 20 7946 0000"}),
    ("technical-support", "backups", "Nightly backup stops at 80 %", {"server_name": "fs-01"}),
    ("technical-support", "email", "Mail to customers bounces", {}),
    ("account-billing", "bill-inquiry", "Invoice shows a double charge", {"invoice_number": "INV-4471"}),
    ("account-billing", "payment", "Card payment declined twice", {}),
    ("add-service", "new-location", "Connect the new warehouse", {"site_address": "Unit 7, Kingsway"}),
    ("change-service", "upgrade", "Upgrade to 1 Gbit fibre", {}),
    ("change-service", "disconnect", "Disconnect the old branch line", {"disconnect_date": "2027-01-31"}),
]
# How each case is driven: the states the demo covers.
PLANS = ["new", "open", "awaiting", "resolved", "closed", "cancelled", "reopened"]


class Api:
    def __init__(self, url, token=None):
        self.url = url.rstrip("/")
        self.token = token

    def call(self, method, path, body=None, ok=(200, 201, 204), headers=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if body is not None:
            req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
                return resp.status, (json.loads(raw) if raw else None), dict(resp.headers)
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                problem = json.loads(raw)
            except ValueError:
                problem = {"detail": raw.decode(errors="replace")}
            if e.code in ok:
                return e.code, problem, dict(e.headers)
            raise SystemExit(f"demo data: {method} {path} -> {e.code}: {problem.get('detail')}")

    def login(self, email, password):
        _, body, _ = self.call("POST", "/auth/login", {"email": email, "password": password})
        return Api(self.url, body["token"])


def invitation_token(maildir, address, wait_s=60):
    """The link token of the newest invitation mailed to `address`."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        found = []
        try:
            box = mailbox.Maildir(maildir, create=False)
            for key in box.keys():
                with box.get_file(key) as f:
                    m = email.message_from_binary_file(f, policy=email.policy.default)
                if m["To"] and address in str(m["To"]) and "invited" in str(m["Subject"]):
                    found.append((str(m["Date"]), m))
        except (FileNotFoundError, mailbox.Error):
            pass
        if found:
            body = found[-1][1].get_body(preferencelist=("plain",)).get_content()
            return re.search(r"#token=([A-Za-z0-9.]+)", body).group(1)
        time.sleep(0.2)
    raise SystemExit(f"demo data: no invitation reached {address} in {maildir}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--admin-email", required=True)
    ap.add_argument("--admin-password-file", required=True)
    ap.add_argument("--maildir", required=True, help="where the dev SMTP server keeps mail")
    args = ap.parse_args()
    with open(args.admin_password_file) as f:
        admin_password = f.read().strip()
    admin = Api(args.url).login(args.admin_email, admin_password)

    for a in ACCOUNTS:
        admin.call("POST", "/accounts", a, ok=(201, 409))
    # Staff invite users; the demo ones activate themselves through the
    # invitation mailed to them, as a newcomer would.
    for u in USERS + INVITED_ONLY:
        status, _, _ = admin.call("POST", "/users", u, ok=(201, 409))
        if status == 201 and u in USERS:
            token = invitation_token(args.maildir, u["email"])
            Api(args.url).call("POST", "/auth/activate", {"token": token, "password": DEMO_PASSWORD})

    staff = Api(args.url).login("sam@docket.local", DEMO_PASSWORD)
    alice = Api(args.url).login("alice@northwind.example", DEMO_PASSWORD)
    bob = Api(args.url).login("bob@contoso.example", DEMO_PASSWORD)

    _, existing, _ = staff.call("GET", "/cases?page%5Bsize%5D=1")
    if existing["data"]:
        print("demo data: cases exist already; nothing added")
        return

    staff.call("PUT", "/system-status/internet",
               {"status": "DEGRADED", "message": "Slow speeds in the Portsmouth area"})
    for svc in ("voice", "email", "billing"):
        staff.call("PUT", f"/system-status/{svc}", {"status": "OPERATIONAL", "message": ""})

    made = 0
    for i in range(36):
        customer, account = (alice, ACCOUNTS[0]) if i % 3 != 2 else (bob, ACCOUNTS[1])
        case_type, category, subject, fields = SUBJECTS[i % len(SUBJECTS)]
        _, case, _ = customer.call("POST", "/cases", {
            "account_id": account["account_number"], "case_type": case_type,
            "category": category, "subject": subject,
            "description": f"{subject}. Reported through the portal (demo case {i + 1}).",
            "service_address": account["service_addresses"][i % len(account["service_addresses"])],
            "fields": fields}, headers={"Idempotency-Key": f"demo-case-{i}"})
        n = case["number"]
        made += 1
        customer.call("POST", f"/cases/{n}/comments", {"body": "Any update on this, please?"})
        plan = PLANS[i % len(PLANS)]
        if plan == "new":
            continue
        if plan == "cancelled":
            customer.call("POST", f"/cases/{n}/cancel", {"reason": "Sorted it out ourselves."})
            continue
        staff.call("POST", f"/cases/{n}/accept")
        staff.call("POST", f"/cases/{n}/notes", {"body": "Checked the line tests; looks like the CPE."})
        if plan == "open":
            customer.call("POST", f"/cases/{n}/watchers", {"email": "it-team@example.com"})
            continue
        if plan == "awaiting":
            staff.call("POST", f"/cases/{n}/request-info", {"message": "Which room is the router in?"})
            continue
        staff.call("POST", f"/cases/{n}/resolve", {"resolution": "Replaced the router; the line is stable."})
        if plan == "resolved":
            continue
        if plan == "closed":
            customer.call("POST", f"/cases/{n}/accept-resolution")
            continue
        customer.call("POST", f"/cases/{n}/reject-resolution", {"reason": "It dropped again last night."})
    print(f"demo data: {len(ACCOUNTS)} accounts, {len(USERS)} users, {made} cases")


if __name__ == "__main__":
    sys.exit(main())
