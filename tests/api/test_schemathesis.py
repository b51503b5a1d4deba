"""Schemathesis (property-based, from api/openapi.yaml) against the running
server, signed in as staff. Bounded: --max-examples per operation and a
--max-time budget for the whole run. Fails on any reported failure."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from conftest import OPENAPI
from docket_api import after, assert_json, describe, open_case

MAX_EXAMPLES = 30
MAX_TIME_S = 120
HARD_TIMEOUT_S = MAX_TIME_S + 180  # start-up, schema loading, the last requests
CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
])


def schemathesis_cli() -> list[str]:
    """`st` from the same environment as this interpreter."""
    st = Path(sys.executable).parent / "st"
    if st.exists():
        return [str(st)]
    found = shutil.which("st")
    if found:
        return [found]
    return [sys.executable, "-m", "schemathesis.cli"]


def base_url(server_root: str) -> str:
    """The spec's paths are either /api/v1/... or relative to a /api/v1 server."""
    spec = yaml.safe_load(OPENAPI.read_text())
    paths = list((spec.get("paths") or {}).keys())
    assert paths, f"{OPENAPI} has no paths"
    if any(p.startswith("/api/v1/") for p in paths):
        return server_root
    return server_root + "/api/v1"


def count_operations() -> int:
    spec = yaml.safe_load(OPENAPI.read_text())
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    return sum(1 for item in (spec.get("paths") or {}).values() for m in item if m in methods)


def test_openapi_spec_is_there_and_31():
    assert OPENAPI.is_file(), f"{OPENAPI} is missing"
    spec = yaml.safe_load(OPENAPI.read_text())
    assert str(spec.get("openapi", "")).startswith("3.1"), spec.get("openapi")


def test_schemathesis_finds_no_failures(world, staff, alice):
    assert OPENAPI.is_file(), f"{OPENAPI} is missing"
    # Data to find: a case with a comment, so reads have something to return.
    oc = open_case(alice)
    last = staff.post(f"/cases/{oc.number}/comments", json={"body": "schemathesis seed"})
    assert last.status_code == 201, describe(last)
    # A position the read models have passed: any Docket-Min-Position the
    # spec lets schemathesis send is this one, never a wait for the future.
    assert_json(staff.get("/cases", headers=after(last)))
    reached = last.headers["Docket-Position"]

    work = Path(tempfile.mkdtemp(prefix="docket-st-"))
    config = work / "schemathesis.toml"
    config.write_text(
        "# written by tests/api/test_schemathesis.py\n"
        "[parameters]\n"
        f'"header.Docket-Min-Position" = "{reached}"\n')
    cmd = schemathesis_cli() + [
        "--config-file", str(config),
        "run", str(OPENAPI),
        "--url", base_url(world.server.root),
        "--header", f"Authorization: Bearer {staff.token}",
        "--checks", CHECKS,
        "--max-examples", str(MAX_EXAMPLES),
        "--max-time", str(MAX_TIME_S),
        "--workers", "1",
        "--request-timeout", "30",
        "--generation-database", "none",
        # The e-mail pattern of DELETE /cases/{number}/watchers/{email} makes
        # Hypothesis drop many candidates; with some seeds its health check
        # then stops the run (it judges the generator, not the API).
        "--suppress-health-check", "filter_too_much",
        # Signing out would end the run's own session; an event stream never ends.
        "--exclude-path-regex", r"/auth/logout$|/stream$",
        "--report", "junit",
        "--report-dir", str(work / "report"),
        "--no-color",
    ]
    seed = os.environ.get("DOCKET_SCHEMATHESIS_SEED")
    if seed:
        cmd += ["--seed", seed]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMATHESIS_")}
    env["NO_COLOR"] = "1"
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=HARD_TIMEOUT_S,
                             cwd=work, env=env)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"schemathesis did not finish within {HARD_TIMEOUT_S} s:\n"
                    f"{(e.stdout or '')[-6000:] if isinstance(e.stdout, str) else ''}")
    out = res.stdout + res.stderr
    shown = " ".join(c if " " not in c else repr(c) for c in cmd).replace(staff.token, "<token>")
    assert res.returncode == 0, f"schemathesis exited {res.returncode}\n$ {shown}\n{out[-20000:]}"
    # It really tested the API: most operations of the spec ran, none failed.
    reports = list((work / "report").glob("junit*.xml"))
    assert len(reports) == 1, f"no JUnit report\n{out[-5000:]}"
    suite = ET.parse(reports[0]).getroot()
    cases = suite.findall(".//testcase")
    failed = [c.get("name") for c in cases if c.find("failure") is not None or c.find("error") is not None]
    assert not failed, f"{failed}\n{out[-20000:]}"
    assert len(cases) >= 0.8 * (count_operations() - 1), \
        f"only {len(cases)} of {count_operations()} operations tested\n{out[-5000:]}"
    # The server survived it.
    assert world.server.alive()
    assert staff.get("/me").status_code == 200
