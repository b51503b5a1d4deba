"""Read-your-writes through the gateway: a list loaded right after a write,
with the write's Docket-Position, shows the write, 100 times in a row."""
from __future__ import annotations

from docket_api import CASE_POSITION_RE, after, assert_json, describe, open_case, unique_word

ROUNDS = 100


def test_a_new_case_is_first_in_the_list_read_right_after_it(alice):
    c = alice
    seen = []
    for i in range(ROUNDS):
        oc = open_case(c, subject=f"round {i} {unique_word()}")
        assert CASE_POSITION_RE.match(oc.position)
        r = c.get("/cases?sort=updated&page[size]=5", headers=after(oc.position))
        rows = assert_json(r, 200)["data"]
        assert rows and rows[0]["number"] == oc.number, f"round {i}: {describe(r)}"
        assert rows[0]["version"] == oc.version, f"round {i}: {describe(r)}"
        k = min(i, 4)  # the rounds before come next, newest first
        assert [x["number"] for x in rows[1:1 + k]] == seen[::-1][:k], f"round {i}: {describe(r)}"
        seen.append(oc.number)
    assert len(set(seen)) == ROUNDS


def test_the_case_itself_is_readable_right_after_it_was_opened(alice):
    for i in range(20):
        oc = open_case(alice)
        r = alice.get(f"/cases/{oc.number}", headers=after(oc.position))
        assert assert_json(r, 200)["number"] == oc.number, f"round {i}: {describe(r)}"
