"""The middleware pipeline of every API, assembled in one place.

    request id -> keystonemiddleware (token) -> fault wrapper -> context -> route table

keystonemiddleware runs with delay_auth_decision so that version documents answer without
a token; every other route refuses an unconfirmed identity with 401 (api/wsgi.py).
Each API has its own factory, so an operator can serve them apart under any WSGI server;
`all_apps` serves them together under path prefixes, as tricircle-api does, with
/healthcheck and /metrics.
"""
from __future__ import annotations

import datetime
import functools
import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import webob
import webob.dec
from keystoneauth1 import access
from keystonemiddleware import auth_token
from keystonemiddleware.auth_token import _request
from oslo_config import cfg
from oslo_context import context as oslo_context
from oslo_middleware import request_id

from tricircle.api import admin, compute, faults, network, volume
from tricircle.api.measured import Measured
from tricircle.api.microversion import Microversion
from tricircle.api.wsgi import Layer, Request, Router
from tricircle.core import metrics, policies, selfcheck
from tricircle.core.conf import CONF
from tricircle.core.context import RequestContext

# Where each API lives under tricircle-api; the catalog's RegionOne endpoints say so too.
PREFIXES = {"compute": "/compute", "volume": "/volume", "network": "/networking"}


class ContextMiddleware(Layer):
    def __init__(self, app: Callable) -> None:
        self.app = app

    def handle(self, req: Request) -> webob.Response:
        ctx = RequestContext.from_environ(req.environ)
        # Admin is what policy says it is (rule context_is_admin), not a role name here.
        ctx.is_admin = policies.allowed(ctx, "context_is_admin", {})
        req.environ["tricircle.context"] = ctx
        return self.forward(req)


Middleware = Callable[[Callable], Callable]


class _Access(access.AccessInfoV3):
    """A validated v3 token, kept while recent: what keystonemiddleware derives from it on
    every request (its expiry, parsed from ISO 8601 twice a request; the identity
    headers) is derived once."""

    @functools.cached_property
    def expires(self) -> datetime.datetime | None:
        return super().expires

    @functools.cached_property
    def identity_environ(self) -> dict[str, object]:
        # keystonemiddleware's own set_user_headers, run once on a scratch request: what
        # it sets (the identity headers, and OpenStack-System-Scope, which it does not
        # strip but always sets for a valid token).
        scratch = _request._AuthTokenRequest.blank("/")
        before = dict(scratch.environ)
        _request._AuthTokenRequest.set_user_headers(scratch, self)
        return {k: v for k, v in scratch.environ.items()
                if k not in before or before[k] is not v}


# The WSGI environ keys of every identity header keystonemiddleware may set (and so
# strips from what a client sent).
_AUTH_KEYS = frozenset(
    "HTTP_" + name.upper().replace("-", "_")
    for name in _request._AuthTokenRequest.blank("/")._all_auth_headers())


class _AuthRequest(_request._AuthTokenRequest):
    """keystonemiddleware's request with its identity headers removed, set and read in
    the WSGI environ directly: through webob's header mapping, each of 31 names was
    translated on every request (a tenth of a proxied show's CPU), and the token looked
    up eight times."""

    @property
    def user_token(self) -> str | None:
        environ = self.environ
        return environ.get("HTTP_X_AUTH_TOKEN", environ.get("HTTP_X_STORAGE_TOKEN"))

    @property
    def service_token(self) -> str | None:
        return self.environ.get("HTTP_X_SERVICE_TOKEN")

    def remove_auth_headers(self) -> None:
        pop = self.environ.pop
        for key in _AUTH_KEYS:
            pop(key, None)

    def set_user_headers(self, auth_ref: access.AccessInfo) -> None:
        if isinstance(auth_ref, _Access):
            self.environ.update(auth_ref.identity_environ)
        else:
            super().set_user_headers(auth_ref)


class AuthProtocol(auth_token.AuthProtocol):
    """keystonemiddleware with this process's memory in front of its token cache: a
    token seen in the last `RECENT_SECONDS` is not read from memcached and parsed again
    (a tenth of a proxied call's CPU, and a round trip). Only the fetch is skipped:
    keystonemiddleware still checks the token's expiry, access rules and bind on every
    request. A token revoked meanwhile is accepted for at most that long, as memcached
    already does for `token_cache_time`."""

    RECENT_SECONDS = 10.0
    RECENT_MAX = 256  # tokens (a token's data with its catalog is tens of kB)

    @webob.dec.wsgify(RequestClass=_AuthRequest)
    def __call__(self, req: _AuthRequest) -> webob.Response:
        """keystonemiddleware's own request handling (BaseAuthProtocol.__call__), with
        the request class above; the API's own layers get the request without another
        WSGI round trip (a Request and two Responses made again from the environ)."""
        response = self.process_request(req)
        if response:
            return response
        if isinstance(self._app, Layer):
            response = self._app.handle(Request(req.environ))
        else:
            response = req.get_response(self._app)
        return self.process_response(response)

    def __init__(self, app: Callable, conf: dict) -> None:
        super().__init__(app, conf)
        self._recent: dict[bytes, tuple[float, dict, access.AccessInfo]] = {}
        self._recent_lock = threading.Lock()  # the request threads add and evict at once
        # Tokens are still validated with their catalog (what it caches in a memcached
        # the pods may share must stay whole for their Nova: include_service_catalog
        # false broke it), but nothing here reads X-Service-Catalog: not serialising it
        # on every request saves a tenth of a proxied call's CPU. (Read by process_request
        # only; the identity server was made with the configured value.)
        self._include_service_catalog = False

    def _do_fetch_token(self, token: str, allow_expired: bool = False,
                        ) -> tuple[dict, access.AccessInfo]:
        if allow_expired:
            return super()._do_fetch_token(token, allow_expired=True)
        token = token.strip()
        key = hashlib.sha256(token.encode()).digest()
        seen = self._recent.get(key)
        now = time.monotonic()
        if seen is not None and now - seen[0] < self.RECENT_SECONDS:
            return seen[1], seen[2]
        data = self.fetch_token(token)  # raises for a token Keystone refuses
        if "token" not in data:  # not v3: as keystonemiddleware makes it, kept only now
            return super()._do_fetch_token(token)
        auth_ref = _Access(data, auth_token=token)  # as access.create makes it (lazily)
        with self._recent_lock:
            if len(self._recent) >= self.RECENT_MAX:
                self._recent = {k: v for k, v in self._recent.items()
                                if now - v[0] < self.RECENT_SECONDS}
                if len(self._recent) >= self.RECENT_MAX:
                    self._recent = {}
            self._recent[key] = (now, data, auth_ref)
        return data, auth_ref


def keystone_auth(conf: cfg.ConfigOpts) -> Middleware:
    # include_service_catalog stays true although nothing in Tricircle reads the user's
    # catalog: keystonemiddleware keys its memcached entries by the token alone, so a
    # token validated here without its catalog was read from a shared memcached by the
    # pods' own Nova, which then had no catalog to find Neutron or Cinder with (500s).
    return lambda app: AuthProtocol(app, {"oslo_config_config": conf,
                                          "delay_auth_decision": True})


_GLOBAL_ID = re.compile(request_id.ID_FORMAT)


class RequestIds:
    """oslo.middleware's RequestId in plain WSGI: each request gets its id (environ
    "openstack.request_id"), keeps a well-formed global id its caller sent, and answers
    with its id under `names` (unless the answer has one). oslo's, a webob middleware,
    made a Request and two Responses a request: 8% of a proxied show's CPU."""

    def __init__(self, app: Callable,
                 names: tuple[str, ...] = (request_id.HTTP_RESP_HEADER_REQUEST_ID,)) -> None:
        self.app, self.names = app, names

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        inbound = environ.get("HTTP_X_OPENSTACK_REQUEST_ID", "")
        if _GLOBAL_ID.match(inbound):
            environ[request_id.GLOBAL_REQ_ID] = inbound
        rid = environ[request_id.ENV_REQUEST_ID] = oslo_context.generate_request_id()

        def start(status: str, headers: list, exc_info: Any = None) -> Callable:
            present = {name.lower() for name, _ in headers}
            headers = [*headers, *((n, rid) for n in self.names if n not in present)]
            return start_response(status, headers, exc_info)
        return self.app(environ, start)


def pipeline(api: str, router: Router, shape: faults.Shape, conf: cfg.ConfigOpts = CONF, *,
             versioned: Middleware | None = None, auth: Middleware | None = None,
             request_ids: Middleware = RequestIds) -> Callable:
    """`auth` sets keystonemiddleware's identity headers (X-Identity-Status, X-Roles...):
    keystonemiddleware itself unless a test gives a stand-in. Every request of `api` is
    counted and timed (refused ones too)."""
    app = faults.FaultWrapper(ContextMiddleware(router), shape)
    if versioned is not None:
        app = versioned(app)
    app = (auth or keystone_auth(conf))(app)
    return request_ids(Measured(app, api))


def admin_app(conf: cfg.ConfigOpts = CONF, auth: Middleware | None = None) -> Callable:
    return pipeline("admin", admin.router(), faults.nova_body, conf, auth=auth)


def compute_app(conf: cfg.ConfigOpts = CONF, auth: Middleware | None = None) -> Callable:
    return pipeline("compute", compute.router(), faults.nova_body, conf, auth=auth,
                    # Nova answers with its request id under both names.
                    request_ids=lambda app: RequestIds(app, (
                        request_id.HTTP_RESP_HEADER_REQUEST_ID, "x-compute-request-id")),
                    versioned=lambda app: Microversion(
                        app, service="compute", service_type="compute",
                        base=compute.versions.BASE, shape=faults.nova_body,
                        legacy_header="X-OpenStack-Nova-API-Version",
                        unversioned=frozenset({"", "/v2.1"})))


def volume_app(conf: cfg.ConfigOpts = CONF, auth: Middleware | None = None) -> Callable:
    return pipeline("volume", volume.router(), faults.nova_body, conf, auth=auth,
                    versioned=lambda app: Microversion(
                        app, service="volume", service_type="volumev3", base=volume.BASE,
                        legacy_header=None, shape=faults.nova_body,
                        unversioned=frozenset({"", "/v3"})))


def network_app(conf: cfg.ConfigOpts = CONF, auth: Middleware | None = None) -> Callable:
    return pipeline("network", network.router(), faults.neutron_body, conf, auth=auth)


class PrefixDispatch:
    """Send /compute/... to the compute app (and so on); everything else to the admin
    API, which owns / and /v1.0."""

    def __init__(self, apps: dict[str, Callable], default: Callable) -> None:
        self.apps = sorted(apps.items(), key=lambda kv: -len(kv[0]))
        self.default = default

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        for prefix, app in self.apps:
            if path == prefix or path.startswith(prefix + "/"):
                environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
                environ["PATH_INFO"] = path[len(prefix):] or "/"
                return app(environ, start_response)
        return self.default(environ, start_response)


def all_apps(conf: cfg.ConfigOpts = CONF, auth: Middleware | None = None) -> Callable:
    """Every API, plus /healthcheck (load balancers: no token; oslo.middleware's) and
    /metrics (Prometheus: no token, `[metrics] allowed_source_ranges` only)."""
    return PrefixDispatch({PREFIXES["compute"]: compute_app(conf, auth),
                           PREFIXES["volume"]: volume_app(conf, auth),
                           PREFIXES["network"]: network_app(conf, auth),
                           "/healthcheck": selfcheck.app(["tricircle_database"]),
                           "/metrics": metrics.app()},
                          admin_app(conf, auth))
