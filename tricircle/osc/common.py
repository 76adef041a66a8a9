"""What every command shares: the client, columns, and finding an object by id or name."""
from __future__ import annotations

from typing import Any

from osc_lib import exceptions
from osc_lib.cli import format_columns


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
