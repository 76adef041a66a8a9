"""/v1.0/pods: the regions behind Tricircle."""
from __future__ import annotations

import webob
from sqlalchemy import select

from tricircle.api import validation as v
from tricircle.api.wsgi import Request, json_response
from tricircle.core import clients, db, pods
from tricircle.core.db.models import Pod
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


def index(req: Request) -> dict:
    authorize(req.context, "admin_api:pods:list")
    with db.transaction() as s:
        return {"pods": [pods.pod_dict(p) for p in s.scalars(select(Pod).order_by(Pod.id))]}


def show(req: Request) -> dict:
    authorize(req.context, "admin_api:pods:show")
    with db.transaction() as s:
        return {"pod": pods.pod_dict(pods.get_pod(s, req.urlvars["pod_id"]))}


def delete(req: Request) -> webob.Response:
    authorize(req.context, "admin_api:pods:delete")
    with db.transaction() as s:
        pods.delete_pod(s, req.urlvars["pod_id"])
    return json_response(None, status=200)
