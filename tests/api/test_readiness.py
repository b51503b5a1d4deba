"""/readyz under a backlog: a docketd started on a log that already holds
30,000 events is not ready until its case read models are within
ready-max-lag-events of the log, however young those events are."""
from __future__ import annotations

import re
import secrets
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from conftest import CATALOG, COMMON_PASSWORDS, CHALLENGE_QUESTIONS, MAIL_TEMPLATES, REPO, _binary, _env

EVENTS = 30_000
MAX_LAG = 1000  # docketd's default ready-max-lag-events
PARTITIONS = 6


def applied(root: str) -> int:
    text = requests.get(root + "/metrics", timeout=10).text
    m = re.search(r"^docket_projection_events_total\{context=\"cases\"\} (\d+)$", text, re.M)
    return int(m.group(1)) if m else 0


def test_not_ready_until_the_read_models_are_within_the_bound():
    brokers = _env("DOCKET_TEST_BROKERS")
    docketd, docketctl = _binary("DOCKETD_PATH"), _binary("DOCKETCTL_PATH")
    prefix = "t" + secrets.token_hex(6)
    work = Path(tempfile.mkdtemp(prefix="docket-api-ready-"))
    load = subprocess.run([docketctl, "load", "--brokers", brokers, "--topic-prefix", prefix,
                           "--events", str(EVENTS), "--accounts", "5"],
                          capture_output=True, text=True, timeout=300)
    assert load.returncode == 0, load.stderr
    port_file = work / "port"
    with open(work / "stderr", "wb") as err:
        proc = subprocess.Popen([docketd, "--brokers", brokers, "--topic-prefix", prefix,
                                 "--data-dir", str(work / "data"), "--instance-id", "ready",
                                 "--listen", "127.0.0.1:0", "--port-file", str(port_file),
                                 "--catalog", str(CATALOG),
                                 "--quick-links", str(REPO / "config" / "quick-links.json"),
                                 "--mail-templates", str(MAIL_TEMPLATES),
                                 "--common-passwords", str(COMMON_PASSWORDS),
                                 "--challenge-questions", str(CHALLENGE_QUESTIONS),
                                 "--projector-max-batch", "200"],
                                stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while not port_file.exists():
            assert proc.poll() is None, (work / "stderr").read_text()[-2000:]
            assert time.monotonic() < deadline
            time.sleep(0.1)
        root = f"http://127.0.0.1:{int(port_file.read_text())}"
        not_ready_seen = 0
        while True:
            assert time.monotonic() < deadline, "never ready"
            try:
                ready = requests.get(root + "/readyz", timeout=10)
            except requests.RequestException:
                time.sleep(0.1)
                continue
            if ready.status_code == 200:
                # Ready means every partition is within the bound now.
                assert applied(root) >= EVENTS - PARTITIONS * MAX_LAG, ready.text
                break
            assert ready.status_code == 503, ready.text
            assert ready.headers.get("Retry-After") == "1"
            assert ready.json()["status"] == "unavailable"
            not_ready_seen += 1
            time.sleep(0.05)
        assert not_ready_seen > 0, "ready before any catch-up: the backlog was not seen"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
