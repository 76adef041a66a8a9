"""/v1.0/status (the status page's data) and the page's files: who may read it, what it
says of a router across two pods, and that users' names cannot script the page."""
from __future__ import annotations

import pytest
import webob
from oslo_policy import _parser

from tests.api.test_network_api import subnet
from tests.api.test_router_api import add, network, router
from tests.apiclient import Api, make_pods
from tricircle.core import policies


def test_the_status_shows_pods_and_a_router_across_two_pods(api: Api) -> None:
    make_pods(api)
    r = router(api, name='<script>alert("r")</script>')
    cidrs = {"az1": "10.1.0.0/24", "az2": "10.2.0.0/24"}
    for az, cidr in cidrs.items():
        sub = subnet(api, network(api, [az])["id"], cidr)
        assert add(api, r["id"], subnet_id=sub["id"])[0] == 200
    status, body = api("GET", "/v1.0/status")
    assert status == 200
    status = body["status"]
    assert [p["pod_name"] for p in status["pods"]] == ["RegionOne", "Pod1", "Pod2"]
    [project] = status["projects"]
    assert project["project_id"] == "demo-project"
    [drawn] = project["routers"]
    assert drawn["bridge"]["vlan"] >= 1 and drawn["bridge"]["cidr"]
    pods = {p["pod_name"]: p for p in drawn["pods"]}
    assert {n: p["tenant_cidrs"] for n, p in pods.items()} == {
        "Pod1": ["10.1.0.0/24"], "Pod2": ["10.2.0.0/24"]}
    assert pods["Pod1"]["routes"] == [{"destination": "10.2.0.0/24",
                                       "nexthop": pods["Pod2"]["bridge_ip"]}]
    svg = drawn["svg"]
    assert svg.startswith("<svg") and f'data-router="{r["id"]}"' in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert f"→ 10.1.0.0/24 via {pods['Pod1']['bridge_ip']}" in svg
    assert "no bottom router yet" in svg  # no job ran here
    # One project's routers only.
    empty = api("GET", "/v1.0/status?project_id=other-project")[1]["status"]
    assert empty["projects"] == []


def test_only_admins_and_status_readers_read_it(api: Api,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    assert api("GET", "/v1.0/status", as_="demo")[0] == 403
    assert api("GET", "/v1.0/status", as_="reader")[0] == 403
    # The operator names a read-only role in policy.yaml: "status_reader": "role:reader"
    enforcer = policies.get_enforcer()
    enforcer.load_rules()
    monkeypatch.setitem(enforcer.rules, "status_reader", _parser.parse_rule("role:reader"))
    assert api("GET", "/v1.0/status", as_="reader")[0] == 200
    assert api("GET", "/v1.0/status", as_=None)[0] == 401


def test_the_page_is_static_and_strict(api: Api) -> None:
    page = webob.Request.blank("/status").get_response(api.app)
    assert page.status_code == 200 and page.content_type == "text/html"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<script src=\"status/status.js\"" in page.text
    for name, kind in (("status.js", "text/javascript"), ("status.css", "text/css")):
        asset = webob.Request.blank(f"/status/{name}").get_response(api.app)
        assert (asset.status_code, asset.content_type) == (200, kind)
    assert webob.Request.blank("/status/secret.py").get_response(api.app).status_code == 404
