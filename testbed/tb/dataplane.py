"""A data plane for the pods, which have none (no agents): built from what their Neutron
holds, so that a ping proves the control plane put the right things there.

Every bottom router and every server port becomes a Linux network namespace; each port is
a veth pair whose inside end carries the port's IP and MAC. A pod's tenant network is one
Linux bridge; a VLAN network is one bridge per VLAN id, shared by all pods (this kernel
has no 802.1Q devices: one bridge stands for one VLAN segment of the physical network).
Routers forward and carry their extra routes; servers route through their gateway.

    python -m tb.dataplane build|ping SRC_IP DST_IP|clean   (as root)
"""
from __future__ import annotations

import hashlib
import ipaddress
import os
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field

from . import clouds, layout

PREFIX = "tc"  # every namespace, bridge and veth made here starts with it


def _sh(*args: str, ns: str | None = None, check: bool = True) -> str:
    cmd = ["ip", "netns", "exec", ns, *args] if ns else list(args)
    done = subprocess.run(cmd, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {done.stderr.strip()}")
    return done.stdout


def _name(kind: str, *parts: str) -> str:
    """A kernel-safe name (<= 15 chars) that is the same for the same parts."""
    return f"{PREFIX}{kind}{hashlib.sha1('/'.join(parts).encode()).hexdigest()[:10]}"


@dataclass
class Nic:
    ip: str
    prefixlen: int
    mac: str
    segment: str  # the bridge it plugs into


@dataclass
class Box:
    """A namespace: a bottom router or a server."""
    ns: str
    label: str
    nics: list[Nic] = field(default_factory=list)
    routes: list[tuple[str, str]] = field(default_factory=list)  # (destination, nexthop)
    router: bool = False


def read_pods(pods: list[layout.Pod] | None = None) -> list[Box]:
    """The namespaces the pods' Neutron state describes."""
    return [box for pod in pods or layout.saved_pods() for box in _pod_boxes(pod)]


def _pod_boxes(pod: layout.Pod) -> list[Box]:
    net = clouds.connect(pod.key).network
    networks = {n.id: n for n in net.networks()}
    subnets = {s.id: s for s in net.subnets()}

    def nic(port) -> Nic:
        fixed = port.fixed_ips[0]
        n = networks[port.network_id]
        segment = _name("v", n.provider_physical_network, str(n.provider_segmentation_id)) \
            if n.provider_network_type == "vlan" else _name("n", pod.key, n.id)
        prefix = ipaddress.ip_network(subnets[fixed["subnet_id"]].cidr).prefixlen
        return Nic(fixed["ip_address"], prefix, port.mac_address, segment)

    boxes = []
    for router in net.routers():
        box = Box(_name("r", pod.key, router.id), f"{pod.region} router {router.name}",
                  router=True)
        box.nics = [nic(p) for p in net.ports(device_id=router.id)]
        box.routes = [(r["destination"], r["nexthop"]) for r in router.routes]
        boxes.append(box)
    for port in net.ports():
        if not (port.device_owner or "").startswith("compute:") or not port.fixed_ips:
            continue
        sub = subnets[port.fixed_ips[0]["subnet_id"]]
        box = Box(_name("s", pod.key, port.id), f"{pod.region} server "
                  f"{port.device_id[:8]} {port.fixed_ips[0]['ip_address']}")
        box.nics = [nic(port)]
        if sub.gateway_ip:
            box.routes = [("default", sub.gateway_ip)]
        boxes.append(box)
    return boxes


def clean() -> None:
    for line in _sh("ip", "netns", "list").splitlines():
        name = line.split()[0] if line.strip() else ""
        if name.startswith(PREFIX):
            _sh("ip", "netns", "del", name)
    for line in _sh("ip", "-o", "link", "show").splitlines():
        name = line.split(": ")[1].split("@")[0]
        if name.startswith(PREFIX):
            _sh("ip", "link", "del", name, check=False)


def build(boxes: list[Box]) -> None:
    """Namespaces, bridges and veths for `boxes` (after removing any earlier build)."""
    clean()
    bridges: set[str] = set()
    for box in boxes:
        _sh("ip", "netns", "add", box.ns)
        _sh("ip", "link", "set", "lo", "up", ns=box.ns)
        if box.router:
            _sh("sysctl", "-qw", "net.ipv4.ip_forward=1", ns=box.ns)
        for i, nic in enumerate(box.nics):
            if nic.segment not in bridges:
                _sh("ip", "link", "add", nic.segment, "type", "bridge")
                _sh("ip", "link", "set", nic.segment, "up")
                bridges.add(nic.segment)
            outside = _name("o", box.ns, str(i))
            _sh("ip", "link", "add", outside, "type", "veth", "peer", "name", f"eth{i}",
                "netns", box.ns)
            _sh("ip", "link", "set", outside, "master", nic.segment, "up")
            _sh("ip", "link", "set", f"eth{i}", "address", nic.mac, ns=box.ns)
            _sh("ip", "addr", "add", f"{nic.ip}/{nic.prefixlen}", "dev", f"eth{i}", ns=box.ns)
            _sh("ip", "link", "set", f"eth{i}", "up", ns=box.ns)
        for dest, hop in box.routes:
            _sh("ip", "route", "replace", dest, "via", hop, ns=box.ns)


def _checksum(data: bytes) -> int:
    data += b"\0" * (len(data) % 2)
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    return ~(total + (total >> 16)) & 0xFFFF


def icmp_echo(dst: str, timeout: float = 1.0) -> bool:
    """One ICMP echo from the current namespace (root: a raw socket)."""
    import socket  # noqa: PLC0415

    ident = os.getpid() & 0xFFFF
    header = struct.pack("!BBHHH", 8, 0, 0, ident, 1)
    payload = b"tricircle"
    packet = struct.pack("!BBHHH", 8, 0, _checksum(header + payload), ident, 1) + payload
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as sock:
        sock.settimeout(timeout)
        sock.sendto(packet, (dst, 0))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                data, addr = sock.recvfrom(2048)
            except TimeoutError:
                return False
            icmp = data[(data[0] & 0x0F) * 4:]
            if addr[0] == dst and icmp[0] == 0 and struct.unpack("!H", icmp[4:6])[0] == ident:
                return True
    return False


def ping(boxes: list[Box], src_ip: str, dst_ip: str, tries: int = 3) -> bool:
    """Does the server with src_ip reach dst_ip?"""
    src = next(b for b in boxes if not b.router and b.nics[0].ip == src_ip)
    for _ in range(tries):
        done = subprocess.run(["ip", "netns", "exec", src.ns, sys.executable, "-m",
                               "tb.dataplane", "echo", dst_ip],
                              cwd=os.path.dirname(os.path.dirname(__file__)))
        if done.returncode == 0:
            return True
    return False


def main(argv: list[str]) -> int:
    if argv[:1] == ["echo"]:
        return 0 if icmp_echo(argv[1]) else 1
    if argv[:1] == ["clean"]:
        clean()
        return 0
    boxes = read_pods()
    if argv[:1] == ["build"]:
        build(boxes)
        for box in boxes:
            print(box.label, [f"{n.ip}/{n.prefixlen}" for n in box.nics], box.routes)
        return 0
    if argv[:1] == ["ping"]:
        return 0 if ping(boxes, argv[1], argv[2]) else 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
