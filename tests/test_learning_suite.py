"""Suites name learning experiments ([[learning]] tables): checked when loaded, run as tasks, and
shown in the report with their figures."""

import chaoslab  # noqa: F401  (float64)
import pytest

from chaoslab.bench import load_suite, write_report
from chaoslab.bench.suite import SuiteError
from chaoslab.bench.tasks import run_task

SUITE = """
name = "learn"
seeds = [0, 1]

[[learning]]
experiment = "sweep"
lr_min = 0.7
points = 8
steps = 1000
label = "dw"

[[learning]]
experiment = "sharpness"
setup = "regression"
width = 4
steps = 40
every = 20
"""


def test_learning_tables_expand_to_tasks_that_run_and_report(tmp_path):
    p = tmp_path / "learn.toml"
    p.write_text(SUITE)
    suite = load_suite(p)
    tasks = suite.tasks()
    assert [(t["kind"], t["label"], t["system"], t["seed"]) for t in tasks] == [
        ("learning", "dw", "double-well", 0), ("learning", "sharpness-regression", "regression", 0),
        ("learning", "dw", "double-well", 1), ("learning", "sharpness-regression", "regression", 1)]
    r = run_task(tasks[0])
    assert r.status == "done", r.error
    m = {row["metric"]: row["value"] for row in r.rows}
    # lr 0.7, 0.9, ..., 2.1: the double well's fixed point loses stability at lr = 1 (period 2 at
    # 1.1) and training diverges beyond lr = 2 (the last point)
    assert m["first_diverged_lr"] == pytest.approx(2.1) and m["first_period_2_lr"] == pytest.approx(1.1)
    assert 1.1 < m["first_chaotic_lr"] < 2.0
    assert str(r.artifacts["experiment"]) == "sweep" and r.artifacts["orbit"].shape == (8, 64, 1)
    # the seed comes from the suite: the sharpness task of seed 1 initialises another network
    a, b = run_task(tasks[1]), run_task(tasks[3])
    assert a.status == b.status == "done"
    ma, mb = ({row["metric"]: row["value"] for row in x.rows} for x in (a, b))
    assert ma["initial_sharpness"] != mb["initial_sharpness"]


def test_the_report_shows_learning_experiments(tmp_path):
    from typer.testing import CliRunner

    from chaoslab.cli.main import app

    p = tmp_path / "learn.toml"
    p.write_text(SUITE.replace("seeds = [0, 1]", "seeds = [0]"))
    r = CliRunner().invoke(app, ["bench", "run", str(p), "--out", str(tmp_path / "out"), "--workers", "1"])
    assert r.exit_code == 0, r.output
    index = write_report(tmp_path / "out", tmp_path / "rep")
    html = index.read_text()
    assert "Training dynamics" in html and "lr_sensitivity" in html and "initial_sharpness" in html
    figures = sorted((tmp_path / "rep" / "img").glob("learning-*.png"))
    assert len(figures) == 2 and all(f.stat().st_size > 0 for f in figures)
    assert not (tmp_path / "rep" / "systems" / "double-well.html").exists()  # a setup is not a system


@pytest.mark.parametrize("table, message", [
    ('experiment = "sharpnes"', "unknown experiment 'sharpnes' in [[learning]]; did you mean 'sharpness'?"),
    ('experiment = "sweep"\nsteps = 0', "'steps' in [[learning]] must be a positive integer"),
    ('experiment = "sweep"\nlr_max = -1', "'lr_max' in [[learning]] must be a number > 0"),
    ('experiment = "sweep"\nsigma = [1.0]', "unknown key 'sigma' in the [[learning]] sweep experiment"),
    ('experiment = "butterfly"\nat = [0.5]', "'at' in [[learning]] must be a non-empty list of integers >= 0"),
    ('experiment = "sharpness"\nsetup = "cifar"', "'setup' in [[learning]] must be one of chebyshev"),
    ('experiment = "sharpness"\nseed = 3', "'seed' in [[learning]]: the suite's seeds set it"),
    ('setup = "digits"', "[[learning]] needs an experiment"),
])
def test_bad_learning_tables_are_refused_with_the_line(tmp_path, table, message):
    p = tmp_path / "bad.toml"
    p.write_text(f'name = "bad"\n\n[[learning]]\n{table}\n')
    with pytest.raises(SuiteError) as e:
        load_suite(p)
    assert message in str(e.value) and str(e.value).startswith(f"{p.name}:") and "\n" not in str(e.value)
