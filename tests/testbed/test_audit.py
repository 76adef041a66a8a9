"""The leak audit against a real pod and the testbed's own Tricircle database: objects
with our mark, named with a top id that nothing at the top stands for, are removed, and
only those: an unmarked one named like ours survives."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from tricircle.core import bottom, db
from tricircle.core.context import admin_context
from tricircle.core.db.models import Pod
from tricircle.network.sync import audit

# Sweeps a whole pod: runs alone, after the parallel part (bin/test).
pytestmark = pytest.mark.disruptive


def test_the_audit_removes_orphans_and_only_them(tricircle_conf: Path,
                                                 cloud: Callable, cleanup: Callable) -> None:
    pod1 = cloud("pod1").network
    lost_net = pod1.create_network(name=str(uuid.uuid4()))
    cleanup(lambda: pod1.delete_network(lost_net, ignore_missing=True))
    sub = pod1.create_subnet(network_id=lost_net.id, ip_version=4, cidr="10.66.0.0/24")
    lost_router = pod1.create_router(name=str(uuid.uuid4()))
    cleanup(lambda: pod1.delete_router(lost_router, ignore_missing=True))
    pod1.add_interface_to_router(lost_router, subnet_id=sub.id)
    for lost in (lost_net, lost_router):  # what a crash after create could leave
        pod1.set_tags(lost, [bottom.MARKER])
    users = pod1.create_network(name="made-in-the-pod")  # not named with an id: not ours
    cleanup(lambda: pod1.delete_network(users, ignore_missing=True))
    # Named like ours, but without our mark: another tool's, never deleted.
    unmarked = pod1.create_network(name=str(uuid.uuid4()))
    cleanup(lambda: pod1.delete_network(unmarked, ignore_missing=True))

    with db.transaction() as s:
        pod_id = s.scalar(select(Pod.pod_id).where(Pod.pod_name == "Pod1"))
    audit.audit_pod(admin_context(), {"pod_id": pod_id, "min_age": 0})

    assert pod1.find_router(lost_router.id) is None
    assert pod1.find_network(lost_net.id) is None
    assert pod1.find_network(users.id) is not None
    assert pod1.find_network(unmarked.id) is not None
