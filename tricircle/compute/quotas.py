"""Quotas and limits at the top, from the pods' (pure logic).

Capacity (cores, instances, RAM, volumes, gigabytes...) adds up over the pods: a project
may use each pod's share, and a quota set at the top is shared out among the pods. Limits
on one object (metadata items, injected files, members of a server group, gigabytes of one
volume), and keypairs, which exist in every pod at once, do not add up: the top shows the
tightest pod's.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tricircle.core import integers

SAME_EVERYWHERE = frozenset({
    # Nova /limits (absolute)
    "maxServerMeta", "maxImageMeta", "maxPersonality", "maxPersonalitySize",
    "maxTotalKeypairs", "maxServerGroupMembers", "totalKeyPairsUsed",
    # Nova os-quota-sets
    "metadata_items", "injected_files", "injected_file_content_bytes",
    "injected_file_path_bytes", "key_pairs", "server_group_members",
    # Cinder
    "per_volume_gigabytes", "maxTotalVolumeGigabytesPerVolume",
})


def _tightest(values: list[int]) -> int:
    bounded = [v for v in values if v != -1]  # -1: unlimited
    return min(bounded) if bounded else -1


def total(values: Iterable[Any], name: str | None = None) -> Any:
    """The pods' answers (or one field of them, `name`) as the top answers it."""
    values = list(values)
    if all(isinstance(v, dict) for v in values):
        return {k: total((v.get(k) for v in values), k if name is None or
                         name not in SAME_EVERYWHERE else name) for k in values[0]}
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        if name in SAME_EVERYWHERE:
            return _tightest(values)
        return -1 if -1 in values else sum(values)
    return values[0]


def shares(wanted: dict[str, Any], pods: int) -> list[dict[str, Any]]:
    """A quota set at the top as `pods` pods' shares that add up to it (the first pods
    take the remainder); unlimited (-1), a limit on one object, or a value that is not
    a number (for the pod to refuse) is the same in every pod."""
    out: list[dict[str, Any]] = [{} for _ in range(pods)]
    for key, value in wanted.items():
        found = integers.digits(value) if isinstance(value, str) else None
        number = value if found is None else found
        if key in SAME_EVERYWHERE or isinstance(number, bool) \
                or not isinstance(number, int) or number < 0:
            for share in out:
                share[key] = value
            continue
        base, extra = divmod(number, pods)
        for i, share in enumerate(out):
            share[key] = base + (1 if i < extra else 0)
    return out
