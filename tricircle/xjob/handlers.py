"""The handler of every job type: the one place that wires the sync code to the queue.

Job types and their keys are declared in tricircle/core/jobs.py, so the API queues work
without loading any of this. Handlers are idempotent and level-triggered.
"""
from __future__ import annotations

from collections.abc import Callable

from tricircle.compute import sync as compute_sync
from tricircle.core import jobs
from tricircle.network.sync import audit, copies, deletes, groups, reconcile, routers

HANDLERS: dict[str, jobs.Handler] = {
    "delete_bottom": deletes.delete_bottom,
    "setup_router": routers.setup_router,
    "configure_routes": routers.configure_routes,
    "sync_security_group": groups.sync_security_group,
    "sync_copy": copies.sync_copy,
    "sync_port_groups": copies.sync_port_groups,
    "audit_pod": audit.audit_pod,
    "reconcile_pod": reconcile.reconcile_pod,
    "sync_flavors": compute_sync.sync_flavors,
    "delete_flavor": compute_sync.delete_flavor,
    "delete_keypair": compute_sync.delete_keypair,
    "reap_create": compute_sync.reap_create,
}


reconcile.CHECKS["server"] = compute_sync.servers_gone


def register(name: str, *key_fields: str) -> Callable[[jobs.Handler], jobs.Handler]:
    """Declare a plugin's job type ([xjob] handler_modules) and register its handler."""
    def wrap(fn: jobs.Handler) -> jobs.Handler:
        jobs.declare(name, *key_fields)
        HANDLERS[name] = fn
        return fn
    return wrap
