"""Resources that live in one pod and keep their pod id as top id (servers, volumes):
made in the pod of the requested availability zone, found by the routing table after.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import webob

from tricircle.api.forward import lists, proxy, top_ids
from tricircle.api.wsgi import Request
from tricircle.compute import reaper
from tricircle.core import clients, db, errors, health, pods, routing
from tricircle.core.conf import CONF
from tricircle.core.db.models import Pod, utcnow

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Routed:
    resource_type: str  # in the routing table: "server"
    key: str  # the body key: "server"
    collection: lists.Collection
    az_field: str  # where an answer names the AZ
    owner_field: str  # where an answer names the project (admins may see it)
    not_found: str  # Nova's / Cinder's message, with {id}
    # More to change in an answer's item, e.g. a server's bottom network names.
    translate_more: Callable[[dict], None] | None = None
    # Whether the API's lists carry a next link (`<key>_links`); Nova's proxies do not.
    next_links: bool = True
    # Records standing in for a missing pod's objects in a list (lists.merged), if any.
    stand_ins: Callable[[Request, list[Pod]], list[tuple[str, dict]] | None] | None = None
    # Ids an item names that are never a pod's own (a server's image: Glance is shared).
    foreign: Callable[[dict], Iterable[str]] = lambda item: ()

    @property
    def service_type(self) -> str:
        return self.collection.service_type

    # -- answers ---------------------------------------------------------------------
    def translate_item(self, item: dict, pod: Pod) -> dict:
        """An item as the top shows it: the AZ is the pod's top AZ."""
        if self.az_field in item:
            item[self.az_field] = pod.az_name
        if self.translate_more:
            self.translate_more(item)
        return item

    def translate(self, body: dict, pod: Pod) -> dict:
        """Any answer about one object (itself, its interfaces, groups, attachments...)."""
        item = body.get(self.key)
        if isinstance(item, dict):
            self.translate_item(item, pod)
        elif self.translate_more:  # a sub-resource (a server's `ips`: its addresses)
            self.translate_more(body)
        top_ids.translate([(body, pod)], self.kept([item]))
        return body

    def kept(self, items: Iterable[Any]) -> set[str]:
        """The ids in these items that are top ids already: each one's own (these keep
        their pod id as top id) and what it names of shared services."""
        found: set[str] = set()
        for item in items:
            if isinstance(item, dict):
                if isinstance(item.get("id"), str):
                    found.add(item["id"])
                found.update(i for i in self.foreign(item) if isinstance(i, str))
        return found

    # -- where it lives --------------------------------------------------------------
    def find_pod(self, req: Request, top_id: str) -> Pod | None:
        """The pod of an object the caller may see. A missing routing row (its creator
        died before writing it) is repaired by asking the pods."""
        ctx = req.context
        if not top_ids.UUID.fullmatch(top_id):  # servers, volumes...: anything else names
            return None  # nothing (never looked up, nor recorded)
        found = routing.locate(top_id, self.resource_type,
                               project_id=None if ctx.is_admin else ctx.project_id)
        if found is not None:
            pod, row = found
            return pod if ctx.is_admin or row.project_id == ctx.project_id else None
        bottom = pods.bottom()
        path = self.collection.show_path(req, top_id)
        answers = clients.get().fanout(bottom, lambda p: clients.get().request(
            ctx, p.pod_name, self.service_type, "GET", path, from_root=True, expect=(404,)))
        for pod, resp in answers:
            item = _item(resp, self.key)
            if item is not None and item.get("id") == top_id:  # that very object
                owner = item.get(self.owner_field) or ctx.project_id
                if not isinstance(owner, str):
                    continue
                routing.record(top_id, pod.pod_id, self.resource_type, owner, top_id)
                return pod
        return None

    def pod_of(self, req: Request, top_id: str) -> Pod:
        pod = self.find_pod(req, top_id)
        if pod is None:
            raise errors.NotFound(self.not_found.format(id=top_id))
        return pod

    # -- handlers --------------------------------------------------------------------
    def list(self, req: Request, summary: Callable[[dict], dict] | None = None) -> dict:
        seen: list[tuple[dict, Pod]] = []

        def translate(item: dict, pod: Pod) -> dict:
            seen.append((item, pod))
            for link in item.get("links") or ():  # the pod's URL, made ours
                if isinstance(link, dict) and isinstance(link.get("href"), str):
                    link["href"] = proxy.our_urls(link["href"], req, pod, self.service_type)
            return self.translate_item(item, pod)
        stand_ins = self.stand_ins
        items, links = lists.merged(
            req, self.collection, lambda i: self.find_pod(req, i), translate,
            stand_ins=None if stand_ins is None else lambda missing: stand_ins(req, missing))
        top_ids.translate(seen, self.kept(i for i, _ in seen))  # one query per pod per page
        body: dict = {self.collection.key: [summary(i) for i in items] if summary else items}
        if links and self.next_links:
            body[f"{self.collection.key}_links"] = links
        return body

    def create(self, req: Request, check: Callable[[dict], None] | None = None
               ) -> webob.Response:
        body = req.json_body()
        item = dict(req.json_body(self.key))
        if check:
            check(item)
        pod = self.pick_pod(req, item)
        return self.create_in(req, pod, {**body, self.key: item})

    def pick_pod(self, req: Request, item: dict) -> Pod:
        """The pod of a new object's availability zone (the project's binding there);
        `item`'s AZ becomes the pod's own AZ name."""
        az = item.get("availability_zone") or CONF.compute.default_availability_zone
        if not az:
            raise errors.BadRequest("availability_zone is required: no default availability "
                                    "zone is configured.")
        if not isinstance(az, str):
            raise errors.BadRequest("Invalid input for field/attribute availability_zone.")
        with db.transaction() as s:
            # "az:host" names a host inside the pod: the AZ part picks the pod.
            pod = pods.pod_for_project(s, req.context.project_id, az.split(":")[0])
        if pod.pod_az_name:
            item["availability_zone"] = pod.pod_az_name
        else:
            item.pop("availability_zone", None)
        return pod

    def create_in(self, req: Request, pod: Pod, body: dict) -> webob.Response:
        """Create in `pod` and record where it lives. A pod that did not answer (or
        failed) may have made it all the same: a job removes it if so."""
        started = utcnow()
        try:
            resp = proxy.call(req, pod, self.service_type, body=body)
        except errors.PodUnavailable:
            name = body.get(self.key, {}).get("name")
            if isinstance(name, str) and name:
                reaper.queue(self.resource_type, pod.pod_id, req.context.project_id, name,
                             started)
            raise
        if resp.status_code < 300 and self.key in resp.json():
            # (Nova's reservation id alone names no server: they are found when shown.)
            self._record(req, pod, resp.json()[self.key]["id"])
        return proxy.answer(req, pod, self.service_type, resp, self.translate)

    def _record(self, req: Request, pod: Pod, top_id: str) -> None:
        try:
            routing.record(top_id, pod.pod_id, self.resource_type, req.context.project_id,
                           top_id)
        except Exception:
            # Unrecorded, it would be found again by asking the pods; but the user is told
            # the create failed, so it must not exist.
            LOG.exception("Could not record %s %s; deleting it from %s", self.resource_type,
                          top_id, pod.pod_name)
            clients.get().request(req.context, pod.pod_name, self.service_type, "DELETE",
                                  self.collection.show_path(req, top_id), from_root=True,
                                  expect=(404,))
            raise

    def one(self, req: Request, top_id: str) -> webob.Response:
        """Anything on one object: forwarded to its pod; 503 at once if the health probes
        found that pod down (nothing is queued for later)."""
        pod = self.pod_of(req, top_id)
        if health.is_down(pod.pod_id, self.service_type):
            raise errors.PodUnavailable(pod.pod_name, "it is down (health probes); try "
                                        "again when it is back.")
        resp = proxy.call(req, pod, self.service_type)
        if resp.status_code == 404 and req.method == "GET" and "rest" not in req.urlvars:
            routing.forget(top_id, pod.pod_id, self.resource_type)  # gone from the pod
        return proxy.answer(req, pod, self.service_type, resp, self.translate)


def _item(resp: Any, key: str) -> dict | None:
    """The object of a pod's 200 answer to a show, if it is one (a pod's answer is
    untrusted input)."""
    if isinstance(resp, Exception) or resp.status_code != 200:
        return None
    try:
        item = resp.json().get(key)
    except (ValueError, AttributeError):
        return None
    return item if isinstance(item, dict) else None
