"""GETs to pods over kept-alive HTTP/1.1 connections: the fast path of core/clients.py.

The request is written in one piece and the answer parsed by httptools (llhttp, the parser
of Node.js and uvicorn). http.client built the request header by header and parsed the
answer's headers with the email package: 105 us of CPU per call, 30 here (the same GET to
bench/throughput.py's simulated pod; docs/performance.md).

A request that is not plain is not made here: `head` gives None for a control character,
a space or a non-Latin-1 character in the target or a header, and the caller goes through
keystoneauth instead, which quotes or refuses it as before.
"""
from __future__ import annotations

import re
import socket

import httptools

# RFC 9110's token (header names), visible ASCII (request targets, already quoted), and
# what a header value may hold (no CR, LF or other control character).
_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_TARGET = re.compile(r"[\x21-\x7e]+")
_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")


def head(method: str, target: str, host: str, port: int,
         headers: dict[str, str]) -> bytes | None:
    """The request line and headers, as http.client sends them (Host, Accept-Encoding
    identity, then `headers`); None if any part is not plain."""
    if not _TARGET.fullmatch(target):
        return None
    if ":" in host:
        host = f"[{host}]"
    lines = [f"{method} {target} HTTP/1.1",
             f"Host: {host}" if port == 80 else f"Host: {host}:{port}",
             "Accept-Encoding: identity"]
    for name, value in headers.items():
        text = str(value)
        if not _NAME.fullmatch(name) or not _VALUE.fullmatch(text):
            return None
        lines.append(f"{name}: {text}")
    lines.append("\r\n")
    try:
        return "\r\n".join(lines).encode("latin-1")
    except UnicodeEncodeError:
        return None


class Answer:
    """One answer, as the parser reports it."""

    def __init__(self) -> None:
        self.parser: httptools.HttpResponseParser | None = httptools.HttpResponseParser(self)
        self.keep_alive = False
        self.reason = b""
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []
        self.headers_done = self.done = False

    # httptools' callbacks
    def on_status(self, status: bytes) -> None:
        self.reason += status  # in pieces when it spans two reads

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        self.headers_done = True

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        # Asked now: once the message is over, llhttp's answer is the next one's.
        self.keep_alive = self.parser is not None and self.parser.should_keep_alive()
        self.done = True

    def until_close(self) -> bool:
        """Whether the body ends when the server closes (no length, not chunked)."""
        names = {name.lower() for name, _ in self.headers}
        return not names & {"content-length", "transfer-encoding"}


class Connection:
    """One kept-alive connection to host:port, opened on first use. Errors are OSError
    (no connection, timeout, closed mid-answer) or httptools.HttpParserError."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.sock: socket.socket | None = None
        self.will_close = False

    def exchange(self, request: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
        """(status, reason, headers, body) of the answer to `request` (a GET's head)."""
        if self.sock is None:
            self.sock = socket.create_connection((self.host, self.port), self.timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(request)
        answer = Answer()
        while not answer.done:
            data = self.sock.recv(65536)
            if not data:
                if answer.headers_done and answer.until_close():
                    self.will_close = True
                    break
                raise ConnectionResetError("the pod closed the connection mid-answer")
            answer.parser.feed_data(data)  # type: ignore[union-attr]
        else:
            self.will_close = not answer.keep_alive
        status = answer.parser.get_status_code()
        answer.parser = None  # no cycle left for the garbage collector
        return (status, answer.reason.decode("latin-1").strip(), answer.headers,
                b"".join(answer.chunks))

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
