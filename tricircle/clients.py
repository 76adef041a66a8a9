"""Talking to pods: keystoneauth1 sessions, endpoints from the Keystone catalog, fan-out.

Only public REST APIs. Endpoints come from the service account's catalog, which
keystoneauth caches with its token; a call that cannot connect invalidates it, so a moved
endpoint is found again. User calls carry the user's token (keystonemiddleware's plugin);
privileged calls the service account's. Every call passes the global request id on.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from tricircle import errors
from tricircle.conf import CONF, service_credentials_group
from tricircle.context import RequestContext

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
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:500] or resp.reason
    if isinstance(body, dict) and len(body) == 1:
        inner = next(iter(body.values()))
        if isinstance(inner, dict) and "message" in inner:
            return str(inner["message"])
    return str(body)[:500]


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
        self._endpoints: dict[tuple[str, str], tuple[str, float]] = {}
        self.pool = ThreadPoolExecutor(max_workers=conf.client.fanout_workers,
                                       thread_name_prefix="fanout")

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
            raise errors.PodUnavailable(region, f"no catalog: {err}") from err
        if not url:
            raise errors.PodUnavailable(region, f"no {service_type} endpoint in the catalog")
        self._endpoints[key] = (url.rstrip("/"), time.monotonic())
        return url.rstrip("/")

    def forget_endpoints(self) -> None:
        """The endpoint may have moved: drop the cached catalog and look again."""
        self._endpoints.clear()
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
            raise errors.PodUnavailable(region, str(err)) from err
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
        `path` is relative to the endpoint, or with `from_root` to its root (see root())."""
        auth = self.service_auth if admin or ctx is None or ctx.user_auth is None \
            else ctx.user_auth
        kwargs.setdefault("connect_retries", self.conf.client.connect_retries)
        request_id = ctx.global_request_id if ctx else None
        for attempt in (1, 2):
            base = self.root if from_root else self.endpoint
            url = base(region, service_type) + path
            try:
                resp = self.session.request(url, method, auth=auth, raise_exc=False,
                                            headers=headers, global_request_id=request_id,
                                            **kwargs)
                break
            except (ks_exc.ConnectFailure, ks_exc.DiscoveryFailure) as err:
                if attempt == 2:
                    raise errors.PodUnavailable(region, str(err)) from err
                self.forget_endpoints()
            except ks_exc.ClientException as err:  # timeouts and other transport failures
                raise errors.PodUnavailable(region, str(err)) from err
        if resp.status_code < 400 or resp.status_code in expect:
            return resp
        if resp.status_code >= 500:
            raise errors.PodUnavailable(region, f"{resp.status_code} {pod_message(resp)}")
        error = _BY_STATUS.get(resp.status_code, errors.BadRequest)
        raise error(pod_message(resp))

    def fanout(self, items: Iterable[T], call: Callable[[T], Any]) -> list[tuple[T, Any]]:
        """call(item) for every item in parallel (bounded pool); [(item, result or the
        exception it raised)] in the order of `items`. Takes as long as the slowest."""
        items = list(items)
        futures = [self.pool.submit(call, item) for item in items]
        out = []
        for item, future in zip(items, futures, strict=True):
            try:
                out.append((item, future.result()))
            except Exception as err:  # noqa: BLE001 - the caller decides per item
                out.append((item, err))
        return out


_clients: PodClients | None = None
_lock = threading.Lock()


def get() -> PodClients:
    global _clients  # noqa: PLW0603 - one session pool per process
    with _lock:
        if _clients is None:
            _clients = PodClients()
        return _clients

