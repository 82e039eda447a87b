"""One socket write per response: what is written within a loop turn goes out joined."""

import asyncio

import httpx
from fastapi import FastAPI

from cpaas.platform.http_writes import CoalescingTransport
from cpaas.platform.serve import bind_socket, serving


class RecordingTransport:
    """The transport side of the wrapper (a stand-in for one function's test)."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = self.aborted = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default=None):
        return {"peername": ("127.0.0.1", 1)}.get(name, default)


async def test_writes_of_one_turn_are_one_write_in_order() -> None:
    inner = RecordingTransport()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\n")
    transport.write(b"{}")
    assert inner.writes == [] and transport.get_write_buffer_size() == 46
    await asyncio.sleep(0)
    assert inner.writes == [b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\n{}"]
    transport.write(b"next")
    await asyncio.sleep(0)
    assert inner.writes[1:] == [b"next"]
    assert transport.get_extra_info("peername") == ("127.0.0.1", 1)  # the rest is the transport's


async def test_close_writes_what_is_pending_first_and_abort_drops_it() -> None:
    inner = RecordingTransport()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"last words")
    transport.close()
    assert inner.writes == [b"last words"] and inner.closed
    other = RecordingTransport()
    aborted = CoalescingTransport(other, asyncio.get_running_loop())
    aborted.write(b"never")
    aborted.abort()
    await asyncio.sleep(0)
    assert other.writes == [] and other.aborted


async def test_a_served_app_answers_keep_alive_requests_through_it() -> None:
    app = FastAPI()

    @app.get("/n/{n}")
    async def echo(n: int) -> dict:
        return {"n": n}

    sock = bind_socket()
    async with serving(app, sock) as port, httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        answers = [await http.get(f"/n/{n}") for n in range(20)]  # one connection, kept alive
        assert [a.json()["n"] for a in answers] == list(range(20))
        big = await http.get("/n/7", headers={"x-pad": "y" * 6000})
        assert big.status_code == 200
