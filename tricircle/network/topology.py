"""What spans which pod, for operators (the status page): per top router, the pods it
spans, the project's bridge (VLAN, CIDR), each pod's bridge IP, tenant CIDRs, bottom router
and the extra routes the jobs give it (l3.extra_routes: the same rule they follow)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tricircle.core import errors
from tricircle.core.db.models import Bridge, BridgePort, Pod, Router, Routing
from tricircle.network import l3, routers


def router_topology(s: Session, router: Router, bridge: Bridge | None,
                    pods_by_id: dict[str, Pod]) -> dict:
    attached: dict[str, list[str]] = {}
    unplaced = []
    for _port, _ip, sub, net in routers.interfaces(s, router.id):
        try:
            pod = routers.pod_of_network(s, router.project_id, net, bind=False)
        except errors.TricircleError:  # no hint or no binding: the router's jobs say the same
            unplaced.append(sub.cidr)
            continue
        attached.setdefault(pod.pod_id, []).append(sub.cidr)
    bridge_ips = {b.pod_id: b.ip_address for b in s.scalars(
        select(BridgePort).where(BridgePort.router_id == router.id))}
    bottoms = dict(s.execute(select(Routing.pod_id, Routing.bottom_id).where(
        Routing.top_id == router.id, Routing.resource_type == "router")).all())
    routes = l3.extra_routes(attached, {p: ip for p, ip in bridge_ips.items()
                                        if p in attached}, router.routes)
    names = {p: pods_by_id[p].pod_name if p in pods_by_id else p
             for p in set(attached) | set(bottoms)}
    return {
        "id": router.id, "name": router.name, "project_id": router.project_id,
        "status": routers.router_dict(s, router)["status"],
        "bridge": bridge and {"vlan": bridge.vlan, "cidr": bridge.cidr,
                              "physical_network": bridge.physical_network},
        "unplaced_cidrs": unplaced,
        "pods": [{"pod_id": p, "pod_name": names[p],
                  "az_name": pods_by_id[p].az_name if p in pods_by_id else None,
                  "bottom_router_id": bottoms.get(p), "bridge_ip": bridge_ips.get(p),
                  "tenant_cidrs": sorted(attached.get(p, [])),
                  "routes": routes.get(p, [])} for p in sorted(names, key=names.get)]}


def topologies(s: Session, project_id: str | None = None, limit: int = 200) -> list[dict]:
    """Every router (of one project), newest first, at most `limit`."""
    query = select(Router).order_by(Router.created_at.desc()).limit(limit)
    if project_id is not None:
        query = query.where(Router.project_id == project_id)
    pods_by_id = {p.pod_id: p for p in s.scalars(select(Pod))}
    bridges = {b.project_id: b for b in s.scalars(select(Bridge))}
    return [router_topology(s, r, bridges.get(r.project_id), pods_by_id)
            for r in s.scalars(query)]
