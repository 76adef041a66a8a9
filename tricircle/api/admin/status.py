"""The status page (/status, a static page) and its data (/v1.0/status): pods with their
health, each project's routers across pods drawn as SVG, and recent and failing jobs."""
from __future__ import annotations

from importlib import resources

import webob
from sqlalchemy import func, select

from tricircle.api.admin import pods as pods_api
from tricircle.api.admin.topology_svg import router_svg
from tricircle.api.wsgi import Request
from tricircle.core import db, errors, jobs, pods
from tricircle.core.db.models import Job, Pod, utcnow
from tricircle.core.policies import authorize
from tricircle.network import topology

STATIC = resources.files("tricircle.api.admin") / "static"
ASSETS = {"status.css": "text/css", "status.js": "text/javascript"}
# The page's own files only: no inline script, nothing from elsewhere.
CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'"


def _static(name: str, content_type: str) -> webob.Response:
    resp = webob.Response(body=(STATIC / name).read_bytes(), content_type=content_type,
                          charset="utf-8")
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["Cache-Control"] = "no-cache"
    return resp


def page(req: Request) -> webob.Response:
    """The page itself holds no data: it asks /v1.0/status with the reader's token."""
    return _static("status.html", "text/html")


def asset(req: Request) -> webob.Response:
    name = req.urlvars["name"]
    if name not in ASSETS:
        raise errors.NotFound(f"The resource could not be found: {req.path_info[:200]}")
    return _static(name, ASSETS[name])


def show(req: Request) -> dict:
    authorize(req.context, "admin_api:status:show")
    project_id = req.GET.get("project_id")
    with db.transaction() as s:
        listed = [pods.pod_dict(p) for p in s.scalars(select(Pod).order_by(Pod.id))]
        routers = topology.topologies(s, project_id)
        counts = dict(s.execute(select(Job.status, func.count()).group_by(Job.status)).all())
        recent = [jobs.job_dict(j) for j in s.scalars(
            select(Job).order_by(Job.updated_at.desc()).limit(20))]
        failing = [jobs.job_dict(j) for j in s.scalars(
            select(Job).where(Job.status == jobs.FAIL)
            .order_by(Job.updated_at.desc()).limit(50))]
    projects: dict[str, list[dict]] = {}
    for router in routers:
        projects.setdefault(router["project_id"], []).append(
            {**router, "svg": router_svg(router)})
    return {"status": {
        "generated_at": utcnow().isoformat(timespec="seconds"),
        "pods": pods_api.with_health(listed),
        "projects": [{"project_id": p, "routers": r} for p, r in sorted(projects.items())],
        "jobs": {"counts": counts, "recent": recent, "failing": failing}}}
