"""openstack tricircle job list|show|redo|delete: the durable work queue."""
from __future__ import annotations

from typing import Any

from osc_lib.command import command

from tricircle.osc import common

LIST = (("ID", "id"), ("Type", "type"), ("Status", "status"), ("Attempts", "attempts"),
        ("Updated", "timestamp"))
LONG = (("Project", "project_id"), ("Resource", "resource"), ("Run After", "run_after"),
        ("Last Error", "last_error"))
FILTERS = {"status": "status", "type": "type", "project": "project_id",
           "limit": "limit", "marker": "marker"}


class _OneJob(common.OneObject):
    ARG = ("job", "<job-id>", "Job ID")


class ListJob(command.Lister):
    """List jobs (newest first)"""

    def get_parser(self, prog_name: str) -> Any:
        parser = super().get_parser(prog_name)
        parser.add_argument("--long", action="store_true",
                            help="Also project, resource, next run and last error")
        parser.add_argument("--status", metavar="<status>",
                            help="NEW, RUNNING, SUCCESS, FAIL, ...")
        parser.add_argument("--type", metavar="<type>", help="e.g. configure_route")
        parser.add_argument("--project", metavar="<project-id>")
        parser.add_argument("--limit", type=int, metavar="<n>", help="One page of n jobs")
        parser.add_argument("--marker", metavar="<id>", help="The page after this job")
        return parser

    def take_action(self, parsed: Any) -> tuple:
        items = common.client(self).pages("/jobs", "jobs", common.params(parsed, FILTERS))
        return common.columns(items, LIST + LONG if parsed.long else LIST)


class ShowJob(_OneJob, command.ShowOne):
    """Show a job"""

    def take_action(self, parsed: Any) -> tuple:
        return common.one(common.client(self).call("GET", f"/jobs/{parsed.job}")["job"])


class RedoJob(_OneJob, command.ShowOne):
    """Run a job again now (a failed one too)"""

    def take_action(self, parsed: Any) -> tuple:
        return common.one(common.client(self).call("PUT", f"/jobs/{parsed.job}")["job"])


class DeleteJob(common.Delete):
    """Delete job(s)"""

    PATH = "/jobs/{}"
    ARG = ("jobs", "<job-id>", "Job ID(s)")
