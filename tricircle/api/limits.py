"""Limits and quotas: what the project may use across all pods, the sum of each pod's."""
from __future__ import annotations

from tricircle.api.forward import proxy
from tricircle.api.wsgi import Request
from tricircle.compute import quotas
from tricircle.core import clients, db, errors, pods


def summed(req: Request, service_type: str) -> dict:
    with db.transaction() as s:
        bottom = pods.bottom_pods(s)
    results = clients.get().fanout(bottom, lambda p: proxy.call(req, p, service_type,
                                                                expect_errors=False))
    for pod, r in results:
        if isinstance(r, errors.PodUnavailable):
            raise errors.PodUnavailable(pod.pod_name, f"{r.message} Its share of the "
                                        "limits is unknown.")
        if isinstance(r, Exception):
            raise r
    return quotas.total([r.json() for _, r in results])


def compute(req: Request) -> dict:
    return summed(req, "compute")


def volume(req: Request) -> dict:
    return summed(req, "volumev3")
