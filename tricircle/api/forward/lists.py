"""Merged lists: every pod in parallel, one sorted page with real limit/marker semantics.

A page asks each pod for `limit` items after that pod's own marker. Where each pod stands
after a page is kept in `list_cursors`, keyed by the page's last id (the marker a client
sends next) and a digest of the listing; a marker without a cursor (made by hand, or
expired) is found by walking the other pods up to the marker's sort position.

A pod that is down or does not answer in time fails the list with 503 naming it by
default: a page silently missing a pod's items would be wrong, and a later page could not
be trusted either. What else it may do, see merged() and docs/health.md.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import delete, select

from tricircle.api import pagination
from tricircle.api.wsgi import MISSING_PODS, Request
from tricircle.compute import listing
from tricircle.core import clients, db, errors, health, pods
from tricircle.core.conf import CONF
from tricircle.core.db.models import ListCursor, Pod, utcnow

CURSOR_TTL = dt.timedelta(hours=6)
PRUNE_EVERY = 60.0  # seconds between removals of expired cursors, per process
_pruned = [0.0]  # when this process last did
_PAGING = ("limit", "marker")


@dataclass(frozen=True)
class Collection:
    service_type: str
    key: str  # "servers"
    rules: listing.SortRules
    # Paths below the pods' roots (they carry the project where the API does):
    detail_path: Callable[[Request], str]  # the detailed list, e.g. /v2.1/servers/detail
    show_path: Callable[[Request, str], str]  # one item
    # A marker that names nothing: Nova's 400; Cinder's MarkerNotFound is a 404.
    marker_missing: type[errors.TricircleError] = errors.BadRequest


def _raise_first(results: list[tuple[Pod, Any]]) -> None:
    failed = [(p, r) for p, r in results if isinstance(r, Exception)]
    for pod, err in failed:
        if isinstance(err, errors.PodUnavailable):
            raise errors.PodUnavailable(pod.pod_name, f"{err.message} The list would be "
                                        "incomplete; try again when the pod is back.")
    if failed:
        raise failed[0][1]


class _Listing:
    """One merged list request."""

    def __init__(self, req: Request, coll: Collection) -> None:
        self.req, self.coll = req, coll
        self.limit = pagination.limit_of(req)
        if "sort" in req.GET:  # Cinder's form
            asked = listing.split_sort(req.GET["sort"])
        else:
            asked = req.GET.getall("sort_key"), req.GET.getall("sort_dir")
        self.keys = listing.sort_keys(coll.rules, *asked)
        self.filters = [(k, v) for k, v in req.GET.items() if k not in _PAGING]
        what = [req.context.project_id, req.context.user_id, req.path_info,
                sorted(self.filters)]
        self.digest = hashlib.sha256(json.dumps(what).encode()).hexdigest()

    def fetch(self, pod: Pod, limit: int, marker: str | None) -> list[dict]:
        params = [*self.filters, ("limit", str(limit))] + (
            [("marker", marker)] if marker else [])
        headers = {h: self.req.headers[h] for h in ("OpenStack-API-Version",
                                                    "X-OpenStack-Nova-API-Version")
                   if h in self.req.headers}
        return clients.get().get_json(self.req.context, pod.pod_name, self.coll.service_type,
                                      self.coll.detail_path(self.req), params=params,
                                      headers=headers, from_root=True)[self.coll.key]

    def walk_to(self, pod: Pod, anchor: dict) -> str | None:
        """The last item of `pod` sorting at or before `anchor`: that pod's marker."""
        batch = max(self.limit, 50)
        marker = None
        while True:
            items = self.fetch(pod, batch, marker)
            for item in items:
                if listing.is_after(item, anchor, self.keys):
                    return marker
                marker = item["id"]
            if len(items) < batch:
                return marker

    def markers_after(self, marker: str, bottom: list[Pod],
                      find_pod: Callable[[str], Pod | None]) -> dict[str, str | None]:
        """Each pod's marker for the page after `marker`: remembered, or found."""
        with db.transaction() as s:
            cursor = s.scalar(select(ListCursor).where(ListCursor.marker == marker,
                                                       ListCursor.query == self.digest))
        if cursor is not None:
            return cursor.pod_markers
        owner = find_pod(marker)
        if owner is None:
            raise self.coll.marker_missing(f"marker [{marker}] not found")
        if owner.pod_id not in {p.pod_id for p in bottom}:  # a pod that is down
            raise errors.PodUnavailable(owner.pod_name, "it is down, and the page after "
                                        "its marker cannot be known without it.")
        resp = clients.get().request(self.req.context, owner.pod_name,
                                     self.coll.service_type, "GET",
                                     self.coll.show_path(self.req, marker), from_root=True,
                                     expect=(404,))
        if resp.status_code == 404:
            raise self.coll.marker_missing(f"marker [{marker}] not found")
        anchor = next(iter(resp.json().values()))
        others = [p for p in bottom if p.pod_id != owner.pod_id]
        walked = clients.get().fanout(others, lambda p: self.walk_to(p, anchor))
        _raise_first(walked)
        return {owner.pod_id: marker, **{p.pod_id: m for p, m in walked}}

    def remember(self, last_id: str, markers: dict) -> None:
        with db.transaction() as s:
            db.insert_ignore(s, ListCursor, {"marker": last_id, "query": self.digest,
                                             "pod_markers": markers, "created_at": utcnow()})
            if time.monotonic() - _pruned[0] > PRUNE_EVERY:  # not on every page: a scan
                _pruned[0] = time.monotonic()
                s.execute(delete(ListCursor).where(
                    ListCursor.created_at < utcnow() - CURSOR_TTL))


StandIns = Callable[[list[Pod]], list[tuple[str, dict]] | None]


def merged(req: Request, coll: Collection, find_pod: Callable[[str], Pod | None],
           translate: Callable[[dict, Pod], dict], stand_ins: StandIns | None = None
           ) -> tuple[list[dict], list[dict]]:
    """(items, links) of one merged page.

    A pod that health marks down for this service is not asked; one that does not
    answer within [client] list_deadline (or fails) is left out too. Then, on a first
    page, `stand_ins(missing pods)` may give records in their place ((pod id, item):
    Nova's UNKNOWN servers at 2.69); else [api] degraded_lists says: `fail` is a 503
    naming the pod, `partial` the other pods' page with the missing pods named in the
    X-Tricircle-Missing-Pods header."""
    lst = _Listing(req, coll)
    bottom = pods.bottom()
    by_id = {p.pod_id: p for p in bottom}
    down = health.down_pods(coll.service_type)
    asked = [p for p in bottom if p.pod_id not in down]
    marker = req.GET.get("marker")
    markers = lst.markers_after(marker, asked, find_pod) if marker else {}
    results = clients.get().fanout(asked, lambda p: lst.fetch(p, lst.limit,
                                                              markers.get(p.pod_id)),
                                   deadline=CONF.client.list_deadline)
    missing = [p for p in bottom if p.pod_id in down]
    missing += [p for p, r in results if isinstance(r, (errors.PodUnavailable, TimeoutError))]
    _raise_first([(p, r) for p, r in results if p not in missing])
    pages = {p.pod_id: items for p, items in results if p not in missing}
    if missing:
        extra = stand_ins(missing) if stand_ins is not None and not marker else None
        if extra is not None:
            cmp = functools.cmp_to_key(listing.comparator(lst.keys))
            for pod in missing:
                pages[pod.pod_id] = sorted((item for pid, item in extra
                                            if pid == pod.pod_id), key=cmp)
        elif CONF.api.degraded_lists == "partial":
            req.environ[MISSING_PODS] = [p.pod_name for p in missing]
        else:
            pod = missing[0]
            why = "it is down" if pod.pod_id in down else "it did not answer in time"
            failed = dict(results).get(pod)
            if isinstance(failed, errors.PodUnavailable):
                why = failed.detail
            raise errors.PodUnavailable(pod.pod_name, f"{why.rstrip('.')}. The list would "
                                        "be incomplete; try again when the pod is back.")
    page = listing.merge(pages, lst.keys, lst.limit)
    items = [translate(item, by_id[pod_id]) for pod_id, item in page]
    links = []
    if lst.limit and len(page) == lst.limit:
        last = page[-1][1]["id"]
        lst.remember(last, listing.next_markers(markers, page))
        query = urlencode([*lst.filters, ("limit", lst.limit), ("marker", last)])
        links.append({"rel": "next", "href": f"{req.path_url}?{query}"})
    return items, links

