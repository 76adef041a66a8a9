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
