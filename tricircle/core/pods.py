"""The pods registry: regions behind Tricircle, their AZs, and which pod serves a project.

A bottom pod is an availability zone to users; several pods may share one AZ. A project
is bound to one pod per AZ the first time it uses that AZ, and keeps it.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tricircle.core import db, errors, jobs
from tricircle.core.conf import CONF
from tricircle.core.db.models import (
    Bridge,
    BridgePort,
    Job,
    Pod,
    PodBinding,
    PodHealth,
    Routing,
    SyncStatus,
    new_id,
)


def pod_dict(pod: Pod) -> dict:
    return {"pod_id": pod.pod_id, "pod_name": pod.pod_name, "az_name": pod.az_name or "",
            "pod_az_name": pod.pod_az_name or "", "dc_name": pod.dc_name or ""}


def binding_dict(b: PodBinding) -> dict:
    return {"id": b.id, "tenant_id": b.project_id, "project_id": b.project_id,
            "pod_id": b.pod_id, "created_at": b.created_at.isoformat(),
            "updated_at": b.updated_at.isoformat()}


def top_pod(session: Session) -> Pod | None:
    return session.scalar(select(Pod).where(Pod.az_name.is_(None)))


def bottom_pods(session: Session, az_name: str | None = None) -> list[Pod]:
    query = select(Pod).where(Pod.az_name.is_not(None)).order_by(Pod.id)
    if az_name is not None:
        query = query.where(Pod.az_name == az_name)
    return list(session.scalars(query))


_BOTTOM_IDS = select(Pod.pod_id).where(Pod.az_name.is_not(None)).order_by(Pod.id)


def bottom() -> list[Pod]:
    """Every bottom pod, in registration order, outside any transaction: which pods
    there are is read each time, their rows from memory (for every list's fan-out)."""
    found = [cached(pod_id) for (pod_id,) in db.read(_BOTTOM_IDS)]
    return [p for p in found if p is not None]


def required_bottom_pods() -> list[Pod]:
    """Every bottom pod, for a call that needs at least one: none registered is a 503
    (the region has nowhere to serve it yet)."""
    found = bottom()
    if not found:
        raise errors.PodUnavailable("RegionOne", "no pod is registered.")
    return found


def availability_zones(session: Session) -> dict[str, list[Pod]]:
    """AZ name -> its pods, sorted by AZ name."""
    zones: dict[str, list[Pod]] = {}
    for pod in sorted(bottom_pods(session), key=lambda p: p.az_name):
        zones.setdefault(pod.az_name, []).append(pod)
    return zones


# (database URL, pod id) -> its row. A pod's row never changes (the API has no update; a
# region registered again gets a new id), so each is read once per process.
_known: dict[tuple[str, str], Pod] = {}


def cached(pod_id: str) -> Pod | None:
    """The pod with this id, from this process's memory after the first read."""
    key = (CONF.database.connection, pod_id)
    pod = _known.get(key)
    if pod is None:
        with db.transaction() as s:
            pod = s.scalar(select(Pod).where(Pod.pod_id == pod_id))
        if pod is not None:
            _known[key] = pod
    return pod


def get_pod(session: Session, pod_id: str) -> Pod:
    pod = session.scalar(select(Pod).where(Pod.pod_id == pod_id))
    if pod is None:
        raise errors.NotFound(f"Pod {pod_id} could not be found.")
    return pod


def create_pod(session: Session, *, pod_name: str, az_name: str | None,
               pod_az_name: str | None, dc_name: str | None,
               region_exists: Callable[[str], bool]) -> Pod:
    """Register a region. `region_exists` asks Keystone, and only once the cheap
    checks have passed."""
    if not pod_name.strip():
        raise errors.Unprocessable("pod_name must not be empty.")
    az_name = az_name or None
    top = top_pod(session)
    if az_name is None and top is not None:
        raise errors.Conflict(f"Top region already exists: {top.pod_name}.")
    if az_name is not None and top is not None and top.pod_name == pod_name:
        raise errors.Conflict(f"A bottom pod cannot be named like the top region {pod_name}.")
    if session.scalar(select(Pod).where(Pod.pod_name == pod_name)) is not None:
        raise errors.Conflict(f"Pod {pod_name} already exists.")
    if not region_exists(pod_name):
        raise errors.Unprocessable(f"{pod_name} is not a region in Keystone.")
    pod = Pod(pod_name=pod_name, az_name=az_name,
              pod_az_name=(pod_az_name or None) if az_name else None, dc_name=dc_name or None)
    session.add(pod)
    try:
        session.flush()
    except IntegrityError as err:  # a concurrent create of the same name won
        raise errors.Conflict(f"Pod {pod_name} already exists.") from err
    if az_name is not None:  # a new pod gets every flavor the others have
        jobs.enqueue(session, "sync_flavors", {"pod_id": pod.pod_id})
    return pod


def delete_pod(session: Session, pod_id: str) -> None:
    pod = get_pod(session, pod_id)
    held = session.scalar(select(func.count()).select_from(Routing)
                          .where(Routing.pod_id == pod_id))
    if held:
        raise errors.Conflict(f"Pod {pod.pod_name} still holds {held} resources; "
                              "delete them first.")
    routers = sorted(set(session.scalars(select(BridgePort.router_id)
                                         .where(BridgePort.pod_id == pod_id))))
    if routers:
        raise errors.Conflict(f"Pod {pod.pod_name} still has bridge IPs of routers "
                              f"{', '.join(routers)}; remove their interfaces there first.")
    session.execute(PodBinding.__table__.delete().where(PodBinding.pod_id == pod_id))
    session.execute(SyncStatus.__table__.delete().where(SyncStatus.pod_id == pod_id))
    session.execute(PodHealth.__table__.delete().where(PodHealth.pod_id == pod_id))
    # Work queued for the pod alone (its flavors, audits) goes with it: it would fail
    # until given up, and show as failing for good.
    session.execute(Job.__table__.delete().where(
        Job.status != jobs.RUNNING, Job.type.in_(jobs.PER_POD),
        or_(Job.resource_key == pod_id, Job.resource_key.startswith(f"{pod_id},"))))
    session.delete(pod)


def delete_binding(session: Session, binding: PodBinding) -> None:
    """Unbind a project from a pod, unless something of the project lives there: its
    objects would be looked for in another pod of the AZ from then on."""
    held = session.scalar(select(func.count()).select_from(Routing).where(
        Routing.pod_id == binding.pod_id, Routing.project_id == binding.project_id))
    routers = sorted(set(session.scalars(
        select(BridgePort.router_id).join(Bridge, Bridge.id == BridgePort.bridge_id)
        .where(BridgePort.pod_id == binding.pod_id,
               Bridge.project_id == binding.project_id))))
    if held or routers:
        what = [f"{held} resources"] if held else []
        what += [f"routers {', '.join(routers)}"] if routers else []
        raise errors.Conflict(f"Project {binding.project_id} still has {' and '.join(what)} "
                              f"in pod {binding.pod_id}; delete them first.")
    session.delete(binding)


def create_binding(session: Session, project_id: str, pod_id: str) -> PodBinding:
    if not project_id or not pod_id:
        raise errors.Unprocessable("project_id and pod_id must not be empty.")
    pod = session.scalar(select(Pod).where(Pod.pod_id == pod_id))
    if pod is None:
        raise errors.Unprocessable(f"Pod {pod_id} does not exist.")
    if pod.az_name is None:
        raise errors.Unprocessable("The top region cannot be bound.")
    binding = {"id": new_id(), "project_id": project_id, "pod_id": pod_id,
               "az_name": pod.az_name}
    if not db.insert_ignore(session, PodBinding, binding):
        raise errors.Conflict(f"Project {project_id} is already bound to a pod of "
                              f"availability zone {pod.az_name}.")
    return session.get_one(PodBinding, binding["id"])


def bound_pod(session: Session, project_id: str, az_name: str) -> Pod | None:
    """The project's pod in `az_name`, if it is bound to one (reads only)."""
    return session.scalar(
        select(Pod).join(PodBinding, PodBinding.pod_id == Pod.pod_id)
        .where(PodBinding.project_id == project_id, PodBinding.az_name == az_name))


def pod_for_project(session: Session, project_id: str, az_name: str) -> Pod:
    """The project's pod in `az_name`, binding it to the first healthy pod of the AZ if
    unbound (tricircle/core/health.py: a pod with a service down is not chosen while
    another is up). A bound pod that is down keeps its binding; with [scheduler]
    rebind_when_down, new objects go to a healthy pod of the AZ meanwhile."""
    bound = bound_pod(session, project_id, az_name)
    down = _down(session)
    candidates = bottom_pods(session, az_name)
    healthy = [p for p in candidates if p.pod_id not in down]
    if bound is not None:
        if bound.pod_id in down and CONF.scheduler.rebind_when_down and healthy:
            return healthy[0]
        return bound
    if not candidates:
        raise errors.BadRequest(f"No pod serves availability zone {az_name}.")
    try:
        return get_pod(session, create_binding(session, project_id,
                                                (healthy or candidates)[0].pod_id).pod_id)
    except errors.Conflict:  # a concurrent request bound it first: use that binding
        return pod_for_project(session, project_id, az_name)


def _down(session: Session) -> set[str]:
    """Pods with a service the health probes found down."""
    return set(session.scalars(select(PodHealth.pod_id).where(PodHealth.state == "down")))
