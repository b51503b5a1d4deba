#!/usr/bin/python3
"""A real SMTP server on loopback for development and tests: it keeps every
message it accepts in a Maildir (tools/dev/mailbox lists and prints them),
one per Message-ID, as large mail stores do: a message whose Message-ID it
has kept already is accepted and not stored again. Every delivery, kept or
not, is a line of <maildir>/deliveries.log ("<Message-ID> kept|duplicate"),
so tests can count what the client really sent.

Debian's python3-aiosmtpd (tools/dev/deps.sh installs it), hence
/usr/bin/python3.

    smtp-server.py --maildir DIR [--host 127.0.0.1] [--port 2525]
                   [--port-file FILE] [--reject-domain reject.example]

--port 0 binds a free port and writes it to --port-file. Recipients at
--reject-domain are refused for good (550), for tests of permanent failures.
Runs until SIGTERM or SIGINT.
"""
import argparse
import asyncio
import mailbox
import os
import signal

from aiosmtpd.smtp import SMTP


class MaildirHandler:
    def __init__(self, maildir: str, reject_domain: str):
        self.box = mailbox.Maildir(maildir, create=True)
        self.reject = "@" + reject_domain.lower() if reject_domain else None
        self.log_path = os.path.join(maildir, "deliveries.log")
        self.seen = set()
        if os.path.exists(self.log_path):  # a restart remembers what it kept
            with open(self.log_path) as f:
                self.seen = {line.split()[0] for line in f if line.strip()}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject and address.lower().endswith(self.reject):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = mailbox.MaildirMessage(envelope.original_content or envelope.content)
        msg["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        mid = (msg["Message-ID"] or "").strip() or f"<none-{len(self.seen)}>"
        kept = mid not in self.seen
        if kept:
            self.box.add(msg)
            self.seen.add(mid)
        with open(self.log_path, "a") as f:
            f.write(f"{mid} {'kept' if kept else 'duplicate'}\n")
        return "250 Message accepted for delivery"


async def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--maildir", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=2525)
    p.add_argument("--port-file")
    p.add_argument("--reject-domain", default="reject.example")
    a = p.parse_args()
    handler = MaildirHandler(a.maildir, a.reject_domain)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="docket-dev-smtp", data_size_limit=10 << 20),
        host=a.host, port=a.port, reuse_address=True)
    port = server.sockets[0].getsockname()[1]
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, a.port_file)
    print(f"smtp-server: listening on {a.host}:{port}, mail kept in {a.maildir}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
