"""Jobs run with the service account in a pod that was down: none is queued for work the
caller may not do (Tricircle's policy decides before anything is queued), whatever the
pods answer meanwhile."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.apiclient import make_pods
from tricircle.core import db
from tricircle.core.db.models import Job

COMPUTE = "/compute/v2.1"


def queued(job_type: str) -> list[dict]:
    with db.transaction() as s:
        return [j.resource for j in s.scalars(select(Job).where(Job.type == job_type))]


@pytest.mark.parametrize("caller", ["demo", "reader"])
def test_only_admins_queue_flavor_jobs(api, pods, caller: str) -> None:
    make_pods(api)
    registered = queued("sync_flavors")  # a new pod gets every flavor
    for pod in pods.values():
        pod.up = False
    status, body = api("DELETE", f"{COMPUTE}/flavors/f1", as_=caller)
    assert status == 403, body
    pods["Pod1"].up = True
    status, body = api("POST", f"{COMPUTE}/flavors", {"flavor": {
        "name": "f", "ram": 64, "vcpus": 1, "disk": 1}}, as_=caller)
    assert status == 403, body
    assert queued("delete_flavor") == [] and queued("sync_flavors") == registered
    # An admin may, and the pods that are down get the deletion later.
    pods["Pod1"].up = False
    assert api("DELETE", f"{COMPUTE}/flavors/f1")[0] == 202
    assert sorted(r["flavor_id"] for r in queued("delete_flavor")) == ["f1", "f1"]


@pytest.mark.parametrize(("version", "caller", "status", "job_user"), [
    # Below 2.10 Nova ignores user_id: the caller's own keypair is deleted, and so is
    # the caller's own in the pod that is down; never the named user's.
    ("2.1", "demo", 202, "demo-user"),
    ("2.10", "demo", 403, None),  # another user's: admins only
    ("2.10", "reader", 403, None),
    ("2.10", "admin", 202, "other-user"),
])
def test_a_keypair_job_is_for_a_user_the_caller_may_act_for(
        api, pods, version: str, caller: str, status: int, job_user: str | None) -> None:
    make_pods(api)
    pods["Pod1"].keypairs |= {("demo-user", "k"), ("admin-user", "k")}
    pods["Pod2"].up = False
    got, body = api("DELETE", f"{COMPUTE}/os-keypairs/k?user_id=other-user", as_=caller,
                    headers={"OpenStack-API-Version": f"compute {version}"})
    assert got == status, body
    assert [r["user_id"] for r in queued("delete_keypair")] == \
        ([job_user] if job_user else [])


@pytest.mark.parametrize(("caller", "status"), [("reader", 403), ("other", 404)])
def test_a_router_job_is_queued_only_for_who_may_change_the_router(
        api, caller: str, status: int) -> None:
    """setup_router and configure_routes run with the service account in every pod: a
    reader of the router's project, or another project, queues neither."""
    make_pods(api)
    net = api("POST", "/networking/v2.0/networks", {"network": {
        "name": "n", "availability_zone_hints": ["az1"]}}, as_="demo")[1]["network"]
    sub = api("POST", "/networking/v2.0/subnets", {"subnet": {
        "network_id": net["id"], "cidr": "10.60.0.0/24", "ip_version": 4}},
        as_="demo")[1]["subnet"]
    router = api("POST", "/networking/v2.0/routers", {"router": {"name": "r"}},
                 as_="demo")[1]["router"]
    before = queued("setup_router") + queued("configure_routes")
    got, body = api("PUT", f"/networking/v2.0/routers/{router['id']}/add_router_interface",
                    {"subnet_id": sub["id"]}, as_=caller)
    assert got == status, body
    got, body = api("PUT", f"/networking/v2.0/routers/{router['id']}", {"router": {
        "routes": [{"destination": "10.9.0.0/24", "nexthop": "10.60.0.9"}]}}, as_=caller)
    assert got == status, body
    assert queued("setup_router") + queued("configure_routes") == before
    # Its own member may: the job is queued.
    assert api("PUT", f"/networking/v2.0/routers/{router['id']}/add_router_interface",
               {"subnet_id": sub["id"]}, as_="demo")[0] == 200
    assert len(queued("setup_router")) == len(before) + 1
