"""Rules every API's rules are made of."""
from __future__ import annotations

from oslo_policy import policy

ADMIN = "rule:admin_api"
ADMIN_OR_OWNER = "rule:admin_or_owner"

rules = [
    policy.RuleDefault("context_is_admin", "role:admin", description="Admins."),
    policy.RuleDefault("admin_api", "rule:context_is_admin",
                       description="The operator's API: pods, bindings, jobs."),
    policy.RuleDefault("admin_or_owner", "rule:context_is_admin or project_id:%(project_id)s",
                       description="Admins, or members of the object's project."),
]
