"""Nova's API semantics through RegionOne against real pods: microversions, merged pages
of real Nova answers, a create the pod did not answer (the rules alone: tests/api)."""
from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
import requests

# Its tests share one module fixture of five servers named PAGE*: on one worker, or each
# worker's five would show in the other's lists.
pytestmark = pytest.mark.xdist_group("five_servers")
# Their names' prefix, this process's own: no other run's or worker's server matches it
# (Nova's name filter is a regular expression matched anywhere in the name).
PAGE = f"page{uuid.uuid4().hex[:8]}-"

COMPUTE = "http://127.0.0.1:19999/compute/v2.1"


@pytest.fixture(scope="module")
def demo(cloud: Callable) -> dict:
    return {"X-Auth-Token": cloud("tricircle-demo").session.get_token()}


def test_microversions_are_the_range_every_pod_supports(cloud: Callable, demo: dict) -> None:
    doc = requests.get(f"{COMPUTE}/").json()["version"]
    pod_max = cloud("pod1").compute.get_endpoint_data().max_microversion
    assert doc["min_version"] == "2.1" and doc["version"] == f"{pod_max[0]}.{pod_max[1]}"
    resp = requests.get(f"{COMPUTE}/flavors", headers={**demo,
                        "OpenStack-API-Version": "compute 2.60"})
    assert resp.status_code == 200
    assert resp.headers["OpenStack-API-Version"] == "compute 2.60"
    assert resp.headers["X-OpenStack-Nova-API-Version"] == "2.60"
    latest = requests.get(f"{COMPUTE}/flavors", headers={
        **demo, "OpenStack-API-Version": "compute latest"})
    assert latest.headers["OpenStack-API-Version"] == f"compute {doc['version']}"
    too_new = requests.get(f"{COMPUTE}/flavors", headers={
        **demo, "OpenStack-API-Version": "compute 2.9999"})
    assert too_new.status_code == 406
    assert "is not supported by the API" in too_new.json()["computeFault"]["message"]
    bad = requests.get(f"{COMPUTE}/flavors", headers={**demo,
                       "X-OpenStack-Nova-API-Version": "two"})
    assert bad.status_code == 400 and "badRequest" in bad.json()


@pytest.fixture(scope="module")
def five_servers(cloud: Callable, flavor: str) -> list:
    top = cloud("tricircle-demo")
    image = next(top.image.images(name="tiny-raw"))
    flavor_id = top.compute.find_flavor(flavor).id
    made = [top.compute.create_server(name=f"{PAGE}{i}", flavor_id=flavor_id,
                                      image_id=image.id, networks="none",
                                      availability_zone="az1" if i % 2 else "az2")
            for i in range(5)]
    yield [top.compute.wait_for_server(s) for s in made]
    for s in made:
        top.compute.delete_server(s, ignore_missing=True)
    # Gone before a next instance of this fixture (pytest makes one again when the
    # worker ran another module's tests in between) lists its own five.
    for s in made:
        top.compute.wait_for_delete(s, wait=120)


def _ids(resp: requests.Response) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [s["id"] for s in resp.json()["servers"]]


@pytest.mark.parametrize("sort", ["", "&sort_key=display_name&sort_dir=asc",
                                  "&sort_key=created_at&sort_dir=asc"])
def test_pages_across_pods_equal_one_sorted_list(five_servers: list, demo: dict,
                                                 sort: str) -> None:
    query = f"name={PAGE}{sort}"
    everything = _ids(requests.get(f"{COMPUTE}/servers/detail?{query}", headers=demo))
    assert sorted(everything) == sorted(s.id for s in five_servers)
    if "display_name" in sort:
        assert everything == [s.id for s in sorted(five_servers, key=lambda s: s.name)]

    # Following the next links (the cursor path).
    pages, url = [], f"{COMPUTE}/servers/detail?{query}&limit=2"
    while url:
        resp = requests.get(url, headers=demo)
        pages.append(_ids(resp))
        links = resp.json().get("servers_links", [])
        url = links[0]["href"] if links else None
    assert [i for p in pages for i in p] == everything
    assert [len(p) for p in pages] == [2, 2, 1]

    # A marker given by hand, under another listing (no cursor): the pods are walked.
    by_hand = _ids(requests.get(f"{COMPUTE}/servers?{query}&limit=3&marker={everything[1]}",
                                headers=demo))
    assert by_hand == everything[2:5]


def test_admins_list_every_project_members_only_theirs(five_servers: list, cloud: Callable,
                                                       demo: dict) -> None:
    admin = {"X-Auth-Token": cloud("tricircle").session.get_token()}
    mine = set(_ids(requests.get(f"{COMPUTE}/servers?name={PAGE}", headers=admin)))
    assert not mine & {s.id for s in five_servers}
    everyone = set(_ids(requests.get(f"{COMPUTE}/servers?name={PAGE}&all_tenants=1",
                                     headers=admin)))
    assert {s.id for s in five_servers} <= everyone
    refused = requests.get(f"{COMPUTE}/servers?all_tenants=1", headers=demo)
    assert refused.status_code == 403 or set(_ids(refused)) <= {s.id for s in five_servers}


def test_a_create_the_pod_did_not_answer_is_reaped(api, flavor: str, cloud: Callable,
                                                   unique: str, monkeypatch) -> None:
    """The pod times out on a server create yet makes the server: the user got an error,
    so the reap_create job deletes it."""
    from sqlalchemy import select  # noqa: PLC0415

    from tests.apiclient import make_pods  # noqa: PLC0415
    from tests.testbed.test_l3 import wait_for  # noqa: PLC0415
    from tricircle.compute import reaper, sync  # noqa: PLC0415
    from tricircle.core import clients, db  # noqa: PLC0415
    from tricircle.core.context import admin_context  # noqa: PLC0415
    from tricircle.core.db.models import Job  # noqa: PLC0415

    make_pods(api)
    pod1 = cloud("pod1")
    body = {"server": {"name": unique, "availability_zone": "az1", "networks": "none",
                       "flavorRef": pod1.compute.find_flavor(flavor).id,
                       "imageRef": next(pod1.image.images(name="tiny-raw")).id}}
    monkeypatch.setattr(clients, "read_timeout", lambda ctx, timeout: 0.05)  # unanswered
    status, answer = api("POST", "/compute/v2.1/servers", body, as_="demo", pod_down=True,
                         headers={"OpenStack-API-Version": "compute 2.37"})
    monkeypatch.undo()
    assert status == 503, answer
    made = wait_for("the pod to make it anyway", lambda: list(
        pod1.compute.servers(all_projects=True, name=f"^{unique}$")))
    assert len(made) == 1  # sent once: a POST is never retried after a timeout
    with db.transaction() as s:
        (job,) = s.scalars(select(Job).where(Job.type == "reap_create"))
    monkeypatch.setattr(reaper, "MIN_AGE", reaper.dt.timedelta(0))
    sync.reap_create(admin_context(), job.resource)
    wait_for("the server to go", lambda: pod1.compute.find_server(
        made[0].id, ignore_missing=True, all_projects=True) is None)
