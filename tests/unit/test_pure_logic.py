"""Pure decision logic: microversion ranges, retry backoff."""
from __future__ import annotations

import threading
import time

import pytest

from tricircle.core import errors, microversions
from tricircle.core.conf import CONF
from tricircle.xjob import worker as xjob


def test_common_range_is_the_intersection() -> None:
    pods = [((2, 1), (2, 104)), ((2, 1), (2, 96)), ((2, 10), (2, 100))]
    assert microversions.common_range(pods, ((2, 1), (2, 1))) == ((2, 10), (2, 96))
    assert microversions.common_range([], ((2, 1), (2, 1))) == ((2, 1), (2, 1))


@pytest.mark.parametrize("text", ["2", "2.x", "", "latest", "2.1.1"])
def test_bad_microversions_are_bad_requests(text: str) -> None:
    with pytest.raises(errors.BadRequest):
        microversions.parse(text)


def test_microversions_compare_numerically() -> None:
    assert microversions.parse("2.10") > microversions.parse("2.9")
    assert microversions.text(microversions.parse(" 2.96 ")) == "2.96"


def test_backoff_grows_and_is_capped() -> None:
    CONF.set_override("backoff_max", 300.0, "xjob")  # a testbed test may have loaded its
    CONF.set_override("backoff_base", 2.0, "xjob")  # own configuration before this one
    delays = [xjob.backoff(n) for n in range(1, 12)]
    CONF.clear_override("backoff_max", "xjob")
    CONF.clear_override("backoff_base", "xjob")
    assert delays[:3] == [2.0, 4.0, 8.0]
    assert max(delays) == 300.0
    assert delays == sorted(delays)


def test_a_copys_dhcp_options_are_removed_with_nulls_as_neutron_merges_them() -> None:
    from tricircle.network import bottom_copies  # noqa: PLC0415
    have = {"extra_dhcp_opts": [
        {"opt_name": "domain-name", "opt_value": "a", "ip_version": 4},
        {"opt_name": "ntp-server", "opt_value": "x", "ip_version": 4}]}
    want = {"extra_dhcp_opts": [{"opt_name": "ntp-server", "opt_value": "y", "ip_version": 4}]}
    assert bottom_copies.differences(want, have) == {"extra_dhcp_opts": [
        {"opt_name": "ntp-server", "opt_value": "y", "ip_version": 4},
        {"opt_name": "domain-name", "ip_version": 4, "opt_value": None}]}
    assert bottom_copies.differences(have, have) == {}


def test_a_stale_microversion_range_is_answered_while_it_refreshes() -> None:
    """No caller waits on the pods once a range is known: a hung pod (a fetch that
    blocks) stalls only the background refresh, and its result replaces the old one."""
    cache = microversions.RangeCache(ttl=0.0)
    first = ((2, 1), (2, 90))
    assert cache.get(lambda: first) == first
    release = threading.Event()
    calls = []

    def hung() -> tuple:
        calls.append(1)
        release.wait(5)
        return ((2, 1), (2, 96))
    started = time.monotonic()
    for _ in range(5):
        assert cache.get(hung) == first  # stale, answered at once
    assert time.monotonic() - started < 1.0
    assert len(calls) == 1  # one refresh at a time
    release.set()
    deadline = time.monotonic() + 5
    while cache._value != ((2, 1), (2, 96)) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache._value == ((2, 1), (2, 96))  # the refresh's result replaced the old one
