"""The HTTP connection guard: uvicorn's httptools protocol with a header size limit and timeouts.

An attack run found two ways to hold the server with no credentials at all: a request header of
64 MiB, read in full (2.8 s of a stalled server), and a connection that sends one byte every half
second, never closed. uvicorn bounds neither (its keep-alive timeout is re-armed by any byte),
so every connection served by `serve` goes through this protocol:

- the request line and headers of one request may take at most `MAX_HEADER_BYTES`; the first
  read that passes the limit before the headers are complete is answered `431 Request Header
  Fields Too Large` and the connection closed, without reading the rest;
- they must arrive within `header_timeout` seconds of the connection opening, or of the first
  byte of the next request on a kept-alive connection; otherwise `408 Request Timeout` and the
  connection is closed. (A long poll is not affected: its headers are complete while it waits.)

The request body is timed by the handler that reads it (`endpoints.read_body`, `body_timeout`).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from axis.config import DEFAULT_HEADER_TIMEOUT

MAX_HEADER_BYTES = 32 * 1024
"""Request line plus headers of one request; a signed agency request needs well under 1 KiB."""


class Limits:
    """What the guard enforces in this process; set by `configure` (from the settings) when
    the app is built, before any connection is served."""

    header_timeout = DEFAULT_HEADER_TIMEOUT


def configure(header_timeout: float) -> None:
    Limits.header_timeout = header_timeout


def _answer(status: bytes, message: str) -> bytes:
    body = json.dumps({"error": message}).encode()
    return (b"HTTP/1.1 " + status + b"\r\ncontent-type: application/json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n"
            + body)


TOO_LARGE = _answer(b"431 Request Header Fields Too Large",
                    f"request line and headers exceed {MAX_HEADER_BYTES} bytes")


class GuardedHttpProtocol(HttpToolsProtocol):
    """See the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._awaiting_headers = True
        self._header_bytes = 0
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._awaiting_headers:
            if self._header_timer is None:
                self._arm()
            self._header_bytes += len(data)
        super().data_received(data)
        if (self._awaiting_headers and self._header_bytes > MAX_HEADER_BYTES
                and not self.transport.is_closing()):
            self._refuse(TOO_LARGE)

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._header_bytes = 0
        self._disarm()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._awaiting_headers = True
        self._header_bytes = 0

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(Limits.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        self._header_timer = None
        if self._awaiting_headers and not self.transport.is_closing():
            self._refuse(_answer(b"408 Request Timeout", "request headers not received within "
                                 f"{Limits.header_timeout:g} s"))

    def _refuse(self, answer: bytes) -> None:
        self._disarm()
        self.transport.write(answer)
        self.transport.close()
