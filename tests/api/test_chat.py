"""Live chat (issue 16) against a real broker and docketd: a conversation
from greeting to transcript, queue order with 50 customers and 5 agents,
transfer, linking a case (the transcript lands in its activity), opening
one from a chat, agents' presence and "no agent online: leave a message",
the limits, resends after a reconnect, two gateways, and the idle timeout
and the presence lease (this module's docketd reads its clock from a file,
as test_link_expiry's does). Another customer's conversation is in
test_bola.py."""
from __future__ import annotations

import json
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import websocket  # websocket-client

from conftest import (MAIN_CONFIG, USER_PASSWORD, _mail_config, _start, create_user, login,
                      second_gateway)
from docket_api import (Client, after, assert_json, assert_problem, describe, open_case,
                        position)
from mail import mail_to, text as mail_text

IDLE_S = 600
LEASE_S = 60
CHAT_CONFIG = {
    "queues": [{"id": "sales", "name": "Sales", "case_type": "add-service",
                "category": "new-service"},
               {"id": "support", "name": "Support", "case_type": "technical-support",
                "category": "internet"}],
    "max_message_chars": 500,
    "messages_per_second": 2,
    "message_burst": 10,
    "max_open_conversations": 3,
    "idle_timeout_s": IDLE_S,
    "presence_lease_s": LEASE_S,
}


@pytest.fixture(scope="session")
def chat_settings(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("chat")
    (d / "chat.json").write_text(json.dumps(CHAT_CONFIG))
    clock = d / "offset-seconds"
    clock.write_text("0")
    # Every customer and agent here is a client of 127.0.0.1 with a kept-alive
    # connection of its own: more than the default cap of one address (64).
    return {"chat-config": str(d / "chat.json"), "test-clock-offset-file": str(clock),
            "max-connections-per-client": 512}


@pytest.fixture(scope="session")
def server(request, smtp, chat_settings):
    return _start("chat", dict(MAIN_CONFIG, **_mail_config(smtp), **chat_settings), request,
                  maildir=smtp.maildir)


def start(client: Client, queue: str = "support", topic: str = "My line is down") -> dict:
    r = client.post("/chat/conversations", json={"queue": queue, "topic": topic})
    c = assert_json(r, 201)
    assert r.headers["Location"].endswith(f"/chat/conversations/{c['id']}"), describe(r)
    return c


def say(client: Client, cid: str, text: str, client_id: str | None = None):
    return client.post(f"/chat/conversations/{cid}/messages",
                       json={"client_message_id": client_id or secrets.token_hex(8),
                             "text": text})


def transcript(client: Client, cid: str, after_seq: int = 0, headers=None) -> dict:
    return assert_json(client.get(f"/chat/conversations/{cid}/transcript?after={after_seq}"
                                  "&page[size]=500", headers=headers))


def end(client: Client, cid: str) -> dict:
    return assert_json(client.post(f"/chat/conversations/{cid}/end"))


class Socket:
    """A chat socket (GET /chat/socket) of `client`: JSON messages in, JSON
    messages out; `next` waits (bounded) for the first one that matches."""

    def __init__(self, client: Client, origin: str | None = None):
        url = client.base.replace("http://", "ws://", 1) + "/chat/socket"
        kw = {"origin": origin} if origin else {}
        self.ws = websocket.create_connection(
            url, header=[f"Authorization: Bearer {client.token}"], timeout=10, **kw)
        self.hello = self.next(lambda m: m["type"] == "hello")

    def send(self, **message):
        self.ws.send(json.dumps(message))

    def next(self, pred=lambda m: True, timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, "no matching message on the socket in time"
            self.ws.settimeout(left)
            m = json.loads(self.ws.recv())
            if pred(m):
                return m

    def items(self, cid: str, count: int, timeout: float = 5.0) -> list[dict]:
        return [self.next(lambda m: m["type"] == "item" and m["conversation"] == cid,
                          timeout)["item"] for _ in range(count)]

    def gather(self, cid: str, items: int, acks: int = 0,
               timeout: float = 5.0) -> tuple[list[dict], list[dict]]:
        """`items` items of `cid` and `acks` acks, in whichever order they come
        (the hub may push a message's item before its sender's ack)."""
        got_items, got_acks = [], []
        deadline = time.monotonic() + timeout
        while len(got_items) < items or len(got_acks) < acks:
            m = self.next(lambda m: m["type"] in ("item", "ack"),
                          max(0.001, deadline - time.monotonic()))
            if m["type"] == "ack":
                got_acks.append(m)
            elif m["conversation"] == cid:
                got_items.append(m["item"])
        return got_items, got_acks

    def quiet(self, seconds: float = 0.5) -> list[dict]:
        """What arrives within `seconds` (to show nothing more does)."""
        got = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.ws.settimeout(left)
            try:
                got.append(json.loads(self.ws.recv()))
            except websocket.WebSocketTimeoutException:
                break
        return got

    def close(self):
        self.ws.close()


def test_queues_are_the_configured_ones(alice):
    queues = assert_json(alice.get("/chat/queues"))["data"]
    assert [(q["id"], q["name"]) for q in queues] == [("sales", "Sales"), ("support", "Support")]
    assert all(isinstance(q["waiting"], int) for q in queues)


def test_a_conversation_from_greeting_to_transcript(alice, staff):
    c = start(alice, topic="No dial tone since Monday")
    assert c["state"] == "waiting" and c["queue_name"] == "Support"
    assert c["customer"]["name"] == "Alice Customer" and c["agent"] is None
    assert c["place_in_queue"] >= 1 and c["waited_s"] >= 0 and c["waiting_since"]
    hello = assert_json(say(alice, c["id"], "Hello, anyone there?"), 201)
    assert hello["kind"] == "message" and hello["author"]["role"] == "customer"

    waiting = assert_json(staff.get("/chat/conversations?view=waiting&queue=support",
                                    headers=after(position(say(alice, c["id"], "Still here")))))
    assert c["id"] in [w["id"] for w in waiting["data"]]
    taken = assert_json(staff.post(f"/chat/conversations/{c['id']}/accept"))
    assert taken["state"] == "active" and taken["agent"]["name"] == "Sam Staff"
    assert taken["place_in_queue"] is None and taken["accepted_at"]
    r = say(staff, c["id"], "Hi Alice, I am looking at your line.")
    reply = assert_json(r, 201)
    assert reply["author"] == {"id": staff.id, "name": "Sam Staff", "role": "agent"}

    ended = end(alice, c["id"])
    assert ended["state"] == "ended" and ended["end_reason"] == "customer"
    t = transcript(alice, c["id"], headers=after(position(r)))
    assert [i["kind"] for i in t["data"]] == ["started", "message", "message", "accepted",
                                            "message", "ended"]
    assert [i["seq"] for i in t["data"]] == [1, 2, 3, 4, 5, 6]
    assert t["data"][0]["topic"] == "No dial tone since Monday"
    assert t["data"][4]["text"] == "Hi Alice, I am looking at your line."
    assert t["meta"] == {"has_more": False, "last_seq": 6, "state": "ended"}
    assert_problem(say(alice, c["id"], "one more thing"), 409, "conflict", rule="chat.ended")
    mine = assert_json(alice.get("/chat/conversations"))["data"]
    assert mine[0]["id"] == c["id"]
    agents = assert_json(staff.get("/chat/conversations?view=mine"))["data"]
    assert c["id"] in [a["id"] for a in agents]


def test_analytics_replays_a_conversation_from_the_log(server, alice, staff):
    c = start(alice, topic="replay me")
    assert_json(staff.post(f"/chat/conversations/{c['id']}/accept"))
    assert_json(say(alice, c["id"], "for the record", "r-1"), 201)
    end(staff, c["id"])
    out = server.ctl("replay", "--brokers", server.brokers, "--topic",
                     f"{server.prefix}.chat.events", "--aggregate", c["id"], timeout=120).stdout
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert [line["version"] for line in lines] == [1, 2, 3, 4], out
    assert [line["type"] for line in lines] == ["ConversationStarted", "ConversationAccepted",
                                                "ChatMessagePosted", "ConversationEnded"], out
    assert lines[2]["payload"]["text"] == "for the record"
    assert lines[0]["actor"]["user_id"] == alice.id


def test_a_resend_after_a_reconnect_is_neither_lost_nor_doubled(alice):
    c = start(alice)
    first = assert_json(say(alice, c["id"], "first", "m-1"), 201)
    second = assert_json(say(alice, c["id"], "second", "m-2"), 201)
    again = say(alice, c["id"], "second", "m-2")  # the answer was lost; the client sends again
    assert again.status_code == 201, describe(again)
    assert again.json()["seq"] == second["seq"]
    t = transcript(alice, c["id"], first["seq"], headers=after(position(again)))
    assert [(i["kind"], i.get("text")) for i in t["data"]] == [("message", "second")]
    assert transcript(alice, c["id"], t["meta"]["last_seq"])["data"] == []
    end(alice, c["id"])


def test_a_transfer_waits_in_the_other_queue_and_hides_the_note_from_the_customer(
        alice, staff, admin):
    c = start(alice, queue="support")
    assert_json(staff.post(f"/chat/conversations/{c['id']}/accept"))
    moved = assert_json(staff.post(f"/chat/conversations/{c['id']}/transfer",
                                   json={"queue": "sales", "note": "wants fibre, quote it"}))
    assert moved["state"] == "waiting" and moved["queue"] == "sales" and moved["agent"] is None
    assert_problem(staff.post(f"/chat/conversations/{c['id']}/transfer", json={"queue": "sales"}),
                   409, "conflict", rule="chat.same_queue")
    item = transcript(staff, c["id"])["data"][-1]
    assert item["kind"] == "transferred" and item["note"] == "wants fibre, quote it"
    seen = transcript(alice, c["id"])["data"][-1]
    assert seen["kind"] == "transferred" and seen["from_queue"] == "support" and "note" not in seen
    assert assert_json(admin.post(f"/chat/conversations/{c['id']}/accept"))["agent"]["id"] == admin.id
    assert_problem(say(staff, c["id"], "still me?"), 409, "conflict",
                   rule="chat.not_your_conversation")
    end(admin, c["id"])


def test_a_linked_case_gets_the_transcript_in_its_activity(alice, bob, staff):
    case = open_case(alice, subject="Line down")
    theirs = open_case(bob, subject="Not alice's")
    c = start(alice)
    assert_json(staff.post(f"/chat/conversations/{c['id']}/accept"))
    word = secrets.token_hex(4)
    assert_json(say(alice, c["id"], f"it is the {word} line"), 201)
    assert_problem(staff.post(f"/chat/conversations/{c['id']}/cases",
                              json={"case_number": theirs.number}), 404, "not-found")
    r = staff.post(f"/chat/conversations/{c['id']}/cases", json={"case_number": case.number})
    linked = assert_json(r, 201)
    assert linked["case_numbers"] == [case.number]
    # The same request again (its answer was lost) is the same link, not a second one.
    again = staff.post(f"/chat/conversations/{c['id']}/cases", json={"case_number": case.number})
    assert assert_json(again, 201)["case_numbers"] == [case.number]
    assert_problem(alice.post(f"/chat/conversations/{c['id']}/cases",
                              json={"case_number": case.number}), 409, "conflict",
                   rule="chat.case_linked")
    activity = assert_json(alice.get(f"/cases/{case.number}/activity?page[size]=100",
                                     headers=after(position(r))))["data"]
    comments = [a for a in activity if a["type"] == "comment" and "Chat transcript" in a["body"]]
    assert len(comments) == 1, activity
    assert f"it is the {word} line" in comments[0]["body"]
    assert transcript(alice, c["id"])["data"][-1]["case_number"] == case.number
    end(staff, c["id"])


def presence(agent: Client, online: bool, queues: list[str] | None = None) -> dict:
    body = {"online": online} if queues is None else {"online": online, "queues": queues}
    return assert_json(agent.put("/chat/presence", json=body))


def agents_online(client: Client) -> dict[str, int]:
    return {q["id"]: q["agents_online"] for q in assert_json(client.get("/chat/queues"))["data"]}


def chat_with_agent(world, staff: Client, topic: str, customer_says: str,
                    agent_says: str) -> tuple[Client, dict]:
    """A fresh customer's conversation on `topic`, accepted by `staff`, with
    one message each way."""
    ann = world.new_customer()
    c = start(ann, topic=topic)
    assert_json(staff.post(f"/chat/conversations/{c['id']}/accept"))
    assert_json(say(ann, c["id"], customer_says), 201)
    assert_json(say(staff, c["id"], agent_says), 201)
    return ann, c


def test_opening_a_case_from_a_chat_puts_the_transcript_in_it(world, staff):
    word = secrets.token_hex(4)
    ann, c = chat_with_agent(world, staff, "Router keeps rebooting",
                             f"the {word} router reboots every hour", "I open a case for it")
    # Another customer's account, or a half-given kind of case, is refused.
    bob = world.new_customer()
    assert_problem(staff.post(f"/chat/conversations/{c['id']}/cases",
                              json={"account_id": bob.account["id"]}), 400, "validation")
    assert_problem(staff.post(f"/chat/conversations/{c['id']}/cases",
                              json={"case_type": "account-billing"}), 400, "validation")
    assert_problem(staff.post(f"/chat/conversations/{c['id']}/cases",
                              json={"case_number": "CS00000000001", "subject": "x"}),
                   400, "validation")
    r = staff.post(f"/chat/conversations/{c['id']}/cases",
                   json={"case_type": "account-billing", "category": "payment",
                         "subject": "Refund for the outage"})
    row = assert_json(r, 201)
    assert len(row["case_numbers"]) == 1 and row["state"] == "active", row
    number = row["case_numbers"][0]
    assert r.headers["Location"].endswith(f"/cases/{number}"), describe(r)
    case = assert_json(ann.get(f"/cases/{number}", headers=after(position(r))))
    assert (case["case_type"], case["category"]) == ("account-billing", "payment"), case
    assert case["subject"] == "Refund for the outage"
    assert case["account_id"] == ann.account["id"]
    assert "Chat transcript" in case["description"], case
    assert f"the {word} router reboots every hour" in case["description"]
    assert "I open a case for it" in case["description"]
    # The same request again (its answer was lost) is the same case.
    again = staff.post(f"/chat/conversations/{c['id']}/cases",
                       json={"case_type": "account-billing", "category": "payment",
                             "subject": "Refund for the outage"})
    assert assert_json(again, 201)["case_numbers"] == [number]
    linked = [i for i in transcript(ann, c["id"])["data"] if i["kind"] == "case_linked"]
    assert [(i["case_number"], i["case_opened"]) for i in linked] == [(number, True)], linked
    # The customer sees it among their cases.
    mine = assert_json(ann.get("/cases?page[size]=50", headers=after(position(r))))["data"]
    assert number in [x["number"] for x in mine]
    end(staff, c["id"])


def test_agents_go_online_for_their_queues_and_everyone_sees_how_many(world, alice):
    kim, lee = new_people(world, 2, "staff")
    before = agents_online(alice)
    p = presence(kim, True, ["sales"])
    assert p["online"] is True and p["queues"] == ["sales"] and p["until"], p
    assert p["lease_s"] == LEASE_S
    everywhere = presence(lee, True)  # no queues named: every queue
    assert everywhere["queues"] == ["sales", "support"], everywhere
    now = agents_online(alice)
    assert now == {"sales": before["sales"] + 2, "support": before["support"] + 1}, now
    assert assert_json(kim.get("/chat/presence"))["online"] is True
    off = presence(kim, False)
    assert off == {"online": False, "queues": [], "until": None, "lease_s": LEASE_S}, off
    presence(lee, False)
    assert agents_online(alice) == before
    # Customers have no presence; an unknown queue, or none, is refused.
    assert_problem(alice.put("/chat/presence", json={"online": True}), 403, "forbidden")
    assert_problem(alice.get("/chat/presence"), 403, "forbidden")
    assert_problem(kim.put("/chat/presence", json={"online": True, "queues": ["billing"]}),
                   400, "validation")
    assert_problem(kim.put("/chat/presence", json={"online": True, "queues": []}),
                   400, "validation")
    assert_problem(kim.put("/chat/presence", json={"online": "yes"}), 400, "validation")


def test_no_agent_online_leave_a_message_opens_a_case_with_the_transcript(world):
    ann = world.new_customer()
    # The chat says nobody is there (every agent of this module went offline).
    assert agents_online(ann)["support"] == 0
    c = start(ann, topic="No dial tone since Monday")
    word = secrets.token_hex(4)
    assert_json(say(ann, c["id"], f"please call me back about {word}"), 201)
    r = ann.post(f"/chat/conversations/{c['id']}/cases", json={"end": True})
    row = assert_json(r, 201)
    assert row["state"] == "ended" and len(row["case_numbers"]) == 1, row
    number = row["case_numbers"][0]
    case = assert_json(ann.get(f"/cases/{number}", headers=after(position(r))))
    # The queue's kind of case, the topic as its subject, the transcript in it.
    assert (case["case_type"], case["category"]) == ("technical-support", "internet"), case
    assert case["subject"] == "No dial tone since Monday"
    assert f"please call me back about {word}" in case["description"]
    assert case["state"] == "NEW"
    again = ann.post(f"/chat/conversations/{c['id']}/cases", json={"end": True})
    assert assert_json(again, 201)["case_numbers"] == [number]
    kinds = [i["kind"] for i in transcript(ann, c["id"])["data"]]
    assert kinds == ["started", "message", "case_linked", "ended"], kinds


def test_an_agent_whose_lease_runs_out_goes_offline_for_good(server, world, alice,
                                                            chat_settings):
    clock = Path(chat_settings["test-clock-offset-file"])
    (kim,) = new_people(world, 1, "staff")
    before = agents_online(alice)["support"]
    presence(kim, True, ["support"])
    assert agents_online(alice)["support"] == before + 1
    try:
        clock.write_text(repr(float(LEASE_S + 5)))
        # The decider's timer takes them offline: an event on the log, by
        # the system.
        deadline = time.monotonic() + 60
        while True:
            out = server.ctl("replay", "--brokers", server.brokers, "--topic",
                             f"{server.prefix}.chat.events", "--aggregate", f"agent-{kim.id}",
                             timeout=120).stdout
            lines = [json.loads(line) for line in out.splitlines() if line.strip()]
            if len(lines) == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    finally:
        clock.write_text("0")
    assert [(x["type"], x["payload"].get("online", False)) for x in lines] == [
        ("AgentPresenceChanged", True), ("AgentPresenceChanged", False)], out
    assert lines[1]["actor"]["role"] == "System", out
    # Back at the time the lease still ran: offline all the same, once this
    # gateway's read model has the event.
    deadline = time.monotonic() + 15
    while assert_json(kim.get("/chat/presence"))["online"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert assert_json(kim.get("/chat/presence"))["online"] is False
    assert agents_online(alice)["support"] == before


def test_the_customer_has_the_transcript_mailed_to_them(server, world, staff):
    word = secrets.token_hex(4)
    ann, c = chat_with_agent(world, staff, "Billing question", f"why is the {word} fee there?",
                             "It is the modem rental.")
    end(ann, c["id"])
    # Only the customer asks; an agent cannot have it mailed.
    assert_problem(staff.post(f"/chat/conversations/{c['id']}/transcript/email"), 403,
                   "forbidden", rule="chat.customer_only")
    r = ann.post(f"/chat/conversations/{c['id']}/transcript/email")
    assert_json(r, 200)
    [mail] = mail_to(server.maildir, ann.email, "Your chat transcript")
    assert "Billing question" in str(mail["Subject"])
    body = mail_text(mail)
    assert f"why is the {word} fee there?" in body, body
    assert "It is the modem rental." in body and body.index(word) < body.index("modem rental")
    kinds = [i["kind"] for i in transcript(ann, c["id"], headers=after(position(r)))["data"]]
    assert kinds[-1] == "transcript_mailed", kinds
    for _ in range(2):
        assert_json(ann.post(f"/chat/conversations/{c['id']}/transcript/email"), 200)
    assert_problem(ann.post(f"/chat/conversations/{c['id']}/transcript/email"), 409, "conflict",
                   rule="chat.too_many_transcripts")
    assert len(mail_to(server.maildir, ann.email, "Your chat transcript", count=3)) == 3


def test_the_limits_each_have_their_error(world):
    ann = world.new_customer()
    open_ones = [start(ann) for _ in range(3)]
    assert_problem(ann.post("/chat/conversations", json={"queue": "support"}), 409, "conflict",
                   rule="chat.too_many_conversations")
    end(ann, open_ones[0]["id"])
    fourth = start(ann)
    cid = fourth["id"]
    assert_problem(say(ann, cid, "x" * 501), 400, "validation")
    assert_problem(ann.post("/chat/conversations", json={"queue": "billing"}), 400, "validation")
    assert_problem(ann.post(f"/chat/conversations/{cid}/messages", json={"text": "no id"}),
                   400, "validation")
    statuses = [say(ann, cid, f"flood {i}").status_code for i in range(14)]
    assert 429 in statuses and statuses[:8] == [201] * 8, statuses
    limited = say(ann, cid, "one more")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    for c in open_ones[1:] + [fourth]:
        end(ann, c["id"])


def new_people(world, count: int, role: str) -> list[Client]:
    def one(i: int) -> Client:
        if role == "customer":
            return world.new_customer()
        email = f"agent-{secrets.token_hex(4)}@example.com"
        r = create_user(world.server, world.admin, email, f"Agent {i}", "staff")
        return login(world.server, email, USER_PASSWORD, min_position=position(r), name=email)
    # Two at a time: activation and sign-in hash passwords, and docketd
    # hashes max-concurrent-hashes (2) at once.
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(one, range(count)))


def test_queue_order_with_50_customers_and_5_agents(world):
    customers = new_people(world, 50, "customer")
    agents = new_people(world, 5, "staff")
    queue = "sales"
    with ThreadPoolExecutor(16) as pool:
        started = list(pool.map(lambda c: start(c, queue=queue), customers))
    ids = {c["id"] for c in started}
    # The queue, longest waiting first, is the order the conversations began in.
    rows = []
    for c, who in zip(started, customers):
        rows.append(assert_json(who.get(f"/chat/conversations/{c['id']}")))
    rows.sort(key=lambda r: r["place_in_queue"])
    assert [r["place_in_queue"] for r in rows] == list(range(1, 51))
    assert [r["waiting_since"] for r in rows] == sorted(r["waiting_since"] for r in rows)

    taken: dict[str, list[str]] = {a.id: [] for a in agents}
    lock = threading.Lock()

    def work(agent: Client):
        while True:
            head = assert_json(agent.get(f"/chat/conversations?view=waiting&queue={queue}"
                                         "&page[size]=1"))["data"]
            head = [h for h in head if h["id"] in ids]
            if not head:
                return
            r = agent.post(f"/chat/conversations/{head[0]['id']}/accept")
            if r.status_code == 200:
                with lock:
                    taken[agent.id].append(head[0]["id"])
            else:
                assert_problem(r, 409, "conflict", rule="chat.not_waiting")

    with ThreadPoolExecutor(5) as pool:
        list(pool.map(work, agents))
    everyone = [cid for got in taken.values() for cid in got]
    assert sorted(everyone) == sorted(ids), "every conversation is taken exactly once"
    order = {r["id"]: i for i, r in enumerate(rows)}
    for agent_id, got in taken.items():
        assert [order[c] for c in got] == sorted(order[c] for c in got), (
            f"agent {agent_id} took conversations out of queue order")
    for a in agents:
        mine = assert_json(a.get("/chat/conversations?view=mine&open=true&page[size]=100"))["data"]
        assert sorted(m["id"] for m in mine) == sorted(taken[a.id])


def test_a_customer_on_one_gateway_and_an_agent_on_another_talk(server, world, request, alice,
                                                                 staff, chat_settings):
    b = second_gateway(server, request, extra=chat_settings)
    agent_b = Client(b.api, staff.token, name="staff@b", user=staff.user)
    c = start(alice)
    hello = say(alice, c["id"], "hello from gateway A")
    assert_json(agent_b.get(f"/chat/conversations/{c['id']}", headers=after(hello)))
    assert_json(agent_b.post(f"/chat/conversations/{c['id']}/accept"))
    reply = agent_b.post(f"/chat/conversations/{c['id']}/messages",
                         json={"client_message_id": "b-1", "text": "hello from gateway B"})
    assert_json(reply, 201)
    seen = transcript(alice, c["id"], headers=after(position(reply)))
    assert [i.get("text") for i in seen["data"] if i["kind"] == "message"] == [
        "hello from gateway A", "hello from gateway B"]
    # Live, on sockets: the customer's on gateway A, the agent's on gateway B.
    ann, sam = Socket(alice), Socket(agent_b)
    last = seen["meta"]["last_seq"]
    for s in (ann, sam):
        s.send(type="subscribe", conversation=c["id"], after=last)
    sam.send(type="message", conversation=c["id"], client_message_id="b-2", text="live from B")
    assert ann.items(c["id"], 1, timeout=5)[0]["text"] == "live from B"
    ann.send(type="message", conversation=c["id"], client_message_id="a-2", text="live from A")
    assert [i["text"] for i in sam.items(c["id"], 2, timeout=5)] == ["live from B", "live from A"]
    for s in (ann, sam):
        s.close()
    end(alice, c["id"])


def test_an_idle_conversation_ends_itself(world, alice, chat_settings):
    clock = Path(chat_settings["test-clock-offset-file"])
    c = start(alice)
    try:
        clock.write_text(repr(float(IDLE_S + 5)))
        deadline = time.monotonic() + 30
        while True:
            row = assert_json(alice.get(f"/chat/conversations/{c['id']}"))
            if row["state"] == "ended" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        clock.write_text("0")
    assert row["state"] == "ended" and row["end_reason"] == "idle", row
    last = transcript(alice, c["id"])["data"][-1]
    assert last["kind"] == "ended" and last["author"]["role"] == "system"


def test_a_customer_and_an_agent_chat_over_sockets(alice, staff):
    c = start(alice)
    assert_json(staff.post(f"/chat/conversations/{c['id']}/accept"))
    ann, sam = Socket(alice), Socket(staff)
    assert ann.hello["user"]["role"] == "customer" and sam.hello["user"]["role"] == "agent"
    for s in (ann, sam):
        s.send(type="subscribe", conversation=c["id"], after=0)
        assert [i["kind"] for i in s.items(c["id"], 2)] == ["started", "accepted"]
    sent = time.monotonic()
    ann.send(type="message", conversation=c["id"], client_message_id="s-1", text="over the socket")
    got = sam.items(c["id"], 1, timeout=1.0)[0]  # the other side within a second
    assert time.monotonic() - sent < 1.0
    assert got["text"] == "over the socket" and got["author"]["role"] == "customer"
    own, acks = ann.gather(c["id"], items=1, acks=1)
    assert acks[0]["client_message_id"] == "s-1" and acks[0]["seq"] == got["seq"] == 3
    assert [i["seq"] for i in own] == [3]  # its own message, once
    sam.send(type="typing", conversation=c["id"])
    typing = ann.next(lambda m: m["type"] == "typing")
    assert typing["author"]["name"] == "Sam Staff"
    sam.send(type="message", conversation=c["id"], client_message_id="s-2", text="hello Alice")
    assert ann.items(c["id"], 1)[0]["text"] == "hello Alice"
    ann.send(type="ping")
    assert ann.next(lambda m: m["type"] in ("pong", "item"))["type"] == "pong"
    for s in (ann, sam):
        s.close()
    end(alice, c["id"])


def test_a_socket_reconnect_loses_and_doubles_nothing(alice, staff):
    c = start(alice)
    assert_json(staff.post(f"/chat/conversations/{c['id']}/accept"))
    first = Socket(alice)
    first.send(type="subscribe", conversation=c["id"], after=0)
    first.send(type="message", conversation=c["id"], client_message_id="r-1", text="one")
    seen, acks = first.gather(c["id"], items=3, acks=1)  # started, accepted, one
    assert [i["seq"] for i in seen] == [1, 2, 3]
    ack = acks[0]
    first.close()
    # While it is away: two messages of the agent.
    for n in ("two", "three"):
        assert_json(say(staff, c["id"], n), 201)
    again = Socket(alice)
    # The client did not know "one" arrived and sends it again: same seq.
    again.send(type="message", conversation=c["id"], client_message_id="r-1", text="one")
    assert again.next(lambda m: m["type"] == "ack")["seq"] == ack["seq"]
    again.send(type="subscribe", conversation=c["id"], after=seen[-1]["seq"])
    missed = again.items(c["id"], 2)
    assert [(i["seq"], i["text"]) for i in missed] == [(4, "two"), (5, "three")]
    assert [m for m in again.quiet() if m["type"] == "item"] == []
    again.close()
    t = transcript(alice, c["id"])
    assert [i.get("text") for i in t["data"] if i["kind"] == "message"] == ["one", "two", "three"]
    end(alice, c["id"])


def test_a_socket_needs_a_session_and_the_portals_origin(alice, world):
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        Socket(alice, origin="https://evil.example")
    assert refused.value.status_code == 403
    with pytest.raises(websocket.WebSocketBadStatusException) as anonymous:
        Socket(Client(world.api))
    assert anonymous.value.status_code == 401
    assert_problem(alice.get("/chat/socket"), 400, "bad-request")


def test_socket_errors_name_the_request(alice):
    s = Socket(alice)
    s.send(type="subscribe", conversation="chat-" + "0" * 24)
    e = s.next(lambda m: m["type"] == "error")
    assert e["request"] == "subscribe" and e["problem"]["status"] == 404
    s.ws.send("not json")
    assert s.next(lambda m: m["type"] == "error")["problem"]["status"] == 400
    s.send(type="dance")
    assert s.next(lambda m: m["type"] == "error")["problem"]["status"] == 400
    s.close()
