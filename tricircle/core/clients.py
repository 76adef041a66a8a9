"""Talking to pods: keystoneauth1 sessions, endpoints from the Keystone catalog, fan-out.

Only public REST APIs. Endpoints come from the service account's catalog, which
keystoneauth caches with its token; a call that cannot connect invalidates it, so a moved
endpoint is found again. User calls carry the user's token (keystonemiddleware's plugin);
privileged calls the service account's. Every call passes the global request id on.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import httptools
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import plugin
from keystoneauth1 import session as ks_session
from oslo_config import cfg
from requests.structures import CaseInsensitiveDict

from tricircle.core import errors, http1, metrics
from tricircle.core.conf import CONF, service_credentials_group
from tricircle.core.context import RequestContext

LOG = logging.getLogger(__name__)
T = TypeVar("T")
ENDPOINT_TTL = 300.0
_VERSION_SUFFIX = re.compile(r"/v\d+(\.\d+)?(/.*)?$")

# A pod's 4xx becomes the same 4xx of ours, with the pod's message.
_BY_STATUS = {400: errors.BadRequest, 401: errors.Unauthorized, 403: errors.Forbidden,
              404: errors.NotFound, 409: errors.Conflict, 413: errors.RequestTooLarge,
              422: errors.Unprocessable}


def pod_message(resp: Any) -> str:
    """The message inside any OpenStack error body (Nova, Cinder, Neutron, Keystone)."""
    return _message(resp.content, resp.reason)


def checked(region: str, resp: Any, expect: Iterable[int] = ()) -> Any:
    """A pod's answer: 2xx (and any status in `expect`) is returned; a 4xx raises our
    error of that status with the pod's message; a 5xx raises PodUnavailable."""
    if resp.status_code < 400 or resp.status_code in expect:
        return resp
    if resp.status_code >= 500:
        LOG.warning("%s answered %s: %s", region, resp.status_code, pod_message(resp))
        raise errors.PodUnavailable(region, f"it answered {resp.status_code}")
    raise _BY_STATUS.get(resp.status_code, errors.BadRequest)(pod_message(resp))


def _message(content: bytes, reason: str | None) -> str:
    try:
        body = json.loads(content)
    except ValueError:
        return content[:500].decode(errors="replace") or (reason or "")
    if isinstance(body, dict) and len(body) == 1:
        inner = next(iter(body.values()))
        if isinstance(inner, dict) and "message" in inner:
            return str(inner["message"])
    return str(body)[:500]


class RawResponse:
    """A pod's answer over core/http1.py, read as a requests.Response is."""

    def __init__(self, status: int, reason: str, headers: list[tuple[str, str]],
                 content: bytes) -> None:
        self.status_code, self.reason, self.content = status, reason, content
        self.headers = CaseInsensitiveDict(headers)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


class _Connections:
    """Kept-alive HTTP connections per host, shared by the fan-out threads."""

    def __init__(self, timeout: float, connect_timeout: float, per_host: int,
                 max_body: int) -> None:
        self.timeout, self.connect_timeout, self.per_host = timeout, connect_timeout, per_host
        self.max_body = max_body
        self.idle: dict[tuple[str, int], list[http1.Connection]] = {}
        self.lock = threading.Lock()

    def take(self, host: str, port: int, kept: bool = True) -> tuple[http1.Connection, bool]:
        """(a connection, whether it is new); a new one unless `kept`."""
        if kept:
            with self.lock:
                idle = self.idle.get((host, port))
                if idle:
                    return idle.pop(), False
        return http1.Connection(host, port, self.timeout, self.connect_timeout,
                                self.max_body), True

    def drop(self, host: str, port: int) -> None:
        """Close every idle connection to host:port."""
        with self.lock:
            idle = self.idle.pop((host, port), [])
        for conn in idle:
            conn.close()

    def give(self, host: str, port: int, conn: http1.Connection) -> None:
        with self.lock:
            idle = self.idle.setdefault((host, port), [])
            if len(idle) < self.per_host:
                idle.append(conn)
                return
        conn.close()


class CallerToken(plugin.BaseAuthPlugin):
    """The caller's own token and nothing else: a call made on a user's behalf carries
    what the user would have sent the pod. keystonemiddleware's plugin of the caller adds
    Tricircle's service token, with which a pod takes the call as a service's (Cinder then
    deletes an attachment in use for any user who asks through Tricircle: the bypass
    CVE-2023-2088 closed), and each pod validated a second token per call."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_headers(self, session: Any, **kwargs: Any) -> dict[str, str]:
        return {"X-Auth-Token": self.token}


class PodClients:
    """One per process: the service account's session and the pool for fan-outs."""

    def __init__(self, conf: cfg.ConfigOpts = CONF) -> None:
        self.conf = conf
        group = service_credentials_group
        self.service_auth = ks_loading.load_auth_from_conf_options(conf, group)
        self.session = ks_loading.load_session_from_conf_options(
            conf, group, auth=self.service_auth)
        self.session.timeout = conf.client.timeout
        # requests re-reads every proxy variable of the environment on each call (a fifth
        # of a pod call's CPU in bench/list_fanout.py); pods are reached directly.
        self.session.session.trust_env = conf.client.environment_proxies
        # requests keeps connection pools for 10 hosts by default: with more pods than
        # that, every pod call evicted another pod's pool and opened a new connection.
        adapter = ks_session.TCPKeepAliveAdapter(pool_connections=conf.client.max_pods,
                                                 pool_maxsize=conf.client.fanout_workers)
        for scheme in ("http://", "https://"):
            self.session.session.mount(scheme, adapter)
        self._endpoints: dict[tuple[str, str], tuple[str, float]] = {}
        self.pool = ThreadPoolExecutor(max_workers=conf.client.fanout_workers,
                                       thread_name_prefix="fanout")
        self.connections = _Connections(conf.client.timeout, conf.client.connect_timeout,
                                        conf.client.fanout_workers,
                                        conf.client.max_answer_size)
        self._service_headers: tuple[float, dict] | None = None

    # -- endpoints ---------------------------------------------------------------------
    def endpoint(self, region: str, service_type: str) -> str:
        # keystoneauth normalises (deep-copies) the whole catalog on every lookup: a
        # third of Tricircle's own time in a proxied call. Looked up once, kept until a
        # call cannot connect or the entry is ENDPOINT_TTL old.
        key = (region, service_type)
        cached = self._endpoints.get(key)
        if cached is not None and time.monotonic() - cached[1] < ENDPOINT_TTL:
            return cached[0]
        try:
            url = self.session.get_endpoint(service_type=service_type, region_name=region,
                                            interface=self.conf.client.interface)
        except ks_exc.ClientException as err:
            raise unreachable(region, "no catalog", err) from err
        if not url:
            raise errors.PodUnavailable(region, f"no {service_type} endpoint in the catalog")
        self._endpoints[key] = (url.rstrip("/"), time.monotonic())
        return url.rstrip("/")

    def forget_endpoints(self) -> None:
        """The endpoint may have moved: drop the cached catalog and look again."""
        self._endpoints.clear()
        if self.service_auth is not None:
            self.service_auth.invalidate()

    def root(self, region: str, service_type: str) -> str:
        """The endpoint without its version part: http://host:port/v2.1 -> http://host:port.
        The APIs Tricircle serves keep the pods' paths below it."""
        return _VERSION_SUFFIX.sub("", self.endpoint(region, service_type))

    def microversions(self, region: str, service_type: str) -> tuple | None:
        """(min, max) microversions of a pod's service, from its version document."""
        try:
            data = self.session.get_endpoint_data(
                service_type=service_type, region_name=region,
                interface=self.conf.client.interface, discover_versions=True)
        except ks_exc.ClientException as err:
            raise unreachable(region, "no version document", err) from err
        if data is None or data.max_microversion is None:
            return None
        return tuple(data.min_microversion), tuple(data.max_microversion)

    def regions(self) -> set[str]:
        """Region ids known to Keystone."""
        resp = self.session.get("/regions", endpoint_filter={"service_type": "identity",
                                                             "interface": "public"})
        return {r["id"] for r in resp.json()["regions"]}

    # -- calls -------------------------------------------------------------------------
    def request(self, ctx: RequestContext | None, region: str, service_type: str,
                method: str, path: str, *, admin: bool = False, expect: Iterable[int] = (),
                headers: dict | None = None, from_root: bool = False, **kwargs: Any) -> Any:
        """One call to a pod. 2xx (and any status in `expect`) is returned; a 4xx raises
        our error of that status with the pod's message; no answer or a 5xx raises
        PodUnavailable. `admin` uses the service account instead of the user's token.
        `path` is relative to the endpoint, or with `from_root` to its root (see root()).
        A GET goes over core/http1.py (see _fast) unless keystoneauth is needed."""
        fence(ctx, f"{method} {path} in {region}")
        if ctx is not None:
            ctx.pods_called.add(region)
        if method.upper() == "GET" and set(kwargs) <= {"params"}:
            resp = self._fast(ctx, region, service_type, path,
                              params=kwargs.get("params"), headers=headers,
                              from_root=from_root, admin=admin)
            if resp is not None:
                return checked(region, resp, expect)
        auth = self._auth(ctx, admin)
        # keystoneauth retries timeouts as connection failures: a POST the pod received
        # but did not answer in time would be made twice. Only idempotent calls retry.
        once = method.upper() in ("POST", "PATCH")
        kwargs.setdefault("connect_retries", 0 if once else self.conf.client.connect_retries)
        kwargs.setdefault("timeout", (self.conf.client.connect_timeout,
                                      read_timeout(ctx, self.conf.client.timeout)))
        request_id = ctx.global_request_id if ctx else None
        started = time.monotonic()
        for attempt in (1, 2):
            base = self.root if from_root else self.endpoint
            url = base(region, service_type) + path
            try:
                resp = self.session.request(url, method, auth=auth, raise_exc=False,
                                            headers=headers, global_request_id=request_id,
                                            **kwargs)
                break
            except (ks_exc.ConnectFailure, ks_exc.DiscoveryFailure) as err:
                self.forget_endpoints()  # the pod's endpoint may have moved
                if attempt == 2 or once:
                    metrics.pod_call(region, service_type, "error", started)
                    raise unreachable(region, "no connection", err) from err
            except ks_exc.ClientException as err:  # timeouts and other transport failures
                metrics.pod_call(region, service_type, "error", started)
                raise unreachable(region, "no answer", err) from err
        metrics.pod_call(region, service_type, resp.status_code, started)
        LOG.debug("%s %s %s: %s in %.3f s", region, method, path, resp.status_code,
                  resp.elapsed.total_seconds())
        return checked(region, resp, expect)

    def _auth(self, ctx: RequestContext | None, admin: bool) -> Any:
        """The user's token, or the service account's (admin, or no user at hand)."""
        if admin or ctx is None or ctx.user_auth is None:
            return self.service_auth
        user = getattr(ctx.user_auth, "user", None)  # keystonemiddleware's: an AccessInfo
        return CallerToken(user.auth_token) if user is not None else ctx.user_auth

    def get_json(self, ctx: RequestContext | None, region: str, service_type: str,
                 path: str, *, params: list | None = None, headers: dict | None = None,
                 from_root: bool = False, admin: bool = False) -> Any:
        """request("GET", ...).json(), for the fan-out path."""
        return self.request(ctx, region, service_type, "GET", path, params=params,
                            headers=headers, from_root=from_root, admin=admin).json()

    def _fast(self, ctx: RequestContext | None, region: str, service_type: str,
              path: str, *, params: Any, headers: dict | None,
              from_root: bool, admin: bool) -> RawResponse | None:
        """A GET over core/http1.py on kept-alive connections: requests + urllib3 cost
        several times its CPU per call (at 50 pods most of a merged list's overhead, a
        quarter of a proxied show's: docs/performance.md). None where keystoneauth must
        make the call: https, a token it must fetch, an expired token (401), a request
        that is not plain (http1.head)."""
        auth = self._auth(ctx, admin)
        url = urlsplit((self.root if from_root else self.endpoint)(region, service_type)
                       + path)
        if url.scheme != "http":
            return None
        try:
            token = self.auth_headers(auth)
        except ks_exc.ClientException:
            return None
        sent = {**token, "Accept": "application/json", "User-Agent": "tricircle",
                **(headers or {})}
        if ctx is not None and ctx.global_request_id:
            sent["X-OpenStack-Request-ID"] = ctx.global_request_id
        # As requests encodes them: a list value repeats the key, a None value is left out.
        pairs = params.items() if isinstance(params, dict) else (params or [])
        query = urlencode([(k, v) for k, v in pairs if v is not None], doseq=True)
        target = url.path + (f"?{url.query}" if url.query else "")
        if query:
            target += ("&" if url.query else "?") + query
        host, port = url.hostname or "", url.port or 80
        request = http1.head("GET", target, host, port, sent)
        if request is None:
            return None
        started = time.monotonic()
        for attempt in (1, 2):
            conn, new = self.connections.take(host, port, kept=attempt == 1)
            try:
                status, reason, answer_headers, content = conn.exchange(
                    request, read_timeout(ctx, self.conf.client.timeout))
            except (httptools.HttpParserError, OSError) as err:
                conn.close()
                if not new and not isinstance(err, (http1.AnswerRefused, TimeoutError)):
                    # A kept-alive connection the pod closed (it restarted): the others
                    # kept for it are stale too. Again on a new one.
                    self.connections.drop(host, port)
                    continue
                self.forget_endpoints()
                metrics.pod_call(region, service_type, "error", started)
                raise unreachable(region, "no answer", err) from err
            if conn.will_close:
                conn.close()
            else:
                self.connections.give(host, port, conn)
            break
        if status == 401:  # the token expired: keystoneauth renews it
            self._service_headers = None
            return None
        if 300 <= status < 400:  # a redirect: keystoneauth follows it as it does
            return None
        metrics.pod_call(region, service_type, status, started)
        return RawResponse(status, reason, answer_headers, content)

    # The service account's headers as its plugin gave them a moment ago are still the
    # ones it would give: keystoneauth renews a token only when it has less than two
    # minutes left. Asking again parsed the token's expiry on every call.
    HEADERS_SECONDS = 10.0

    def auth_headers(self, auth: Any) -> dict:
        """The token headers `auth` sends."""
        if auth is None:
            return {}
        if auth is not self.service_auth:
            return auth.get_headers(self.session) or {}
        now = time.monotonic()
        kept = self._service_headers
        if kept is None or now - kept[0] >= self.HEADERS_SECONDS:
            kept = self._service_headers = (now, auth.get_headers(self.session) or {})
        return kept[1]

    def fanout(self, items: Iterable[T], call: Callable[[T], Any],
               deadline: float | None = None) -> list[tuple[T, Any]]:
        """call(item) for every item in parallel (bounded pool); [(item, result or the
        exception it raised)] in the order of `items`. Takes as long as the slowest, or
        at most `deadline` seconds: an item not done by then gets TimeoutError (its call
        finishes in the background, unwaited)."""
        items = list(items)
        if getattr(_in_pool, "yes", False):
            # Called from a pool thread (a fan-out inside a fan-out): threads of its own,
            # or outer calls waiting on inner ones queued behind them could fill the pool.
            inner = ThreadPoolExecutor(max_workers=max(len(items), 1))
            try:
                return _gather(items, [inner.submit(_pooled, call, item) for item in items],
                               deadline)
            finally:
                inner.shutdown(wait=deadline is None)
        return _gather(items, [self.pool.submit(_pooled, call, item) for item in items],
                       deadline)


def raise_first(results: list[tuple[Any, Any]]) -> None:
    """Raise the first exception a `fanout` gathered, if any."""
    failures = [err for _, err in results if isinstance(err, Exception)]
    if failures:
        raise failures[0]


def unreachable(region: str, reason: str, err: BaseException) -> errors.PodUnavailable:
    """What the caller is told (the pod and a short reason) and what the log keeps (the
    endpoint and the transport's own words)."""
    if isinstance(err, ks_exc.ConnectTimeout | TimeoutError):
        reason = "timed out"
    LOG.warning("%s unreachable (%s): %s", region, reason, err)
    return errors.PodUnavailable(region, reason)


def read_timeout(ctx: RequestContext | None, timeout: float) -> float:
    """How long a pod call may wait for its answer: `timeout`, and for a job no longer
    than its lease's deadline (past it, another worker may hold the job)."""
    if ctx is not None and ctx.deadline is not None:
        timeout = min(timeout, max(ctx.deadline - time.monotonic(), 0.01))
    return timeout


def fence(ctx: RequestContext | None, what: str) -> None:
    """A job whose lease may have passed to another worker calls no pod any more."""
    if ctx is not None and ctx.deadline is not None and time.monotonic() > ctx.deadline:
        raise errors.LeaseLost(f"Lease lost before {what}.")


_in_pool = threading.local()


def _pooled(call: Callable[[T], Any], item: T) -> Any:
    _in_pool.yes = True
    return call(item)


def _gather(items: list, futures: list, deadline: float | None = None
            ) -> list[tuple[Any, Any]]:
    until = None if deadline is None else time.monotonic() + deadline
    out = []
    for item, future in zip(items, futures, strict=True):
        try:
            left = None if until is None else max(until - time.monotonic(), 0.0)
            out.append((item, future.result(timeout=left)))
        except Exception as err:  # noqa: BLE001 - the caller decides per item
            out.append((item, err))  # a TimeoutError: not done by the deadline
    return out


_clients: PodClients | None = None
_lock = threading.Lock()


def get() -> PodClients:
    global _clients  # noqa: PLW0603 - one session pool per process
    with _lock:
        if _clients is None:
            _clients = PodClients()
        return _clients


def after_fork() -> None:
    """In a forked worker: pod clients of its own (the parent's pool threads did not
    survive the fork, and its kept-alive connections are the parent's)."""
    global _clients  # noqa: PLW0603
    with _lock:
        _clients = None
