"""Reading what the test SMTP server received (tools/dev/smtp-server.py
keeps every message in a Maildir)."""
from __future__ import annotations

import email
import email.policy
import mailbox
import re
import time
from pathlib import Path

MAIL_WAIT_S = 30


def all_mail(maildir: Path) -> list:
    """Every message kept, in the order they arrived (the files' mtimes:
    Maildir names carry no order)."""
    if not maildir.exists():
        return []
    box = mailbox.Maildir(str(maildir), create=False)
    found = []
    for key in box.keys():
        kept = box.get_message(key)  # its date: when the file was written
        msg = email.message_from_bytes(kept.as_bytes(), policy=email.policy.default)
        found.append((kept.get_date(), key, msg))
    found.sort(key=lambda x: (x[0], x[1]))
    return [m for _, _, m in found]


def text(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def html(msg) -> str:
    return msg.get_body(preferencelist=("html",)).get_content()


def mail_to(maildir: Path, to: str, subject_has: str = "", *, count: int = 1,
            wait_s: float = MAIL_WAIT_S) -> list:
    """The messages to `to` whose subject contains `subject_has`, once there
    are at least `count` of them (bounded wait)."""
    deadline = time.monotonic() + wait_s
    while True:
        found = [m for m in all_mail(maildir)
                 if m["To"].addresses[0].addr_spec.lower() == to.lower()
                 and subject_has in str(m["Subject"])]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def deliveries(maildir: Path) -> list[tuple[str, str]]:
    """Every delivery the server took, in order: (Message-ID, "kept" or
    "duplicate")."""
    log = maildir / "deliveries.log"
    if not log.exists():
        return []
    return [tuple(line.split()) for line in log.read_text().splitlines() if line.strip()]


def token_in(msg) -> str:
    m = re.search(r"#token=([A-Za-z0-9.]+)", text(msg))
    assert m, text(msg)
    return m.group(1)
