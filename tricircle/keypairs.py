"""Keypairs live in every pod under one name (tricircle/api/compute/keypairs.py); this is
the job that finishes a delete in a pod that was down."""
from __future__ import annotations

from tricircle import clients, db, jobs, pods
from tricircle.context import RequestContext

SERVICE = "compute"


@jobs.handler("delete_keypair", "pod_id", "user_id", "name")
def delete_keypair(ctx: RequestContext, resource: dict) -> None:
    """A keypair deleted while its pod was down: delete it there as the user's admin."""
    with db.transaction() as s:
        pod = pods.get_pod(s, resource["pod_id"])
    clients.get().request(ctx, pod.pod_name, SERVICE, "DELETE",
                          f"/os-keypairs/{resource['name']}", admin=True, expect=(404,),
                          params={"user_id": resource["user_id"]},
                          headers={"OpenStack-API-Version": "compute 2.10"})
