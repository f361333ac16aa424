"""Chat fan-out benchmark: N buyers' chat sockets and the seller's open on the production server
(gunicorn with uvicorn workers, DEBUG off, PostgreSQL + the Redis channel layer, Celery eager), then
M messages sent by a few concurrent senders, timed from the send to the `chat_message` frame's
arrival on each member's socket.

    .venv/bin/python bench/chat_fanout.py                               # 200 sockets, 500 messages
    .venv/bin/python bench/chat_fanout.py --sockets 500 --messages 2000 --senders 8

Two variants on the same sockets: `rest`, the seller's `POST /api/chat/messages/` to each
conversation in turn (the buyer's socket and the seller's own get the frame), and `socket`, each
buyer's `chat_message` frame on their own socket (the seller's socket and the buyer's own get it).
Prints p50/p99 latency per receiving socket and messages per second delivered, and writes them to
bench/results/chat-fanout-<UTC timestamp>.json. See bench/README.md.
"""

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as catalog_bench  # noqa: E402  (shares the database, environment and server helpers)

ROOT, RESULTS, BASE = catalog_bench.ROOT, catalog_bench.RESULTS, catalog_bench.BASE
catalog_bench.ENVIRONMENT.update({
    "DATABASE_URL": os.environ.get("BENCH_CHAT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sf_chatbench"),
    "REDIS_URL": os.environ.get("BENCH_CHAT_REDIS_URL", "redis://127.0.0.1:6379/10"),
    "CELERY_TASK_ALWAYS_EAGER": "true",
    # One seller sends every REST message and the load generator is one client: the send limits
    # would measure themselves, not the fan-out.
    "THROTTLE_CHAT_SEND_RATE": "100000000/second",
    "CHAT_SOCKET_RATE_FRAMES": "100000000",
})
EMAIL_DOMAIN = "chatfanout.bench"
SOCKET_CONNECTS_AT_ONCE = 20
DELIVERY_TIMEOUT = 30.0  # seconds a frame may take before it counts as lost


# --- Members and conversations ----------------------------------------------------------------

@dataclass(frozen=True)
class Inbox:
    seller_token: str
    buyer_tokens: list[str]  # one per conversation, in the order of conversation_ids
    conversation_ids: list[int]


def prepare(sockets: int) -> Inbox:
    """A fresh seller with one conversation with each of `sockets` buyers (through the ORM: the
    setup is not what is measured), and a session (access token) for each of them."""
    catalog_bench.setup_django()
    from accounts.models import User
    from accounts.services import tokens_for_user
    from chat.models import Conversation
    from customers.models import Customer

    User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()  # the seller's customers and chats go too
    seller = User.objects.create_user(email=f"seller@{EMAIL_DOMAIN}", password=None, account_type="seller",
                                      company_name="Fan-out Shop")
    buyers = User.objects.bulk_create([User(email=f"buyer{n}@{EMAIL_DOMAIN}", first_name=f"Buyer{n}",
                                            account_type="buyer") for n in range(sockets)])
    customers = Customer.objects.bulk_create([Customer(seller=seller, buyer=buyer, name=buyer.first_name,
                                                       email=buyer.email) for buyer in buyers])
    conversations = Conversation.objects.bulk_create([
        Conversation(seller=seller, customer=customer, buyer=customer.buyer, subject=f"Question {n}")
        for n, customer in enumerate(customers)
    ])
    return Inbox(seller_token=tokens_for_user(seller)["access"],
                 buyer_tokens=[tokens_for_user(buyer)["access"] for buyer in buyers],
                 conversation_ids=[conversation.pk for conversation in conversations])


# --- Sockets and what they receive ------------------------------------------------------------

@dataclass
class Deliveries:
    """When each message was sent and when its frame reached the other member's socket and the
    sender's own socket (perf_counter seconds), by the message's content, which is unique."""

    sent: dict[str, float] = field(default_factory=dict)
    to_other_member: dict[str, float] = field(default_factory=dict)
    to_sender_socket: dict[str, float] = field(default_factory=dict)
    echoes: dict[str, asyncio.Future] = field(default_factory=dict)  # a socket sender waits for its own
    error_frames: list[dict] = field(default_factory=list)

    def arrived(self, content: str, *, on_sender_socket: bool) -> None:
        if content not in self.sent:
            return  # a warm-up message, or another variant's
        arrivals = self.to_sender_socket if on_sender_socket else self.to_other_member
        arrivals.setdefault(content, time.perf_counter())
        echo = self.echoes.get(content)
        if on_sender_socket and echo is not None and not echo.done():
            echo.set_result(None)


@dataclass
class Listener:
    """Routes each socket's `chat_message` frames to the running variant's Deliveries: the
    variant says whether the buyers' or the seller's socket is the sender's own."""

    deliveries: Deliveries = field(default_factory=Deliveries)
    senders_are_buyers: bool = False
    closed_sockets: int = 0

    async def read(self, socket: aiohttp.ClientWebSocketResponse, *, is_buyer: bool) -> None:
        async for message in socket:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            frame = json.loads(message.data)
            if frame.get("type") == "chat_message":
                self.deliveries.arrived(frame["content"], on_sender_socket=is_buyer == self.senders_are_buyers)
            elif frame.get("type") == "error":
                self.deliveries.error_frames.append(frame)
        self.closed_sockets += 1


async def open_sockets(session: aiohttp.ClientSession, inbox: Inbox, listener: Listener):
    """The seller's socket and every buyer's, SOCKET_CONNECTS_AT_ONCE handshakes at a time; each
    read by its own task. Returns the seller's socket, the buyers' and the handshake times (ms)."""
    gate, handshakes = asyncio.Semaphore(SOCKET_CONNECTS_AT_ONCE), []

    async def connect(token: str) -> aiohttp.ClientWebSocketResponse:
        async with gate:
            started = time.perf_counter()
            socket = await session.ws_connect(f"{BASE}/ws/chat/?token={token}", heartbeat=None)
            handshakes.append((time.perf_counter() - started) * 1000)
            return socket

    seller_socket = await connect(inbox.seller_token)
    buyer_sockets = await asyncio.gather(*(connect(token) for token in inbox.buyer_tokens))
    readers = [asyncio.create_task(listener.read(seller_socket, is_buyer=False))]
    readers += [asyncio.create_task(listener.read(socket, is_buyer=True)) for socket in buyer_sockets]
    return seller_socket, buyer_sockets, handshakes, readers


# --- The two ways of sending ------------------------------------------------------------------

async def send_over_rest(session: aiohttp.ClientSession, inbox: Inbox, deliveries: Deliveries, number: int,
                         *, label: str) -> tuple[int, float]:
    """The seller's POST of message `number` to conversation `number` mod N: its status and time (ms)."""
    content = f"{label}-{number}"
    conversation = inbox.conversation_ids[number % len(inbox.conversation_ids)]
    started = time.perf_counter()
    deliveries.sent[content] = started
    async with session.post(f"{BASE}/api/chat/messages/", json={"conversation": conversation, "content": content},
                            headers={"Authorization": f"Bearer {inbox.seller_token}"}) as response:
        await response.read()
        return response.status, (time.perf_counter() - started) * 1000


async def send_over_socket(buyer_sockets, inbox: Inbox, deliveries: Deliveries, number: int,
                           *, label: str) -> tuple[int, float]:
    """Buyer `number` mod N writes message `number` on their own socket, then waits for it to come
    back there (the socket's only sign that it was stored and fanned out): 201 and that time (ms),
    or 0 when it did not come back."""
    content = f"{label}-{number}"
    index = number % len(inbox.conversation_ids)
    echo = deliveries.echoes[content] = asyncio.get_running_loop().create_future()
    started = time.perf_counter()
    deliveries.sent[content] = started
    await buyer_sockets[index].send_json({"type": "chat_message", "conversation_id": inbox.conversation_ids[index],
                                          "content": content})
    try:
        await asyncio.wait_for(echo, DELIVERY_TIMEOUT)
    except TimeoutError:
        return 0, (time.perf_counter() - started) * 1000
    return 201, (time.perf_counter() - started) * 1000


async def send_all(send_one, *, messages: int, senders: int) -> list[tuple[int, float]]:
    """Messages 0..messages-1 by `senders` concurrent senders, each sending its next one as soon as
    its previous one was answered."""
    numbers, outcomes = iter(range(messages)), []

    async def sender():
        for number in numbers:
            outcomes.append(await send_one(number))

    await asyncio.gather(*(sender() for _ in range(senders)))
    return outcomes


async def wait_delivered(deliveries: Deliveries) -> None:
    """Until every sent message reached both sockets, or DELIVERY_TIMEOUT after the last send."""
    deadline = time.perf_counter() + DELIVERY_TIMEOUT
    while time.perf_counter() < deadline:
        if len(deliveries.to_other_member) == len(deliveries.to_sender_socket) == len(deliveries.sent):
            return
        await asyncio.sleep(0.01)


# --- Figures ----------------------------------------------------------------------------------

def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest rank, as bench/checkout_contention.py reports it."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * fraction))], 1)


def latency(values: list[float]) -> dict:
    return {"p50_ms": percentile(values, 0.5), "p99_ms": percentile(values, 0.99),
            "max_ms": percentile(values, 1.0), "count": len(values)}


def figures(deliveries: Deliveries, outcomes: list[tuple[int, float]], *, senders: int) -> dict:
    """Per message, from its send to its frame on each socket (and on both); messages per second
    from the first send to the last frame, counting messages whose frame reached both sockets."""
    sent = deliveries.sent
    other = {key: (at - sent[key]) * 1000 for key, at in deliveries.to_other_member.items()}
    own = {key: (at - sent[key]) * 1000 for key, at in deliveries.to_sender_socket.items()}
    both = [max(other[key], own[key]) for key in other.keys() & own.keys()]
    arrivals = [*deliveries.to_other_member.values(), *deliveries.to_sender_socket.values()]
    window = max(arrivals, default=min(sent.values())) - min(sent.values())
    statuses = [status for status, _ in outcomes]
    return {
        "messages": len(sent), "senders": senders, "seconds": round(window, 2),
        "messages_per_second": round(len(both) / window, 1) if window else None,
        "frames_per_second": round(len(arrivals) / window, 1) if window else None,
        "to_other_member": latency(list(other.values())),
        "to_sender_socket": latency(list(own.values())),
        "to_both": latency(both),
        "send_answer": latency([ms for _, ms in outcomes]),
        "answered_201": statuses.count(201),
        "other_statuses": sorted({status for status in statuses if status != 201}),
        "frames_missing": 2 * len(sent) - len(arrivals),
        "timeline": timeline(sent, other, own),
        "error_frames": deliveries.error_frames[:5],
    }


def timeline(sent: dict[str, float], other: dict[str, float], own: dict[str, float], slices: int = 10) -> list[dict]:
    """The p50 latency to each socket over the run, in `slices` slices of the messages in the order
    they were sent: whether a queue builds up, and where."""
    order = sorted(sent, key=sent.get)
    size = max(len(order) // slices, 1)
    return [{"messages": f"{start}-{start + len(chunk) - 1}",
             "to_other_member_p50_ms": percentile([other[key] for key in chunk if key in other], 0.5),
             "to_sender_socket_p50_ms": percentile([own[key] for key in chunk if key in own], 0.5)}
            for start in range(0, len(order), size) for chunk in [order[start:start + size]]]


def failed(result: dict) -> bool:
    return bool(result["other_statuses"] or result["frames_missing"] or result["error_frames"])


def line(label: str, result: dict) -> str:
    return (f"{label:<7} {result['messages']} messages, {result['senders']} senders: "
            f"{result['messages_per_second']} msgs/s delivered to both sockets; "
            f"other member p50 {result['to_other_member']['p50_ms']} / p99 {result['to_other_member']['p99_ms']} ms, "
            f"sender's socket p50 {result['to_sender_socket']['p50_ms']} / "
            f"p99 {result['to_sender_socket']['p99_ms']} ms, both p50 {result['to_both']['p50_ms']} / "
            f"p99 {result['to_both']['p99_ms']} ms"
            + (f"   {result['frames_missing']} FRAMES MISSING" if result["frames_missing"] else "")
            + (f"   STATUSES {result['other_statuses']}" if result["other_statuses"] else ""))


# --- The run ----------------------------------------------------------------------------------

async def variant(label: str, send, listener: Listener, *, messages: int, senders: int, warmup: int,
                  senders_are_buyers: bool) -> dict:
    listener.senders_are_buyers = senders_are_buyers
    listener.deliveries = Deliveries()
    await send_all(lambda number: send(listener.deliveries, number, label=f"{label}-warmup"), messages=warmup,
                   senders=senders)
    await wait_delivered(listener.deliveries)
    listener.deliveries = Deliveries()
    outcomes = await send_all(lambda number: send(listener.deliveries, number, label=label), messages=messages,
                              senders=senders)
    await wait_delivered(listener.deliveries)
    result = figures(listener.deliveries, outcomes, senders=senders)
    print("  " + line(label, result), flush=True)
    return result


async def measure(inbox: Inbox, *, messages: int, senders: int, warmup: int) -> dict:
    listener = Listener()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                     timeout=aiohttp.ClientTimeout(total=60)) as session:
        seller_socket, buyer_sockets, handshakes, readers = await open_sockets(session, inbox, listener)
        print(f"  {len(buyer_sockets) + 1} sockets open (handshake p50 {percentile(handshakes, 0.5)} ms, "
              f"p99 {percentile(handshakes, 0.99)} ms)", flush=True)

        async def rest(deliveries, number, *, label):
            return await send_over_rest(session, inbox, deliveries, number, label=label)

        async def socket(deliveries, number, *, label):
            return await send_over_socket(buyer_sockets, inbox, deliveries, number, label=label)

        results = {
            "rest": await variant("rest", rest, listener, messages=messages, senders=senders, warmup=warmup,
                                  senders_are_buyers=False),
            "socket": await variant("socket", socket, listener, messages=messages, senders=senders, warmup=warmup,
                                    senders_are_buyers=True),
        }
        closed_early = listener.closed_sockets
        for open_socket in (seller_socket, *buyer_sockets):
            await open_socket.close()
        await asyncio.gather(*readers)
    return {"handshake": latency(handshakes), "sockets_closed_by_server": closed_early, **results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=200, help="buyers, each with a conversation and a socket")
    parser.add_argument("--messages", type=int, default=500, help="messages measured per variant")
    parser.add_argument("--senders", type=int, default=4, help="concurrent senders (default 4)")
    parser.add_argument("--warmup", type=int, default=20, help="messages sent first, not measured")
    parser.add_argument("--workers", type=int, default=2, help="the server's WEB_CONCURRENCY (default 2)")
    args = parser.parse_args()
    catalog_bench.ENVIRONMENT["WEB_CONCURRENCY"] = str(args.workers)
    RESULTS.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()

    catalog_bench.ensure_database(refill=False)
    inbox = prepare(args.sockets)
    server = catalog_bench.start_server(cache_seconds=300)
    print(f"Server: WEB_CONCURRENCY={args.workers} " + " ".join(catalog_bench.server_command(catalog_bench.PORT)))
    try:
        measured = asyncio.run(measure(inbox, messages=args.messages, senders=args.senders, warmup=args.warmup))
    finally:
        catalog_bench.stop_server(server)

    report = {
        "timestamp": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_before": load_before, "load_average_after": os.getloadavg()},
        "server": {"command": catalog_bench.server_command(catalog_bench.PORT), "web_concurrency": args.workers,
                   "channel_layer": "channels_redis", "celery": "eager"},
        "load": {"client": "aiohttp, one asyncio process", "sockets": args.sockets + 1,
                 "messages_per_variant": args.messages, "senders": args.senders, "warmup_messages": args.warmup},
        **measured,
    }
    report["valid"] = not (failed(report["rest"]) or failed(report["socket"]) or report["sockets_closed_by_server"])
    print(json.dumps(report, indent=2))
    target = RESULTS / f"chat-fanout-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    target.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Written to {target.relative_to(ROOT)}")
    if not report["valid"]:
        raise SystemExit("Error answers, error frames, lost frames or sockets closed early: see "
                         "bench/results/server.log.")


if __name__ == "__main__":
    main()
