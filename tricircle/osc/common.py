"""What every command shares: the client, columns, and finding an object by id or name."""
from __future__ import annotations

from typing import Any

from osc_lib import exceptions
from osc_lib.cli import format_columns
from osc_lib.command import command


def client(cmd: Any) -> Any:
    return cmd.app.client_manager.tricircle


def columns(items: list[dict], wanted: tuple[tuple[str, str], ...]) -> tuple[tuple, list]:
    """(headings, rows) for a Lister: `wanted` is ((heading, field), ...)."""
    return (tuple(h for h, _ in wanted),
            [tuple(_shown(item.get(f)) for _, f in wanted) for item in items])


def one(item: dict) -> tuple[tuple, tuple]:
    """(names, values) for a ShowOne: every field the API gave, sorted."""
    names = tuple(sorted(item))
    return names, tuple(_shown(item[n]) for n in names)


def _shown(value: Any) -> Any:
    """Objects (a job's resource) as OSC shows dicts: k='v', ... in a table, an object in
    JSON and YAML; what nests deeper as one line per key."""
    if isinstance(value, dict):
        return format_columns.DictColumn({k: _flat(v) for k, v in value.items()})
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        return format_columns.ListDictColumn(value)
    return value


def _flat(value: Any) -> Any:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items()))
    return value


def params(parsed: Any, names: dict[str, str]) -> dict:
    """Query parameters from the options that were given: {option dest: API name}."""
    return {api: str(v) for dest, api in names.items()
            if (v := getattr(parsed, dest, None)) is not None}


def find_pod(tricircle: Any, name_or_id: str) -> dict:
    """A pod by id, else by its name (the Keystone region): OSC's usual lookup."""
    for pod in tricircle.pages("/pods", "pods", {}):
        if name_or_id in (pod["pod_id"], pod["pod_name"]):
            return pod
    raise exceptions.CommandError(f"No pod with a name or ID of '{name_or_id}' exists.")


class OneObject:
    """A command on one object named by a positional argument (mix in before the cliff
    command class): `ARG` = (dest, metavar, help)."""

    ARG: tuple[str, str, str] = ("id", "<id>", "ID")

    def get_parser(self, prog_name: str) -> Any:
        parser = super().get_parser(prog_name)  # type: ignore[misc]
        dest, metavar, help_ = self.ARG
        parser.add_argument(dest, metavar=metavar, help=help_)
        return parser


class Delete(command.Command):
    """Delete one or more objects: `PATH` with {} for each id (`resolve` turns what the
    user typed into the id)."""

    PATH = "/{}"
    ARG: tuple[str, str, str] = ("ids", "<id>", "ID(s)")

    def get_parser(self, prog_name: str) -> Any:
        parser = super().get_parser(prog_name)
        dest, metavar, help_ = self.ARG
        parser.add_argument(dest, metavar=metavar, nargs="+", help=help_)
        return parser

    def resolve(self, tricircle: Any, given: str) -> str:
        return given

    def take_action(self, parsed: Any) -> None:
        tricircle = client(self)
        for given in getattr(parsed, self.ARG[0]):
            tricircle.call("DELETE", self.PATH.format(self.resolve(tricircle, given)))
