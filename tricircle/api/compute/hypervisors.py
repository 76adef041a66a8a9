"""Hypervisors (admin): every pod's, side by side. From 2.53 their ids are UUIDs, unique
across pods; a show asks every pod for the id."""
from __future__ import annotations

import webob

from tricircle.api.forward import proxy
from tricircle.api.wsgi import Request
from tricircle.core import integers, pods


def _answers(req: Request) -> list:
    pods.required_bottom_pods()  # none registered: 503
    return proxy.every_pod(req, "compute")


def index(req: Request) -> webob.Response | dict:
    """The pods' lists, in pod order, cut at `limit`; a marker is the pod's that has it
    (the others answer 400 for a marker they do not know: left out)."""
    answers = _answers(req)
    ok = [(pod, resp) for pod, resp in answers if resp.status_code == 200]
    if answers and not ok:
        pod, resp = answers[0]
        return proxy.answer(req, pod, "compute", resp)
    found = [h for _, resp in ok for h in resp.json()["hypervisors"]]
    limit = req.GET.get("limit")
    number = integers.digits(limit)
    if number is not None:
        found = found[:number]
    return {"hypervisors": found}


def one(req: Request) -> webob.Response:
    """A hypervisor (or its servers, uptime...): the answer of the pod that has it."""
    answers = _answers(req)
    for pod, resp in answers:
        if resp.status_code < 300:
            return proxy.answer(req, pod, "compute", resp)
    pod, resp = answers[0]
    return proxy.answer(req, pod, "compute", resp)
