"""tricircle-api's /healthcheck (oslo.middleware's, with the database check) and /metrics
(requests counted by API, route template and status)."""
from __future__ import annotations

import re

import pytest
import webob
from prometheus_client import REGISTRY

from tests.apiclient import Api, make_pods
from tricircle.core import db


def _get(api: Api, path: str, remote: str = "127.0.0.1", **headers: str) -> webob.Response:
    req = webob.Request.blank(path, remote_addr=remote, headers=headers)
    return req.get_response(api.app)


def _count(api: str, method: str, route: str, status: str) -> float:
    return REGISTRY.get_sample_value("tricircle_api_requests_total", {
        "api": api, "method": method, "route": route, "status": status}) or 0.0


def test_healthcheck_answers_without_a_token_and_fails_with_the_database(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    ok = _get(api, "/healthcheck")
    assert (ok.status_code, ok.text) == (200, "database OK")
    detailed = _get(api, "/healthcheck", Accept="application/json")
    assert detailed.json_body["reasons"] == ["database OK"]

    def unreachable(*_args, **_kw):
        raise ConnectionError("database gone")
    monkeypatch.setattr(db, "transaction", unreachable)
    down = _get(api, "/healthcheck", Accept="application/json")
    assert down.status_code == 503
    assert down.json_body["reasons"] == ["database unreachable"]


def test_requests_are_counted_by_route_template_and_status(api: Api) -> None:
    pods = make_pods(api)
    before = {
        "show": _count("admin", "GET", "/v1.0/pods/{pod_id}", "200"),
        "missing": _count("admin", "GET", "/v1.0/pods/{pod_id}", "404"),
        "refused": _count("admin", "GET", "/v1.0/pods", "403"),
        "unmatched": _count("network", "GET", "unmatched", "404"),
    }
    for pod_id in pods.values():
        assert api("GET", f"/v1.0/pods/{pod_id}")[0] == 200
    assert api("GET", "/v1.0/pods/nope")[0] == 404
    assert api("GET", "/v1.0/pods", as_="demo")[0] == 403
    assert api("GET", "/networking/v2.0/nothing-here")[0] == 404
    assert _count("admin", "GET", "/v1.0/pods/{pod_id}", "200") == before["show"] + 3
    assert _count("admin", "GET", "/v1.0/pods/{pod_id}", "404") == before["missing"] + 1
    assert _count("admin", "GET", "/v1.0/pods", "403") == before["refused"] + 1
    assert _count("network", "GET", "unmatched", "404") == before["unmatched"] + 1

    scraped = _get(api, "/metrics")
    assert scraped.status_code == 200 and scraped.content_type == "text/plain"
    line = ('tricircle_api_requests_total{api="admin",method="GET",'
            'route="/v1.0/pods/{pod_id}",status="200"}')
    assert f"{line} {before['show'] + 3}" in scraped.text
    # No token, so no one but the scrapers' addresses: a stranger finds nothing there.
    assert _get(api, "/metrics", remote="192.0.2.9").status_code == 404


def test_every_request_is_logged_once_with_its_status_length_and_time(
        api: Api, caplog: pytest.LogCaptureFixture) -> None:
    pods = make_pods(api)
    pod_id = next(iter(pods.values()))
    answered: dict = {}
    with caplog.at_level("INFO", logger="tricircle.api.measured"):
        caplog.clear()
        status, _ = api("GET", f"/v1.0/pods/{pod_id}?fields=pod_name",
                        answer_headers=answered)
        assert api("GET", "/v1.0/pods", as_="demo")[0] == 403
    lines = [r.getMessage() for r in caplog.records if r.name == "tricircle.api.measured"]
    assert status == 200 and len(lines) == 2, lines
    shown = re.fullmatch(r'(\S+) "GET /v1\.0/pods/(\S+)\?fields=pod_name" status: 200 '
                         r'len: (\d+) time: \d+\.\d{4}', lines[0])
    assert shown and shown.group(2) == pod_id, lines[0]
    assert shown.group(3) == answered["Content-Length"]
    assert re.fullmatch(r'\S+ "GET /v1\.0/pods" status: 403 len: \d+ time: \S+', lines[1])


def test_the_log_line_waits_for_the_answer_to_be_sent(caplog: pytest.LogCaptureFixture) -> None:
    """Logged when the server closes the body (the answer is out), not before: the
    caller does not wait for it. A request that raised is logged at once."""
    from tricircle.api.measured import Measured  # noqa: PLC0415

    def app(environ: dict, start_response) -> list[bytes]:
        if environ["PATH_INFO"] == "/boom":
            raise RuntimeError("boom")
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    measured = Measured(app, "admin")
    with caplog.at_level("INFO", logger="tricircle.api.measured"):
        caplog.clear()
        body = measured(webob.Request.blank("/fine").environ, lambda *a: None)
        assert b"".join(body) == b"ok" and not caplog.records
        body.close()
        [line] = [r.getMessage() for r in caplog.records]
        assert '"GET /fine" status: 200 len: 2 time: ' in line
        with pytest.raises(RuntimeError):
            measured(webob.Request.blank("/boom").environ, lambda *a: None)
        assert '"GET /boom" status: 500' in caplog.records[-1].getMessage()
