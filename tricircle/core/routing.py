"""The routing table: which bottom object in which pod stands for a top id.

Creating a bottom object safely (`ensure`), whatever crashes or races:
1. claim: insert the row (top_id, pod, type) with no bottom_id; the unique key lets
   exactly one caller win, the others wait for it to fill the row;
2. find the object in the pod by its name (the top id) or create it so named;
3. fill bottom_id, only if still empty.
A creator whose find or create fails gives its claim back. A claim left empty longer
than `[routing] claim_seconds` (its creator died) is taken over;
step 2 then finds what the dead creator made instead of making a second one. If a slow
creator and its successor both created, the one that fills second deletes its own copy.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.exc import IntegrityError

from tricircle.core import db, errors, pods
from tricircle.core.conf import CONF
from tricircle.core.db.models import Job, Pod, Routing, utcnow

LOG = logging.getLogger(__name__)


def routing_dict(r: Routing) -> dict:
    return {"id": r.id, "top_id": r.top_id, "bottom_id": r.bottom_id, "pod_id": r.pod_id,
            "project_id": r.project_id, "resource_type": r.resource_type,
            "created_at": r.created_at.isoformat(), "updated_at": r.updated_at.isoformat()}


def bottom_id(top_id: str, pod_id: str, resource_type: str) -> str | None:
    with db.transaction() as s:
        return s.scalar(select(Routing.bottom_id).where(
            Routing.top_id == top_id, Routing.pod_id == pod_id,
            Routing.resource_type == resource_type))


def top_ids(pod_id: str, bottom_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """bottom id -> (top id, resource type) for those of `bottom_ids` the pod holds for a
    top object (one query)."""
    wanted = list(set(bottom_ids))
    if not wanted:
        return {}
    rows = db.read(_TOP_IDS, {"pod_id": pod_id, "ids": wanted})
    return {b: (top, rtype) for b, top, rtype in rows}


# The two reads every proxied call makes, built once: building a statement costs more
# than running it (SQLAlchemy also keys its compiled cache on the statement object).
_TOP_IDS = select(Routing.bottom_id, Routing.top_id, Routing.resource_type).where(
    Routing.pod_id == bindparam("pod_id"),
    Routing.bottom_id.in_(bindparam("ids", expanding=True)))
_LOCATE = select(Routing.pod_id, Routing.top_id, Routing.project_id, Routing.created_at).where(
    Routing.top_id == bindparam("top_id"),
    Routing.resource_type == bindparam("resource_type")).limit(1)


def record(top_id: str, pod_id: str, resource_type: str, project_id: str,
           bottom: str) -> None:
    """Record an object made in a pod whose top id is known only once it exists (servers
    and volumes keep their bottom id as top id)."""
    with db.transaction() as s:
        db.insert_ignore(s, Routing, {"top_id": top_id, "pod_id": pod_id,
                                      "resource_type": resource_type, "project_id": project_id,
                                      "bottom_id": bottom, "created_at": utcnow(),
                                      "updated_at": utcnow()})


# (database, top id, resource type) -> its row, as this process last read it, for what
# lives in one pod (servers, volumes...): every call on one starts with this lookup. A
# row never moves to another pod; its project may change (a volume transferred): a
# caller of another project reads the row again. A row deleted by another process is
# still found here, and its pod answers (404), as it would have a moment earlier.
_located: dict[tuple[str, str, str], Row] = {}
LOCATED_MAX = 100_000  # about 30 MB at most; emptied when full


def locate(top_id: str, resource_type: str, *,
           project_id: str | None = None) -> tuple[Pod, Row] | None:
    """(pod, row) of a top id whose bottom object lives in one pod; the row has the
    routing table's top_id, project_id and created_at. With `project_id`, a row this
    process remembers for another project is read again."""
    key = (CONF.database.connection, top_id, resource_type)
    row = _located.get(key)
    if row is None or (project_id is not None and row.project_id != project_id):
        rows = db.read(_LOCATE, {"top_id": top_id, "resource_type": resource_type})
        if not rows:
            _located.pop(key, None)
            return None
        row = rows[0]
        if len(_located) >= LOCATED_MAX:
            _located.clear()
        _located[key] = row
    pod = pods.cached(row.pod_id)
    return (pod, row) if pod is not None else None


def _claim(top_id: str, pod: Pod, resource_type: str, project_id: str,
           owner: str | None = None) -> tuple[Routing, bool]:
    """(row, True) if we inserted the claim, else (the existing row, False)."""
    try:
        with db.transaction() as s:
            row = Routing(top_id=top_id, pod_id=pod.pod_id, resource_type=resource_type,
                          project_id=project_id, claimed_by=owner)
            s.add(row)
        return row, True
    except IntegrityError:
        with db.transaction() as s:
            row = s.scalar(select(Routing).where(
                Routing.top_id == top_id, Routing.pod_id == pod.pod_id,
                Routing.resource_type == resource_type))
        if row is None:  # deleted between our insert and our read: try again
            return _claim(top_id, pod, resource_type, project_id, owner)
        return row, False


def _abandoned(claimed_by: str | None, asking: str | None) -> bool:
    """Was the claim made by a job worker that holds no live lease any more (it died, or
    lost its lease and was fenced: it calls no pod now)? Our own claim is never abandoned:
    a second caller in the same job waits for the first."""
    if claimed_by is None or claimed_by == asking:
        return False
    with db.transaction() as s:
        return s.scalar(select(Job.id).where(
            Job.lease_owner == claimed_by, Job.status == "RUNNING",
            Job.lease_expires > utcnow()).limit(1)) is None


def _take_over(row: Routing, owner: str | None) -> bool:
    """Take a stale claim; only one of several waiters succeeds (compare-and-set)."""
    with db.transaction() as s:
        result = s.execute(update(Routing).where(
            Routing.id == row.id, Routing.bottom_id.is_(None),
            Routing.updated_at == row.updated_at).values(updated_at=utcnow(),
                                                         claimed_by=owner))
        return result.rowcount == 1


def ensure(top_id: str, pod: Pod, resource_type: str, project_id: str, *,
           find: Callable[[], str | None], create: Callable[[], str],
           delete: Callable[[str], None], owner: str | None = None) -> str:
    """The bottom id of `top_id` in `pod`, made at most once.

    find(): the id of the pod's object named with top_id, or None; create(): make it so
    named and return its id; delete(id): remove a duplicate we made. `owner`: the job
    worker asking, if one (a claim of a worker whose lease has expired is taken over at
    once, not after claim_seconds).
    """
    claim_age = dt.timedelta(seconds=CONF.routing.claim_seconds)
    while True:
        row, mine = _claim(top_id, pod, resource_type, project_id, owner)
        if row.bottom_id:
            return row.bottom_id
        if not mine and (utcnow() - row.updated_at > claim_age
                         or _abandoned(row.claimed_by, owner)):
            LOG.warning("Taking over the stale claim on %s %s in %s", resource_type,
                        top_id, pod.pod_name)
            mine = _take_over(row, owner)
        if mine:
            break
        time.sleep(0.2)  # another caller is creating it
    try:
        made = find() or create()
    except Exception:
        # Give the claim back so that a retry need not wait for it to go stale; if the
        # pod made the object after all, the next claimer finds it by name.
        with db.transaction() as s:
            s.execute(Routing.__table__.delete().where(Routing.id == row.id,
                                                       Routing.bottom_id.is_(None)))
        raise
    with db.transaction() as s:
        filled = s.execute(update(Routing).where(
            Routing.id == row.id, Routing.bottom_id.is_(None)).values(bottom_id=made))
        if filled.rowcount == 1:
            return made
        winner = s.scalar(select(Routing.bottom_id).where(Routing.id == row.id))
    if winner is None:
        # Its removal ran meanwhile (the top let it go) and found nothing to remove yet:
        # what we made is removed here, or nothing would ever remove it.
        LOG.warning("Removing %s %s made in %s while it was being deleted", resource_type,
                    made, pod.pod_name)
        delete(made)
        raise errors.Conflict(f"The {resource_type} {top_id} was deleted while being made.")
    if winner != made:
        LOG.warning("Removing duplicate %s %s made in %s", resource_type, made, pod.pod_name)
        delete(made)
    return winner


def reassign(top_id: str, resource_type: str, project_id: str) -> None:
    """An object now belongs to another project (a volume transferred)."""
    _located.pop((CONF.database.connection, top_id, resource_type), None)
    with db.transaction() as s:
        s.execute(update(Routing).where(Routing.top_id == top_id,
                                        Routing.resource_type == resource_type)
                  .values(project_id=project_id, updated_at=utcnow()))


def forget(top_id: str, pod_id: str, resource_type: str) -> None:
    _located.pop((CONF.database.connection, top_id, resource_type), None)
    with db.transaction() as s:
        s.execute(Routing.__table__.delete().where(
            Routing.top_id == top_id, Routing.pod_id == pod_id,
            Routing.resource_type == resource_type))


def forget_bottom(pod_id: str, bottom_ids: list[str]) -> None:
    """Forget the rows of bottom objects that are gone from a pod (with their parent)."""
    with db.transaction() as s:
        s.execute(Routing.__table__.delete().where(Routing.pod_id == pod_id,
                                                   Routing.bottom_id.in_(bottom_ids)))
