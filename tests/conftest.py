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


@pytest.fixture(scope="session")
def lorenz():
    """A forecasting task on Lorenz shared by the model tests: 100 training periods at granularity
    30, 2 validation and 12 test windows (context 60, horizon 300 points = 13.6 Lyapunov times)."""
    from chaoslab.forecast import Task, make_task_data

    return make_task_data(Task("Lorenz", train_periods=100, n_val=2, n_test=12, seed=1))


def vpt_in_lyapunov_times(data, pred, eps=0.4):
    """Valid prediction time of ``pred`` on ``data``'s test windows in Lyapunov times, straight
    from design.md's definition (independent of chaoslab.metrics)."""
    import numpy as np

    e = np.linalg.norm(pred - data.test.target, axis=-1) / data.scale
    steps = np.where((e > eps).any(axis=1), np.argmax(e > eps, axis=1), e.shape[1])
    return steps * data.dt / data.lyapunov_time


@pytest.fixture
def vpt_lyapunov():
    return vpt_in_lyapunov_times
