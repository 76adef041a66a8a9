"""The admin API (/v1.0): pods, bindings, routings, jobs, the status page's data."""
from __future__ import annotations

from oslo_policy import policy

from tricircle.core.policies.base import ADMIN, ADMIN_OR_OWNER


def _api(resource: str, action: str, rule: str, method: str,
         path: str) -> policy.DocumentedRuleDefault:
    return policy.DocumentedRuleDefault(
        f"admin_api:{resource}:{action}", rule, f"{action} {resource}",
        [{"method": method, "path": path}])


rules = [
    _api("pods", "create", ADMIN, "POST", "/v1.0/pods"),
    _api("pods", "list", ADMIN, "GET", "/v1.0/pods"),
    _api("pods", "show", ADMIN, "GET", "/v1.0/pods/{pod_id}"),
    _api("pods", "delete", ADMIN, "DELETE", "/v1.0/pods/{pod_id}"),
    _api("pods", "sync_show", ADMIN, "GET", "/v1.0/pods/{pod_id}/sync"),
    _api("pods", "sync", ADMIN, "POST", "/v1.0/pods/{pod_id}/sync"),
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
    # The status page's data: admins, and whoever the operator names as a status reader.
    policy.RuleDefault("status_reader", "!",
                       "Who may read the status page besides admins (e.g. role:reader)."),
    _api("status", "show", f"{ADMIN} or rule:status_reader", "GET", "/v1.0/status"),
]
