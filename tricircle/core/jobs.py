"""Durable jobs: queued in the same transaction as the change that needs them.

A job is (type, resource). Its key, "type:<the resource fields its type names>", is unique
among queued jobs (a second request while one waits adds nothing) and among running ones
(the same work never runs twice at once). Handlers are level-triggered: they compute the
desired state from the database and the pods and apply the difference, so re-running one
is always safe. Workers and handlers live in tricircle/xjob/.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import socket
from collections.abc import Callable
from typing import Any

from sqlalchemy import DateTime, Float, case, event, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement

from tricircle.core import db, errors
from tricircle.core.conf import CONF
from tricircle.core.context import RequestContext
from tricircle.core.db.models import Job, new_id, utcnow

NEW, RUNNING, SUCCESS, FAIL = "NEW", "RUNNING", "SUCCESS", "FAIL"
STATUSES = (NEW, RUNNING, SUCCESS, FAIL)

Handler = Callable[[RequestContext, dict], None]

# Every job type: its name and the resource fields that make its key. Declared here so
# the API can queue work without loading any handler; tricircle-xjob registers the
# handlers (tricircle/xjob/handlers.py).
TYPES: dict[str, tuple[str, ...]] = {
    "delete_bottom": ("pod_id", "resource_type", "top_id"),
    "setup_router": ("router_id",),
    "configure_routes": ("router_id",),
    "sync_security_group": ("group_id",),
    "sync_copy": ("top_id",),  # a top id names one object: its type is in the resource
    "sync_port_groups": ("port_id", "pod_id"),  # queued by earlier releases only
    "audit_pod": ("pod_id",),
    "reconcile_pod": ("pod_id",),
    "sync_flavors": ("pod_id",),
    "delete_flavor": ("pod_id", "flavor_id"),
    "delete_keypair": ("pod_id", "user_id", "name"),
    "reap_create": ("resource_type", "pod_id", "project_id", "name", "since"),
}


# Work for one pod, keyed by its id first: dropped with the pod (pods.delete_pod).
PER_POD: frozenset[str] = frozenset({"audit_pod", "reconcile_pod", "sync_flavors",
                                     "delete_flavor", "delete_keypair"})


# Jobs of these types hold "<lock>:<project>" while they run, so that one runs at a time
# per project: a project's routers share its bridge network in every pod, and a router
# torn down beside another being set up left that bridge half made.
LOCKS: dict[str, str] = {"setup_router": "l3", "configure_routes": "l3"}


# Periodic work (audits) runs on a worker of its own: user work never waits behind it.
PERIODIC: frozenset[str] = frozenset({"audit_pod", "reconcile_pod"})


# What a user waits for goes first (lower first; unnamed types 1): a router's convergence
# before the follow-ups of updates and deletes.
PRIORITY: dict[str, int] = {"setup_router": 0, "configure_routes": 0}


def lock_key(job: Job) -> str | None:
    lock = LOCKS.get(job.type)
    return f"{lock}:{job.project_id}" if lock and job.project_id else None


def declare(name: str, *key_fields: str) -> None:
    """A job type of a plugin ([xjob] handler_modules)."""
    TYPES[name] = key_fields


def resource_key(job_type: str, resource: dict) -> str:
    fields = TYPES.get(job_type)
    if fields is None:
        raise errors.BadRequest(f"Unknown job type {job_type}.")
    missing = [f for f in fields if not resource.get(f)]
    if missing:
        raise errors.BadRequest(f"Job {job_type} needs {', '.join(missing)}.")
    key = ",".join(str(resource[f]) for f in fields)
    if len(key) > KEY_LENGTH:  # a long name (reap_create's): digested, the first field
        # kept (a pod's jobs are found by it: pods.delete_pod)
        head = str(resource[fields[0]])[:KEY_LENGTH - 72]
        key = f"{head},sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


KEY_LENGTH = 255  # Job.resource_key's column


def job_dict(job: Job) -> dict:
    return {"id": job.id, "type": job.type, "project_id": job.project_id,
            "resource": job.resource, "status": job.status, "attempts": job.attempts,
            "last_error": job.last_error, "run_after": job.run_after.isoformat(),
            # host:pid:worker of the tricircle-xjob running it (while RUNNING)
            "lease_owner": job.lease_owner,
            "timestamp": job.updated_at.isoformat(), "created_at": job.created_at.isoformat()}


def enqueue(session: Session, job_type: str, resource: dict,
            project_id: str | None = None) -> None:
    """Queue work inside the caller's transaction: it commits or vanishes with the change.
    If the same work is already queued, that job covers this request too."""
    key = resource_key(job_type, resource)
    session.info["wake_xjob"] = True  # once committed (tricircle/xjob/worker.py: Waker)
    db.insert_ignore(session, Job, {
        "id": new_id(), "type": job_type, "resource_key": key, "resource": resource,
        "project_id": project_id, "status": NEW, "queued_key": f"{job_type}:{key}",
        "attempts": 0, "run_after": utcnow(), "created_at": utcnow(), "updated_at": utcnow()})


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.info.pop("wake_xjob", False):
        wake()


def wake() -> None:
    """Tell tricircle-xjob that jobs are due now (a UDP datagram per [xjob] wake_hosts; a
    lost one only costs the poll interval)."""
    port = CONF.xjob.wake_port
    if not port:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for host in CONF.xjob.wake_hosts:
            try:
                sock.sendto(b"jobs", (host, port))
            except OSError:
                pass


class utc_after(FunctionElement):
    """The database's clock (UTC) `seconds` from now: every host's leases are set and
    judged on one clock (each host's own drifts apart from the others')."""
    type = DateTime()
    inherit_cache = True

    def __init__(self, seconds: float) -> None:
        super().__init__(literal(float(seconds), Float()))


@compiles(utc_after, "postgresql")
def _utc_after_postgresql(element: utc_after, compiler: Any, **kw: Any) -> str:
    return (f"(timezone('utc', statement_timestamp()) + "
            f"make_interval(secs => {compiler.process(element.clauses, **kw)}))")


@compiles(utc_after, "mysql")
def _utc_after_mysql(element: utc_after, compiler: Any, **kw: Any) -> str:
    return (f"(UTC_TIMESTAMP(6) + INTERVAL ROUND({compiler.process(element.clauses, **kw)}"
            " * 1000000) MICROSECOND)")


@compiles(utc_after, "sqlite")
def _utc_after_sqlite(element: utc_after, compiler: Any, **kw: Any) -> str:
    # As SQLAlchemy writes a DateTime there: microseconds, six digits.
    shift = f"({compiler.process(element.clauses, **kw)} || ' seconds')"
    return (f"(strftime('%Y-%m-%d %H:%M:%S', 'now', {shift}) || '.' || "
            f"substr(strftime('%f', 'now', {shift}), 4) || '000')")


def claim(owner: str, lease: float, limit: int = 50,
          periodic: bool | None = None) -> Job | None:
    """Take one due job for `owner`, leased for `lease` seconds; None if none is free.
    `periodic`: only PERIODIC types (True), only the others (False), any (None)."""
    now = utcnow()
    query = select(Job).where(Job.status == NEW, Job.run_after <= now)
    if periodic is not None:
        kinds = Job.type.in_(PERIODIC)
        query = query.where(kinds if periodic else ~kinds)
    with db.transaction() as s:
        first = case(PRIORITY, value=Job.type, else_=1)
        candidates = list(s.scalars(query.order_by(first, Job.run_after).limit(limit)))
    for job in candidates:
        try:
            with db.transaction() as s:
                taken = s.execute(update(Job).where(Job.id == job.id, Job.status == NEW).values(
                    status=RUNNING, queued_key=None, running_key=f"{job.type}:{job.resource_key}",
                    lock_key=lock_key(job),
                    attempts=Job.attempts + 1, lease_owner=owner,
                    lease_expires=utc_after(lease)))
                if taken.rowcount == 1:
                    return s.get_one(Job, job.id)
        except IntegrityError:
            continue  # the same work, or its lock, is held elsewhere: it waits its turn
    return None


def renew(job_id: str, owner: str, lease: float) -> bool:
    """Extend the lease of a job we run; False if it is no longer ours."""
    with db.transaction() as s:
        return s.execute(update(Job).where(
            Job.id == job_id, Job.lease_owner == owner, Job.status == RUNNING).values(
            lease_expires=utc_after(lease))).rowcount == 1


def _ended(status: str, error: str | None) -> dict:
    """What a job that is done (SUCCESS or FAIL) holds no more: its keys, lock and lease."""
    return {"status": status, "running_key": None, "lock_key": None, "lease_owner": None,
            "lease_expires": None, "last_error": error}


def finish(job_id: str, owner: str) -> None:
    with db.transaction() as s:
        s.execute(update(Job).where(Job.id == job_id, Job.lease_owner == owner).values(
            **_ended(SUCCESS, None)))


def _requeue(job: Job, run_after: dt.datetime, error: str | None,
             expired_before: Any = None) -> None:
    """Back to NEW, if still held by the same lease owner (a sweeper's list may be stale)
    and, for the sweeper, if its lease is still expired (renewed since: its worker lives).
    If the same work was queued meanwhile, that job covers this one."""
    ours: tuple = (Job.id == job.id, Job.status == RUNNING, Job.lease_owner == job.lease_owner)
    if expired_before is not None:
        ours = (*ours, Job.lease_expires < expired_before)
    try:
        with db.transaction() as s:
            s.execute(update(Job).where(*ours).values(
                status=NEW, running_key=None, lock_key=None,
                queued_key=f"{job.type}:{job.resource_key}",
                lease_owner=None, lease_expires=None, run_after=run_after,
                last_error=error or job.last_error))
    except IntegrityError:
        with db.transaction() as s:
            s.execute(Job.__table__.delete().where(*ours))


def fail(job_id: str, owner: str, error: str, max_attempts: int, delay: float) -> str:
    """A run failed: retry after `delay`, or FAIL after max_attempts. The new status."""
    with db.transaction() as s:
        job = s.get(Job, job_id)
        if job is None or job.lease_owner != owner:
            return "LOST"
        if job.attempts >= max_attempts:
            s.execute(update(Job).where(Job.id == job_id).values(**_ended(FAIL, error)))
            return FAIL
    _requeue(job, utcnow() + dt.timedelta(seconds=delay), error)
    return NEW


def purge(keep_seconds: float) -> int:
    """Delete SUCCESS jobs finished more than `keep_seconds` ago. How many."""
    if not keep_seconds:
        return 0
    with db.transaction() as s:
        return s.execute(Job.__table__.delete().where(
            Job.status == SUCCESS,
            Job.updated_at < utcnow() - dt.timedelta(seconds=keep_seconds))).rowcount


def sweep(max_attempts: int | None = None) -> int:
    """Re-queue running jobs whose lease expired (their worker died), or FAIL those that
    have had `max_attempts` runs (a job that kills its worker would come back forever).
    How many."""
    now = utc_after(0)  # the database's clock, as the leases were set
    with db.transaction() as s:
        expired = list(s.scalars(select(Job).where(
            Job.status == RUNNING, Job.lease_expires < now)))
    for job in expired:
        error = f"lease of {job.lease_owner} expired"
        if max_attempts is not None and job.attempts >= max_attempts:
            with db.transaction() as s:
                s.execute(update(Job).where(
                    Job.id == job.id, Job.status == RUNNING,
                    Job.lease_owner == job.lease_owner, Job.lease_expires < now).values(
                    **_ended(FAIL, f"{error} on each of {job.attempts} attempts")))
            continue
        _requeue(job, utcnow(), error, expired_before=now)
    return len(expired)


def redo(job_id: str) -> Job:
    """An admin asks a FAIL (or waiting NEW) job to run now, with fresh attempts."""
    with db.transaction() as s:
        job = s.get(Job, job_id)
        if job is None:
            raise errors.NotFound(f"Job {job_id} could not be found.")
        if job.status not in (FAIL, NEW):
            raise errors.Conflict(f"Job {job_id} is {job.status}; only FAIL or NEW jobs "
                                  "can be redone.")
    if job.status == FAIL:
        try:
            with db.transaction() as s:
                s.execute(update(Job).where(Job.id == job_id, Job.status == FAIL).values(
                    status=NEW, attempts=0, run_after=utcnow(),
                    queued_key=f"{job.type}:{job.resource_key}"))
        except IntegrityError as err:
            raise errors.Conflict("The same work is already queued as another job.") from err
    else:
        with db.transaction() as s:
            s.execute(update(Job).where(Job.id == job_id).values(run_after=utcnow()))
    with db.transaction() as s:
        return s.get_one(Job, job_id)


def delete(job_id: str) -> None:
    with db.transaction() as s:
        job = s.get(Job, job_id)
        if job is None:
            raise errors.NotFound(f"Job {job_id} could not be found.")
        if job.status == RUNNING:
            raise errors.Conflict(f"Job {job_id} is running; it cannot be deleted.")
        s.delete(job)
