"""/v1.0/bindings: which pod of an AZ serves a project (made on first use, or by hand)."""
from __future__ import annotations

import webob
from sqlalchemy import select

from tricircle.api import validation as v
from tricircle.api.wsgi import Request, json_response
from tricircle.core import db, errors, pods
from tricircle.core.db.models import PodBinding
from tricircle.core.policies import authorize

# `tenant_id` is the seed's name for the project; either may be given.
CREATE = v.obj({"tenant_id": v.name(64), "project_id": v.name(64), "pod_id": v.name(36)},
               required=("pod_id",))


def create(req: Request) -> dict:
    authorize(req.context, "admin_api:bindings:create")
    body = v.validate(CREATE, req.json_body("pod_binding"))
    project_id = body.get("project_id", body.get("tenant_id"))
    if project_id is None:
        raise errors.BadRequest("Invalid input: project_id (or tenant_id) is required.")
    with db.transaction() as s:
        return {"pod_binding": pods.binding_dict(
            pods.create_binding(s, project_id, body["pod_id"]))}


def _get(s, binding_id: str) -> PodBinding:
    binding = s.get(PodBinding, binding_id)
    if binding is None:
        raise errors.NotFound(f"Binding {binding_id} could not be found.")
    return binding


def index(req: Request) -> dict:
    authorize(req.context, "admin_api:bindings:list")
    query = select(PodBinding).order_by(PodBinding.created_at)
    for field in ("project_id", "pod_id"):
        if field in req.GET:
            query = query.where(getattr(PodBinding, field) == req.GET[field])
    with db.transaction() as s:
        return {"pod_bindings": [pods.binding_dict(b) for b in s.scalars(query)]}


def show(req: Request) -> dict:
    authorize(req.context, "admin_api:bindings:show")
    with db.transaction() as s:
        return {"pod_binding": pods.binding_dict(_get(s, req.urlvars["id"]))}


def delete(req: Request) -> webob.Response:
    authorize(req.context, "admin_api:bindings:delete")
    with db.transaction() as s:
        pods.delete_binding(s, _get(s, req.urlvars["id"]))
    return json_response(None, status=200)
