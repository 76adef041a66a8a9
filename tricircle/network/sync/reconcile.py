"""The reconciler: every copy the routing table places in a pod, compared with the top and
repaired; the tally recorded per resource type (sync_status, shown by the admin API).

Drift comes from behind Tricircle's back (an operator changed a copy in the pod, the pod
was restored from a backup) or from a change whose job failed for good. Per copy:
- in sync: the pod shows what `bottom_copies.followed` (and a group's rules) say;
- repaired: it differed (or lacked our mark): marked, and its sync job queued (the job
  reads the top when it runs: a repair never writes a state the top has since left);
- missing: gone from the pod: its routing row is forgotten and the project's routers in
  the pod are set up again (what they need is remade; a server's port cannot be);
- orphaned: its top object is gone: its removal (delete_bottom) is queued;
- failing: a repair failed (recorded, tried again next pass).
Servers (CHECKS, from tricircle/compute/sync.py): one gone from its pod frees its ports.
tricircle-xjob queues `reconcile_pod` for every pod each `[xjob] reconcile_interval`
seconds; `POST /v1.0/pods/{pod_id}/sync` queues it at once.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from tricircle.core import bottom, clients, db, jobs, pods, routing
from tricircle.core.context import RequestContext
from tricircle.core.db.models import (
    Bridge,
    BridgePort,
    Network,
    Pod,
    Port,
    PortSecurityGroup,
    Router,
    Routing,
    SecurityGroup,
    Subnet,
    SyncStatus,
    utcnow,
)
from tricircle.network import bottom_copies
from tricircle.network import security_groups as sg

LOG = logging.getLogger(__name__)
MODELS: dict[str, type] = {
    "network": Network, "subnet": Subnet, "port": Port, "router": Router,
    "security_group": SecurityGroup, "bridge_network": Bridge, "bridge_subnet": Bridge,
    "bridge_port": BridgePort}
MAX_FAILURES = 100  # recorded per pod and type
RELIST_SECONDS = 2.0


@dataclass
class Tally:
    counts: Counter = field(default_factory=Counter)
    failures: list[dict] = field(default_factory=list)


# Checks of other resource types, registered by tricircle-xjob (the compute layer sits
# above this one): resource type -> check(ctx, pod) -> (how many there are, ids gone).
CHECKS: dict[str, Callable[[RequestContext, Pod], tuple[int, list[str]]]] = {}


def reconcile_pod(ctx: RequestContext, resource: dict) -> None:
    with db.transaction() as s:
        pod = pods.get_pod(s, resource["pod_id"])
    tallies = {rtype: _reconcile(ctx, pod, rtype) for rtype in MODELS}
    for rtype, check in CHECKS.items():
        tallies[rtype] = tally = Tally()
        try:
            there, gone = check(ctx, pod)
            tally.counts.update(in_sync=there - len(gone), missing=len(gone))
        except Exception as err:  # noqa: BLE001 - recorded; the other types still count
            tally.counts["failing"] += 1
            tally.failures.append({"error": f"{type(err).__name__}: {err}"})
    with db.transaction() as s:
        for rtype, tally in tallies.items():
            row = s.get(SyncStatus, (pod.pod_id, rtype)) or SyncStatus(
                pod_id=pod.pod_id, resource_type=rtype)
            for what in ("in_sync", "repaired", "missing", "orphaned", "failing"):
                setattr(row, what, tally.counts[what])
            row.failures = tally.failures[:MAX_FAILURES]
            row.checked_at = utcnow()
            s.add(row)
    LOG.info("Reconciled %s: %s", pod.pod_name, {
        rtype: dict(t.counts) for rtype, t in tallies.items() if t.counts})


def _reconcile(ctx: RequestContext, pod: Pod, rtype: str) -> Tally:
    tally = Tally()
    model = MODELS[rtype]
    # The rows first, then the pod's list: a copy made in between is simply not looked at.
    with db.transaction() as s:
        rows = list(s.execute(select(Routing.top_id, Routing.bottom_id, Routing.project_id)
                              .where(Routing.pod_id == pod.pod_id,
                                     Routing.resource_type == rtype,
                                     Routing.bottom_id.is_not(None))))
        if not rows:
            return tally
        tops = {obj.id: obj for obj in s.scalars(
            select(model).where(model.id.in_([r.top_id for r in rows])))}
        want = {top_id: _wanted(s, pod, rtype, obj) for top_id, obj in tops.items()}
    copies = _listed(ctx, pod, rtype)
    if not copies:  # a Neutron just started was seen to list nothing: asked again
        time.sleep(RELIST_SECONDS)
        copies = _listed(ctx, pod, rtype)
    rules = _pod_rules(ctx, pod) if rtype == "security_group" else {}
    for top_id, bottom_id, project_id in rows:
        have = copies.get(bottom_id)
        try:
            if have is None:
                tally.counts["missing"] += 1
                _remake(pod, rtype, top_id, bottom_id, project_id)
            elif top_id not in tops:
                tally.counts["orphaned"] += 1
                _remove(pod, rtype, top_id, project_id)
            elif _repair(ctx, pod, rtype, tops[top_id], bottom_id, want=want[top_id],
                         have=have, rules=rules):
                tally.counts["repaired"] += 1
            else:
                tally.counts["in_sync"] += 1
        except Exception as err:  # noqa: BLE001 - one copy's failure must not stop the pass
            tally.counts["failing"] += 1
            tally.failures.append({"top_id": top_id, "bottom_id": bottom_id,
                                   "error": f"{type(err).__name__}: {err}"})
    return tally


def _listed(ctx: RequestContext, pod: Pod, rtype: str) -> dict[str, dict]:
    a = bottom.api(rtype)
    listed = clients.get().request(ctx, pod.pod_name, a.service_type, "GET", a.path,
                                   admin=True).json()
    return {item["id"]: item for item in next(iter(listed.values()))}


def _wanted(s, pod: Pod, rtype: str, obj: object) -> dict | None:
    """What the copy should show; None for the bridges (only their presence is checked)."""
    if rtype.startswith("bridge_"):
        return None
    want = bottom_copies.followed(obj)
    if rtype == "port":  # its groups' copies in this pod (None: one has no copy yet)
        groups = list(s.scalars(select(PortSecurityGroup.security_group_id)
                                .where(PortSecurityGroup.port_id == obj.id)))
        copied = dict(s.execute(select(Routing.top_id, Routing.bottom_id).where(
            Routing.pod_id == pod.pod_id, Routing.resource_type == "security_group",
            Routing.top_id.in_(groups))).all())
        want["security_groups"] = [copied.get(g) for g in groups]  # None never matches
    if rtype == "security_group":
        want["rules"] = sg.bottom_rules(s, obj)
    return want


def _repair(ctx: RequestContext, pod: Pod, rtype: str, obj: object, bottom_id: str, *,
            want: dict | None, have: dict, rules: dict[str, set]) -> bool:
    """Bring one copy in line; whether it had to."""
    fixed = False
    if bottom.MARKER not in (have.get("tags") or ()):  # made before copies were marked
        bottom.mark(ctx, pod, rtype, bottom_id, admin=True)
        fixed = True
    if want is None:
        return fixed
    want = dict(want)
    wanted_rules = want.pop("rules", None)
    with db.transaction() as s:
        if bottom_copies.differences(want, have):
            jobs.enqueue(s, "sync_copy", {"resource_type": rtype, "top_id": obj.id},
                         obj.project_id)
            fixed = True
        if wanted_rules is not None and rules.get(bottom_id, set()) != {
                bottom_copies.rule_key(r) for r in wanted_rules}:
            jobs.enqueue(s, "sync_security_group", {"group_id": obj.id}, obj.project_id)
            fixed = True
    return fixed


def _pod_rules(ctx: RequestContext, pod: Pod) -> dict[str, set]:
    """Every group's rules in the pod: bottom group id -> rule keys."""
    out: dict[str, set] = {}
    for rule in clients.get().request(ctx, pod.pod_name, "network", "GET",
                                      "/v2.0/security-group-rules", admin=True
                                      ).json()["security_group_rules"]:
        out.setdefault(rule["security_group_id"], set()).add(bottom_copies.rule_key(rule))
    return out


def _remake(pod: Pod, rtype: str, top_id: str, bottom_id: str, project_id: str) -> None:
    """A copy gone from the pod: forget it, and set the project's routers there up again
    (level-triggered, they remake what they need). Forgotten by its bottom id: a new copy
    made since the rows were read keeps its row."""
    routing.forget_bottom(pod.pod_id, [bottom_id])
    with db.transaction() as s:
        routers = set(s.scalars(select(Routing.top_id).where(
            Routing.pod_id == pod.pod_id, Routing.resource_type == "router",
            Routing.project_id == project_id)))
        if rtype == "router":
            routers.add(top_id)
        for router_id in routers:
            jobs.enqueue(s, "setup_router", {"router_id": router_id}, project_id)


def _remove(pod: Pod, rtype: str, top_id: str, project_id: str) -> None:
    with db.transaction() as s:
        if rtype == "router":
            jobs.enqueue(s, "setup_router", {"router_id": top_id}, project_id)
        elif not rtype.startswith("bridge_"):  # the router jobs own the bridges
            jobs.enqueue(s, "delete_bottom", {"pod_id": pod.pod_id, "top_id": top_id,
                                              "resource_type": rtype}, project_id)

