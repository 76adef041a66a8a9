"""A pod's answer names the pod's objects; a user of RegionOne sees top ids only.

Every UUID in an answer that the routing table knows as a bottom object of that pod
becomes its top id (ports, networks, subnets, security groups in server interfaces,
server groups, attachments...), and the name of a server's security group in a pod (its
top id, as Tricircle names every bottom object) becomes the top group's name. What users
write themselves (names, descriptions, metadata) is left as they wrote it. Servers and volumes
keep their pod id as top id, so they stay as they are. One query per pod per answer.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, select

from tricircle.core import db, routing
from tricircle.core.db.models import Pod, SecurityGroup

# A UUID as the pods write one (lower case): what every id of theirs looks like.
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


_CONTAINERS = (dict, list)
# What users write themselves: never an id of ours, whatever it looks like (a server named
# with another project's group id was shown with that group's name).
USER_WRITTEN = frozenset({"name", "description", "display_name", "display_description",
                          "metadata", "user_data", "tags", "key_name", "hostname",
                          "volume_image_metadata", "image_metadata", "extra_specs"})
GROUPS = "security_groups"  # a server's groups: [{"name": <the pod's name: our id>}]


def _strings(body: Any, out: set[str], names: set[str]) -> None:
    """Every UUID among the values of `body` into `out`, save user-written ones; the
    names of a server's security groups (the pod's: our ids) into `names`. A loop over a
    stack, not recursion, and the regular expression only for strings of a UUID's
    length: a merged page's 40 servers took a third less."""
    match = UUID.match
    stack: list[tuple[Any, bool]] = [(body, False)]
    while stack:
        node, in_groups = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str):
                    if len(value) == 36 and match(value):
                        if key == "name":
                            if in_groups:
                                names.add(value)
                        elif key not in USER_WRITTEN:
                            out.add(value)
                elif isinstance(value, _CONTAINERS) and key not in USER_WRITTEN:
                    stack.append((value, key == GROUPS))
        elif isinstance(node, list):
            for value in node:
                if isinstance(value, str):
                    if len(value) == 36 and match(value):
                        out.add(value)
                elif isinstance(value, _CONTAINERS):
                    stack.append((value, in_groups))


def _replace(body: Any, ids: dict[str, str], names: dict[str, str],
             in_groups: bool = False) -> Any:
    if isinstance(body, dict):
        for key, value in body.items():
            if isinstance(value, str):
                if key == "name":
                    if in_groups:
                        body[key] = names.get(value, value)
                elif key not in USER_WRITTEN:
                    body[key] = ids.get(value, value)
            elif key not in USER_WRITTEN:
                _replace(value, ids, names, key == GROUPS)
    elif isinstance(body, list):
        for i, value in enumerate(body):
            if isinstance(value, str):
                body[i] = ids.get(value, value)
            else:
                _replace(value, ids, names, in_groups)
    return body


_GROUP_NAMES = select(SecurityGroup.id, SecurityGroup.name).where(
    SecurityGroup.id.in_(bindparam("ids", expanding=True)))


def translate(answers: Iterable[tuple[Any, Pod]], kept: Iterable[str] = ()) -> None:
    """Make pods' ids top ids in these JSON bodies, in place. `kept`: UUIDs the caller
    knows are top ids already (a server's own id, an image's): not looked up, and with
    nothing else to look up, no query at all."""
    by_pod: dict[str, tuple[Pod, list[Any], set[str], set[str]]] = {}
    for body, pod in answers:
        entry = by_pod.setdefault(pod.pod_id, (pod, [], set(), set()))
        entry[1].append(body)
        _strings(body, entry[2], entry[3])
    known = set(kept)
    for pod, bodies, found, name_ids in by_pod.values():
        wanted = (found - known) | name_ids
        ids = {b: top for b, (top, _) in routing.top_ids(pod.pod_id, wanted).items()
               if b != top}
        names: dict[str, str] = {}
        if name_ids:
            names = dict(db.read(_GROUP_NAMES, {"ids": [ids.get(n, n) for n in name_ids]}))
            names = {n: names[ids.get(n, n)] for n in name_ids if ids.get(n, n) in names}
        if ids or names:
            for body in bodies:
                _replace(body, ids, names)
