"""What a pod is sent is what the route matched: an encoded `?`, `#` or `%` in an id
stays part of that id (the pod finds no such object), never becomes the pod's query or
cuts its path; a routing row is written only for an object a pod answered with that very
id; and every route takes bodies up to [api] max_request_body_size."""
from __future__ import annotations

from urllib.parse import unquote

import pytest
import webob
from sqlalchemy import func, select

from tests.api.test_compute_api import COMPUTE, boot
from tests.apiclient import make_pods
from tricircle.core import db
from tricircle.core.conf import CONF
from tricircle.core.db.models import Routing


def routing_rows() -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(Routing))


@pytest.mark.parametrize("suffix", ["%3Fall_tenants%3D1", "%23x", "%3F", "%25", "%2F..%2F"])
def test_an_encoded_query_or_fragment_in_an_id_reaches_no_pod(api, pods, suffix) -> None:
    make_pods(api)
    server = boot(api, "s")
    rows = routing_rows()
    calls = {name: len(pod.calls) for name, pod in pods.items()}
    status, body = api("GET", f"{COMPUTE}/servers/{server['id']}{suffix}", as_="demo")
    assert status == 404, body
    assert routing_rows() == rows  # nothing recorded for an id no pod has
    assert {name: len(pod.calls) for name, pod in pods.items()} == calls  # nor asked


@pytest.mark.parametrize(("method", "rest", "body"), [
    ("POST", "action%3F", {"addSecurityGroup": {"name": "default"}}),
    ("POST", "os-volume_attachments%3F", {"volumeAttachment": {"volumeId": "x"}}),
    ("GET", "os-interface%3Fall_tenants%3D1", None),
])
def test_a_sub_path_is_sent_encoded_as_it_came(api, pods, method, rest, body) -> None:
    """`action%3F` is no action of Tricircle's nor of the pod's: the pod is sent the path
    encoded again, and Nova answers it as a path it does not know."""
    make_pods(api)
    server = boot(api, "s")
    api(method, f"{COMPUTE}/servers/{server['id']}/{rest}", body, as_="demo")
    sent = [path for m, path in pods["Pod1"].calls if m == method][-1]
    assert "?" not in sent and "#" not in sent
    assert unquote(sent) == unquote(f"/v2.1/servers/{server['id']}/{rest}")


def test_no_routing_row_for_an_answer_naming_another_id(api, pods, monkeypatch) -> None:
    """A pod that answers a show with another object (or junk) gets no row written."""
    make_pods(api)
    server = boot(api, "s")
    asked = "11111111-2222-4333-8444-555555555555"
    answer = pods["Pod1"].answer

    def other(method, path, *args):
        return answer(method, path.replace(asked, server["id"]), *args)
    monkeypatch.setattr(pods["Pod1"], "answer", other)
    rows = routing_rows()
    assert api("GET", f"{COMPUTE}/servers/{asked}", as_="demo")[0] == 404
    assert routing_rows() == rows


def _put(api, path: str, size: int, chunked: bool = False) -> webob.Response:
    req = webob.Request.blank(path, method="PUT")
    req.headers["X-Auth-Token"] = "demo"
    req.content_type = "application/json"
    body = b'{"metadata": {"k": "' + b"x" * size + b'"}}'
    if chunked:
        req.body_file_raw = __import__("io").BytesIO(body)
        req.environ.pop("CONTENT_LENGTH", None)
        req.environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    else:
        req.body = body
    return req.get_response(api.app)


@pytest.mark.parametrize("chunked", [False, True])
def test_every_route_refuses_a_body_over_the_limit(api, pods, chunked: bool) -> None:
    """A forwarded body too (the pod is never sent it), in Nova's shape."""
    make_pods(api)
    server = boot(api, "s")
    calls = len(pods["Pod1"].calls)
    limit = CONF.api.max_request_body_size
    resp = _put(api, f"{COMPUTE}/servers/{server['id']}/metadata", limit, chunked)
    assert resp.status_code == 413, resp.text
    assert resp.json_body["overLimit"]["code"] == 413
    assert len(pods["Pod1"].calls) == calls
    resp = _put(api, f"{COMPUTE}/servers/{server['id']}/metadata", 1000, chunked)
    assert resp.status_code == 200, resp.text


def test_the_network_api_answers_413_in_neutrons_shape(api) -> None:
    make_pods(api)
    big = "x" * CONF.api.max_request_body_size
    status, body = api("POST", "/networking/v2.0/networks", {"network": {"name": big}},
                       as_="demo")
    assert status == 413 and body["NeutronError"]["message"], body
