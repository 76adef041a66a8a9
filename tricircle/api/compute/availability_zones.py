"""Availability zones and host aggregates: the pods registry seen through Nova's API.

Every bottom pod is an aggregate `ag_<pod>` (id = the pod's row id) in its AZ; its one
"host" is the pod itself.
"""
from __future__ import annotations

from tricircle.api.wsgi import Request
from tricircle.core import db, errors, pods
from tricircle.core.db.models import Pod
from tricircle.core.policies import authorize


def _zones(with_hosts: bool) -> list[dict]:
    with db.transaction() as s:
        zones = pods.availability_zones(s)
    out = []
    for az, members in zones.items():
        zone = {"zoneName": az, "zoneState": {"available": True}, "hosts": None}
        if with_hosts:
            zone["hosts"] = {p.pod_name: {"nova-compute": {
                "available": True, "active": True, "updated_at": None}} for p in members}
        out.append(zone)
    return out


def index(req: Request) -> dict:
    authorize(req.context, "compute:availability_zone:list")
    return {"availabilityZoneInfo": _zones(with_hosts=False)}


def detail(req: Request) -> dict:
    authorize(req.context, "compute:availability_zone:detail")
    return {"availabilityZoneInfo": _zones(with_hosts=True)}


def _aggregate(pod: Pod) -> dict:
    created = pod.created_at.isoformat()
    return {"id": pod.id, "uuid": pod.pod_id, "name": f"ag_{pod.pod_name}",
            "availability_zone": pod.az_name, "hosts": [pod.pod_name],
            "metadata": {"availability_zone": pod.az_name}, "created_at": created,
            "updated_at": None, "deleted_at": None, "deleted": False}


def aggregates(req: Request) -> dict:
    authorize(req.context, "compute:aggregates:list")
    return {"aggregates": [_aggregate(p) for p in pods.bottom()]}


def aggregate(req: Request) -> dict:
    authorize(req.context, "compute:aggregates:show")
    for p in pods.bottom():
        if req.urlvars["id"] in (str(p.id), p.pod_id):
            return {"aggregate": _aggregate(p)}
    raise errors.NotFound(f"Aggregate {req.urlvars['id']} could not be found.")
