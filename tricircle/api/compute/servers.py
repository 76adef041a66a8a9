"""Servers: made in the pod of the requested availability zone, then found by the routing
table. A server's top id is its id in the pod."""
from __future__ import annotations

import json
import logging
import urllib.parse

import webob
from sqlalchemy import Row, bindparam, select

from tricircle.api import microversion
from tricircle.api.compute import server_groups
from tricircle.api.forward import lists, proxy
from tricircle.api.forward.routed import Routed
from tricircle.api.volume.volumes import VOLUMES
from tricircle.api.wsgi import Request, json_response
from tricircle.compute import listing, server_ports
from tricircle.core import clients, db, errors, integers, pods, policies, routing
from tricircle.core.db.models import Network, Pod, Routing
from tricircle.network import bottom_copies, security_groups
from tricircle.network import networks as networking

LOG = logging.getLogger(__name__)
AZ_FIELD = "OS-EXT-AZ:availability_zone"

# Nova's sort keys whose values a server shows, and the field that shows them.
RULES = listing.SortRules(fields={
    "created_at": "created", "updated_at": "updated", "display_name": "name", "uuid": "id",
    "display_description": "description", "availability_zone": AZ_FIELD,
    "host": "OS-EXT-SRV-ATTR:host", "hostname": "OS-EXT-SRV-ATTR:hostname",
    "key_name": "key_name", "launched_at": "OS-SRV-USG:launched_at",
    "terminated_at": "OS-SRV-USG:terminated_at", "power_state": "OS-EXT-STS:power_state",
    "task_state": "OS-EXT-STS:task_state", "vm_state": "OS-EXT-STS:vm_state",
    "project_id": "tenant_id", "user_id": "user_id", "access_ip_v4": "accessIPv4",
    "access_ip_v6": "accessIPv6", "progress": "progress", "config_drive": "config_drive",
    "locked": "locked"}, default=(("created_at", "desc"),))

def _network_names(server: dict) -> None:
    """Nova names a server's addresses by network name; in the pod that is the top
    network's id (bottom objects are named with their top id): show the top name."""
    addresses = server.get("addresses")
    if not addresses:
        return
    names = dict(db.read(_NETWORK_NAMES, {"ids": list(addresses)}))
    server["addresses"] = {names.get(k) or k: v for k, v in addresses.items()}


_NETWORK_NAMES = select(Network.id, Network.name).where(
    Network.id.in_(bindparam("ids", expanding=True)))


def _unknown(req: Request, row: Routing | Row, pod: Pod | None = None) -> dict:
    """Nova's record of a server in a cell that is down (2.69): what the routing table
    knows. A show (`pod` given) adds the zone, and the user as UNKNOWN."""
    links = [{"rel": "self", "href": f"{req.application_url}/v2.1/servers/{row.top_id}"},
             {"rel": "bookmark", "href": f"{req.application_url}/servers/{row.top_id}"}]
    item = {"id": row.top_id, "status": "UNKNOWN", "tenant_id": row.project_id,
            "created": row.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "links": links}
    if pod is not None:
        item.update({AZ_FIELD: pod.az_name, "user_id": "UNKNOWN"})
    return item


# Query parameters that say nothing of which servers: a list with any other (a filter)
# cannot stand in for what it cannot see.
_NOT_FILTERS = {"limit", "marker", "sort_key", "sort_dir", "all_tenants"}


def _stand_ins(req: Request, missing: list[Pod]) -> list[tuple[str, dict]] | None:
    """A merged list's records for the servers of pods that are missing: Nova's UNKNOWN
    records from 2.69 (the routing table says which are there), unless filtered."""
    if microversion.of(req) < (2, 69) or set(req.GET) - _NOT_FILTERS:
        return None
    query = select(Routing).where(Routing.resource_type == "server",
                                  Routing.pod_id.in_([p.pod_id for p in missing]))
    everyone = req.context.is_admin and req.GET.get("all_tenants") not in (
        None, "0", "false", "False")
    if not everyone:
        query = query.where(Routing.project_id == req.context.project_id)
    with db.transaction() as s:
        return [(row.pod_id, _unknown(req, row)) for row in s.scalars(query)]


def _image(server: dict) -> list[str]:
    """A server's image: Glance is shared by every pod, its ids are the same everywhere."""
    image = server.get("image")
    return [image["id"]] if isinstance(image, dict) and "id" in image else []


SERVERS = Routed(
    resource_type="server", key="server",
    collection=lists.Collection("compute", "servers", RULES,
                                lambda req: "/v2.1/servers/detail",
                                lambda req, server_id: f"/v2.1/servers/{server_id}"),
    az_field=AZ_FIELD, owner_field="tenant_id",
    not_found="Instance {id} could not be found.", translate_more=_network_names,
    stand_ins=_stand_ins, foreign=_image)


def index(req: Request) -> dict:
    return SERVERS.list(req, summary=lambda s: {k: s[k] for k in (
        ("id", "status", "links") if s.get("status") == "UNKNOWN" and "name" not in s
        else ("id", "name", "links"))})


def detail(req: Request) -> dict:
    return SERVERS.list(req)


def create(req: Request) -> webob.Response:
    body = req.json_body()
    item = dict(req.json_body("server"))
    group_pod = server_groups.pod_of_hint(req, body)
    if group_pod is not None and not item.get("availability_zone"):
        item["availability_zone"] = group_pod.az_name  # a boot in a group: its pod

    def pick() -> Pod:
        pod = SERVERS.pick_pod(req, item)
        if group_pod is not None and pod.pod_id != group_pod.pod_id:
            raise errors.BadRequest(f"The server group is in availability zone "
                                    f"{group_pod.az_name}: its servers are booted there.")
        return pod

    def as_given() -> webob.Response:
        pod = pick()
        return SERVERS.create_in(req, pod, {**body, "server": item})

    networks = item.get("networks")
    if networks is None and microversion.of(req) >= (2, 37):
        return as_given()  # Nova's schema refuses it: its 400
    if networks is None or networks == "auto":
        networks = _the_projects_network(req, auto=networks == "auto")
        if networks is None:  # before 2.37 Nova boots without a network then
            return as_given()
        item["networks"] = networks
    if not isinstance(networks, list) or not networks:
        return as_given()  # "none", or what the pod's Nova will refuse
    count, least, reservation = _counts(item, networks)
    pod = pick()
    # Groups belong to the ports Tricircle makes (Nova refuses groups with given ports).
    wanted = item.pop("security_groups", None)
    if wanted is not None and (not isinstance(wanted, list) or not all(
            isinstance(g, dict) and isinstance(g.get("name"), str) for g in wanted)):
        raise errors.BadRequest("Invalid input for field/attribute security_groups.")
    with db.transaction() as s:
        groups = security_groups.by_names(s, req.context, [g["name"] for g in wanted]) \
            if wanted else None
    if count == 1 and not reservation:
        return _boot(req, pod, body, item, groups)
    # Several servers (or a reservation id): one boot each on its own ports, named as Nova
    # names them; the first answers for all, as Nova's does.
    made: list[webob.Response] = []
    for index in range(count):
        one = dict(item, name=f"{item.get('name')}-{index + 1}") if count > 1 else item
        resp = _boot(req, pod, body, one, groups)
        if resp.status_code >= 300:
            if len(made) >= least:
                break  # Nova makes up to max_count, at least min_count
            for done in made:
                _delete(req, pod, json.loads(done.body)["server"]["id"])
            return resp
        made.append(resp)
    first = made[0]
    if not reservation:
        return first
    server_id = json.loads(first.body)["server"]["id"]
    shown = clients.get().request(req.context, pod.pod_name, "compute", "GET",
                                  f"/servers/{server_id}", admin=True,
                                  headers={"OpenStack-API-Version": "compute 2.3"})
    return json_response({"reservation_id": shown.json()["server"][
        "OS-EXT-SRV-ATTR:reservation_id"]}, status=first.status_code)


def _counts(item: dict, networks: list) -> tuple[int, int, bool]:
    """How many servers a boot asks for (max_count), the least it accepts (min_count),
    whether it wants the reservation id: checked as Nova checks them."""
    def number(key: str, default: int) -> int:
        value = item.pop(key, default)
        number = integers.digits(value)
        if number is None or number < 1:
            raise errors.BadRequest(f"Invalid input for field/attribute {key}. Value: "
                                    f"{str(value)[:50]}. {value!r:.50} is not a positive "
                                    "integer")
        return number
    least = number("min_count", 1)
    count = number("max_count", least)
    if least > count:
        raise errors.BadRequest("min_count must be <= max_count")
    reservation = item.pop("return_reservation_id", False)
    if not isinstance(reservation, bool):
        if str(reservation).lower() not in ("true", "false", "1", "0", "yes", "no",
                                            "on", "off"):
            raise errors.BadRequest("Invalid input for field/attribute "
                                    "return_reservation_id.")
        reservation = str(reservation).lower() in ("true", "1", "yes", "on")
    if count > 1:
        if any(isinstance(n, dict) and n.get("port") for n in networks):
            raise errors.BadRequest(
                "Failed to launch instances: Unable to launch multiple instances with a "
                "single configured port ID. Please launch your instance one by one with "
                "different ports.")
        if any(isinstance(n, dict) and n.get("fixed_ip") for n in networks):
            raise errors.BadRequest("Failed to launch instances: max_count cannot be "
                                    "greater than 1 if an fixed_ip is specified.")
        if item.get("hostname"):
            raise errors.BadRequest("Unable to allocate a single hostname to multiple "
                                    "instances")
    return count, least, reservation


def _boot(req: Request, pod: Pod, body: dict, item: dict,
          groups: list[str] | None) -> webob.Response:
    """One server on ports made for it (and the user's own), in `pod`."""
    with db.transaction() as s:
        reserved = server_ports.reserve(s, req.context, pod.az_name, item["networks"],
                                        groups)
    try:
        ports = server_ports.bottom_ports(req.context, pod, reserved)
        resp = SERVERS.create_in(req, pod, {**body, "server": {**item, "networks": ports}})
    except Exception:
        server_ports.release(None, reserved=[port_id for port_id, _ in reserved])
        raise
    if resp.status_code >= 300:
        server_ports.release(None, reserved=[port_id for port_id, _ in reserved])
    else:
        server_ports.bind(reserved, json.loads(resp.body)["server"]["id"], pod.az_name)
    return resp


def _delete(req: Request, pod: Pod, server_id: str) -> None:
    """Undo one server of a boot of several that failed short of min_count."""
    clients.get().request(req.context, pod.pod_name, "compute", "DELETE",
                          f"/servers/{server_id}", expect=(404,))
    routing.forget(server_id, pod.pod_id, "server")
    server_ports.release(server_id, req.context.project_id)


def _the_projects_network(req: Request, *, auto: bool) -> list[dict] | None:
    """Nova's choice when a boot names no network (before 2.37) or "auto": the project's
    one network (its own, else a shared one); several: 409; none: no network, or for
    "auto" the 400 of a cloud that cannot allocate one (no auto-allocated topology)."""
    project = req.context.project_id
    with db.transaction() as s:
        found = networking.available_networks(s, project)
    if len(found) > 1:
        raise errors.Conflict("Multiple possible networks found, use a Network ID to be "
                              "more specific.")
    if found:
        return [{"uuid": found[0]}]
    if auto:
        raise errors.BadRequest(f"Unable to automatically allocate a network for project "
                                f"{project}")
    return None


def one(req: Request) -> webob.Response:
    """Show, update, delete, actions, metadata, attachments, consoles...: its pod's."""
    rest = req.urlvars.get("rest") or ""
    if req.method == "GET" and rest.startswith("ips/"):
        return _ips_of_network(req, urllib.parse.unquote(rest[len("ips/"):]))
    if req.method == "POST" and rest == "os-volume_attachments":
        _check_same_pod(req)
    if req.method == "POST" and rest == "action":
        action = req.json_body()
        if not isinstance(action, dict) or len(action) != 1:  # Nova's action_peek
            raise errors.BadRequest("Malformed message body: too many body keys")
        for verb in ("addSecurityGroup", "removeSecurityGroup"):
            if isinstance(action.get(verb), dict):
                return _security_group_action(req, verb, action[verb].get("name"))
    if req.method == "GET" and rest.startswith("os-instance-actions") and \
            SERVERS.find_pod(req, req.urlvars["server_id"]) is None:
        return _actions_of_deleted(req)
    try:
        resp = SERVERS.one(req, req.urlvars["server_id"])
    except errors.PodUnavailable:
        # A show from 2.69: Nova's record of a server in a cell that is down.
        found = routing.locate(req.urlvars["server_id"], "server")
        if req.method != "GET" or rest or microversion.of(req) < (2, 69) or found is None:
            raise
        return json_response({"server": _unknown(req, found[1], found[0])})
    if req.method == "DELETE" and not req.urlvars.get("rest") and resp.status_code == 204:
        found = routing.locate(req.urlvars["server_id"], "server")
        if found is not None:
            server_ports.release(req.urlvars["server_id"], found[1].project_id)
    return resp


def _actions_of_deleted(req: Request) -> webob.Response:
    """A deleted server's actions (2.21): its routing row is gone; the pod that still
    has its record answers (Nova checks the caller may see it)."""
    bottom = pods.bottom()
    answers = clients.get().fanout(bottom, lambda p: proxy.call(req, p, "compute"))
    for pod, resp in answers:
        if not isinstance(resp, Exception) and resp.status_code == 200:
            return proxy.answer(req, pod, "compute", resp, SERVERS.translate)
    raise errors.NotFound(SERVERS.not_found.format(id=req.urlvars["server_id"]))


def _security_group_action(req: Request, verb: str, name: object) -> webob.Response:
    """add/removeSecurityGroup: the groups are the top's, on the server's top ports (its
    copies follow); Nova's answers."""
    server_id = req.urlvars["server_id"]
    SERVERS.pod_of(req, server_id)  # 404 for a server the caller cannot see
    server_project = routing.locate(server_id, "server")[1].project_id
    policies.authorize(req.context, "os_compute_api:os-security-groups:"
                       + ("add" if verb == "addSecurityGroup" else "remove"),
                       {"project_id": server_project})
    if not isinstance(name, str) or not name:
        raise errors.BadRequest("Invalid input for field/attribute name.")
    with db.transaction() as s:
        try:
            (group,) = security_groups.by_names(s, req.context, [name])
        except errors.BadRequest as err:
            raise errors.NotFound(f"Security group {name} not found for project "
                                  f"{req.context.project_id}.") from err
        changed = []
        for port in server_ports.bound(s, server_id, server_project):
            # Each port changed as the caller could change it through the port API.
            networking.owned(req.context, "update_port", port.project_id,
                             s.get(Network, port.network_id))
            have = security_groups.port_groups(s, port.id)
            if verb == "addSecurityGroup":
                want = have if group in have else [*have, group]
            else:
                want = [g for g in have if g != group]
            if want != have:
                security_groups.set_port_groups(s, req.context, port, want)
                changed.append(port.id)
        if verb == "removeSecurityGroup" and not changed:
            raise errors.NotFound(f"Security group {name} not associated with the "
                                  f"instance {server_id}")
        security_groups.sync_ports(s, changed)
    # Nova shows a server's groups from its ports in the pod: the copies change now (the
    # queued jobs stay the backstop if a pod does not answer).
    for port_id in changed:
        try:
            bottom_copies.follow_copies(req.context, "port", port_id)
        except errors.TricircleError:
            LOG.warning("Port %s follows its groups later (job)", port_id, exc_info=True)
    return webob.Response(status=202)


def _ips_of_network(req: Request, label: str) -> webob.Response:
    """GET .../ips/{network name}: the pod labels the network with its top id."""
    server_id = req.urlvars["server_id"]
    with db.transaction() as s:
        candidates = list(s.scalars(select(Network.id).where(Network.name == label)))
    resp = None
    for net_id in candidates:
        req.path_info = f"/v2.1/servers/{server_id}/ips/{net_id}"
        resp = SERVERS.one(req, server_id)
        if resp.status_code == 200:
            body = json.loads(resp.body)
            resp.body = json.dumps({label: body.get(net_id, [])}).encode()
            return resp
        if resp.status_code != 404:
            return resp
    raise errors.NotFound("Networks could not be found.")


def _check_same_pod(req: Request) -> None:
    """A volume attaches only to a server of its own pod."""
    attachment = req.json_body("volumeAttachment")
    volume_id = attachment.get("volumeId")
    if not isinstance(volume_id, str):
        raise errors.BadRequest("Invalid input for field/attribute volumeId.")
    server_pod = SERVERS.pod_of(req, req.urlvars["server_id"])
    volume_pod = VOLUMES.find_pod(req, volume_id)
    if volume_pod is None:
        raise errors.NotFound(f"Volume {volume_id} could not be found.")
    if volume_pod.pod_id != server_pod.pod_id:
        raise errors.BadRequest(
            f"Volume {volume_id} is in availability zone {volume_pod.az_name} "
            f"({volume_pod.pod_name}) and the server in {server_pod.az_name} "
            f"({server_pod.pod_name}): a volume attaches only within its pod.")
