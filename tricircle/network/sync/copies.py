"""A top object changed: its copies in the pods follow (network, subnet, port, router,
security group). Level-triggered: the top's current attributes, written where they differ."""
from __future__ import annotations

from tricircle.core.context import RequestContext
from tricircle.network import bottom_copies


def sync_copy(ctx: RequestContext, resource: dict) -> None:
    bottom_copies.follow_copies(ctx, resource["resource_type"], resource["top_id"])


def sync_port_groups(ctx: RequestContext, resource: dict) -> None:
    """Jobs queued by an earlier release: a port's groups are one of its attributes now."""
    sync_copy(ctx, {"resource_type": "port", "top_id": resource["port_id"]})
