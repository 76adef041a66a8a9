"""Pod clients without pods: the fan-out's parallelism and bound, error messages."""
from __future__ import annotations

import json
import threading

import pytest
import requests

from tricircle import clients, errors
from tricircle.conf import CONF


@pytest.fixture
def pod_clients() -> clients.PodClients:
    return clients.PodClients(CONF)


def test_fanout_calls_every_pod_at_once_and_keeps_order(pod_clients) -> None:
    # Five calls meet at a barrier: only a truly parallel fan-out gets past it.
    barrier = threading.Barrier(5, timeout=10)

    def call(i: int) -> int:
        barrier.wait()
        if i == 3:
            raise errors.PodUnavailable("Pod3", "down")
        return i * i

    out = pod_clients.fanout(range(5), call)
    assert [item for item, _ in out] == [0, 1, 2, 3, 4]
    assert [r for _, r in out if not isinstance(r, Exception)] == [0, 1, 4, 16]
    assert isinstance(out[3][1], errors.PodUnavailable)


def test_fanout_is_bounded_by_the_pool() -> None:
    CONF.set_override("fanout_workers", 2, "client")
    try:
        bounded = clients.PodClients(CONF)
    finally:
        CONF.clear_override("fanout_workers", "client")
    lock, running, peak = threading.Lock(), [0], [0]
    pair = threading.Barrier(2, timeout=10)

    def call(i: int) -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        pair.wait()  # two at a time meet here; a third would wait for ever
        with lock:
            running[0] -= 1

    bounded.fanout(range(6), call)
    assert peak[0] == 2


def _response(status: int, body: object) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp._content = json.dumps(body).encode() if not isinstance(body, bytes) else body
    return resp


@pytest.mark.parametrize(("body", "message"), [
    ({"itemNotFound": {"message": "Instance x could not be found.", "code": 404}},
     "Instance x could not be found."),
    ({"NeutronError": {"type": "NetworkNotFound", "message": "Network y", "detail": ""}},
     "Network y"),
    ({"error": {"code": 401, "title": "Unauthorized", "message": "The request you have "
                "made requires authentication."}}, "The request you have made requires "
     "authentication."),
    (b"<html>502 Bad Gateway</html>", "<html>502 Bad Gateway</html>"),
])
def test_pod_messages_are_read_from_every_error_shape(body: object, message: str) -> None:
    assert clients.pod_message(_response(404, body)) == message
