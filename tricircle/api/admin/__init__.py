"""The admin API (/v1.0): its whole surface in one table."""
from __future__ import annotations

from tricircle.api.admin import bindings, jobs, pods, routings, status
from tricircle.api.wsgi import Request, Router

VERSION = {"id": "v1.0", "status": "CURRENT", "updated": "2015-09-09"}


def _link(req: Request, path: str) -> dict:
    return {"rel": "self", "href": f"{req.application_url}{path}"}


def versions(req: Request) -> dict:
    return {"versions": [{**VERSION, "links": [_link(req, "/v1.0/")]}]}


def version(req: Request) -> dict:
    return {"version": {**VERSION, "links": [
        _link(req, "/v1.0/"),
        *({"rel": name, "href": f"{req.application_url}/v1.0/{name}"}
          for name in ("pods", "bindings", "routings", "jobs", "status"))]}}


ROUTES = {
    "/": {"GET": versions},
    "/v1.0": {"GET": version},
    "/v1.0/pods": {"GET": pods.index, "POST": pods.create},
    "/v1.0/pods/{pod_id}": {"GET": pods.show, "DELETE": pods.delete},
    "/v1.0/pods/{pod_id}/sync": {"GET": pods.sync_show, "POST": pods.sync_now},
    "/v1.0/bindings": {"GET": bindings.index, "POST": bindings.create},
    "/v1.0/bindings/{id}": {"GET": bindings.show, "DELETE": bindings.delete},
    "/v1.0/routings": {"GET": routings.index},
    "/v1.0/routings/{id}": {"GET": routings.show, "DELETE": routings.delete},
    "/v1.0/jobs": {"GET": jobs.index},
    "/v1.0/jobs/{id}": {"GET": jobs.show, "PUT": jobs.redo, "DELETE": jobs.delete},
    "/v1.0/status": {"GET": status.show},
    # The status page: static, no data without a token (it calls /v1.0/status).
    "/status": {"GET": status.page},
    "/status/{name}": {"GET": status.asset},
}


def router() -> Router:
    return Router(ROUTES, public=frozenset({"/", "/v1.0", "/status", "/status/{name}"}))
