"""Forwarding a user's request to a pod and translating the pod's answer.

The pod sees the user's token, the request's microversion and global request id; the
user sees the pod's status and body, with the pod's URLs turned into ours and the pod's
availability zone into the top one.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import webob

from tricircle.api.wsgi import Request
from tricircle.core import clients, errors, pods
from tricircle.core.db.models import Pod

# Request headers a pod may need; everything else (tokens, hop-by-hop) is set anew.
_PASS_REQUEST = ("Content-Type", "Accept", "OpenStack-API-Version",
                 "X-OpenStack-Nova-API-Version")
# Response headers that belong to the pod's own connection or that we set ourselves.
_DROP_RESPONSE = {"connection", "keep-alive", "transfer-encoding", "content-length",
                  "content-encoding", "server", "date", "x-openstack-request-id",
                  "x-compute-request-id", "openstack-api-version",
                  "x-openstack-nova-api-version", "vary"}

# Nova records a server's actions under its own request id (os-instance-actions/{id}):
# an answer about one server carries the pod's, so that the user can look the action up.
_ACTION_IDS = {"x-openstack-request-id", "x-compute-request-id"}


def call(req: Request, pod: Pod, service_type: str, *, method: str | None = None,
         path: str | None = None, params: Any = None, body: Any = None,
         expect_errors: bool = True) -> Any:
    """The pod's raw answer to this request (or to `method path` with `body`)."""
    headers = {h: req.headers[h] for h in _PASS_REQUEST if h in req.headers}
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs["json"] = body
    elif req.body and method is None:
        kwargs["data"] = req.body
    return clients.get().request(
        req.context, pod.pod_name, service_type, method or req.method,
        path if path is not None else req.pod_path,
        params=list(req.GET.items()) if params is None else params,
        headers=headers, from_root=True, expect=range(400, 500) if expect_errors else (),
        **kwargs)


def our_urls(text: str, req: Request, pod: Pod, service_type: str) -> str:
    """The pod's URLs in a body, made ours (links, bookmarks, next pages)."""
    return text.replace(clients.get().root(pod.pod_name, service_type), req.application_url)


def answer(req: Request, pod: Pod, service_type: str, resp: Any,
           translate: Callable[[Any, Pod], Any] | None = None) -> webob.Response:
    """Our webob answer from a pod's answer, translated."""
    out = webob.Response(status=resp.status_code)
    for name, value in resp.headers.items():
        if name.lower() == "location":  # a created server's: ours, not the pod's
            out.headers[name] = our_urls(value, req, pod, service_type)
        elif name.lower() not in _DROP_RESPONSE or (
                service_type == "compute" and name.lower() in _ACTION_IDS):
            out.headers[name] = value
    if resp.content:
        text = our_urls(resp.text, req, pod, service_type)
        if translate is not None and resp.headers.get("Content-Type", "").startswith(
                "application/json"):
            text = json.dumps(translate(json.loads(text), pod))
        out.body = text.encode()
    return out


def forward(req: Request, pod: Pod, service_type: str,
            translate: Callable[[Any, Pod], Any] | None = None) -> webob.Response:
    return answer(req, pod, service_type, call(req, pod, service_type), translate)


def every_pod(req: Request, service_type: str, *, params: Any = None,
              expect_errors: bool = True) -> list[tuple[Pod, Any]]:
    """This request's answer from every bottom pod at once, [(pod, raw answer)] in pod
    order; the first failure to get one (no answer, or with `expect_errors` False a
    4xx) is raised."""
    bottom = pods.bottom()
    answers = clients.get().fanout(bottom, lambda p: call(
        req, p, service_type, params=params, expect_errors=expect_errors))
    clients.raise_first(answers)
    return answers


def any_pod(req: Request, service_type: str) -> webob.Response:
    """Forward to the first pod that answers: for what every pod holds alike (flavors,
    volume types)."""
    bottom = pods.required_bottom_pods()
    failure: errors.PodUnavailable | None = None
    for pod in bottom:
        try:
            return forward(req, pod, service_type)
        except errors.PodUnavailable as err:
            failure = err
    raise failure
