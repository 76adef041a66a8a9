"""Request context: who is calling, with which token, under which request id."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oslo_context import context as oslo_context


class RequestContext(oslo_context.RequestContext):
    """oslo.context's context plus the caller's auth plugin (from keystonemiddleware),
    which carries the user's token for calls made to the pods on the user's behalf."""

    def __init__(self, user_auth: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user_auth = user_auth
        # A job's context: past this time.monotonic() its lease may have passed to another
        # worker, and no pod may be called any more (tricircle/xjob/worker.py).
        self.deadline: float | None = None
        # A job's context: the worker running it (the owner of its lease and claims) ...
        self.job_owner: str | None = None
        # ... and calls to make once it is done (bottom.create's marks).
        self.deferred: list[Callable[[], None]] | None = None
        # The pods called on this context's behalf (a request's fan-out width, metrics).
        self.pods_called: set[str] = set()

    @classmethod
    def from_environ(cls, environ: dict, **kwargs: Any) -> RequestContext:
        kwargs.setdefault("user_auth", environ.get("keystone.token_auth"))
        ctx = super().from_environ(environ, **kwargs)
        # Pods see the id our caller sent or, failing that, ours: one id end to end.
        ctx.global_request_id = ctx.global_request_id or ctx.request_id
        return ctx


def admin_context(request_id: str | None = None) -> RequestContext:
    """Tricircle acting on its own behalf (jobs, manage commands): service account."""
    kwargs: dict[str, Any] = {"is_admin": True, "roles": ["admin"], "overwrite": False}
    if request_id:
        kwargs["request_id"] = request_id
    return RequestContext(**kwargs)
