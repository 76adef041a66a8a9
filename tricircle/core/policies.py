"""Policy rules with their defaults in code (oslo.policy). Sample:

    oslopolicy-sample-generator --namespace tricircle
"""
from __future__ import annotations

import threading

from oslo_config import cfg
from oslo_policy import policy

from tricircle.core import errors
from tricircle.core.conf import CONF
from tricircle.core.context import RequestContext

ADMIN = "rule:admin_api"
ADMIN_OR_OWNER = "rule:admin_or_owner"

base_rules = [
    policy.RuleDefault("context_is_admin", "role:admin", description="Admins."),
    policy.RuleDefault("admin_api", "rule:context_is_admin",
                       description="The operator's API: pods, bindings, jobs."),
    policy.RuleDefault("admin_or_owner", "rule:context_is_admin or project_id:%(project_id)s",
                       description="Admins, or members of the object's project."),
]


def _api(resource: str, action: str, rule: str, method: str,
         path: str) -> policy.DocumentedRuleDefault:
    return policy.DocumentedRuleDefault(
        f"admin_api:{resource}:{action}", rule, f"{action} {resource}",
        [{"method": method, "path": path}])


admin_api_rules = [
    _api("pods", "create", ADMIN, "POST", "/v1.0/pods"),
    _api("pods", "list", ADMIN, "GET", "/v1.0/pods"),
    _api("pods", "show", ADMIN, "GET", "/v1.0/pods/{pod_id}"),
    _api("pods", "delete", ADMIN, "DELETE", "/v1.0/pods/{pod_id}"),
    _api("bindings", "create", ADMIN, "POST", "/v1.0/bindings"),
    _api("bindings", "list", ADMIN, "GET", "/v1.0/bindings"),
    _api("bindings", "show", ADMIN, "GET", "/v1.0/bindings/{id}"),
    _api("bindings", "delete", ADMIN, "DELETE", "/v1.0/bindings/{id}"),
    # Members see their own project's routings (the list is filtered to it).
    _api("routings", "list", ADMIN_OR_OWNER, "GET", "/v1.0/routings"),
    _api("routings", "show", ADMIN_OR_OWNER, "GET", "/v1.0/routings/{id}"),
    _api("routings", "delete", ADMIN, "DELETE", "/v1.0/routings/{id}"),
    _api("jobs", "list", ADMIN, "GET", "/v1.0/jobs"),
    _api("jobs", "show", ADMIN, "GET", "/v1.0/jobs/{id}"),
    _api("jobs", "redo", ADMIN, "PUT", "/v1.0/jobs/{id}"),
    _api("jobs", "delete", ADMIN, "DELETE", "/v1.0/jobs/{id}"),
]


compute_rules = [
    policy.DocumentedRuleDefault(
        "compute:availability_zone:list", "", "List availability zones (the pods' AZs).",
        [{"method": "GET", "path": "/compute/v2.1/os-availability-zone"}]),
    policy.DocumentedRuleDefault(
        "compute:availability_zone:detail", ADMIN, "List AZs with their pods.",
        [{"method": "GET", "path": "/compute/v2.1/os-availability-zone/detail"}]),
    policy.DocumentedRuleDefault(
        "compute:aggregates:list", ADMIN, "List host aggregates (one per pod).",
        [{"method": "GET", "path": "/compute/v2.1/os-aggregates"}]),
    policy.DocumentedRuleDefault(
        "compute:aggregates:show", ADMIN, "Show a host aggregate.",
        [{"method": "GET", "path": "/compute/v2.1/os-aggregates/{id}"}]),
]


other_rules = [
    policy.DocumentedRuleDefault(
        "volume:availability_zone:list", "", "List volume availability zones.",
        [{"method": "GET", "path": "/volume/v3/{project_id}/os-availability-zone"}]),
    policy.DocumentedRuleDefault(
        "network:availability_zone:list", "", "List network availability zones.",
        [{"method": "GET", "path": "/networking/v2.0/availability_zones"}]),
]


def list_rules() -> list[policy.RuleDefault]:
    return base_rules + admin_api_rules + compute_rules + other_rules


_enforcer: policy.Enforcer | None = None
_lock = threading.Lock()


def get_enforcer(conf: cfg.ConfigOpts = CONF) -> policy.Enforcer:
    global _enforcer  # noqa: PLW0603 - one enforcer per process, as oslo.policy intends
    with _lock:
        if _enforcer is None:
            _enforcer = policy.Enforcer(conf)
            _enforcer.register_defaults(list_rules())
        return _enforcer


def authorize(ctx: RequestContext, rule: str, target: dict | None = None) -> None:
    """Raise Forbidden unless `rule` allows `ctx` on `target` (default: its own project)."""
    target = target if target is not None else {"project_id": ctx.project_id}
    try:
        get_enforcer().authorize(rule, target, ctx, do_raise=True)
    except policy.PolicyNotAuthorized as err:
        raise errors.Forbidden(f"Policy does not allow {rule} to be performed.") from err


def allowed(ctx: RequestContext, rule: str, target: dict | None = None) -> bool:
    try:
        authorize(ctx, rule, target)
    except errors.Forbidden:
        return False
    return True
