"""The one place where errors become HTTP answers, in the shape each API's clients parse."""
from __future__ import annotations

import logging
from collections.abc import Callable

import webob
from oslo_config import cfg

from tricircle.api.wsgi import Layer, Request, json_response
from tricircle.core import errors
from tricircle.core.conf import CONF

LOG = logging.getLogger(__name__)

# Nova's (and Cinder's) names for each status; any other is "computeFault" (406 too).
# 422 appears only in the admin API.
NOVA_NAMES = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
              405: "badMethod", 409: "conflictingRequest", 413: "overLimit",
              415: "badMediaType", 422: "unprocessableEntity", 429: "overLimit",
              501: "notImplemented", 503: "serviceUnavailable"}


def nova_body(err: errors.TricircleError) -> dict:
    name = NOVA_NAMES.get(err.code, "computeFault")
    return {name: {"message": err.message, "code": err.code}}


def neutron_body(err: errors.TricircleError) -> dict:
    return {"NeutronError": {"type": err.kind, "message": err.message, "detail": ""}}


def _keystone_uri() -> str:
    try:
        return CONF.keystone_authtoken.www_authenticate_uri or ""
    except cfg.NoSuchOptError:  # keystonemiddleware not loaded (apps run without auth)
        return ""


Shape = Callable[[errors.TricircleError], dict]


class FaultWrapper(Layer):
    """Turn every exception below into a JSON error; never a stack trace to the client."""

    def __init__(self, app: Callable, shape: Shape = nova_body) -> None:
        self.app = app
        self.shape = shape

    def handle(self, req: Request) -> webob.Response:
        try:
            return self.forward(req)
        except errors.TricircleError as err:
            return self.answer(err)
        except UnicodeError:  # a query string or body that is not UTF-8 (webob decodes late)
            return self.answer(errors.BadRequest("The request is not valid UTF-8."))
        except Exception:
            LOG.exception("Unexpected error serving %s %s", req.method, req.path)
            return self.answer(errors.TricircleError(
                "An unexpected error occurred; the operator's log has its request id."))

    def answer(self, err: errors.TricircleError) -> webob.Response:
        headers = {}
        if isinstance(err, errors.MethodNotAllowed):
            headers["Allow"] = ", ".join(err.allowed)
        if isinstance(err, errors.Unauthorized):
            headers["WWW-Authenticate"] = f"Keystone uri='{_keystone_uri()}'"
        return json_response(self.shape(err), status=err.code, headers=headers)
