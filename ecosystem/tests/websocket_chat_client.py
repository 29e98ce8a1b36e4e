"""Clients for ecosystem/examples/websocket_chat, run by tests/websocket_chat.rs.

    python websocket_chat_client.py SCENARIO HOST:PORT [SERVER_PID]

The WebSocket clients are the `websockets` package's (no code of ours
speaks the protocol for them); the misbehaving ones are raw sockets that
send what no library would: half a frame, garbage, an unmasked frame.
Each scenario asserts what every client sees, prints what it checked on
a last line starting "ok:", and exits non-zero on the first failure.
Every wait is bounded: a hung server fails the scenario.
"""

import asyncio
import base64
import os
import signal
import struct
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

# The longest any one step may wait (a hang guard, not a measure).
STEP = 60
# The longest a whole scenario may take.
SCENARIO = 300


async def recv(ws):
    return await asyncio.wait_for(ws.recv(), STEP)


async def expect(ws, want):
    got = await recv(ws)
    assert got == want, f"expected {want!r}, got {got!r}"


async def expect_all(clients, want):
    for ws in clients:
        await expect(ws, want)


async def join(addr, name=None):
    """A `websockets` client: (connection, the name the room gave it), after
    its welcome and its own join."""
    query = f"?name={name}" if name is not None else ""
    ws = await asyncio.wait_for(
        connect(
            f"ws://{addr}/{query}",
            proxy=None,
            compression=None,
            ping_interval=None,
            max_size=None,
        ),
        STEP,
    )
    welcome = await recv(ws)
    assert welcome.startswith("* welcome, "), welcome
    me = welcome.removeprefix("* welcome, ")
    await expect(ws, f"* {me} joined")
    return ws, me


# Raw sockets: the WebSocket handshake and frames by hand.


async def raw_connect(addr):
    host, port = addr.rsplit(":", 1)
    return await asyncio.wait_for(asyncio.open_connection(host, int(port)), STEP)


async def raw_join(addr, name):
    """A raw WebSocket connection that joined as `name`: (reader, writer)."""
    reader, writer = await raw_connect(addr)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET /?name={name} HTTP/1.1\r\nHost: {addr}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), STEP)
    assert head.startswith(b"HTTP/1.1 101"), head
    assert await raw_read_text(reader) == f"* welcome, {name}"
    assert await raw_read_text(reader) == f"* {name} joined"
    return reader, writer


async def raw_read_text(reader):
    """One unfragmented text frame from the server (unmasked)."""
    head = await asyncio.wait_for(reader.readexactly(2), STEP)
    assert head[0] == 0x81, f"not a whole text frame: {head!r}"
    length = head[1] & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", await reader.readexactly(2))
    elif length == 127:
        (length,) = struct.unpack("!Q", await reader.readexactly(8))
    return (await asyncio.wait_for(reader.readexactly(length), STEP)).decode()


def masked_text_frame(text, mask=b"\x01\x02\x03\x04"):
    """A client's text frame (payload under 126 bytes)."""
    payload = text.encode()
    assert len(payload) < 126
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + masked


async def closed_by_server(reader):
    """Read until the server closes the connection (a reset counts)."""
    try:
        while await asyncio.wait_for(reader.read(4096), STEP):
            pass
    except ConnectionResetError:
        pass


# The scenarios.


async def room(addr):
    """Names, joins, every message to all in one order, leaves."""
    named = {}
    for name in ["alice", "bob", "carol", "dave"]:
        ws, me = await join(addr, name)
        assert me == name, me
        await expect_all(named.values(), f"* {name} joined")
        named[name] = ws

    # No name, a taken name, an invalid name: guests.
    guests = []
    for asked in [None, "alice", "a%20b"]:
        ws, me = await join(addr, asked)
        assert me == f"guest-{len(guests) + 1}", (asked, me)
        await expect_all(named.values(), f"* {me} joined")
        await expect_all([g for g, _ in guests], f"* {me} joined")
        guests.append((ws, me))
    for i, (ws, me) in enumerate(guests):
        await ws.close()
        await expect_all(named.values(), f"* {me} left")
        await expect_all([g for g, _ in guests[i + 1 :]], f"* {me} left")

    # Everyone talks at once; everyone reads everything.
    n = 200

    async def talk(name, ws):
        for i in range(n):
            await ws.send(f"{i} from {name}")
        await ws.send("is done")

    async def listen(ws):
        got, done = [], 0
        while done < len(named):
            text = await recv(ws)
            done += text.endswith(": is done")
            got.append(text)
        return got

    listening = [asyncio.create_task(listen(ws)) for ws in named.values()]
    await asyncio.gather(*(talk(name, ws) for name, ws in named.items()))
    seen = await asyncio.gather(*listening)
    order = seen[0]
    assert len(order) == len(named) * (n + 1), len(order)
    for got in seen:
        assert got == order, "every client sees the same messages in the same order"
        for name in named:
            numbers = [
                int(t.split(" ")[1]) for t in got if t.startswith(f"{name}: ") and t != f"{name}: is done"
            ]
            assert numbers == list(range(n)), (name, numbers[:10])

    # A clean close and a vanished connection are both announced.
    await named.pop("alice").close()
    await expect_all(named.values(), "* alice left")
    named.pop("bob").transport.abort()
    await expect_all(named.values(), "* bob left")
    for ws in named.values():
        await ws.close()
    print(f"ok: room: {len(order)} messages seen by 4 clients in one order, guests named, leaves announced")


async def misbehaving(addr):
    """Half a frame, garbage, an unmasked frame, a message too big: each
    drops its sender only."""
    carol, _ = await join(addr, "carol")
    dave, _ = await join(addr, "dave")
    await expect(carol, "* dave joined")
    both = [carol, dave]

    async def still_fine(text):
        await carol.send(text)
        await expect_all(both, f"carol: {text}")

    # Half a frame (a header for 100 bytes, then 10), then the socket closes.
    reader, writer = await raw_join(addr, "ghost")
    await expect_all(both, "* ghost joined")
    mask = b"\x01\x02\x03\x04"
    writer.write(bytes([0x81, 0x80 | 100]) + mask + b"0123456789")
    await writer.drain()
    writer.close()
    await expect_all(both, "* ghost left")
    await still_fine("still here")

    # Garbage instead of a handshake; an HTTP request that is no upgrade.
    for junk in [b"\x00\xffgarbage\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"]:
        reader, writer = await raw_connect(addr)
        writer.write(junk)
        await writer.drain()
        await closed_by_server(reader)
        writer.close()
    await still_fine("after garbage")

    # A client frame without a mask breaks the protocol.
    reader, writer = await raw_join(addr, "rude")
    await expect_all(both, "* rude joined")
    writer.write(bytes([0x81, 5]) + b"hello")
    await writer.drain()
    await expect_all(both, "* rude left")
    await closed_by_server(reader)
    writer.close()

    # A message over the server's 64 KiB limit.
    big, _ = await join(addr, "big")
    await expect_all(both, "* big joined")
    await big.send("x" * 100_000)
    await expect_all(both, "* big left (message too big)")
    try:
        await recv(big)
        raise AssertionError("the server kept a client that sent 100 kB")
    except ConnectionClosed:
        pass

    # A handshake cut short: the server waits for the rest, then gives up
    # (no join, no harm to the others meanwhile).
    reader, writer = await raw_connect(addr)
    writer.write(b"GET /?name=half HTTP/1.1\r\nHost: x\r\n")
    await writer.drain()
    await still_fine("while one hangs in its handshake")
    writer.close()

    await still_fine("last")
    for ws in both:
        await ws.close()
    print("ok: misbehaving: half a frame, garbage, a plain GET, an unmasked frame and 100 kB each dropped only their sender")


async def slow(addr):
    """A client that never reads is dropped; the others get everything."""
    _reader, _writer = await raw_join(addr, "slow")  # never read again
    alice, _ = await join(addr, "alice")
    bob, _ = await join(addr, "bob")
    await expect(alice, "* bob joined")

    seen = {"alice": 0, "bob": 0}
    dropped = asyncio.Event()
    progress = asyncio.Event()

    async def watch(me, ws):
        got = []
        while True:
            text = await recv(ws)
            if text == "* slow left (too slow)":
                dropped.set()
            if text == "alice: done":
                return got
            if text.startswith("alice: "):
                seen[me] += 1
                progress.set()
            got.append(text)

    watchers = [asyncio.create_task(watch("alice", alice)), asyncio.create_task(watch("bob", bob))]
    padding = "x" * 1000
    sent = 0
    # Rounds of 100 big messages, each read by alice and bob before the
    # next: what is dropped is a client that does not read at all, not one
    # that reads slower than this script writes.
    while not dropped.is_set():
        assert sent < 100_000, "the slow client was never dropped"
        for _ in range(100):
            await alice.send(f"{sent} {padding}")
            sent += 1
        async with asyncio.timeout(STEP):
            while min(seen.values()) < sent:
                progress.clear()
                await progress.wait()
    await alice.send("done")
    for got in await asyncio.gather(*watchers):
        numbers = [int(t.split(" ")[1]) for t in got if t.startswith("alice: ")]
        assert numbers == list(range(sent)), "alice and bob miss nothing"
        leaves = [t for t in got if t.startswith("* ")]
        assert leaves == ["* slow left (too slow)"], leaves
    for ws in [alice, bob]:
        await ws.close()
    print(f"ok: slow: {sent} messages of 1 kB sent before the client that never reads was dropped")


async def shutdown(addr, pid):
    """Ctrl-C: everyone is told, then closed with 1001 (going away)."""
    clients = [(await join(addr, name))[0] for name in ["alice", "bob"]]
    await expect(clients[0], "* bob joined")
    os.kill(pid, signal.SIGINT)
    for ws in clients:
        await expect(ws, "* server shutting down")
        try:
            await recv(ws)
            raise AssertionError("a message after the shutdown")
        except ConnectionClosedOK as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 1001, closed
            assert closed.rcvd.reason == "server shutting down", closed
    print("ok: shutdown: both clients told, then closed with 1001")


async def main():
    scenario, addr = sys.argv[1], sys.argv[2]
    run = {
        "room": lambda: room(addr),
        "misbehaving": lambda: misbehaving(addr),
        "slow": lambda: slow(addr),
        "shutdown": lambda: shutdown(addr, int(sys.argv[3])),
    }[scenario]
    async with asyncio.timeout(SCENARIO):
        await run()


if __name__ == "__main__":
    asyncio.run(main())
