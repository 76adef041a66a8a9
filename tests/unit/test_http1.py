"""core/http1.py: the request as http.client wrote it, and answers however the pod's
server cuts them into packets."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from tricircle.core import http1


def test_a_plain_request_is_written_as_http_client_wrote_it() -> None:
    assert http1.head("GET", "/v2.1/servers?limit=2", "10.0.0.5", 8774, {
        "X-Auth-Token": "tok", "Accept": "application/json"}) == (
        b"GET /v2.1/servers?limit=2 HTTP/1.1\r\nHost: 10.0.0.5:8774\r\n"
        b"Accept-Encoding: identity\r\nX-Auth-Token: tok\r\nAccept: application/json\r\n\r\n")
    assert http1.head("GET", "/", "pod1", 80, {}).startswith(b"GET / HTTP/1.1\r\nHost: pod1\r\n")
    assert b"Host: [fd00::5]:8774\r\n" in (http1.head("GET", "/", "fd00::5", 8774, {}) or b"")


@pytest.mark.parametrize("target, headers", [
    ("/servers/a b", {}),                                # a space would end the target
    ("/servers/x\r\nX-Roles: admin", {}),                # a header smuggled in the path
    ("/servers", {"X-Trace": "a\r\nX-Roles: admin"}),    # ... or in a value
    ("/servers", {"X-Bad Name": "v"}),
    ("/servers", {"X-Name": "caf\u00e9 \u2603"}),        # not Latin-1
    ("/servers/\u2603", {}),
])
def test_what_is_not_plain_is_left_to_keystoneauth(target: str, headers: dict) -> None:
    assert http1.head("GET", target, "pod", 8774, headers) is None


class _Pod:
    """A socket server that answers each request with `pieces`, sent apart (so that the
    client reads them apart), then closes if `close`."""

    def __init__(self, pieces: list[bytes], close: bool = False) -> None:
        self.pieces, self.close = pieces, close
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.requests: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            while True:
                data = b""
                while b"\r\n\r\n" not in data:
                    more = conn.recv(65536)
                    if not more:
                        return
                    data += more
                self.requests.append(data)
                for piece in self.pieces:
                    conn.sendall(piece)
                    time.sleep(0.02)
                if self.close:
                    return

    def exchange(self, times: int = 1) -> tuple[http1.Connection, list]:
        conn = http1.Connection("127.0.0.1", self.port, 5)
        request = http1.head("GET", "/v2.1/servers", "127.0.0.1", self.port, {}) or b""
        return conn, [conn.exchange(request) for _ in range(times)]


def test_an_answer_in_pieces_on_a_kept_connection() -> None:
    body = b'{"servers": []}'
    pod = _Pod([b"HTTP/1.1 200 O", b"K\r\nContent-Ty", b"pe: application/json\r\n"
                b"Content-Length: %d\r\nX-Compute-Request-Id: req-1\r\n\r\n" % len(body),
                body[:5], body[5:]])
    conn, answers = pod.exchange(times=2)
    assert answers == [(200, "OK", [("Content-Type", "application/json"),
                                    ("Content-Length", str(len(body))),
                                    ("X-Compute-Request-Id", "req-1")], body)] * 2
    assert not conn.will_close and len(pod.requests) == 2  # one connection, kept


def test_a_chunked_answer_and_one_the_pod_ends_by_closing() -> None:
    pod = _Pod([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                b"4\r\n{\"a\"\r\n", b"4\r\n: 1}\r\n0\r\n\r\n"])
    conn, [(status, _, _, body)] = pod.exchange()
    assert (status, body, conn.will_close) == (200, b'{"a": 1}', False)
    pod = _Pod([b"HTTP/1.0 200 OK\r\n\r\n", b"all ", b"of it"], close=True)
    conn, [(status, _, _, body)] = pod.exchange()
    assert (status, body, conn.will_close) == (200, b"all of it", True)


def test_connection_close_and_no_content() -> None:
    pod = _Pod([b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"], close=True)
    conn, [(status, reason, _, body)] = pod.exchange()
    assert (status, reason, body, conn.will_close) == (204, "No Content", b"", True)


def test_a_pod_that_closes_mid_answer_is_an_oserror() -> None:
    pod = _Pod([b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", b"12345"], close=True)
    with pytest.raises(OSError, match="mid-answer"):
        pod.exchange()


# A pod's answer is untrusted input, and a kept connection serves another user next.
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"


def test_bytes_past_an_answer_close_the_connection() -> None:
    """Two answers in one read: the second is nobody's; the connection is not kept."""
    pod = _Pod([OK + b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"x\":1}"])
    conn, [(status, _, _, body)] = pod.exchange()
    assert (status, body, conn.will_close) == (200, b"{}", True)
    pod = _Pod([OK + b"\x00junk"])
    conn, [(status, _, _, body)] = pod.exchange()
    assert (status, body, conn.will_close) == (200, b"{}", True)


def test_a_stray_answer_on_a_kept_connection_is_never_the_next_callers() -> None:
    """Sent after the answer, before the next request: the connection is not reused."""
    stray = b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{\"bad\":1}"
    pod = _Pod([OK, stray])  # the stray one 20 ms after the answer
    conn, [first] = pod.exchange()
    time.sleep(0.1)
    assert conn.stale()
    request = http1.head("GET", "/v2.1/servers", "127.0.0.1", pod.port, {}) or b""
    with pytest.raises(OSError):  # the test pod serves one connection: a new one fails
        conn.exchange(request)
    assert first[3] == b"{}"


def test_informational_answers_are_skipped() -> None:
    pod = _Pod([b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", OK])
    conn, [(status, _, headers, body)] = pod.exchange()
    assert (status, body, headers, conn.will_close) == (
        200, b"{}", [("Content-Length", "2")], False)
    pod = _Pod([b"HTTP/1.1 100 Continue\r\n\r\n" + OK])
    conn, [(status, _, _, body)] = pod.exchange()
    assert (status, body) == (200, b"{}")


@pytest.mark.parametrize("pieces", [
    [b"HTTP/1.1 200 " + b"O" * (70 * 1024)],  # a status line without end
    [b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (70 * 1024) + b"\r\n\r\n"],  # a huge header
    [b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 12000],  # endless headers
    [b"HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\n" + b"x" * 2_100_000],
    [b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"],
])
def test_answers_past_their_bounds_are_refused(pieces: list[bytes]) -> None:
    pod = _Pod(pieces)
    conn = http1.Connection("127.0.0.1", pod.port, 5, max_body=2_000_000)
    request = http1.head("GET", "/v2.1/servers", "127.0.0.1", pod.port, {}) or b""
    with pytest.raises(http1.AnswerRefused):
        conn.exchange(request)


def test_the_connect_timeout_and_the_read_timeout_are_apart() -> None:
    listener = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    port = listener.getsockname()[1]
    conn = http1.Connection("127.0.0.1", port, 30, connect_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        conn.exchange(http1.head("GET", "/", "127.0.0.1", port, {}) or b"", timeout=0.3)
    assert time.monotonic() - started < 5  # the call's own timeout, not the 30 s
    listener.close()


def test_a_trickled_answer_is_not_waited_on_past_its_timeout() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n"
    pod = _Pod([head] + [b"x"] * 40)  # a byte every 20 ms: 0.8 s in all
    conn = http1.Connection("127.0.0.1", pod.port, 5)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        conn.exchange(http1.head("GET", "/", "127.0.0.1", pod.port, {}) or b"", timeout=0.3)
    assert time.monotonic() - started < 0.6
