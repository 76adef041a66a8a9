"""Limits and quotas: what the project may use across all pods, the sum of each pod's."""
from __future__ import annotations

from typing import Any

from tricircle.api.forward import proxy
from tricircle.api.wsgi import Request
from tricircle.compute import quotas
from tricircle.core import clients, errors, pods
from tricircle.core.db.models import Pod


def summed(req: Request, service_type: str) -> dict:
    bottom = pods.bottom()
    results = clients.get().fanout(bottom, lambda p: proxy.call(req, p, service_type,
                                                                expect_errors=False))
    for pod, r in results:
        if isinstance(r, errors.PodUnavailable):
            raise errors.PodUnavailable(pod.pod_name, f"{r.message} Its share of the "
                                        "limits is unknown.")
        if isinstance(r, Exception):
            raise r
    return quotas.total([r.json() for _, r in results])


def set_quotas(req: Request, service_type: str) -> Any:
    """PUT os-quota-sets/{project}: each pod takes its share (quotas.shares), the first
    pod before the others so that a value it refuses changes nothing; the answer is the
    sum of the pods'. DELETE: every pod back to its defaults."""
    bottom = sorted(pods.required_bottom_pods(), key=lambda p: p.pod_name)
    if req.method == "DELETE":
        first = proxy.call(req, bottom[0], service_type)
        if first.status_code >= 300:
            return proxy.answer(req, bottom[0], service_type, first)
        clients.raise_first(clients.get().fanout(bottom[1:], lambda p: proxy.call(
            req, p, service_type, expect_errors=False)))
        return proxy.answer(req, bottom[0], service_type, first)
    wanted = req.json_body("quota_set")
    if not isinstance(wanted, dict):
        raise errors.BadRequest("Invalid input for field/attribute quota_set.")
    share = dict(zip((p.pod_id for p in bottom), quotas.shares(wanted, len(bottom)),
                     strict=True))
    body = req.json_body()

    def put(p: Pod) -> Any:
        return proxy.call(req, p, service_type, body={**body, "quota_set": share[p.pod_id]},
                          expect_errors=p is bottom[0])
    first = put(bottom[0])
    if first.status_code >= 300:
        return proxy.answer(req, bottom[0], service_type, first)
    results = clients.get().fanout(bottom[1:], put)
    clients.raise_first(results)
    return quotas.total([first.json(), *(r.json() for _, r in results)])


def compute(req: Request) -> dict:
    return summed(req, "compute")


def volume(req: Request) -> dict:
    return summed(req, "volumev3")


def volume_quotas(req: Request) -> Any:
    return summed(req, "volumev3") if req.method == "GET" else set_quotas(req, "volumev3")
