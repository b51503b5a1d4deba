"""Cross-site request forgery: a page on a sibling subdomain (same site, so
SameSite=Strict sends the cookie) must not be able to cancel, upload or
comment as the signed-in user. The browser's own headers decide
(docs/api.md, "Cross-site requests")."""
from __future__ import annotations

from urllib.parse import urlparse

import pytest

from docket_api import (Client, after, assert_case_write, assert_json, assert_problem, open_case,
                        upload)

EVIL = "http://evil.localhost"


def _cookie_client(world, alice) -> Client:
    """alice as a browser: her session in the cookie, no bearer token."""
    c = Client(world.api, None, name="alice-browser")
    c.session.headers["Cookie"] = f"docket_session={alice.token}"
    return c


def _own_origin(world) -> str:
    u = urlparse(world.api)
    return f"{u.scheme}://{u.netloc}"


@pytest.mark.parametrize("headers", [
    {"Origin": EVIL},
    {"Origin": EVIL, "Sec-Fetch-Site": "same-site"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": "null"},
], ids=["origin", "fetch-metadata-same-site", "fetch-metadata-cross-site", "opaque-origin"])
def test_a_cross_site_page_changes_nothing(world, alice, headers):
    browser = _cookie_client(world, alice)
    oc = open_case(alice)
    refused = [
        browser.post(f"/cases/{oc.number}/cancel", headers=headers),  # empty body
        browser.post(f"/cases/{oc.number}/comments", json={"body": "forged"}, headers=headers),
        upload(browser, oc.number, "forged.txt", b"forged", headers=headers),
        browser.post("/auth/logout", headers=headers),
    ]
    for r in refused:
        body = assert_problem(r, 403, "forbidden")
        assert body.get("rule") == "request.cross_site", body
    probe = alice.post(f"/cases/{oc.number}/watchers", json={"email": "probe@alpha.example.com"})
    assert_json(probe, 201)
    case = assert_json(alice.get(f"/cases/{oc.number}", headers=after(probe)))
    assert case["state"] == "NEW" and case["comment_count"] == 0 and case["attachment_count"] == 0
    assert browser.get("/me").status_code == 200  # still signed in: logout was refused


def test_the_portals_own_pages_and_other_clients_may(world, alice):
    browser = _cookie_client(world, alice)
    oc = open_case(alice)
    own = browser.post(f"/cases/{oc.number}/comments", json={"body": "from the portal"},
                       headers={"Origin": _own_origin(world), "Sec-Fetch-Site": "same-origin"})
    assert_case_write(own, 201)
    no_metadata = browser.post(f"/cases/{oc.number}/comments", json={"body": "old browser"},
                               headers={"Origin": _own_origin(world)})
    assert_case_write(no_metadata, 201)
    # A client that is not a browser sends neither header.
    assert_case_write(browser.post(f"/cases/{oc.number}/cancel"), 200)
    # Reads are never refused.
    assert browser.get(f"/cases/{oc.number}", headers={"Origin": EVIL,
                                                       "Sec-Fetch-Site": "cross-site"}).status_code == 200
