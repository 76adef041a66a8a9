"""A top network's copy in a pod: its network, subnets and ports, made lazily (when a server
boots there or a subnet joins a router) with the service account in the project's name.
Addresses and MACs are the top's: the pod's IPAM only records what the top allocated."""
from __future__ import annotations

from sqlalchemy import select

from tricircle import bottom, db
from tricircle.context import RequestContext
from tricircle.db.models import IPAllocation, Network, Pod, Port, Subnet


def ensure_network(ctx: RequestContext | None, pod: Pod, net: Network) -> str:
    return bottom.ensure(ctx, pod, "network", net.id, project_id=net.project_id, admin=True,
                         body={"project_id": net.project_id,
                               "admin_state_up": net.admin_state_up})


def ensure_subnet(ctx: RequestContext | None, pod: Pod, sub: Subnet, b_net: str) -> str:
    return bottom.ensure(ctx, pod, "subnet", sub.id, project_id=sub.project_id, admin=True,
                         body={"project_id": sub.project_id, "network_id": b_net,
                               "ip_version": sub.ip_version, "cidr": sub.cidr,
                               "gateway_ip": sub.gateway_ip, "enable_dhcp": sub.enable_dhcp,
                               "allocation_pools": sub.allocation_pools,
                               "host_routes": sub.host_routes,
                               "dns_nameservers": sub.dns_nameservers})


def ensure_port(ctx: RequestContext | None, pod: Pod, port: Port) -> str:
    """The port's copy in the pod (with its network and the subnets of its addresses):
    the same IPs and MAC. Returns the bottom port id."""
    with db.transaction() as s:
        net = s.get_one(Network, port.network_id)
        allocs = list(s.execute(select(IPAllocation, Subnet)
                                .join(Subnet, Subnet.id == IPAllocation.subnet_id)
                                .where(IPAllocation.port_id == port.id)
                                .order_by(IPAllocation.id)))
    b_net = ensure_network(ctx, pod, net)
    fixed = [{"subnet_id": ensure_subnet(ctx, pod, sub, b_net), "ip_address": a.ip_address}
             for a, sub in allocs]
    return bottom.ensure(ctx, pod, "port", port.id, project_id=port.project_id, admin=True,
                         body={"project_id": port.project_id, "network_id": b_net,
                               "mac_address": port.mac_address, "fixed_ips": fixed,
                               "admin_state_up": port.admin_state_up})
