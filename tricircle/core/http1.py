"""GETs to pods over kept-alive HTTP/1.1 connections: the fast path of core/clients.py.

The request is written in one piece and the answer parsed by httptools (llhttp, the parser
of Node.js and uvicorn). http.client built the request header by header and parsed the
answer's headers with the email package: 105 us of CPU per call, 30 here (the same GET to
bench/throughput.py's simulated pod; docs/performance.md).

A request that is not plain is not made here: `head` gives None for a control character,
a space or a non-Latin-1 character in the target or a header, and the caller goes through
keystoneauth instead, which quotes or refuses it as before.

A pod's answer is untrusted input, and a kept connection serves other users next: bytes
past the answer close the connection (they would be the next caller's answer), so does a
kept connection with anything to read before a request is sent; 1xx answers are skipped;
the status line and headers are bounded (HEAD_MAX) and so is the body (`max_body`).
"""
from __future__ import annotations

import re
import select
import socket
import time

import httptools

# RFC 9110's token (header names), visible ASCII (request targets, already quoted), and
# what a header value may hold (no CR, LF or other control character).
_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_TARGET = re.compile(r"[\x21-\x7e]+")
_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")
HEAD_MAX = 64 * 1024  # status line and headers, as http.client bounds them (its 64 KiB)


class AnswerRefused(OSError):
    """An answer that cannot be taken: too large, or switching protocols."""


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

    def __init__(self, max_body: int) -> None:
        self.parser: httptools.HttpResponseParser | None = httptools.HttpResponseParser(self)
        self.max_body = max_body
        self.keep_alive = False
        self.reason = b""
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []
        self.body_size = self.head_size = 0
        self.headers_done = self.done = False
        self.more = False  # bytes past the answer: another answer nobody asked for
        self.informational = False

    # httptools' callbacks
    def on_message_begin(self) -> None:
        if self.done:
            self.more = True

    def on_status(self, status: bytes) -> None:
        if not self.done:
            self.reason += status  # in pieces when it spans two reads
            self.head_size += len(status)

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self.done:
            self.headers.append((name.decode("latin-1"), value.decode("latin-1")))
            self.head_size += len(name) + len(value) + 4

    def on_headers_complete(self) -> None:
        if not self.done:
            self.headers_done = True
            self.informational = 100 <= self.status() < 200

    def on_body(self, body: bytes) -> None:
        if not self.done:
            self.body_size += len(body)
            self.chunks.append(body)

    def on_message_complete(self) -> None:
        if self.done:
            return
        if self.informational:  # 100 Continue, 103 Early Hints: the answer follows
            self.reason, self.headers, self.chunks = b"", [], []
            self.body_size = 0
            self.headers_done = self.informational = False
            return
        # Asked now: once the message is over, llhttp's answer is the next one's.
        self.keep_alive = self.parser is not None and self.parser.should_keep_alive()
        self.done = True

    def status(self) -> int:
        return self.parser.get_status_code() if self.parser is not None else 0

    def until_close(self) -> bool:
        """Whether the body ends when the server closes (no length, not chunked)."""
        names = {name.lower() for name, _ in self.headers}
        return not names & {"content-length", "transfer-encoding"}


class Connection:
    """One kept-alive connection to host:port, opened on first use. Errors are OSError
    (no connection, timeout, closed mid-answer) or httptools.HttpParserError."""

    def __init__(self, host: str, port: int, timeout: float,
                 connect_timeout: float | None = None, max_body: int = 256 << 20) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.connect_timeout = timeout if connect_timeout is None else connect_timeout
        self.max_body = max_body
        self.sock: socket.socket | None = None
        self.will_close = False

    def stale(self) -> bool:
        """Whether a kept connection has something to read before a request is sent: the
        pod closed it, or sent what nobody asked for. Either way it is not reused."""
        if self.sock is None:
            return False
        readable, _, _ = select.select([self.sock], [], [], 0)
        return bool(readable)

    def exchange(self, request: bytes, timeout: float | None = None
                 ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        """(status, reason, headers, body) of the answer to `request` (a GET's head),
        whole within `timeout` (default: the connection's): a pod that trickles its
        answer byte by byte is not waited on past it."""
        if self.stale():
            self.close()
        if self.sock is None:
            self.sock = socket.create_connection((self.host, self.port), self.connect_timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        until = time.monotonic() + (self.timeout if timeout is None else timeout)
        self.sock.settimeout(until - time.monotonic())
        self.sock.sendall(request)
        answer = Answer(self.max_body)
        read = 0
        while not answer.done:
            left = until - time.monotonic()
            if left <= 0:
                raise TimeoutError("the pod's answer took longer than its timeout")
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                if answer.headers_done and answer.until_close():
                    self.will_close = True
                    break
                raise ConnectionResetError("the pod closed the connection mid-answer")
            read += len(data)
            try:
                answer.parser.feed_data(data)  # type: ignore[union-attr]
            except httptools.HttpParserUpgrade as err:
                raise AnswerRefused("the pod switched protocols") from err
            except httptools.HttpParserError:
                if not answer.done:
                    raise
                answer.more = True  # junk past the answer
            if answer.head_size > HEAD_MAX or (not answer.headers_done and read > HEAD_MAX):
                raise AnswerRefused(f"the answer's head is over {HEAD_MAX} bytes")
            if answer.body_size > answer.max_body:
                raise AnswerRefused(f"the answer's body is over {answer.max_body} bytes")
        else:
            self.will_close = not answer.keep_alive or answer.more
        status = answer.status()
        answer.parser = None  # no cycle left for the garbage collector
        return (status, answer.reason.decode("latin-1").strip(), answer.headers,
                b"".join(answer.chunks))

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
