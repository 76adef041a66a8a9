"""Server groups: each lives in one pod, the project's pod of the default availability
zone (where a boot naming no zone goes); its top id is its id there. A boot with the
group as scheduler hint is made in the group's pod: affinity and anti-affinity are the
pod's scheduler's, among the servers of that pod."""
from __future__ import annotations

import webob

from tricircle.api.forward import lists, proxy, top_ids
from tricircle.api.forward.routed import Routed
from tricircle.api.wsgi import Request
from tricircle.compute import listing
from tricircle.core import db, errors, integers, pods
from tricircle.core.conf import CONF
from tricircle.core.db.models import Pod

GROUPS = Routed(
    resource_type="server_group", key="server_group",
    collection=lists.Collection(
        "compute", "server_groups",
        listing.SortRules(fields={"id": "id"}, default=(("id", "asc"),)),
        lambda req: "/v2.1/os-server-groups",
        lambda req, group_id: f"/v2.1/os-server-groups/{group_id}"),
    az_field="availability_zone", owner_field="project_id",
    not_found="Server group {id} could not be found.", next_links=False)


def index(req: Request) -> dict:
    """Every pod's groups; Nova pages this list by limit and offset."""
    def number(name: str) -> int | None:
        value = req.GET.get(name)
        if value is None:
            return None
        number = integers.digits(value)
        if number is None:
            raise errors.BadRequest(f"Invalid input for query parameters {name}. Value: "
                                    f"{value[:50]}. '{value[:50]}' does not match "
                                    "'^[0-9]*$'")
        return number
    limit, offset = number("limit"), number("offset") or 0
    params = [(k, v) for k, v in req.GET.items() if k not in ("limit", "offset")]
    groups: list[tuple[dict, Pod]] = [
        (g, pod) for pod, resp in proxy.every_pod(req, "compute", params=params,
                                                  expect_errors=False)
        for g in resp.json()["server_groups"]]
    top_ids.translate(groups)
    shown = [g for g, _ in groups][offset:]
    return {"server_groups": shown if limit is None else shown[:limit]}


def create(req: Request) -> webob.Response:
    # The pod a boot naming no zone goes to (a group takes no zone of its own); without
    # a default zone, the first zone's.
    with db.transaction() as s:
        zones = sorted(pods.availability_zones(s))
    zone = CONF.compute.default_availability_zone or (zones[0] if zones else None)
    pod = GROUPS.pick_pod(req, {"availability_zone": zone})
    return GROUPS.create_in(req, pod, req.json_body())


def one(req: Request) -> webob.Response:
    return GROUPS.one(req, req.urlvars["group_id"])


def pod_of_hint(req: Request, body: dict) -> Pod | None:
    """The pod of the server group a boot names as scheduler hint, if one."""
    hints = body.get("os:scheduler_hints") or body.get("OS-SCH-HNT:scheduler_hints")
    group = hints.get("group") if isinstance(hints, dict) else None
    if not isinstance(group, str):
        return None  # none, or Nova's schema refuses it in the pod
    found = GROUPS.find_pod(req, group)
    if found is None:
        raise errors.BadRequest(f"Invalid input for field/attribute group. Value: {group}. "
                                f"Server group {group} could not be found.")
    return found
