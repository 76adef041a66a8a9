"""The admin API's whole error matrix, in process."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.apiclient import POD1, TOP, make_pods
from tricircle.core import db, jobs
from tricircle.core.db import models
from tricircle.core.db.models import Job, PodHealth, Routing


def test_version_documents_need_no_token(api) -> None:
    status, body = api("GET", "/", as_=None)
    assert status == 200 and body["versions"][0]["id"] == "v1.0"
    status, body = api("GET", "/v1.0", as_=None)
    assert status == 200 and {"pods", "bindings", "routings", "jobs"} <= {
        link["rel"] for link in body["version"]["links"]}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_on_versions_are_405(api, method: str) -> None:
    for path in ("/", "/v1.0"):
        status, _ = api(method, path, as_=None)
        assert status == 405


@pytest.mark.parametrize("path", ["/v1.0/pods", "/v1.0/bindings", "/v1.0/routings",
                                  "/v1.0/jobs", "/compute/v2.1/os-aggregates"])
@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_missing_or_bad_token_is_401(api, path: str, token: str | None) -> None:
    status, _ = api("GET", path, as_=token)
    assert status == 401


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/v1.0/pods"), ("POST", "/v1.0/pods"), ("GET", "/v1.0/pods/x"),
    ("DELETE", "/v1.0/pods/x"), ("GET", "/v1.0/bindings"), ("POST", "/v1.0/bindings"),
    ("GET", "/v1.0/jobs"), ("PUT", "/v1.0/jobs/x"), ("DELETE", "/v1.0/jobs/x"),
    ("GET", "/compute/v2.1/os-aggregates")])
def test_members_get_403(api, method: str, path: str) -> None:
    status, body = api(method, path, POD1 if method in ("POST", "PUT") else None, as_="demo")
    assert status == 403 and body["forbidden"]["code"] == 403


@pytest.mark.parametrize(("raw", "why"), [
    (b"", "no body"), (b"{not json", "malformed JSON"), (b"[1, 2]", "not an object"),
    (b'{"pods": {}}', "no pod key"), (b'{"pod": "Pod1"}', "pod not an object"),
    (b'{"pod": {"pod_name": 7}}', "wrong type"),
    (b'{"pod": {"pod_name": "' + b"x" * 10000 + b'"}}', "huge string"),
    (b'{"pod": {"pod_name": "Pod1", "colour": "red"}}', "unknown field"),
    (b'{"pod": {"az_name": "az1"}}', "no pod_name"),
    (b'{"pod": {"pod_name": "Pod1", "az_name": ["az1"]}}', "az_name not a string"),
    (b"\xff\xfe", "not UTF-8"),
])
def test_bad_pod_bodies_are_400(api, raw: bytes, why: str) -> None:
    status, body = api("POST", "/v1.0/pods", raw=raw)
    assert status == 400, why
    assert body["badRequest"]["message"]
    assert api("GET", "/v1.0/pods")[1]["pods"] == []


def test_pod_registration_matrix(api) -> None:
    assert api("POST", "/v1.0/pods", {"pod": {"pod_name": ""}})[0] == 422
    assert api("POST", "/v1.0/pods", {"pod": {"pod_name": "", "az_name": "az1"}})[0] == 422
    assert api("POST", "/v1.0/pods", {"pod": {"pod_name": "NoSuchRegion",
                                              "az_name": "az9"}})[0] == 422
    status, body = api("POST", "/v1.0/pods", TOP)
    assert status == 200 and body["pod"]["az_name"] == "" and body["pod"]["pod_id"]
    assert api("POST", "/v1.0/pods", {"pod": {"pod_name": "Pod1"}})[0] == 409  # second top
    assert api("POST", "/v1.0/pods", {"pod": {"pod_name": "RegionOne",
                                              "az_name": "az1"}})[0] == 409
    status, body = api("POST", "/v1.0/pods", POD1)
    assert status == 200 and body["pod"]["az_name"] == "az1"
    assert api("POST", "/v1.0/pods", POD1)[0] == 409
    assert api("POST", "/v1.0/pods", {"pod": {"pod_name": "Pod1", "az_name": "az2"}})[0] == 409
    pod_id = body["pod"]["pod_id"]
    assert api("GET", f"/v1.0/pods/{pod_id}")[1]["pod"]["pod_name"] == "Pod1"
    assert [p["pod_name"] for p in api("GET", "/v1.0/pods")[1]["pods"]] == ["RegionOne", "Pod1"]
    assert api("GET", "/v1.0/pods/no-such-pod")[0] == 404
    assert api("DELETE", "/v1.0/pods/no-such-pod")[0] == 404
    assert api("PUT", "/v1.0/pods")[0] == 405


def test_a_pod_is_an_aggregate_and_az_until_deleted(api) -> None:
    ids = make_pods(api)
    aggregates = api("GET", "/compute/v2.1/os-aggregates")[1]["aggregates"]
    assert {(a["name"], a["availability_zone"]) for a in aggregates} == {
        ("ag_Pod1", "az1"), ("ag_Pod2", "az2")}
    zones = api("GET", "/compute/v2.1/os-availability-zone", as_="demo")[1]
    assert [z["zoneName"] for z in zones["availabilityZoneInfo"]] == ["az1", "az2"]
    assert api("DELETE", f"/v1.0/pods/{ids['Pod2']}")[0] == 200
    aggregates = api("GET", "/compute/v2.1/os-aggregates")[1]["aggregates"]
    assert [a["name"] for a in aggregates] == ["ag_Pod1"]
    assert api("GET", f"/compute/v2.1/os-aggregates/{aggregates[0]['id']}")[0] == 200
    assert api("GET", "/compute/v2.1/os-aggregates/999999")[0] == 404


def test_a_pod_holding_resources_cannot_be_deleted(api) -> None:
    ids = make_pods(api)
    with db.transaction() as s:
        s.add(Routing(top_id="net-1", bottom_id="b-1", pod_id=ids["Pod1"], project_id="p",
                      resource_type="network"))
    status, body = api("DELETE", f"/v1.0/pods/{ids['Pod1']}")
    assert status == 409 and "holds 1" in body["conflictingRequest"]["message"]
    [row] = api("GET", "/v1.0/routings")[1]["routings"]
    assert api("DELETE", f"/v1.0/routings/{row['id']}")[0] == 200
    assert api("DELETE", f"/v1.0/pods/{ids['Pod1']}")[0] == 200


def test_binding_matrix(api) -> None:
    ids = make_pods(api)
    assert api("POST", "/v1.0/bindings", raw=b"")[0] == 400
    assert api("POST", "/v1.0/bindings", {"pod_binding": {"pod_id": ids["Pod1"]}})[0] == 400
    assert api("POST", "/v1.0/bindings", {"pod_binding": {"tenant_id": "p1",
                                                          "pod_id": 5}})[0] == 400
    for bad in ({"tenant_id": "", "pod_id": ids["Pod1"]}, {"tenant_id": "p1", "pod_id": ""},
                {"tenant_id": "p1", "pod_id": "no-such-pod"},
                {"tenant_id": "p1", "pod_id": ids["RegionOne"]}):
        assert api("POST", "/v1.0/bindings", {"pod_binding": bad})[0] == 422, bad
    status, body = api("POST", "/v1.0/bindings", {"pod_binding": {"tenant_id": "p1",
                                                                  "pod_id": ids["Pod1"]}})
    assert status == 200 and body["pod_binding"]["project_id"] == "p1"
    binding_id = body["pod_binding"]["id"]
    assert api("POST", "/v1.0/bindings", {"pod_binding": {"project_id": "p1",
                                                          "pod_id": ids["Pod1"]}})[0] == 409
    assert api("POST", "/v1.0/bindings", {"pod_binding": {"project_id": "p1",
                                                          "pod_id": ids["Pod2"]}})[0] == 200
    assert len(api("GET", "/v1.0/bindings?project_id=p1")[1]["pod_bindings"]) == 2
    assert api("GET", f"/v1.0/bindings/{binding_id}")[0] == 200
    assert api("DELETE", f"/v1.0/bindings/{binding_id}")[0] == 200
    assert api("GET", f"/v1.0/bindings/{binding_id}")[0] == 404


def test_routings_are_project_scoped_and_paginated(api) -> None:
    ids = make_pods(api)
    demo_project = "demo-project"
    with db.transaction() as s:
        for i in range(5):
            s.add(Routing(top_id=f"top-{i}", bottom_id=f"b-{i}", pod_id=ids["Pod1"],
                          project_id=demo_project if i % 2 == 0 else "other",
                          resource_type="network" if i < 4 else "port"))
    everything = api("GET", "/v1.0/routings")[1]["routings"]
    assert [r["top_id"] for r in everything] == [f"top-{i}" for i in (4, 3, 2, 1, 0)]
    mine = api("GET", "/v1.0/routings", as_="demo")[1]["routings"]
    assert [r["top_id"] for r in mine] == ["top-4", "top-2", "top-0"]
    asked_for_other = api("GET", "/v1.0/routings?project_id=other", as_="demo")[1]
    assert asked_for_other["routings"] == []
    assert [r["top_id"] for r in api("GET", "/v1.0/routings?resource_type=port")[1][
        "routings"]] == ["top-4"]

    pages, url = [], "/v1.0/routings?limit=2"
    while url:
        body = api("GET", url)[1]
        pages.append([r["top_id"] for r in body["routings"]])
        links = body.get("routings_links", [])
        url = links[0]["href"].split("localhost", 1)[1] if links else None
    assert pages == [["top-4", "top-3"], ["top-2", "top-1"], ["top-0"]]
    for bad in ("limit=-1", "limit=x", "marker=999999", "marker=abc"):
        assert api("GET", f"/v1.0/routings?{bad}")[0] == 400, bad

    other = next(r for r in everything if r["project_id"] == "other")
    own = next(r for r in everything if r["project_id"] == demo_project)
    assert api("GET", f"/v1.0/routings/{other['id']}", as_="demo")[0] == 404
    assert api("GET", f"/v1.0/routings/{own['id']}", as_="demo")[0] == 200
    assert api("DELETE", f"/v1.0/routings/{own['id']}", as_="demo")[0] == 403
    assert api("DELETE", f"/v1.0/routings/{other['id']}", as_="demo")[0] == 404
    assert api("GET", "/v1.0/routings/not-a-number")[0] == 404


def test_jobs_list_show_redo_delete(api) -> None:
    ids = make_pods(api)
    with db.transaction() as s:
        for i in range(3):
            jobs.enqueue(s, "delete_bottom", {"pod_id": ids["Pod1"], "resource_type": "network",
                                              "top_id": f"net-{i}"}, project_id="p1")
    running = jobs.claim("test-worker", lease=60)
    listed = api("GET", "/v1.0/jobs?type=delete_bottom")[1]["jobs"]
    assert len(listed) == 3 and {j["type"] for j in listed} == {"delete_bottom"}
    # Registering the pods queued a flavor sync for each.
    syncs = api("GET", "/v1.0/jobs?type=sync_flavors")[1]["jobs"]
    assert sorted(j["resource"]["pod_id"] for j in syncs) == sorted([ids["Pod1"], ids["Pod2"]])
    assert len(api("GET", "/v1.0/jobs?status=running")[1]["jobs"]) == 1
    assert api("GET", "/v1.0/jobs?status=bogus")[0] == 400
    assert len(api("GET", "/v1.0/jobs?limit=2")[1]["jobs"]) == 2
    assert len(api("GET", "/v1.0/jobs")[1]["jobs"]) == 5
    assert api("GET", f"/v1.0/jobs/{running.id}")[1]["job"]["status"] == "RUNNING"
    assert api("GET", "/v1.0/jobs/no-such-job")[0] == 404
    assert api("PUT", f"/v1.0/jobs/{running.id}")[0] == 409
    assert api("DELETE", f"/v1.0/jobs/{running.id}")[0] == 409
    jobs.fail(running.id, "test-worker", "pod down", max_attempts=1, delay=0)
    status, body = api("PUT", f"/v1.0/jobs/{running.id}")
    assert status == 200 and body["job"]["status"] == "NEW" and body["job"]["attempts"] == 0
    assert api("DELETE", f"/v1.0/jobs/{running.id}")[0] == 200
    assert api("GET", f"/v1.0/jobs/{running.id}")[0] == 404


def test_a_pod_or_binding_something_depends_on_cannot_be_deleted(api) -> None:
    from tests.api.test_network_api import NET, subnet  # noqa: PLC0415
    from tests.api.test_router_api import add, network, remove, router  # noqa: PLC0415

    ids = make_pods(api)
    r = router(api)
    sub = subnet(api, network(api, ["az1"])["id"], "10.6.0.0/24")
    assert add(api, r["id"], subnet_id=sub["id"])[0] == 200  # a bridge IP in Pod1
    status, body = api("DELETE", f"/v1.0/pods/{ids['Pod1']}")
    assert status == 409 and r["id"] in body["conflictingRequest"]["message"]
    [binding] = api("GET", "/v1.0/bindings?project_id=demo-project")[1]["pod_bindings"]
    status, body = api("DELETE", f"/v1.0/bindings/{binding['id']}")
    assert status == 409 and r["id"] in body["conflictingRequest"]["message"]
    server = api("POST", "/compute/v2.1/servers", {"server": {
        "name": "s", "flavorRef": "1", "networks": "none", "availability_zone": "az1"}},
        as_="demo")[1]["server"]
    assert remove(api, r["id"], subnet_id=sub["id"])[0] == 200
    with db.transaction() as s:  # the job has freed the bridge IP
        s.execute(models.BridgePort.__table__.delete())
    status, body = api("DELETE", f"/v1.0/bindings/{binding['id']}")
    assert status == 409 and "1 resources" in body["conflictingRequest"]["message"]
    assert api("DELETE", f"/compute/v2.1/servers/{server['id']}", as_="demo")[0] == 204
    # Nova deletes in the background: the row goes once the pod says it is gone.
    assert api("GET", f"/compute/v2.1/servers/{server['id']}", as_="demo")[0] == 404
    assert api("DELETE", f"/v1.0/bindings/{binding['id']}")[0] == 200
    assert api("GET", f"{NET}/routers/{r['id']}", as_="demo")[0] == 200


def test_a_pods_sync_status_and_an_on_demand_pass(api) -> None:
    pods = make_pods(api)
    path = f"/v1.0/pods/{pods['Pod1']}/sync"
    assert api("GET", path) == (200, {"sync": {
        "pod_id": pods["Pod1"], "checked_at": None, "resources": {}, "failures": []}})
    status, body = api("POST", path)
    assert status == 202 and body["job"]["type"] == "reconcile_pod", body
    again = api("POST", path)[1]["job"]  # one pass waits at most
    assert again["id"] == body["job"]["id"]
    with db.transaction() as s:  # as a pass records it
        s.add(models.SyncStatus(pod_id=pods["Pod1"], resource_type="port", in_sync=3,
                                repaired=1, missing=0, orphaned=0, failing=1, failures=[
                                    {"top_id": "t", "bottom_id": "b", "error": "boom"}]))
    sync = api("GET", path)[1]["sync"]
    assert sync["resources"]["port"]["in_sync"] == 3 and sync["checked_at"]
    assert sync["failures"] == [{"resource_type": "port", "top_id": "t", "bottom_id": "b",
                                 "error": "boom"}]
    assert api("POST", f"/v1.0/pods/{pods['RegionOne']}/sync")[0] == 400
    assert api("GET", "/v1.0/pods/nope/sync")[0] == 404
    for method in ("GET", "POST"):
        assert api(method, path, as_="demo")[0] == 403


def test_a_deleted_pod_takes_its_queued_work_and_health_along(api) -> None:
    ids = make_pods(api)
    with db.transaction() as s:  # registering Pod2 queued its flavor sync; more for both
        for pod in ("Pod1", "Pod2"):
            jobs.enqueue(s, "reconcile_pod", {"pod_id": ids[pod]})
            jobs.enqueue(s, "delete_flavor", {"pod_id": ids[pod], "flavor_id": "f1"})
        s.add(PodHealth(pod_id=ids["Pod2"], service_type="compute", state="up"))
    assert api("DELETE", f"/v1.0/pods/{ids['Pod2']}")[0] == 200
    with db.transaction() as s:
        left = {(j.type, j.resource["pod_id"]) for j in s.scalars(select(Job))}
        assert s.scalars(select(PodHealth)).all() == []
    assert left == {("sync_flavors", ids["Pod1"]), ("reconcile_pod", ids["Pod1"]),
                    ("delete_flavor", ids["Pod1"])}
