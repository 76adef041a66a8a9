"""Shared pytest wiring: everything under tests/testbed/ is marked `testbed`."""
from pathlib import Path

import pytest

TESTBED_TESTS = Path(__file__).parent / "testbed"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if TESTBED_TESTS in Path(item.fspath).parents:
            item.add_marker(pytest.mark.testbed)
