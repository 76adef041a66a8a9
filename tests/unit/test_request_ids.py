"""api/deploy.RequestIds: oslo.middleware's RequestId behaviour, in plain WSGI."""
from __future__ import annotations

import re
from collections.abc import Callable

import webob

from tricircle.api import deploy
from tricircle.core.context import RequestContext

ID = re.compile(r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
GLOBAL = "req-0a1b2c3d-0000-4000-8000-00000000abcd"


def _app(headers: list[tuple[str, str]], seen: list[RequestContext]) -> Callable:
    def app(environ: dict, start_response: Callable) -> list[bytes]:
        seen.append(RequestContext.from_environ(environ))
        start_response("200 OK", [("Content-Type", "text/plain"), *headers])
        return [b"ok"]
    return app


def test_each_request_gets_an_id_it_answers_with_under_each_name() -> None:
    seen: list[RequestContext] = []
    app = deploy.RequestIds(_app([], seen), ("x-openstack-request-id", "x-compute-request-id"))
    first = webob.Request.blank("/").get_response(app)
    second = webob.Request.blank("/").get_response(app)
    assert ID.match(first.headers["x-openstack-request-id"])
    assert first.headers["x-compute-request-id"] == first.headers["x-openstack-request-id"]
    assert first.headers["x-openstack-request-id"] != second.headers["x-openstack-request-id"]
    assert seen[0].request_id == first.headers["x-openstack-request-id"]
    assert seen[0].global_request_id == seen[0].request_id  # none sent: ours (context.py)


def test_a_well_formed_global_id_is_kept_and_any_other_ignored() -> None:
    seen: list[RequestContext] = []
    app = deploy.RequestIds(_app([], seen))
    resp = webob.Request.blank("/", headers={"X-OpenStack-Request-ID": GLOBAL}).get_response(app)
    assert seen[0].global_request_id == GLOBAL
    assert resp.headers["x-openstack-request-id"] != GLOBAL  # ours, as oslo's middleware
    for bogus in ("req-not-an-id", GLOBAL + "\r\nX-Roles: admin", GLOBAL.upper()):
        webob.Request.blank("/", headers={"X-OpenStack-Request-ID": bogus}).get_response(app)
        assert seen[-1].global_request_id == seen[-1].request_id != bogus


def test_an_answer_that_names_its_own_id_keeps_it() -> None:
    # A server's action is recorded under the pod's request id (api/forward/proxy.py).
    app = deploy.RequestIds(_app([("X-Compute-Request-Id", "req-pod")], []),
                            ("x-openstack-request-id", "x-compute-request-id"))
    resp = webob.Request.blank("/").get_response(app)
    assert resp.headers.getall("x-compute-request-id") == ["req-pod"]
    assert ID.match(resp.headers["x-openstack-request-id"])
