"""Volume types: every pod holds each type alike (as flavors), under the same name.

Cinder chooses a type's id itself, so the top id of a type is its id in the reference
pod (the first bottom pod); the routing table maps it to the id of the same type in each
other pod (recorded as it is made through RegionOne, or found by name for a type the
pods had before). Reads are the reference pod's; a change (create, update, delete, extra
specs, encryption, project access) is made in the reference pod first, which validates
it, then in the others with their ids.
"""
from __future__ import annotations

import re
from typing import Any

import webob

from tricircle.api.forward import proxy, top_ids
from tricircle.api.wsgi import Request
from tricircle.core import clients, errors, pods, routing
from tricircle.core.db.models import Pod

SERVICE = "volumev3"
RTYPE = "volume_type"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _pods() -> list[Pod]:
    return pods.required_bottom_pods()


def read(req: Request) -> webob.Response:
    """GET: the reference pod's answer; another pod's (its ids made top ids) while the
    reference does not answer."""
    failure: errors.PodUnavailable | None = None
    for i, pod in enumerate(_pods()):
        try:
            path = req.pod_path if i == 0 else _their_path(req, pod)
            resp = proxy.call(req, pod, SERVICE, path=path)
        except errors.PodUnavailable as err:
            failure = err
            continue
        return proxy.answer(req, pod, SERVICE, resp, _translated)
    assert failure is not None
    raise failure


def _translated(body: Any, pod: Pod) -> Any:
    top_ids.translate([(body, pod)])
    return body


def write(req: Request) -> webob.Response:
    """POST/PUT/DELETE on types: the reference pod first (its answer is the user's), then
    every other pod. A type made in some pods only is removed again if another refuses."""
    reference, *others = _pods()
    resp = proxy.call(req, reference, SERVICE)
    if resp.status_code >= 300:
        return proxy.answer(req, reference, SERVICE, resp)
    top_id = req.urlvars.get("type_id")
    if top_id is None:  # a new type
        return _made(req, reference, others, resp)
    for pod in others:
        path = _their_path(req, pod)
        done = proxy.call(req, pod, SERVICE, path=path)
        if done.status_code >= 300 and not (done.status_code == 404
                                            and req.method == "DELETE"):
            clients.checked(pod.pod_name, done)
    if req.method == "DELETE" and not req.urlvars.get("rest"):
        for pod in (reference, *others):
            routing.forget(top_id, pod.pod_id, RTYPE)
    return proxy.answer(req, reference, SERVICE, resp)


def _made(req: Request, reference: Pod, others: list[Pod], resp: Any) -> webob.Response:
    top_id = resp.json()["volume_type"]["id"]
    project = req.context.project_id or ""
    routing.record(top_id, reference.pod_id, RTYPE, project, top_id)
    made: list[tuple[Pod, str]] = []
    try:
        for pod in others:
            their = clients.checked(pod.pod_name, proxy.call(req, pod, SERVICE))
            bottom = their.json()["volume_type"]["id"]
            made.append((pod, bottom))
            routing.record(top_id, pod.pod_id, RTYPE, project, bottom)
    except Exception:
        for pod, bottom in [(reference, top_id), *made]:
            clients.get().request(req.context, pod.pod_name, SERVICE, "DELETE",
                                  f"/types/{bottom}", admin=True, expect=(404,))
            routing.forget(top_id, pod.pod_id, RTYPE)
        raise
    return proxy.answer(req, reference, SERVICE, resp)


def _their_path(req: Request, pod: Pod) -> str:
    top_id = req.urlvars.get("type_id")
    if top_id is None:
        return req.pod_path
    return req.pod_path.replace(f"/types/{top_id}", f"/types/{bottom_id(req, pod, top_id)}",
                                 1)


def bottom_id(req: Request, pod: Pod, top_id: str) -> str:
    """The id in `pod` of the type whose top id is `top_id`: recorded, or found by name
    (a type the pods had before); the top id itself where nothing matches (the pod then
    answers as it would to an unknown type)."""
    found = routing.bottom_id(top_id, pod.pod_id, RTYPE)
    if found is not None:
        return found
    reference = _pods()[0]
    if pod.pod_id == reference.pod_id:
        return top_id
    pc = clients.get()
    shown = pc.request(req.context, reference.pod_name, SERVICE, "GET", f"/types/{top_id}",
                       admin=True, expect=(404,))
    if shown.status_code == 404:
        return top_id
    name = shown.json()["volume_type"]["name"]
    theirs = pc.request(req.context, pod.pod_name, SERVICE, "GET", "/types", admin=True,
                        params={"is_public": "None"}).json()["volume_types"]
    match = [t["id"] for t in theirs if t["name"] == name]
    if not match:
        return top_id
    routing.record(top_id, pod.pod_id, RTYPE, "", match[0])
    return match[0]


def for_pod(req: Request, pod: Pod, wanted: Any) -> Any:
    """A volume's `volume_type` (a name or a top id) as `pod` knows it."""
    if isinstance(wanted, str) and _UUID.match(wanted):
        return bottom_id(req, pod, wanted)
    return wanted
