"""limit/marker pagination over our own tables (newest first), with a `next` link."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, or_
from sqlalchemy.orm import Session

from tricircle.api.wsgi import Request
from tricircle.core import errors, integers
from tricircle.core.conf import CONF


def limit_of(req: Request) -> int:
    raw = req.GET.get("limit")
    if raw is None:
        return CONF.api.max_page_size
    limit = integers.digits(raw)
    if limit is None:
        raise errors.BadRequest(f"limit must be an integer 0 or more, not {raw[:50]!r}.")
    return min(limit, CONF.api.max_page_size)


def page(session: Session, req: Request, query: Select, model: Any, *, key: str,
         shape: Callable[[Any], dict]) -> dict:
    """The answer {key: [...], key_links: [next]} for the page after `marker` (an id),
    ordered created_at, id desc."""
    limit = limit_of(req)
    query = query.order_by(model.created_at.desc(), model.id.desc())
    marker = req.GET.get("marker")
    if marker is not None:
        anchor = session.get(model, _id(model, marker))
        if anchor is None:
            raise errors.BadRequest(f"marker [{marker[:50]}] not found")
        query = query.where(or_(model.created_at < anchor.created_at,
                                (model.created_at == anchor.created_at)
                                & (model.id < anchor.id)))
    rows = list(session.scalars(query.limit(limit + 1))) if limit else []
    links = []
    if limit and len(rows) > limit:  # limit=0: an empty page, as Nova answers
        rows = rows[:limit]
        params = {k: v for k, v in req.GET.items() if k != "marker"}
        params.update(marker=str(rows[-1].id), limit=str(limit))
        links.append({"rel": "next", "href": f"{req.path_url}?{urlencode(params)}"})
    body: dict = {key: [shape(r) for r in rows]}
    if links:
        body[f"{key}_links"] = links
    return body


def _id(model: Any, marker: str) -> Any:
    if model.id.type.python_type is int:
        number = integers.digits(marker)
        if number is None:
            raise errors.BadRequest(f"marker [{marker[:50]}] not found")
        return number
    return marker
