"""Keypairs: the same public key under the same name in every pod, so a boot anywhere
can name it. Made in the first pod (which may generate the key), imported in the rest."""
from __future__ import annotations

import webob

from tricircle.api import microversion
from tricircle.api.forward import proxy
from tricircle.api.wsgi import Request
from tricircle.core import clients, db, errors, jobs, pods, policies

SERVICE = "compute"


def _bottom() -> list:
    return pods.required_bottom_pods()


def create(req: Request) -> webob.Response:
    body = req.json_body()
    keypair = dict(req.json_body("keypair"))
    first, *rest = _bottom()
    resp = proxy.call(req, first, SERVICE, body=body)
    if resp.status_code >= 300:
        return proxy.answer(req, first, SERVICE, resp)
    made = resp.json()["keypair"]
    imported = {**keypair, "public_key": made["public_key"]}
    if "type" in made:
        imported["type"] = made["type"]
    results = clients.get().fanout(rest, lambda p: proxy.call(
        req, p, SERVICE, body={**body, "keypair": imported}, expect_errors=False))
    failed = [(p, r) for p, r in results if isinstance(r, Exception)]
    if failed:  # all or nothing: a keypair missing in a pod would fail boots there
        done = [first] + [p for p, r in results if not isinstance(r, Exception)]
        clients.get().fanout(done, lambda p: proxy.call(
            req, p, SERVICE, method="DELETE",
            path=f"/v2.1/os-keypairs/{keypair['name']}", params=[]))
        raise failed[0][1]
    return proxy.answer(req, first, SERVICE, resp)


def delete(req: Request) -> webob.Response:
    """Deleted in every pod; a pod that is down gets a job that deletes it there later
    (the key must not stay usable), unless no pod at all could answer."""
    name = req.urlvars["name"]
    # Whose keypair, as Nova reads it: `user_id` is honoured from 2.10 on, ignored below.
    # Decided here: a pod that is down is cleaned by a job with the service account.
    user = req.context.user_id
    if microversion.of(req) >= (2, 10) and req.GET.get("user_id"):
        user = req.GET["user_id"]
    policies.authorize(req.context, "os_compute_api:os-keypairs:delete", {"user_id": user})
    results = clients.get().fanout(_bottom(), lambda p: proxy.call(req, p, SERVICE))
    down = [p for p, r in results if isinstance(r, errors.PodUnavailable)]
    for _pod, r in results:
        if isinstance(r, Exception) and not isinstance(r, errors.PodUnavailable):
            raise r
    found = [(p, r) for p, r in results if not isinstance(r, Exception)
             and r.status_code != 404]
    if not found:
        if down:
            raise next(r for _, r in results if isinstance(r, Exception))
        raise errors.NotFound(f"Keypair {name} not found for user {req.context.user_id}")
    if found[0][1].status_code < 300 and down:
        with db.transaction() as s:
            for pod in down:
                jobs.enqueue(s, "delete_keypair", {"pod_id": pod.pod_id, "user_id": user,
                                                   "name": name}, req.context.project_id)
    return proxy.answer(req, found[0][0], SERVICE, found[0][1])
