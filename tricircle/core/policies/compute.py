"""What the compute and volume APIs decide themselves (the rest is the pods' policy)."""
from __future__ import annotations

from oslo_policy import policy

from tricircle.core.policies.base import ADMIN

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
]
