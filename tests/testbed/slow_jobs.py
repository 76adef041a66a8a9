"""A job type for the kill test, loaded by tricircle-xjob through [xjob] handler_modules.

It makes a network in a real pod through the routing table's protocol; on its first run it
stalls after the pod made the network and before the routing row is filled: the worst
moment for its worker to die.
"""
from __future__ import annotations

import time
from pathlib import Path

from tricircle.core import bottom, db, pods, routing
from tricircle.core.context import RequestContext
from tricircle.xjob import handlers


@handlers.register("test_slow_network", "top_id")
def slow_network(ctx: RequestContext, resource: dict) -> None:
    with db.transaction() as s:
        pod = pods.get_pod(s, resource["pod_id"])
    made = Path(resource["made_file"])
    first_run = not made.exists()

    def create() -> str:
        bottom_id = bottom.create(ctx, pod, "network", {"name": resource["top_id"]},
                                  admin=True)
        if first_run:
            made.write_text(bottom_id)
            time.sleep(600)  # killed here
        return bottom_id

    routing.ensure(resource["top_id"], pod, "network", "test-project",
                   find=lambda: bottom.find(ctx, pod, "network", resource["top_id"],
                                            admin=True),
                   create=create,
                   delete=lambda b: bottom.delete(ctx, pod, "network", b, admin=True))
