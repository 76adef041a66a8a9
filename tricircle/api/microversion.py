"""The microversion a request asks for, checked against what every pod supports, and
echoed on the answer (headers as Nova and Cinder send them)."""
from __future__ import annotations

from collections.abc import Callable

import webob

from tricircle.api import faults, versions
from tricircle.api.wsgi import Layer, Request
from tricircle.core import errors, microversions

HEADER = "OpenStack-API-Version"


class Microversion(Layer):
    def __init__(self, app: Callable, *, service: str, service_type: str,
                 base: tuple[microversions.Version, microversions.Version],
                 legacy_header: str | None, shape: faults.Shape,
                 unversioned: frozenset[str]) -> None:
        self.app = app
        self.service, self.service_type, self.base = service, service_type, base
        self.legacy_header = legacy_header
        self.shape = shape
        self.unversioned = unversioned  # version documents

    def requested(self, req: Request) -> str | None:
        # Repeated headers arrive joined by commas: "compute 2.60, volume 3.50".
        for part in req.headers.get(HEADER, "").split(","):
            words = part.split()
            if len(words) == 2 and words[0].lower() == self.service:
                return words[1]
        if self.legacy_header:
            return req.headers.get(self.legacy_header)
        return None

    def handle(self, req: Request) -> webob.Response:
        if req.path_info.rstrip("/") in self.unversioned:
            return self.forward(req)
        low, high = versions.supported(self.service_type, self.base)
        asked = self.requested(req)
        try:
            if asked is None:
                version = low
            elif asked.strip().lower() == "latest":
                version = high
            else:
                version = microversions.parse(asked)
                if not low <= version <= high:
                    raise errors.NotAcceptable(
                        f"Version {asked} is not supported by the API. Minimum is "
                        f"{microversions.text(low)} and maximum is {microversions.text(high)}.")
        except errors.TricircleError as err:
            return faults.FaultWrapper(self.app, self.shape).answer(err)
        req.environ["tricircle.microversion"] = version
        resp = self.forward(req)
        text = microversions.text(version)
        resp.headers[HEADER] = f"{self.service} {text}"
        resp.headers.add("Vary", HEADER)
        if self.legacy_header:
            resp.headers[self.legacy_header] = text
            resp.headers.add("Vary", self.legacy_header)
        return resp


def of(req: Request) -> microversions.Version:
    return req.environ["tricircle.microversion"]


def headers(req: Request, service: str, legacy_header: str | None) -> dict[str, str]:
    """The headers that ask a pod for the request's microversion."""
    text = microversions.text(of(req))
    out = {HEADER: f"{service} {text}"}
    if legacy_header:
        out[legacy_header] = text
    return out
