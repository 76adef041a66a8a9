"""A port's device_id is anyone's to set: another project's port naming a server is not
that server's port. add/removeSecurityGroup and the release of a deleted server's ports
touch only the ports bound to it in its project; and what users write (names, metadata)
is shown as written, even when it looks like one of Tricircle's ids."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.api.test_compute_api import COMPUTE, boot
from tests.apiclient import make_pods
from tricircle.compute import server_ports
from tricircle.core import db
from tricircle.core.db.models import PortSecurityGroup, SecurityGroup

NET = "/networking/v2.0"


def _network(api, as_: str, cidr: str) -> str:
    net = api("POST", f"{NET}/networks", {"network": {
        "name": "n", "availability_zone_hints": ["az1"]}}, as_=as_)[1]["network"]
    assert api("POST", f"{NET}/subnets", {"subnet": {
        "network_id": net["id"], "cidr": cidr, "ip_version": 4}}, as_=as_)[0] == 201
    return net["id"]


def _groups(port_id: str) -> list[str]:
    with db.transaction() as s:
        return list(s.scalars(select(PortSecurityGroup.security_group_id).where(
            PortSecurityGroup.port_id == port_id)))


@pytest.fixture
def victim(api, pods, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """(demo's server booted on a top network, the other project's port naming it)."""
    make_pods(api)
    monkeypatch.setattr(server_ports, "bottom_ports", lambda ctx, pod, reserved: [
        {"port": "b-" + port_id} for port_id, _ in reserved])  # pods are in memory
    net = _network(api, "demo", "10.50.0.0/24")
    status, body = api("POST", f"{COMPUTE}/servers", {"server": {
        "name": "v", "flavorRef": "1", "availability_zone": "az1",
        "networks": [{"uuid": net}]}}, as_="demo")
    assert status == 202, body
    server = body["server"]["id"]
    other_net = _network(api, "other", "10.51.0.0/24")
    status, body = api("POST", f"{NET}/ports", {"port": {
        "network_id": other_net, "device_id": server, "device_owner": "compute:az1"}},
        as_="other")
    assert status == 201, body
    return server, body["port"]["id"]


def test_a_group_action_changes_only_the_servers_own_ports(api, victim) -> None:
    server, foreign = victim
    before = _groups(foreign)
    status, body = api("POST", f"{NET}/security-groups", {"security_group": {
        "name": "web"}}, as_="demo")
    assert status == 201, body
    status, body = api("POST", f"{COMPUTE}/servers/{server}/action", {
        "addSecurityGroup": {"name": "web"}}, as_="demo")
    assert status == 202, body
    assert _groups(foreign) == before  # not put on the other project's port
    own = api("GET", f"{NET}/ports?device_id={server}", as_="demo")[1]["ports"]
    assert [p["id"] for p in own] != [] and all(
        len(p["security_groups"]) == 2 for p in own)


def test_a_deleted_server_frees_only_its_own_ports(api, victim) -> None:
    server, foreign = victim
    assert api("DELETE", f"{COMPUTE}/servers/{server}", as_="demo")[0] == 204
    status, body = api("GET", f"{NET}/ports/{foreign}", as_="other")
    assert status == 200 and body["port"]["device_id"] == server, body


def test_what_users_write_is_shown_as_written(api, pods) -> None:
    """A server named with another project's group id is not shown with its name."""
    make_pods(api)
    secret = "30000000-0000-4000-8000-000000000001"
    with db.transaction() as s:
        s.add(SecurityGroup(id=secret, project_id="other-project", name="secret",
                            description=""))
    server = boot(api, secret)
    pods["Pod1"].items["server"][server["id"]]["metadata"] = {"k": secret}
    shown = api("GET", f"{COMPUTE}/servers/{server['id']}", as_="demo")[1]["server"]
    assert (shown["name"], shown["metadata"]) == (secret, {"k": secret})


def test_a_reader_may_not_change_a_servers_groups(api, victim) -> None:
    server, _ = victim
    status, body = api("POST", f"{COMPUTE}/servers/{server}/action", {
        "addSecurityGroup": {"name": "default"}}, as_="reader")
    assert status == 403, body
