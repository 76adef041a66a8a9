"""What the compute and volume APIs decide themselves (the rest is the pods' policy)."""
from __future__ import annotations

from oslo_policy import policy

from tricircle.core.policies.base import ADMIN

# Nova's own rule names and current defaults, for what Tricircle decides before the pods
# do: what it may go on to do with the service account (a job for a pod that is down)
# must be what the caller may do (nova/policies/flavor_manage.py, keypairs.py).
NOVA_ADMIN = "rule:context_is_admin"
NOVA_ADMIN_OR_USER = "(rule:context_is_admin) or user_id:%(user_id)s"
NOVA_MEMBER_OR_ADMIN = "(role:member and project_id:%(project_id)s) or rule:context_is_admin"

rules = [
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
    policy.DocumentedRuleDefault(
        "volume:availability_zone:list", "", "List volume availability zones.",
        [{"method": "GET", "path": "/volume/v3/{project_id}/os-availability-zone"}]),
    policy.DocumentedRuleDefault(
        "os_compute_api:os-flavor-manage:create", NOVA_ADMIN,
        "Create a flavor (in every pod).",
        [{"method": "POST", "path": "/compute/v2.1/flavors"}], scope_types=["project"]),
    policy.DocumentedRuleDefault(
        "os_compute_api:os-flavor-manage:delete", NOVA_ADMIN,
        "Delete a flavor (in every pod).",
        [{"method": "DELETE", "path": "/compute/v2.1/flavors/{flavor_id}"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        "os_compute_api:os-keypairs:delete", NOVA_ADMIN_OR_USER,
        "Delete a keypair (another user's: microversion 2.10 and later).",
        [{"method": "DELETE", "path": "/compute/v2.1/os-keypairs/{keypair_name}"}],
        scope_types=["project"]),
    *(policy.DocumentedRuleDefault(
        f"os_compute_api:os-security-groups:{verb}", NOVA_MEMBER_OR_ADMIN,
        f"{what} a security group to a server's ports (Tricircle's own action).",
        [{"method": "POST", "path": "/compute/v2.1/servers/{server_id}/action"}],
        scope_types=["project"]) for verb, what in (("add", "Add"), ("remove", "Remove"))),
]
