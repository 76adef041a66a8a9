"""Calling Tricircle's WSGI apps in this process, checking every error's shape."""
from __future__ import annotations

import json
from collections.abc import Callable

import webob

from tricircle.api import faults


class Api:
    """Tricircle's WSGI apps in this process on a database of the test's own: with
    keystonemiddleware and the testbed's pods (tests/testbed), or with stand-in identities
    and pods in memory (tests/api). `as_` names a caller: its token is tokens[as_]."""

    def __init__(self, app: Callable, tokens: dict[str, str]) -> None:
        self.app = app
        self.tokens = tokens

    def __call__(self, method: str, path: str, body: object = None, *, as_: str = "admin",
                 raw: bytes | None = None, headers: dict | None = None,
                 pod_down: bool = False, answer_headers: dict | None = None
                 ) -> tuple[int, dict]:
        """(status, body); a 5xx fails the test unless `pod_down` (a 503 naming a pod)."""
        req = webob.Request.blank(path, method=method)
        if as_:
            req.headers["X-Auth-Token"] = self.tokens.get(as_, as_)
        if body is not None or raw is not None:
            req.body = raw if raw is not None else json.dumps(body).encode()
            req.content_type = "application/json"
        req.headers.update(headers or {})
        resp = req.get_response(self.app)
        if answer_headers is not None:
            answer_headers.update(resp.headers)
        if pod_down and resp.status_code == 503:
            assert "unavailable" in resp.text, resp.text
        else:
            assert resp.status_code < 500, f"{method} {path}: {resp.status} {resp.text[:500]}"
        if resp.status_code >= 400 and not resp.json_body.get("error"):
            [(name, fault)] = resp.json_body.items()
            if path.startswith("/networking"):  # Neutron's shape
                assert name == "NeutronError" and fault["type"] and fault["message"], resp.text
                assert fault["detail"] == "", resp.text
            else:  # Nova's: {"<name>": {"message", "code"}}
                assert name == faults.NOVA_NAMES[resp.status_code], resp.text
                assert fault["code"] == resp.status_code and fault["message"], resp.text
        return resp.status_code, (resp.json_body if resp.body else {})


TOP = {"pod": {"pod_name": "RegionOne"}}
POD1 = {"pod": {"pod_name": "Pod1", "az_name": "az1"}}
POD2 = {"pod": {"pod_name": "Pod2", "az_name": "az2", "dc_name": "dc2",
                "pod_az_name": "az2"}}


def make_pods(api) -> dict[str, str]:
    return {b["pod"]["pod_name"]: api("POST", "/v1.0/pods", b)[1]["pod"]["pod_id"]
            for b in (TOP, POD1, POD2)}
