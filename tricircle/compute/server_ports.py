"""The ports of a server booted on top networks.

Before the boot: each requested network gets a top port (IP and MAC allocated here), each
requested port is checked; then their copies are made in the server's pod (bottom.net) and
the pod's Nova boots on those bottom ports. After the server is deleted, the ports made for
it go too (as Nova deletes the ports it made) and the user's own ports are released.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tricircle.core import db, errors
from tricircle.core.context import RequestContext
from tricircle.core.db.models import IPAllocation, Network, Pod, Port
from tricircle.network import bottom_copies, security_groups
from tricircle.network import networks as networking

ENTRY_KEYS = {"uuid", "port", "fixed_ip", "tag"}


def _entry(item: object) -> dict:
    if not isinstance(item, dict) or not set(item) <= ENTRY_KEYS or not all(
            isinstance(v, str) for v in item.values()):
        raise errors.BadRequest("Invalid input for field/attribute networks: each entry is "
                                "an object with uuid or port (and fixed_ip, tag).")
    if not item.get("uuid") and not item.get("port"):
        raise errors.BadRequest("Invalid input for field/attribute networks: an entry needs "
                                "uuid or port.")
    return item


def _check_zone(net: Network, az: str) -> None:
    zones = networking.zones(net)
    if zones and az not in zones:
        raise errors.BadRequest(f"Network {net.id} is in availability zone(s) "
                                f"{', '.join(zones)}; a server of {az} cannot join it.")


def reserve(s: Session, ctx: RequestContext, az: str, networks: list,
            groups: list[str] | None = None) -> list[tuple[str, dict]]:
    """Top ports for the boot, in request order: [(port id, entry)]. Ports are made for
    networks (server_owned), in `groups` (top security group ids; else the default);
    given ports must be free and keep their own groups."""
    out = []
    for item in map(_entry, networks):
        if item.get("port"):
            try:
                port = networking.get_port(s, ctx, item["port"])
            except errors.NotFound:
                raise errors.BadRequest(f"Port id {item['port']} could not be found.") \
                    from None
            db.lock(s, Port, port.id)  # two boots on one port: the second waits, then 409
            s.refresh(port)
            if port.device_id or port.device_owner.startswith("compute:"):
                raise errors.Conflict(f"Port {port.id} is still in use.")
            _check_zone(s.get_one(Network, port.network_id), az)
            port.device_owner = f"compute:{az}"  # taken for this boot until bound or freed
        else:
            try:
                net = networking.get_network(s, ctx, item["uuid"])
            except errors.NotFound:
                raise errors.BadRequest(f"Network {item['uuid']} could not be found.") \
                    from None
            _check_zone(net, az)
            fixed = {"fixed_ips": [{"ip_address": item["fixed_ip"]}]} \
                if item.get("fixed_ip") else {}
            port = networking.create_port(s, ctx, {
                "network_id": net.id, "name": "", "description": "", "admin_state_up": True,
                "device_id": "", "device_owner": "", **fixed})
            port.server_owned = True
            security_groups.set_port_groups(s, ctx, port, groups)
        out.append((port.id, item))
    return out


def bottom_ports(ctx: RequestContext, pod: Pod, reserved: list[tuple[str, dict]]) -> list:
    """Make the reserved ports real in the pod; Nova's networks for the boot."""
    with db.transaction() as s:
        ports = {p.id: p for p in s.scalars(select(Port).where(
            Port.id.in_([port_id for port_id, _ in reserved])))}
    out = []
    for port_id, item in reserved:
        entry = {"port": bottom_copies.ensure_port(ctx, pod, ports[port_id])}
        if "tag" in item:
            entry["tag"] = item["tag"]
        out.append(entry)
    return out


def bind(reserved: list[tuple[str, dict]], server_id: str, az: str) -> None:
    with db.transaction() as s:
        s.execute(update(Port).where(Port.id.in_([p for p, _ in reserved])).values(
            device_id=server_id, device_owner=f"compute:{az}",
            revision_number=Port.revision_number + 1))


def bound(s: Session, server_id: str, project_id: str) -> list[Port]:
    """The ports bound to a server: of its project, naming it, owned by compute. A port's
    device_id is anyone's to set: another project's port naming the server is not one of
    its ports (its groups are not the server's, nor is it freed with the server)."""
    return list(s.scalars(select(Port).where(
        Port.device_id == server_id, Port.device_owner.like("compute:%"),
        Port.project_id == project_id)))


def release(server_id: str | None, project_id: str | None = None,
            reserved: list[str] | None = None) -> None:
    """After a server of `project_id` is gone (or its boot failed, `reserved`): delete the
    ports made for it, with their bottom copies, and free the user's own."""
    with db.transaction() as s:
        if reserved is not None:
            ports = list(s.scalars(select(Port).where(Port.id.in_(reserved))))
        elif server_id is not None and project_id is not None:
            ports = bound(s, server_id, project_id)
        else:
            return
        made = [p.id for p in ports if p.server_owned]
        s.execute(IPAllocation.__table__.delete().where(IPAllocation.port_id.in_(made)))
        s.execute(Port.__table__.delete().where(Port.id.in_(made)))
        networking.remove_bottoms(s, "port", made)
        s.execute(update(Port).where(Port.id.in_([p.id for p in ports if not p.server_owned]))
                  .values(device_id="", device_owner=""))
