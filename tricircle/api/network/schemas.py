"""Checking request bodies the way Neutron does: each resource's attributes, which may be
set on create or update, their defaults, and Neutron's messages for a bad value."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tricircle.core import errors

Check = Callable[[str, Any], Any]  # (name, value) -> the value to keep


def bad(name: str, value: Any, reason: str) -> errors.BadRequest:
    return errors.BadRequest(f"Invalid input for {name}. Reason: {reason}.",
                             kind="HTTPBadRequest")


def string(max_len: int = 255) -> Check:
    def check(name: str, value: Any) -> Any:
        if not isinstance(value, str):
            raise bad(name, value, f"'{str(value)[:50]}' is not a valid string")
        if len(value) > max_len:
            raise bad(name, value, f"'{value[:50]}...' exceeds maximum length of {max_len}")
        return value
    return check


def boolean(name: str, value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise bad(name, value, f"'{str(value)[:50]}' cannot be converted to boolean")


def integer(low: int, high: int) -> Check:
    def check(name: str, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise bad(name, value, f"'{str(value)[:50]}' is not an integer in {low}..{high}")
        return value
    return check


def list_of(item: Check) -> Check:
    def check(name: str, value: Any) -> Any:
        if not isinstance(value, list):
            raise bad(name, value, f"'{str(value)[:50]}' is not a list")
        return [item(name, v) for v in value]
    return check


def dict_list(*keys: str) -> Check:
    def check(name: str, value: Any) -> Any:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise bad(name, value, f"'{str(value)[:50]}' is not a list of objects")
        for v in value:
            unknown = set(v) - set(keys)
            if unknown:
                raise bad(name, value, f"unrecognized keys {sorted(unknown)}")
        return value
    return check


def routes(name: str, value: Any) -> Any:
    """A list of {destination, nexthop}, both strings (their syntax is checked later)."""
    dict_list("destination", "nexthop")(name, value)
    for v in value:
        if set(v) != {"destination", "nexthop"} or not all(
                isinstance(x, str) for x in v.values()):
            raise bad(name, value, "each route needs a destination and a nexthop")
    return value


def string_or_int(name: str, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise bad(name, value, f"'{str(value)[:50]}' is not a string or an integer")
    return value


def any_dict(name: str, value: Any) -> Any:
    if not isinstance(value, dict):
        raise bad(name, value, f"'{str(value)[:50]}' is not a dictionary")
    return value


def nullable(inner: Check) -> Check:
    def check(name: str, value: Any) -> Any:
        return None if value is None else inner(name, value)
    return check


def one_of(*allowed: Any) -> Check:
    def check(name: str, value: Any) -> Any:
        if value not in allowed:
            raise bad(name, value, f"{str(value)[:50]} is not in {list(allowed)}")
        return value
    return check


@dataclass(frozen=True)
class Attr:
    check: Check
    default: Any = None  # a callable default is called
    post: bool = True  # may be given on create
    put: bool = True  # may be changed by update
    required: bool = False


def parse(spec: dict[str, Attr], body: dict, *, create: bool) -> dict:
    """The body's values checked, with defaults filled in on create."""
    unknown = sorted(set(body) - set(spec))
    if unknown:
        raise errors.BadRequest(f"Unrecognized attribute(s) '{', '.join(unknown)}'",
                                kind="HTTPBadRequest")
    out = {}
    for name, attr in spec.items():
        if name in body:
            if not (attr.post if create else attr.put):
                raise errors.BadRequest(f"Attribute '{name}' not allowed in "
                                        f"{'POST' if create else 'PUT'}",
                                        kind="HTTPBadRequest")
            out[name] = attr.check(name, body[name])
        elif create:
            if attr.required:
                raise errors.BadRequest(f"Failed to parse request. Required attribute "
                                        f"'{name}' not specified", kind="HTTPBadRequest")
            out[name] = attr.default() if callable(attr.default) else attr.default
    return out
