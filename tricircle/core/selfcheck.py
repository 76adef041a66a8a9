"""/healthcheck of Tricircle's own processes: oslo.middleware's healthcheck app (what load
balancers of OpenStack services already call), with backends of ours (entry points
oslo.middleware.healthcheck): `tricircle_database` in every process; tricircle-xjob adds
`tricircle_workers` (tricircle/xjob/exposed.py). `[healthcheck] backends` replaces the
defaults (keep ours in it when adding disable_by_file for maintenance)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oslo_middleware import healthcheck
from oslo_middleware.healthcheck import opts as healthcheck_opts
from oslo_middleware.healthcheck import pluginbase
from sqlalchemy import text

from tricircle.core import db
from tricircle.core.conf import CONF


class DatabaseCheck(pluginbase.HealthcheckBaseExtension):
    """Tricircle's database answers a query."""

    def healthcheck(self, server_port: int) -> pluginbase.HealthcheckResult:
        try:
            with db.transaction() as s:
                s.execute(text("SELECT 1"))
        except Exception as err:  # noqa: BLE001 - any failure is the answer
            return pluginbase.HealthcheckResult(
                available=False, reason="database unreachable",
                details=f"{type(err).__name__}: {err}"[:500])
        return pluginbase.HealthcheckResult(available=True, reason="database OK")


def app(backends: list[str]) -> Callable[[dict, Callable], Any]:
    """The healthcheck app; `backends` unless the operator configured others."""
    CONF.register_opts(healthcheck_opts.HEALTHCHECK_OPTS, group="healthcheck")
    CONF.set_default("backends", backends, group="healthcheck")
    return healthcheck.Healthcheck(None, CONF)
