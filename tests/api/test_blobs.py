"""Attachment bytes cannot fill the disk: what the aggregate would refuse is
refused before a byte is stored, and bytes no case refers to any more are
collected once older than the grace period (the test ages files itself
instead of waiting an hour)."""
from __future__ import annotations

import os
import time
from pathlib import Path

from docket_api import after, assert_json, assert_problem, describe, open_case, upload


def _blobs(world) -> set[Path]:
    root = Path(world.server.data_dir) / "blobs"
    return {p for p in root.rglob("*") if p.is_file() and p.parent.name != "tmp"}


def _age(path: Path, seconds: float = 2 * 3600):
    t = time.time() - seconds
    os.utime(path, (t, t))


def test_refused_uploads_store_nothing(world, alice):
    oc = open_case(alice)
    first = assert_json(upload(alice, oc.number, "kept.txt", b"kept " + os.urandom(16)), 201)
    before = _blobs(world)
    # Before: each of these stored its bytes, then the aggregate refused.
    stale = upload(alice, oc.number, "late.txt", os.urandom(64), headers={"If-Match": '"1"'})
    assert_problem(stale, 412, "version-conflict")
    body = assert_problem(upload(alice, oc.number, "bad\u202etxt.exe", os.urandom(64)), 422,
                          "unprocessable")
    assert body.get("rule") == "attachment.file_name", body
    assert_problem(upload(alice, oc.number, "..", os.urandom(64)), 422, "unprocessable")
    assert _blobs(world) == before
    assert first["sha256"] in {p.name for p in before}


def test_unreferenced_blobs_are_collected_and_referenced_ones_kept(world, alice):
    oc = open_case(alice)
    kept = upload(alice, oc.number, "kept.bin", b"kept " + os.urandom(32))
    gone = upload(alice, oc.number, "gone.bin", b"gone " + os.urandom(32))
    kept_att, gone_att = assert_json(kept, 201), assert_json(gone, 201)
    removed = alice.delete(f"/cases/{oc.number}/attachments/{gone_att['id']}")
    assert removed.status_code == 204, describe(removed)
    blobs = {p.name: p for p in _blobs(world)}
    _age(blobs[kept_att["sha256"]])
    _age(blobs[gone_att["sha256"]])
    deadline = time.monotonic() + 30
    while blobs[gone_att["sha256"]].exists():
        assert time.monotonic() < deadline, "the removed attachment's bytes were never collected"
        time.sleep(0.2)
    # The same pass kept what a case still refers to, however old.
    assert blobs[kept_att["sha256"]].exists()
    dl = alice.get(f"/cases/{oc.number}/attachments/{kept_att['id']}", headers=after(removed))
    assert dl.status_code == 200 and dl.content.startswith(b"kept "), describe(dl)
