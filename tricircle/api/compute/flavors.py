"""Flavors made and removed at the top: in every pod at once, with the same id. A pod that
is down gets them by a job when it is back; a pod registered later, by the same job."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import webob

from tricircle.api.forward import proxy
from tricircle.api.wsgi import Request, json_response
from tricircle.core import clients, db, errors, jobs, pods, policies
from tricircle.core.db.models import Pod

SERVICE = "compute"


def _all_pods(call: Callable[[Pod], Any]) -> list[tuple[Pod, Any]]:
    return clients.get().fanout(pods.required_bottom_pods(), call)


def create(req: Request) -> webob.Response:
    # Decided here, before any pod: a pod that is down gets the flavor by a job run with
    # the service account.
    policies.authorize(req.context, "os_compute_api:os-flavor-manage:create")
    flavor = dict(req.json_body("flavor"))
    if flavor.get("id") in (None, "", "auto"):
        flavor["id"] = str(uuid.uuid4())  # one id for every pod
    results = _all_pods(lambda p: proxy.call(
        req, p, SERVICE, method="POST", path="/v2.1/flavors", body={"flavor": flavor}))
    made = [(p, r) for p, r in results if not isinstance(r, Exception) and r.status_code < 300]
    refused = [(p, r) for p, r in results if not isinstance(r, Exception)
               and r.status_code >= 400]
    down = [(p, r) for p, r in results if isinstance(r, errors.PodUnavailable)]
    others = [r for _, r in results if isinstance(r, Exception) and
              not isinstance(r, errors.PodUnavailable)]
    if refused or others or not made:
        for pod, _ in made:  # all or nothing
            proxy.call(req, pod, SERVICE, method="DELETE",
                       path=f"/v2.1/flavors/{flavor['id']}", params=[])
        if refused:
            pod, resp = refused[0]
            return proxy.answer(req, pod, SERVICE, resp)
        raise (others or [r for _, r in down])[0]
    if down:
        with db.transaction() as s:
            for pod, _ in down:
                jobs.enqueue(s, "sync_flavors", {"pod_id": pod.pod_id})
    pod, resp = made[0]
    return proxy.answer(req, pod, SERVICE, resp)


def delete(req: Request) -> webob.Response:
    flavor_id = req.urlvars["flavor_id"]
    policies.authorize(req.context, "os_compute_api:os-flavor-manage:delete")
    results = _all_pods(lambda p: proxy.call(
        req, p, SERVICE, method="DELETE", path=f"/v2.1/flavors/{flavor_id}", params=[]))
    answers = [(p, r) for p, r in results if not isinstance(r, Exception)]
    refused = [(p, r) for p, r in answers if r.status_code >= 400 and r.status_code != 404]
    if refused:
        return proxy.answer(req, refused[0][0], SERVICE, refused[0][1])
    down = [p for p, r in results if isinstance(r, errors.PodUnavailable)]
    if not down and all(r.status_code == 404 for _, r in answers):
        raise errors.NotFound(f"Flavor {flavor_id} could not be found.")
    with db.transaction() as s:
        for pod in down:
            jobs.enqueue(s, "delete_flavor", {"pod_id": pod.pod_id, "flavor_id": flavor_id})
    return json_response(None, status=202)
