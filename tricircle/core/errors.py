"""Tricircle's errors. Raised anywhere; turned into each API's error shape in one place
(tricircle/api/faults.py). A pod's error becomes one of these in tricircle/clients.py."""
from __future__ import annotations


class TricircleError(Exception):
    code = 500
    message = "An unexpected error occurred."

    def __init__(self, message: str | None = None, *, kind: str | None = None) -> None:
        self.message = message or self.message
        # The error's name in APIs that carry one (Neutron's "type"); by default the
        # name Neutron gives a plain HTTP error of this status (webob's class name).
        self.kind = kind or f"HTTP{type(self).__name__}"
        super().__init__(self.message)


class BadRequest(TricircleError):
    code = 400
    message = "Bad request."


class Unauthorized(TricircleError):
    code = 401
    message = "Authentication required."


class Forbidden(TricircleError):
    code = 403
    message = "Policy does not allow this request."


class NotFound(TricircleError):
    code = 404
    message = "Not found."


class MethodNotAllowed(TricircleError):
    code = 405
    message = "Method not allowed."

    def __init__(self, allowed: list[str]) -> None:
        self.allowed = sorted(allowed)
        super().__init__(f"Method not allowed; allowed: {', '.join(self.allowed)}.")


class NotAcceptable(TricircleError):
    code = 406
    message = "Not acceptable."


class Conflict(TricircleError):
    code = 409
    message = "Conflict."


class RequestTooLarge(TricircleError):
    code = 413
    message = "Request entity too large."


class UnsupportedMediaType(TricircleError):
    code = 415
    message = "Unsupported media type."


class Unprocessable(TricircleError):
    code = 422
    message = "Unprocessable entity."


class PodUnavailable(TricircleError):
    """A pod could not be reached or answered 5xx: the caller may retry later."""
    code = 503
    message = "A pod is unavailable."

    def __init__(self, pod_name: str, detail: str) -> None:
        self.pod_name, self.detail = pod_name, detail
        super().__init__(f"Pod {pod_name} is unavailable: {detail}")


class LeaseLost(TricircleError):
    """A job's worker could not renew its lease in time: another worker may take the job,
    so this one makes no further call to a pod (fencing)."""
    code = 409
    message = "The job's lease was lost."
