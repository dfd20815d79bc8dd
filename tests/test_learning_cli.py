"""``chaoslab learning``: the commands' numbers agree with the library and with each other."""

import json

import chaoslab  # noqa: F401  (float64)
import numpy as np
import pytest
from typer.testing import CliRunner

from chaoslab.cli.main import app


def _json(*args):
    r = CliRunner().invoke(app, ["learning", *args, "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def test_sharpness_reports_the_first_step_above_the_edge_and_draws_it(tmp_path):
    s = _json("sharpness", "--steps", "6000", "--every", "500", "--k", "2", "--plot", str(tmp_path / "s.png"))
    assert s["edge"] == pytest.approx(2 / 0.07) and s["parameters"] == 301 and not s["diverged"]
    sharp = np.array([r["sharpness"] for r in s["rows"]])
    steps = [r["step"] for r in s["rows"]]
    assert sharp.shape == (13, 2) and np.all(sharp[:, 0] >= sharp[:, 1])
    above = [st for st, v in zip(steps, sharp[:, 0]) if v > s["edge"]]
    assert s["first_above_edge"] == (above[0] if above else None)
    assert (tmp_path / "s.png").stat().st_size > 0


def test_lyapunov_phases_average_to_the_exponents():
    s = _json("lyapunov", "--steps", "300", "--k", "2", "--phases", "3")
    phases = np.array([p["exponents"] for p in s["phases"]])
    # equal phases of 100 steps: the exponents are the mean of the phases' finite-time exponents
    assert [(p["start"], p["end"]) for p in s["phases"]] == [(0, 100), (100, 200), (200, 300)]
    np.testing.assert_allclose(phases.mean(axis=0), s["exponents"], rtol=1e-10, atol=1e-15)


def test_butterfly_grid_and_bad_input():
    s = _json("butterfly", "--epochs", "2", "--at", "0", "--at", "1", "--sigma", "0", "--sigma", "1e-3",
              "--setup", "regression", "--batch-size", "64", "--width", "8")
    assert s["steps_per_epoch"] == 4 and len(s["grid"]) == 4
    zero = [g for g in s["grid"] if g["sigma"] == 0]
    assert all(g["final_distance"] == 0.0 for g in zero)
    assert all(g["final_distance"] > 0 for g in s["grid"] if g["sigma"] > 0)
    for args, message in ((["sharpness", "--setup", "cifar"], "unknown setup 'cifar'"),
                          (["sharpness", "--optimizer", "sgd"], "optimizer must be one of gd, momentum, adam"),
                          (["lyapunov", "--steps", "0"], "--steps must be a positive integer"),
                          (["butterfly", "--plot", "b.txt"], "--plot must end in .png, .pdf or .svg")):
        r = CliRunner().invoke(app, ["learning", *args])
        assert r.exit_code == 2 and message in r.output, (args, r.output)


def test_sweep_of_the_double_well_shows_period_doubling_chaos_and_divergence(tmp_path):
    s = _json("sweep", "--lr-min", "0.8", "--lr-max", "2.2", "--points", "15", "--steps", "4000",
              "--plot", str(tmp_path / "b.png"))
    by_lr = {round(r["lr"], 2): r for r in s["rows"]}
    # fixed point (exponent ln|1 - 2 lr|), period 2, chaos, divergence beyond lr = 2
    assert by_lr[0.8]["period"] == 1 and by_lr[0.8]["exponent"] == pytest.approx(np.log(0.6), rel=1e-9)
    assert by_lr[1.1]["period"] == 2 and by_lr[1.1]["exponent"] < 0
    assert by_lr[1.9]["period"] == 0 and by_lr[1.9]["exponent"] > 0
    assert by_lr[2.1]["diverged"] and by_lr[2.2]["diverged"] and by_lr[2.1]["exponent"] is None
    assert not any(r["diverged"] for r in s["rows"] if r["lr"] <= 2.0)
    assert (tmp_path / "b.png").stat().st_size > 0


def test_jacobian_of_gd_on_the_double_well_is_the_product_of_its_one_step_derivatives(tmp_path):
    # x <- x - lr f'(x): the Jacobian of n steps is the product of 1 - lr f''(x_t) along the run
    steps, lr = 30, 0.3
    s = _json("jacobian", "--setup", "double-well", "--steps", str(steps), "--lr", str(lr), "--plot",
              str(tmp_path / "j.png"))
    assert (tmp_path / "j.png").stat().st_size > 0
    x, d = 0.5, 1.0
    for _ in range(steps):
        d *= 1 - lr * (3 * x * x - 1)
        x -= lr * x * (x * x - 1)
    assert s["singular_values"] == [pytest.approx(abs(d), rel=1e-12)]
    assert s["stable"] == 1 and s["chaotic"] == s["bulk"] == 0
