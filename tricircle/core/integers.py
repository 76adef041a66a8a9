"""Integers from text a caller sent: ASCII digits only (`str.isdigit()` also takes '²' and
other digits `int()` refuses or reads differently) and bounded (no database stores an
integer of 25 digits: SQLite raises OverflowError, PostgreSQL a DataError)."""
from __future__ import annotations

from typing import Any

BIGINT = 2**63 - 1  # the largest integer a database column holds


def digits(value: Any, high: int = BIGINT) -> int | None:
    """`value` (an int, or a string of ASCII digits) as an int in 0..high; None if it is
    not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
        number = int(value)
    else:
        return None
    return number if 0 <= number <= high else None
