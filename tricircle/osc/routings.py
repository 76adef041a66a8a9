"""openstack tricircle routing list|show|delete: top id -> (pod, bottom id)."""
from __future__ import annotations

from typing import Any

from osc_lib.command import command

from tricircle.osc import common

LIST = (("ID", "id"), ("Top ID", "top_id"), ("Bottom ID", "bottom_id"), ("Pod", "pod_id"),
        ("Resource Type", "resource_type"))
LONG = (("Project", "project_id"), ("Created At", "created_at"),
        ("Updated At", "updated_at"))
FILTERS = {"top_id": "top_id", "bottom_id": "bottom_id", "project": "project_id",
           "resource_type": "resource_type", "limit": "limit", "marker": "marker"}


class ListRouting(command.Lister):
    """List routing entries (newest first)"""

    def get_parser(self, prog_name: str) -> Any:
        parser = super().get_parser(prog_name)
        parser.add_argument("--long", action="store_true", help="Also project and times")
        parser.add_argument("--top-id", metavar="<id>")
        parser.add_argument("--bottom-id", metavar="<id>")
        parser.add_argument("--pod", metavar="<pod>", help="Pod (ID or name)")
        parser.add_argument("--project", metavar="<project-id>")
        parser.add_argument("--resource-type", metavar="<type>",
                            help="network, subnet, port, router, server, volume, ...")
        parser.add_argument("--limit", type=int, metavar="<n>", help="One page of n entries")
        parser.add_argument("--marker", metavar="<id>", help="The page after this entry")
        return parser

    def take_action(self, parsed: Any) -> tuple:
        tricircle = common.client(self)
        query = common.params(parsed, FILTERS)
        if parsed.pod is not None:
            query["pod_id"] = common.find_pod(tricircle, parsed.pod)["pod_id"]
        items = tricircle.pages("/routings", "routings", query)
        return common.columns(items, LIST + LONG if parsed.long else LIST)


class ShowRouting(common.OneObject, command.ShowOne):
    """Show a routing entry"""

    ARG = ("routing", "<routing-id>", "Routing entry ID")

    def take_action(self, parsed: Any) -> tuple:
        return common.one(common.client(self).call(
            "GET", f"/routings/{parsed.routing}")["routing"])


class DeleteRouting(common.Delete):
    """Delete routing entries"""

    PATH = "/routings/{}"
    ARG = ("routings", "<routing-id>", "Routing entry ID(s)")
