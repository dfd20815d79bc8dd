import pytest

import chaoslab  # noqa: F401  (enables float64)


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", default=False, help="also run slow tests (whole catalog)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    marker = pytest.mark.skip(reason="slow: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(marker)
