"""The command line, run as a user runs it (subprocesses)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from chaoslab.data import load_dataset


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "chaoslab.cli.main", *args], capture_output=True, text=True, cwd=cwd)


def test_list_and_show_json():
    r = run("systems", "list", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    names = {row["name"] for row in rows}
    assert "Lorenz" in names
    r = run("systems", "show", "Lorenz", "--json")
    info = json.loads(r.stdout)
    assert info["dim"] == 3 and set(info["parameters"]) == {"sigma", "rho", "beta"}
    inv = info["computed_invariants"]  # shipped with the package, computed by `analyze --all`
    assert abs(inv["lyapunov_spectrum"][0] - 0.9056) < 4 * inv["lyapunov_uncertainty"][0] + 0.002


@pytest.mark.parametrize(
    "args, message",
    [
        (["systems", "show", "Lorenz63"], "error: unknown system 'Lorenz63'; did you mean 'Lorenz'?"),
        (["generate", "Lorenz", "--length", "0", "--out", "OUT"], "error: --length must be >= 1, got 0"),
        (["generate", "Lorenz", "--param", "rho=abc", "--out", "OUT"], "error: value of parameter 'rho' must be a number"),
        (["generate", "Lorenz", "--param", "foo=1", "--out", "OUT"], "error: system 'Lorenz' has no parameter 'foo'"),
        (["generate", "Lorenz", "--out", "missing_dir/x.zarr"], "error: output directory 'missing_dir' does not exist"),
        (["plot", "Lorenz", "--out", "fig.txt"], "error: --out must end in .png, .pdf or .svg"),
        # /proc accepts no new files, even from root (for whom permission bits do not apply)
        (["generate", "Lorenz", "--out", "/proc/x.zarr"], "error: output directory '/proc' is not writable"),
        (["plot", "Lorenz", "--out", "/proc/x.png"], "error: output directory '/proc' is not writable"),
    ],
)
def test_bad_input_one_line_exit_2(tmp_path, args, message):
    args = [str(tmp_path / "out.zarr") if a == "OUT" else a for a in args]
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().startswith(message), r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not any(p.name.endswith(".zarr") or p.name.startswith(".") for p in tmp_path.iterdir())


def test_generate_writes_a_loadable_dataset(tmp_path):
    out = tmp_path / "lorenz.zarr"
    r = run("generate", "Lorenz", "--n-traj", "3", "--length", "50", "--granularity", "30", "--seed", "5",
            "--split", "1:1:1", "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info[0]["shape"] == [3, 50, 3]
    ds = load_dataset(out)
    assert ds.attrs["seed"] == 5 and ds.attrs["granularity"] == pytest.approx(30.0)
    assert np.all(np.isfinite(ds.x.values))
    r2 = run("generate", "Lorenz", "--n-traj", "3", "--length", "50", "--out", str(out))
    assert r2.returncode == 2 and "already exists" in r2.stderr


def test_plot_writes_png(tmp_path):
    out = tmp_path / "a.png"
    r = run("plot", "Lorenz", "--length", "2000", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_systems_check_json():
    r = run("systems", "check", "Lorenz", "Henon", "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["passed"] == 2 and res["failed"] == 0
    assert {x["name"] for x in res["results"]} == {"Lorenz", "Henon"}


def test_analyze_json_keys_and_values():
    r = run("analyze", "Lorenz", "--time", "600", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    for key in ("lyapunov_spectrum", "lyapunov_uncertainty", "kaplan_yorke_dimension", "lyapunov_time",
                "correlation_dimension", "period"):
        assert key in d
    lam, se = d["lyapunov_spectrum"], d["lyapunov_uncertainty"]
    assert len(lam) == 3 and abs(lam[0] - 0.9056) < 4 * se[0] + 0.002
    assert abs(d["correlation_dimension"] - 2.05) < 0.1


def test_analyze_runs_to_a_precision_and_says_whether_it_got_there():
    r = run("analyze", "Henon", "--precision", "0.01", "--json")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    d = json.loads(r.stdout)
    assert d["converged"] is True and d["precision"] == 0.01 and d["orbits"] == 32
    assert d["lyapunov_uncertainty"][0] < 0.01 * d["lyapunov_spectrum"][0]
    # derived quantities carry their errors: D_KY = 1 + l1 / |l2| and l1 + l2 = ln 0.3 exactly
    assert 0 < d["kaplan_yorke_uncertainty"] < 0.01
    assert d["correlation_dimension_uncertainty"] == pytest.approx(
        np.hypot(d["correlation_dimension_statistical"], d["correlation_dimension_scaling"]))
    # a budget that runs out: the numbers still come, with a warning on stderr
    r = run("analyze", "Henon", "--precision", "0.0005", "--max-time", "300", "--json")
    assert r.returncode == 0 and r.stderr.startswith("warning: Lyapunov spectrum: the budget"), r.stderr
    assert json.loads(r.stdout)["converged"] is False


def test_usage_errors_are_one_line():
    for args, message in ((["analyze", "Lorenz", "--time", "abc"], "error: Invalid value for '--time'"),
                          (["nosuch"], "error: No such command 'nosuch'"),
                          (["analyze", "--bogus"], "error: No such option: --bogus")):
        r = run(*args)
        assert r.returncode == 2 and r.stderr.startswith(message) and r.stderr.count("\n") == 1, r.stderr
    r = run()
    assert r.returncode == 0 and "Usage" in r.stdout  # bare chaoslab: its help


def test_analyze_all_is_resumable(tmp_path):
    import pandas as pd

    from chaoslab.analysis.invariants import catalog_invariants

    out = tmp_path / "inv.parquet"
    df = catalog_invariants(out, ["Henon", "Logistic"], time=2000)
    assert list(df["system"]) == ["Henon", "Logistic"] and not any(df["error"])
    seen = []
    df2 = catalog_invariants(out, ["Henon", "Logistic", "Tent"], time=2000, progress=lambda n, i, t: seen.append(n))
    assert seen[0] == "Tent" and list(df2["system"]) == ["Henon", "Logistic", "Tent"]  # only the new one ran
    assert pd.read_parquet(out).shape[0] == 3
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # atomic writes leave nothing


@pytest.mark.parametrize(
    "args, message",
    [
        (["analyze", "Lorenz", "--k", "5"], "error: --k must be between 1 and 3"),
        (["analyze", "Lorenz", "--time", "-1"], "error: --time must be > 0"),
        (["analyze", "Lorenz", "--precision", "2"], "error: --precision must be in (0, 1)"),
        (["analyze", "Lorenz", "--time", "10", "--precision", "0.01"], "error: give --time"),
        (["analyze", "--all"], "error: --all needs --out FILE.parquet"),
        (["analyze"], "error: give a system name, or --all --out FILE.parquet"),
    ],
)
def test_analyze_bad_input(tmp_path, args, message):
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.strip().startswith(message), r.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["forecast", "fit", "nvar", "--system", "Lorenz", "--hp", "degree=abc"],
         "error: hyper-parameter degree of nvar must be an integer or none, got 'abc'"),
        (["forecast", "fit", "esn", "--system", "Lorenz", "--hp", "size=2.5"],
         "error: hyper-parameter size of esn must be an integer, got 2.5"),
        (["forecast", "plot", "sindy", "--system", "Lorenz", "--hp", "trig=maybe", "--out", "f.png"],
         "error: hyper-parameter trig of sindy must be true or false, got 'maybe'"),
        (["forecast", "fit", "mlp", "--system", "Lorenz", "--hp", "widht=64"],
         "error: model 'mlp' has no hyper-parameter 'widht'"),
    ],
)
def test_bad_hyper_parameters_one_line_exit_2(tmp_path, args, message):
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.strip().startswith(message), r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not r.stdout
    assert not list(tmp_path.iterdir())
