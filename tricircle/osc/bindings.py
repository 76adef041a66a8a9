"""openstack tricircle binding create|list|show|delete: which pod serves a project."""
from __future__ import annotations

from typing import Any

from osc_lib.command import command

from tricircle.osc import common

LIST = (("ID", "id"), ("Project", "project_id"), ("Pod", "pod_id"))
LONG = (("Created At", "created_at"), ("Updated At", "updated_at"))


class CreateBinding(command.ShowOne):
    """Bind a project to a pod"""

    def get_parser(self, prog_name: str) -> Any:
        parser = super().get_parser(prog_name)
        parser.add_argument("--project", required=True, metavar="<project-id>")
        parser.add_argument("--pod", required=True, metavar="<pod>", help="Pod (ID or name)")
        return parser

    def take_action(self, parsed: Any) -> tuple:
        tricircle = common.client(self)
        body = {"project_id": parsed.project,
                "pod_id": common.find_pod(tricircle, parsed.pod)["pod_id"]}
        return common.one(tricircle.call("POST", "/bindings",
                                         body={"pod_binding": body})["pod_binding"])


class ListBinding(command.Lister):
    """List pod bindings"""

    def get_parser(self, prog_name: str) -> Any:
        parser = super().get_parser(prog_name)
        parser.add_argument("--long", action="store_true", help="Also when made and changed")
        parser.add_argument("--project", metavar="<project-id>")
        parser.add_argument("--pod", metavar="<pod>", help="Pod (ID or name)")
        return parser

    def take_action(self, parsed: Any) -> tuple:
        tricircle = common.client(self)
        query = common.params(parsed, {"project": "project_id"})
        if parsed.pod is not None:
            query["pod_id"] = common.find_pod(tricircle, parsed.pod)["pod_id"]
        items = tricircle.call("GET", "/bindings", params=query)["pod_bindings"]
        return common.columns(items, LIST + LONG if parsed.long else LIST)


class ShowBinding(common.OneObject, command.ShowOne):
    """Show a pod binding"""

    ARG = ("binding", "<binding-id>", "Binding ID")

    def take_action(self, parsed: Any) -> tuple:
        return common.one(common.client(self).call(
            "GET", f"/bindings/{parsed.binding}")["pod_binding"])


class DeleteBinding(common.Delete):
    """Delete pod binding(s)"""

    PATH = "/bindings/{}"
    ARG = ("bindings", "<binding-id>", "Binding ID(s)")
