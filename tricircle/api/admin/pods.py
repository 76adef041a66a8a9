"""/v1.0/pods: the regions behind Tricircle."""
from __future__ import annotations

import webob
from sqlalchemy import select

from tricircle.api import validation as v
from tricircle.api.wsgi import Request, json_response
from tricircle.core import clients, db, errors, health, jobs, pods
from tricircle.core.db.models import Job, Pod, SyncStatus
from tricircle.core.policies import authorize

CREATE = v.obj({"pod_name": v.name(), "az_name": v.nullable_name(),
                "pod_az_name": v.nullable_name(), "dc_name": v.nullable_name()},
               required=("pod_name",))


def _region_exists(name: str) -> bool:
    return name in clients.get().regions()


def create(req: Request) -> dict:
    authorize(req.context, "admin_api:pods:create")
    body = v.validate(CREATE, req.json_body("pod"))
    with db.transaction() as s:
        pod = pods.create_pod(s, pod_name=body["pod_name"], az_name=body.get("az_name"),
                              pod_az_name=body.get("pod_az_name"),
                              dc_name=body.get("dc_name"), region_exists=_region_exists)
        return {"pod": pods.pod_dict(pod)}


def with_health(items: list[dict]) -> list[dict]:
    """A bottom pod shows its services' health (tricircle/core/health.py): an empty
    object until the first probe."""
    found = health.of_pods([p["pod_id"] for p in items])
    return [{**p, "health": found[p["pod_id"]]} if p["az_name"] else p for p in items]


def index(req: Request) -> dict:
    authorize(req.context, "admin_api:pods:list")
    with db.transaction() as s:
        listed = [pods.pod_dict(p) for p in s.scalars(select(Pod).order_by(Pod.id))]
    return {"pods": with_health(listed)}


def show(req: Request) -> dict:
    authorize(req.context, "admin_api:pods:show")
    with db.transaction() as s:
        pod = pods.pod_dict(pods.get_pod(s, req.urlvars["pod_id"]))
    return {"pod": with_health([pod])[0]}


def delete(req: Request) -> webob.Response:
    authorize(req.context, "admin_api:pods:delete")
    with db.transaction() as s:
        pods.delete_pod(s, req.urlvars["pod_id"])
    return json_response(None, status=200)


def sync_show(req: Request) -> dict:
    """What the reconciler last found in the pod, per resource type, and what fails."""
    authorize(req.context, "admin_api:pods:sync_show")
    with db.transaction() as s:
        pod = pods.get_pod(s, req.urlvars["pod_id"])
        rows = list(s.scalars(select(SyncStatus).where(SyncStatus.pod_id == pod.pod_id)
                              .order_by(SyncStatus.resource_type)))
        return {"sync": {
            "pod_id": pod.pod_id,
            "checked_at": max(r.checked_at for r in rows).isoformat() if rows else None,
            "resources": {r.resource_type: {
                "in_sync": r.in_sync, "repaired": r.repaired, "missing": r.missing,
                "orphaned": r.orphaned, "failing": r.failing,
                "checked_at": r.checked_at.isoformat()} for r in rows},
            "failures": [{"resource_type": r.resource_type, **f} for r in rows
                         for f in r.failures]}}


def sync_now(req: Request) -> webob.Response:
    """Queue a reconciler pass over the pod now (one waits at most); 202 with its job."""
    authorize(req.context, "admin_api:pods:sync")
    with db.transaction() as s:
        pod = pods.get_pod(s, req.urlvars["pod_id"])
        if pod.az_name is None:
            raise errors.BadRequest("The top pod holds no copies to reconcile.")
        jobs.enqueue(s, "reconcile_pod", {"pod_id": pod.pod_id})
        job = s.scalar(select(Job).where(Job.queued_key == f"reconcile_pod:{pod.pod_id}"))
        return json_response({"job": jobs.job_dict(job)} if job else {"job": None},
                             status=202)
