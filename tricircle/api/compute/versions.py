"""Nova's version documents."""
from __future__ import annotations

from tricircle.api import versions
from tricircle.api.wsgi import Request
from tricircle.core import microversions

BASE = ((2, 1), (2, 1))


def _doc(req: Request) -> dict:
    low, high = versions.supported("compute", BASE)
    return {"id": "v2.1", "status": "CURRENT", "version": microversions.text(high),
            "min_version": microversions.text(low), "updated": "2013-07-23T11:33:21Z",
            "links": [{"rel": "self", "href": f"{req.application_url}/v2.1/"}]}


def index(req: Request) -> dict:
    return {"versions": [_doc(req)]}


def show(req: Request) -> dict:
    return {"version": {**_doc(req), "media-types": [{
        "base": "application/json",
        "type": "application/vnd.openstack.compute+json;version=2.1"}]}}
