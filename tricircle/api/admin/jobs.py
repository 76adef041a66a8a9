"""/v1.0/jobs: the durable work queue, for operators: list, show, redo, delete."""
from __future__ import annotations

import webob
from sqlalchemy import select

from tricircle.api import pagination
from tricircle.api.wsgi import Request, json_response
from tricircle.core import db, errors, jobs
from tricircle.core.db.models import Job
from tricircle.core.policies import authorize


def index(req: Request) -> dict:
    authorize(req.context, "admin_api:jobs:list")
    query = select(Job)
    if "status" in req.GET:
        status = req.GET["status"].upper()
        if status not in jobs.STATUSES:
            raise errors.BadRequest(f"status must be one of {', '.join(jobs.STATUSES)}.")
        query = query.where(Job.status == status)
    for field in ("type", "project_id", "resource_key"):
        if field in req.GET:
            query = query.where(getattr(Job, field) == req.GET[field])
    with db.transaction() as s:
        return pagination.page(s, req, query, Job, key="jobs", shape=jobs.job_dict)


def show(req: Request) -> dict:
    authorize(req.context, "admin_api:jobs:show")
    with db.transaction() as s:
        job = s.get(Job, req.urlvars["id"])
        if job is None:
            raise errors.NotFound(f"Job {req.urlvars['id']} could not be found.")
        return {"job": jobs.job_dict(job)}


def redo(req: Request) -> dict:
    authorize(req.context, "admin_api:jobs:redo")
    return {"job": jobs.job_dict(jobs.redo(req.urlvars["id"]))}


def delete(req: Request) -> webob.Response:
    authorize(req.context, "admin_api:jobs:delete")
    jobs.delete(req.urlvars["id"])
    return json_response(None, status=200)
