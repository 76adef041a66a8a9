"""/v1.0/routings: top id -> (pod, bottom id). Members see only their project's rows."""
from __future__ import annotations

import webob
from sqlalchemy import select

from tricircle.api import pagination
from tricircle.api.wsgi import Request, json_response
from tricircle.core import db, errors, integers, routing
from tricircle.core.db.models import Routing
from tricircle.core.policies import allowed, authorize

FILTERS = ("top_id", "bottom_id", "pod_id", "project_id", "resource_type")


def index(req: Request) -> dict:
    authorize(req.context, "admin_api:routings:list")
    query = select(Routing)
    for field in FILTERS:
        if field in req.GET:
            query = query.where(getattr(Routing, field) == req.GET[field])
    if not allowed(req.context, "admin_api:routings:list", {"project_id": None}):
        # Not allowed beyond its own project: forced to it, whatever was asked.
        query = query.where(Routing.project_id == req.context.project_id)
    with db.transaction() as s:
        return pagination.page(s, req, query, Routing, key="routings",
                               shape=routing.routing_dict)


def _get(req: Request, s, action: str) -> Routing:
    number = integers.digits(req.urlvars["id"])
    row = None if number is None else s.get(Routing, number)
    # A row the caller may not see answers exactly as a missing one.
    if row is None or not allowed(req.context, "admin_api:routings:show",
                                  {"project_id": row.project_id}):
        raise errors.NotFound(f"Routing {req.urlvars['id']} could not be found.")
    authorize(req.context, f"admin_api:routings:{action}", {"project_id": row.project_id})
    return row


def show(req: Request) -> dict:
    with db.transaction() as s:
        return {"routing": routing.routing_dict(_get(req, s, "show"))}


def delete(req: Request) -> webob.Response:
    with db.transaction() as s:
        s.delete(_get(req, s, "delete"))
    return json_response(None, status=200)
