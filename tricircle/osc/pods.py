"""openstack tricircle pod create|list|show|delete, pod sync show|start."""
from __future__ import annotations

from typing import Any

from osc_lib.command import command

from tricircle.osc import common

LIST = (("ID", "pod_id"), ("Name", "pod_name"), ("Availability Zone", "az_name"))
LONG = (("Pod AZ", "pod_az_name"), ("DC", "dc_name"), ("Health", "health_summary"))


def _summary(pod: dict) -> dict:
    """A bottom pod's health as one word per service (compute=up, ...)."""
    health = pod.get("health")
    summary = ", ".join(f"{svc}={h.get('state', '?')}" for svc, h in sorted(health.items())
                        ) if health else ""
    return {**pod, "health_summary": summary}


def _shown(pod: dict) -> dict:
    """A pod as `pod show` lays it out: each service's state, when last probed, and the
    errors of the services not up."""
    health = pod.pop("health", None)
    if health is None:  # the top pod
        return pod
    return {**pod, "health": {svc: h.get("state") for svc, h in health.items()},
            "health_checked": max((h.get("last_checked") or "" for h in health.values()),
                                  default=None),
            "health_errors": {svc: h.get("last_error") for svc, h in health.items()
                              if h.get("state") != "up"}}


class CreatePod(command.ShowOne):
    """Register a Keystone region as a pod (no --az: the top pod)"""

    def get_parser(self, prog_name: str) -> Any:
        parser = super().get_parser(prog_name)
        parser.add_argument("pod_name", metavar="<region>", help="The pod's Keystone region")
        parser.add_argument("--az", dest="az_name", metavar="<az>",
                            help="The availability zone the pod serves (bottom pods)")
        parser.add_argument("--pod-az", dest="pod_az_name", metavar="<az>",
                            help="The pod's own availability zone for its resources")
        parser.add_argument("--dc", dest="dc_name", metavar="<dc>", help="Data center")
        return parser

    def take_action(self, parsed: Any) -> tuple:
        body = {k: v for k in ("pod_name", "az_name", "pod_az_name", "dc_name")
                if (v := getattr(parsed, k)) is not None}
        return common.one(common.client(self).call("POST", "/pods", body={"pod": body})["pod"])


class ListPod(command.Lister):
    """List pods"""

    def get_parser(self, prog_name: str) -> Any:
        parser = super().get_parser(prog_name)
        parser.add_argument("--long", action="store_true", help="Also AZs, DC and health")
        parser.add_argument("--az", dest="az_name", metavar="<az>",
                            help="Only the pods of this availability zone")
        return parser

    def take_action(self, parsed: Any) -> tuple:
        pods = [_summary(p) for p in common.client(self).pages("/pods", "pods", {})]
        if parsed.az_name is not None:
            pods = [p for p in pods if p["az_name"] == parsed.az_name]
        return common.columns(pods, LIST + LONG if parsed.long else LIST)


class _OnePod(common.OneObject):
    ARG = ("pod", "<pod>", "Pod (ID or name)")

    def pod_id(self, parsed: Any) -> tuple[Any, str]:
        tricircle = common.client(self)
        return tricircle, common.find_pod(tricircle, parsed.pod)["pod_id"]


class ShowPod(_OnePod, command.ShowOne):
    """Show a pod, with its services' health"""

    def take_action(self, parsed: Any) -> tuple:
        tricircle, pod_id = self.pod_id(parsed)
        return common.one(_shown(tricircle.call("GET", f"/pods/{pod_id}")["pod"]))


class DeletePod(common.Delete):
    """Delete pod(s)"""

    PATH = "/pods/{}"
    ARG = ("pods", "<pod>", "Pod(s) (ID or name)")

    def resolve(self, tricircle: Any, given: str) -> str:
        return common.find_pod(tricircle, given)["pod_id"]


class ShowPodSync(_OnePod, command.ShowOne):
    """Show what the reconciler last found in a pod, per resource type"""

    def take_action(self, parsed: Any) -> tuple:
        tricircle, pod_id = self.pod_id(parsed)
        return common.one(tricircle.call("GET", f"/pods/{pod_id}/sync")["sync"])


class StartPodSync(_OnePod, command.ShowOne):
    """Queue a reconciler pass over a pod now; shows its job"""

    def take_action(self, parsed: Any) -> tuple:
        tricircle, pod_id = self.pod_id(parsed)
        return common.one(tricircle.call("POST", f"/pods/{pod_id}/sync")["job"] or {})
