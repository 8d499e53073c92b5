"""`eraser serve`'s listening socket: its connections send without Nagle's
delay. uvicorn writes an answer's headers and body apart; with Nagle on, the
body waited for the browser's delayed ACK (40 ms on Linux) after the headers,
on about every second click. asyncio turns Nagle off only on a socket whose
``proto`` is TCP, which an accepted socket copies from the listening one."""

from __future__ import annotations

import asyncio
import socket

from eraser.cli.serve import _bind


def test_accepted_connections_have_nagle_off():
    listening = _bind("127.0.0.1", 0)
    seen: list[int] = []

    async def main() -> None:
        accepted = asyncio.Event()

        def connected(reader, writer) -> None:
            seen.append(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()
            accepted.set()

        server = await asyncio.start_server(connected, sock=listening)
        async with server:
            _, writer = await asyncio.open_connection(*listening.getsockname()[:2])
            await asyncio.wait_for(accepted.wait(), 30)
            writer.close()

    asyncio.run(main())
    assert seen and seen[0] != 0
