"""Pod clients without pods: the fan-out's parallelism and bound, error messages."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import requests
from keystoneauth1 import access
from keystonemiddleware.auth_token._user_plugin import UserAuthPlugin

from tricircle.core import clients, errors, http1
from tricircle.core.conf import CONF
from tricircle.core.context import RequestContext


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


class _Pod(ThreadingHTTPServer):
    """A pod answering GETs from a table of path -> (status, body); it counts the
    connections it accepts and can drop kept-alive connections after each answer."""

    def __init__(self, answers: dict, drop_idle: bool = False) -> None:
        self.answers, self.drop_idle, self.connections = answers, drop_idle, 0
        pod = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                pod.connections += 1
                super().setup()

            def do_GET(self) -> None:
                status, body = pod.answers[urlsplit(self.path).path]
                data = json.dumps(body).encode()
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", body)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                if pod.drop_idle:
                    self.close_connection = True  # without saying so: the client finds out

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class _Clients(clients.PodClients):
    def __init__(self, url: str) -> None:
        super().__init__(CONF)
        self.url = url

    def endpoint(self, region: str, service_type: str) -> str:
        return self.url


def test_get_json_keeps_connections_and_maps_errors() -> None:
    pod = _Pod({"/v2.1/servers": (200, {"servers": [1]}),
                "/v2.1/gone": (404, {"itemNotFound": {"message": "No such thing.",
                                                      "code": 404}}),
                "/v2.1/broken": (500, {"computeFault": {"message": "boom", "code": 500}})})
    pc = _Clients(f"http://127.0.0.1:{pod.server_port}/v2.1")
    for _ in range(3):
        assert pc.get_json(None, "P", "compute", "/servers", params=[("limit", "1")]) == {
            "servers": [1]}
    assert pod.connections == 1  # one kept-alive connection served all three
    with pytest.raises(errors.NotFound, match=r"No such thing\."):
        pc.get_json(None, "P", "compute", "/gone")
    # The caller is told the pod and the status; the pod's words only go to the log.
    with pytest.raises(errors.PodUnavailable,
                       match=r"Pod P is unavailable: it answered 500$"):
        pc.get_json(None, "P", "compute", "/broken")
    pod.shutdown()
    pod.server_close()


def test_get_json_gets_again_on_a_connection_the_pod_dropped() -> None:
    pod = _Pod({"/v2.1/servers": (200, {"servers": []})}, drop_idle=True)
    pc = _Clients(f"http://127.0.0.1:{pod.server_port}/v2.1")
    for _ in range(3):
        assert pc.get_json(None, "P", "compute", "/servers") == {"servers": []}
    assert pod.connections >= 3
    port = pod.server_port
    pod.shutdown()
    pod.server_close()
    down = _Clients(f"http://127.0.0.1:{port}/v2.1")
    with pytest.raises(errors.PodUnavailable):
        down.get_json(None, "P", "compute", "/servers")


def test_get_json_after_a_pod_restart_with_several_kept_connections() -> None:
    """A pod restarted: every connection kept for it is stale, not only the first (two
    stale ones in a row were a 500 in a merged list)."""
    pod = _Pod({"/v2.1/servers": (200, {"servers": []})}, drop_idle=True)
    pc = _Clients(f"http://127.0.0.1:{pod.server_port}/v2.1")
    host, port = "127.0.0.1", pod.server_port
    stale = []
    for _ in range(3):  # connections the pod has closed since, still idle on our side
        conn = http1.Connection(host, port, 5)
        conn.exchange(http1.head("GET", "/v2.1/servers", host, port, {}) or b"")
        stale.append(conn)
    for conn in stale:
        pc.connections.give(host, port, conn)
    for _ in range(4):  # each stale one is found so before a request is sent on it
        assert pc.get_json(None, "P", "compute", "/servers") == {"servers": []}
    pod.shutdown()
    pod.server_close()



def test_calls_for_a_caller_carry_its_token_alone() -> None:
    """What the pod receives for a user's call: the user's token, never Tricircle's
    service token beside it (with it a pod takes the call as a service's)."""
    seen: list[dict] = []

    class Pod(ThreadingHTTPServer):
        def __init__(self) -> None:
            class Handler(BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"

                def answer(self) -> None:
                    seen.append(dict(self.headers))
                    self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    data = b'{"server": {}}'
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

                do_GET = do_POST = answer

                def log_message(self, *args: object) -> None:
                    pass

            super().__init__(("127.0.0.1", 0), Handler)
            threading.Thread(target=self.serve_forever, daemon=True).start()

    pod = Pod()
    pc = _Clients(f"http://127.0.0.1:{pod.server_port}/v2.1")
    service = _Service()
    user = access.create(body={"token": {"expires_at": "2999-01-01T00:00:00Z",
                                         "user": {"id": "u"}, "methods": ["password"]}},
                         auth_token="user-token")
    plugin = UserAuthPlugin(user, None, session=service, auth=object())
    assert plugin.get_headers(None)["X-Service-Token"] == "service-token"  # as it would
    ctx = RequestContext(user_auth=plugin, project_id="p")
    pc.request(ctx, "P", "compute", "GET", "/servers/x")  # over http.client
    pc.request(ctx, "P", "compute", "POST", "/servers", json={"server": {}})  # keystoneauth
    pod.shutdown()
    pod.server_close()
    assert [h.get("X-Auth-Token") for h in seen] == ["user-token", "user-token"]
    assert not [h for h in seen if "X-Service-Token" in h]


class _Service:
    """keystonemiddleware's session for its service token, as the caller's plugin uses it."""

    def get_token(self, auth: object = None) -> str:
        return "service-token"


def test_the_service_accounts_headers_are_kept_for_seconds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pc = clients.PodClients(CONF)
    asked = []

    class Service:
        def get_headers(self, _session: object) -> dict:
            asked.append(1)
            return {"X-Auth-Token": f"service-{len(asked)}"}

    pc.service_auth = Service()
    now = [1000.0]
    monkeypatch.setattr(clients.time, "monotonic", lambda: now[0])
    assert pc.auth_headers(pc.service_auth) == {"X-Auth-Token": "service-1"}
    assert pc.auth_headers(pc.service_auth) == {"X-Auth-Token": "service-1"}
    now[0] += pc.HEADERS_SECONDS
    assert pc.auth_headers(pc.service_auth) == {"X-Auth-Token": "service-2"}
    other = clients.CallerToken("tok")  # anything else: asked every time (it is cheap)
    assert pc.auth_headers(other) == {"X-Auth-Token": "tok"} and len(asked) == 2


def test_a_pods_redirect_is_followed_as_keystoneauth_follows_it() -> None:
    """Never handed back as the pod's answer to our caller."""
    pod = _Pod({"/v2.1/new": (200, {"servers": []})})
    pod.answers["/v2.1/old"] = (302, f"http://127.0.0.1:{pod.server_port}/v2.1/new")
    pc = _Clients(f"http://127.0.0.1:{pod.server_port}/v2.1")
    assert pc.get_json(None, "P", "compute", "/old") == {"servers": []}
    pod.shutdown()
    pod.server_close()


def test_a_jobs_pod_calls_end_by_its_lease_deadline() -> None:
    """A call started just before the deadline may not run the full client timeout past
    it (the sweeper would hand the job to another worker meanwhile)."""
    ctx = RequestContext()
    assert clients.read_timeout(ctx, 60.0) == 60.0  # a user's call: the client timeout
    ctx.deadline = time.monotonic() + 5
    assert 4 < clients.read_timeout(ctx, 60.0) <= 5
    ctx.deadline = time.monotonic() - 1  # past: the least wait, fence() refuses anyway
    assert clients.read_timeout(ctx, 60.0) == 0.01
