"""Pods in memory, for the in-process API suite: Nova's servers and Cinder's volumes and
snapshots with the shapes, statuses and error bodies the real services answer (checked
against the testbed's Nova 34 and Cinder 29), behind the same interface as
tricircle.core.clients.PodClients. Logic only: what a real pod does beyond this is tested
against the testbed.
"""
from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from requests.structures import CaseInsensitiveDict

from tricircle.core import clients, errors
from tricircle.core.context import RequestContext

_clock = itertools.count()
_EPOCH = dt.datetime(2026, 1, 1)


def _now() -> str:
    """Strictly increasing creation times, so that sort orders are exact."""
    return (_EPOCH + dt.timedelta(seconds=next(_clock))).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Response:
    """What PodClients.request returns: a requests-like answer."""
    status_code: int
    body: Any = None
    headers: CaseInsensitiveDict = field(default_factory=CaseInsensitiveDict)
    reason: str = ""

    def __post_init__(self) -> None:
        if self.body is not None:
            self.headers.setdefault("Content-Type", "application/json")

    @property
    def content(self) -> bytes:
        return b"" if self.body is None else json.dumps(self.body).encode()

    @property
    def text(self) -> str:
        return self.content.decode()

    def json(self) -> Any:
        return json.loads(self.content)


def fault(status: int, message: str) -> Response:
    """Nova's and Cinder's error body: {"<name>": {"message", "code"}}."""
    name = {400: "badRequest", 403: "forbidden", 404: "itemNotFound",
            409: "conflictingRequest"}[status]
    return Response(status, {name: {"message": message, "code": status}})


@dataclass
class Kind:
    """One collection of a pod's service."""
    key: str  # "server"
    base: str  # path below the root: "/v2.1/servers" or "/v3/{project}/volumes"
    not_found: str  # Nova's / Cinder's message
    owner: str  # the field naming the project
    az: str  # the field naming the availability zone
    sort_fields: dict[str, str]  # sort key -> field
    create: Callable[[FakePod, dict, str, str], dict | Response]  # body, project, user


class FakePod:
    """One region: its servers, volumes and snapshots, and whether it answers."""

    def __init__(self, name: str, az: str, versions: dict[str, tuple] | None = None) -> None:
        self.name, self.az = name, az
        self.up = True
        self.hung = False  # accepts calls, answers none: a list's deadline passes
        self.items: dict[str, dict[str, dict]] = {"server": {}, "volume": {}, "snapshot": {}}
        self.versions = versions or {"compute": ((2, 1), (2, 96)),
                                     "volumev3": ((3, 0), (3, 71))}
        self.calls: list[tuple[str, str]] = []
        # (object id, sub-path) -> the answer to GET there, e.g. ("<server>", "/os-interface")
        self.extra: dict[tuple[str, str], dict] = {}
        self.keypairs: set[tuple[str, str]] = set()  # (user, name)

    @property
    def root(self) -> str:
        return f"http://{self.name.lower()}.pods.test"

    def answer(self, method: str, path: str, params: list, body: Any, project: str | None,
               user: str, admin: bool) -> Response:
        self.calls.append((method, path))
        keypair = re.fullmatch(r"/v2.1/os-keypairs/([^/]+)", path)
        if keypair and method == "DELETE":  # the caller's own, as Nova below 2.10
            if (user, keypair.group(1)) not in self.keypairs:
                return fault(404, f"Keypair {keypair.group(1)} not found for user {user}")
            self.keypairs.remove((user, keypair.group(1)))
            return Response(202)
        for kind in KINDS:
            m = re.fullmatch(kind.base.format(project=r"[^/]+") + r"(/detail|/[^/]+)?(/.*)?",
                             path)
            if m is None:
                continue
            if m.group(1) in (None, "/detail") and m.group(2) is None:
                if method == "POST" and m.group(1) is None:
                    return self._create(kind, body, project, user)
                if method == "GET":
                    return self._list(kind, dict(params), project, admin, m.group(1))
                return Response(405)
            item_id = m.group(1)[1:]
            item = self.items[kind.key].get(item_id)
            if item is None or not (admin or item[kind.owner] == project):
                return fault(404, kind.not_found.format(id=item_id))
            if method == "GET" and m.group(2) is None:
                return Response(200, {kind.key: item})
            if method == "DELETE" and m.group(2) is None:
                del self.items[kind.key][item_id]
                return Response(204 if kind.key == "server" else 202)
            if method == "PUT" and m.group(2) is None:
                if not isinstance(body, dict) or not isinstance(body.get(kind.key), dict):
                    return fault(400, f"Invalid input for field/attribute {kind.key}.")
                item.update({k: v for k, v in body[kind.key].items() if k in ("name",)})
                return Response(200, {kind.key: item})
            if method == "GET" and (item_id, m.group(2)) in self.extra:
                return Response(200, json.loads(json.dumps(self.extra[item_id, m.group(2)])))
            return Response(202 if method == "POST" else 200, {})
        return fault(404, "The resource could not be found.")

    def _create(self, kind: Kind, body: Any, project: str | None, user: str) -> Response:
        if not isinstance(body, dict) or not isinstance(body.get(kind.key), dict):
            return fault(400, f"Missing {kind.key} in request body.")
        made = kind.create(self, body[kind.key], project or "", user)
        if isinstance(made, Response):
            return made
        made.setdefault("id", str(uuid.uuid4()))
        made.update({kind.owner: project, kind.az: self.az, "created": _now()})
        made["created_at"] = made["created"]
        made["links"] = [{"rel": "self", "href": f"{self.root}{kind.base.format(project=project)}"
                                                 f"/{made['id']}"}]
        self.items[kind.key][made["id"]] = made
        return Response(202, {kind.key: made},
                        CaseInsensitiveDict({"Location": made["links"][0]["href"]}))

    def _list(self, kind: Kind, params: dict, project: str | None, admin: bool,
              detail: str | None) -> Response:
        everyone = admin and params.get("all_tenants") not in (None, "0", "false")
        items = [i for i in self.items[kind.key].values()
                 if (everyone and params.get("project_id") in (None, i[kind.owner]))
                 or i[kind.owner] == project]
        if "name" in params:
            items = [i for i in items if re.search(params["name"], i.get("name") or "")]
        keys = params["sort_key"].split(",") if "sort_key" in params else ["created_at"]
        dirs = params["sort_dir"].split(",") if "sort_dir" in params else []
        if "sort" in params:
            pairs = [p.partition(":") for p in params["sort"].split(",")]
            keys, dirs = [k for k, _, _ in pairs], [d or "desc" for _, _, d in pairs]
        order = [(kind.sort_fields[k], (dirs[n] if n < len(dirs) else "desc") == "desc")
                 for n, k in enumerate(keys)] + [("id", True)]
        for fld, desc in reversed(order):
            items.sort(key=lambda i, f=fld: (i.get(f) is not None, i.get(f) or ""),
                       reverse=desc)
        if "marker" in params:
            ids = [i["id"] for i in items]
            if params["marker"] not in ids:
                return fault(400, f"marker [{params['marker']}] not found")
            items = items[ids.index(params["marker"]) + 1:]
        if "limit" in params:
            items = items[:int(params["limit"])]
        if detail is None:
            items = [{k: i[k] for k in ("id", "name", "links")} for i in items]
        return Response(200, {f"{kind.key}s": items})


def _server(pod: FakePod, body: dict, project: str, user: str) -> dict | Response:
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 255:
        return fault(400, "Invalid input for field/attribute name.")
    if "flavorRef" not in body:
        return fault(400, "Invalid input for field/attribute server. Value: "
                          f"{body}. 'flavorRef' is a required property")
    return {"name": name, "status": "ACTIVE", "tenant_id": project, "user_id": user,
            "flavor": {"id": body["flavorRef"]}, "addresses": {}, "metadata": {},
            "networks": body.get("networks")}


def _volume(pod: FakePod, body: dict, project: str, user: str) -> dict | Response:
    if not isinstance(body.get("size"), int) or body["size"] < 1:
        return fault(400, "Invalid input received: size must be an integer greater than 0.")
    return {"name": body.get("name"), "size": body["size"], "status": "available",
            "user_id": user, "bootable": "false", "volume_type": "__DEFAULT__"}


def _snapshot(pod: FakePod, body: dict, project: str, user: str) -> dict | Response:
    volume = pod.items["volume"].get(body.get("volume_id"))
    if volume is None:
        return fault(404, f"Volume {body.get('volume_id')} could not be found.")
    return {"name": body.get("name"), "volume_id": volume["id"], "size": volume["size"],
            "status": "available", "os-extended-snapshot-attributes:progress": "100%",
            "os-extended-snapshot-attributes:project_id": project}


SERVER_SORT = {"created_at": "created", "display_name": "name", "uuid": "id"}
VOLUME_SORT = {"created_at": "created_at", "name": "name", "display_name": "name", "id": "id",
               "size": "size"}
KINDS = (
    Kind("server", "/v2.1/servers", "Instance {id} could not be found.", "tenant_id",
         "OS-EXT-AZ:availability_zone", SERVER_SORT, _server),
    Kind("volume", "/v3/{project}/volumes", "Volume {id} could not be found.",
         "os-vol-tenant-attr:tenant_id", "availability_zone", VOLUME_SORT, _volume),
    Kind("snapshot", "/v3/{project}/snapshots", "Snapshot {id} could not be found.",
         "os-extended-snapshot-attributes:project_id", "availability_zone", VOLUME_SORT,
         _snapshot),
)


class FakePodClients:
    """PodClients' interface over FakePods; the top region is known to Keystone too."""

    def __init__(self, pods: Iterable[FakePod], top: str = "RegionOne") -> None:
        self.pods = {p.name: p for p in pods}
        self.top = top

    def pod(self, region: str) -> FakePod:
        pod = self.pods.get(region)
        if pod is None or not pod.up:
            raise errors.PodUnavailable(region, "connection refused")
        return pod

    def regions(self) -> set[str]:
        return {self.top, *self.pods}

    def endpoint(self, region: str, service_type: str) -> str:
        return self.root(region, service_type)

    def root(self, region: str, service_type: str) -> str:
        if region not in self.pods:
            raise errors.PodUnavailable(region, "no such region")
        return self.pods[region].root  # the catalog knows it, up or down

    def forget_endpoints(self) -> None:
        pass

    def microversions(self, region: str, service_type: str) -> tuple | None:
        return self.pod(region).versions.get(service_type)

    def request(self, ctx: RequestContext | None, region: str, service_type: str,
                method: str, path: str, *, admin: bool = False, expect: Iterable[int] = (),
                headers: dict | None = None, from_root: bool = False, params: Any = None,
                json: Any = None, data: bytes | None = None, **_: Any) -> Response:
        pod = self.pod(region)
        body = json if json is not None else (_json_or_none(data) if data else None)
        is_admin = admin or ctx is None or "admin" in (ctx.roles or [])
        params = list(params.items()) if isinstance(params, dict) else list(params or [])
        resp = pod.answer(method.upper(), path, params, body,
                          None if ctx is None else ctx.project_id,
                          "" if ctx is None else ctx.user_id or "", is_admin)
        return clients.checked(region, resp, expect)

    def get_json(self, ctx: RequestContext | None, region: str, service_type: str,
                 path: str, **kwargs: Any) -> Any:
        return self.request(ctx, region, service_type, "GET", path, **kwargs).json()

    def fanout(self, items: Iterable, call: Callable,
               deadline: float | None = None) -> list[tuple[Any, Any]]:
        out = []
        for item in items:
            pod = self.pods.get(getattr(item, "pod_name", None) or "")
            if deadline is not None and pod is not None and pod.hung:
                out.append((item, TimeoutError()))  # as PodClients.fanout past deadline
                continue
            try:
                out.append((item, call(item)))
            except Exception as err:  # noqa: BLE001 - as PodClients.fanout: per item
                out.append((item, err))
        return out


def _json_or_none(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None
