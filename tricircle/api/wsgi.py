"""The small WSGI kit every API uses: a route table, JSON in and out.

A route table maps a path template to {method: handler}; unknown paths get 404, known
paths with another method 405 with an Allow header (Placement's pattern). Handlers take a
Request and return a Response or a JSON-able object.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote

import webob
import webob.dec

from tricircle.core import errors
from tricircle.core.conf import CONF
from tricircle.core.context import RequestContext

# The pods a partial list left out ([api] degraded_lists = partial), for its header.
MISSING_PODS = "tricircle.missing_pods"
ROUTE = "tricircle.route"  # the route template a request matched (metrics)
# What a path segment may hold unencoded (RFC 3986's pchar).
_PCHAR = "!$&'()*+,;=:@"


class Request(webob.Request):
    @property
    def context(self) -> RequestContext:
        return self.environ["tricircle.context"]

    @property
    def urlvars(self) -> dict[str, str]:  # type: ignore[override]
        return self.environ.get("tricircle.urlvars", {})

    @property
    def pod_path(self) -> str:
        """The path a pod is sent: the one the route matched, percent-encoded again.
        PATH_INFO is decoded, so an encoded `?` or `#` in it would become the pod's query
        string or fragment (`/servers/S%3Fall_tenants%3D1`)."""
        return quote(self.path_info, safe="/" + _PCHAR)

    def json_body(self, key: str | None = None) -> Any:
        """The JSON body; with `key`, the object under that top-level key."""
        raw = self.body
        if not raw:
            raise errors.BadRequest("The request body is missing.")
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as err:
            raise errors.BadRequest(f"Malformed JSON in request body: {err}") from err
        if _has_nul(body):  # no database stores it (PostgreSQL refuses it): Neutron's 400
            raise errors.BadRequest("The request body holds a NUL character.")
        if key is None:
            return body
        if not isinstance(body, dict) or key not in body:
            raise errors.BadRequest(f"The request body must be an object with '{key}'.")
        if not isinstance(body[key], dict):
            raise errors.BadRequest(f"'{key}' must be an object.")
        return body[key]


def _limit_body(req: Request) -> None:
    """Refuse a body over [api] max_request_body_size (413), whatever the route does with
    it: one with a larger Content-Length unread, a chunked one read to one byte past the
    limit at most."""
    limit = CONF.api.max_request_body_size
    length = req.content_length
    if length is not None:
        if length > limit:
            raise errors.RequestTooLarge(f"Request is too large: {length} bytes, "
                                         f"at most {limit}.")
        return
    if "chunked" in req.environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        data = req.body_file_raw.read(limit + 1)
        if len(data) > limit:
            raise errors.RequestTooLarge(f"Request is too large: at most {limit} bytes.")
        req.body = data


def json_response(body: Any, status: int = 200, headers: dict | None = None) -> webob.Response:
    resp = webob.Response(status=status, content_type="application/json", charset="UTF-8")
    if body is not None:
        resp.text = json.dumps(body)
    if headers:
        resp.headers.update(headers)
    return resp


Handler = Callable[[Request], Any]


class Route:
    def __init__(self, template: str, methods: dict[str, Handler], public: bool) -> None:
        self.template = template
        # {name} matches one path segment, {name:path} the rest of the path. An id never
        # holds `?`, `#` or `%` (they were encoded: no such object in any service).
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/?#%]+)", template.rstrip("/") or "/")
        pattern = re.sub(r"\{(\w+):path\}", r"(?P<\1>.+)", pattern)
        self.regex = re.compile(f"^{pattern}/?$")
        self.methods = methods
        self.public = public


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _traverses(path: str) -> bool:
    """A `.` or `..` segment, plain or percent-encoded once more: what is forwarded to a
    pod ({rest:path}) must stay below the object it names."""
    return any(unquote(seg) in (".", "..") for seg in path.split("/"))


class Layer:
    """One of the API's own layers (microversion, faults, context, routes). From one to
    the next a request passes as a Request and the answer comes back as a Response
    (`forward`); only the outermost is called through WSGI. Through WSGI each layer made
    a Request again and rebuilt the inner layer's Response from its status and headers."""

    app: Callable

    @webob.dec.wsgify(RequestClass=Request)
    def __call__(self, req: Request) -> webob.Response:
        return self.handle(req)

    def handle(self, req: Request) -> webob.Response:
        raise NotImplementedError

    def forward(self, req: Request) -> webob.Response:
        if isinstance(self.app, Layer):
            return self.app.handle(req)
        return req.get_response(self.app)


class Router(Layer):
    """routes: {template: {METHOD: handler}}; `public` templates need no token."""

    def __init__(self, routes: dict[str, dict[str, Handler]],
                 public: frozenset[str] = frozenset(), strict_slash: bool = False) -> None:
        self.routes = [Route(t, m, t in public) for t, m in routes.items()]
        # Nova's and Cinder's routers: below a version, `volumes/` is a show of the empty
        # id (404), not the collection.
        self.strict_slash = strict_slash

    def handle(self, req: Request) -> webob.Response:
        if _traverses(req.path_info):
            raise errors.NotFound(f"The resource could not be found: {req.path_info[:200]}")
        if "\x00" in req.path_info or "%00" in req.query_string:
            raise errors.BadRequest("The request's URL holds a NUL character.")
        path = req.path_info or "/"
        if self.strict_slash and path.endswith("/") and path.count("/") > 2:
            raise errors.NotFound(f"The resource could not be found: {path[:200]}")
        for route in self.routes:
            match = route.regex.match(path)
            if not match:
                continue
            method = "GET" if req.method == "HEAD" else req.method
            handler = route.methods.get(method)
            if handler is None:
                raise errors.MethodNotAllowed(list(route.methods))
            if not route.public and req.environ.get("HTTP_X_IDENTITY_STATUS") != "Confirmed":
                raise errors.Unauthorized("The request you have made requires authentication.")
            _limit_body(req)
            req.environ["tricircle.urlvars"] = match.groupdict()
            req.environ[ROUTE] = route.template  # the metrics' label (api/measured.py)
            result = handler(req)
            resp = result if isinstance(result, webob.Response) else json_response(result)
            if req.environ.get(MISSING_PODS):  # a partial list (lists.merged)
                resp.headers["X-Tricircle-Missing-Pods"] = ",".join(req.environ[MISSING_PODS])
            return resp
        raise errors.NotFound(f"The resource could not be found: {req.path_info}")
