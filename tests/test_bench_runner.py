"""The benchmark runner with real parts: a local Dask cluster, a killed and resumed run, a real
``dask scheduler`` with two ``dask worker`` processes one of which is killed mid-run."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from chaoslab.bench import bootstrap_median_ci, leaderboard, load_results, load_suite, run_suite

# one worker runs this module's tests, so the shared local run happens once
pytestmark = pytest.mark.xdist_group("bench")

PROTOCOL = """\
[task]
train_periods = 20
horizon = 100
n_val = 1
n_test = 4

[evaluation]
rollout_lyapunov_times = 20
n_rollouts = 2
"""

TINY = """\
name = "tiny"
description = "two flows, three cheap models, spectra, and a model set up to fail"

[systems]
names = ["Lorenz", "Rossler"]

{protocol}
[analysis]
lyapunov = true
time = 100

[[models]]
name = "naive"

[[models]]
name = "linear"

[[models]]
name = "nvar"
samples = 5

[[ensembles]]
perturbation = "gaussian"
members = 6
cases = 3
horizon = 2

[[models]]
name = "linear"
label = "linear-k1000"
hp = {{ k = 1000 }}   # a delay longer than the training data: fit() raises, the suite goes on
""".format(protocol=PROTOCOL)

CHEAP = """\
name = "cheap"
description = "three flows x four cheap models: long enough to be interrupted"

[systems]
names = ["Lorenz", "Rossler", "Halvorsen"]

{protocol}
[[models]]
name = "naive"

[[models]]
name = "climatology"

[[models]]
name = "linear"

[[models]]
name = "nvar"
""".format(protocol=PROTOCOL)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The tiny suite run once on a local cluster of two worker processes."""
    root = tmp_path_factory.mktemp("bench")
    path = root / "tiny.toml"
    path.write_text(TINY)
    suite = load_suite(path)
    out = root / "results"
    summary = run_suite(suite, out, workers=2)
    return suite, out, summary


def _chaoslab(*args):
    return [sys.executable, "-m", "chaoslab", *args]


def _n_results(out):
    d = out / "tasks"
    return len(list(d.glob("*.parquet"))) if d.is_dir() else 0


def _stamps(out):
    return {f.name: (f.stat().st_ino, f.stat().st_mtime_ns) for f in (out / "tasks").glob("*.parquet")}


def _wait_for_results(out, n, proc, timeout=300):
    t0 = time.time()
    while _n_results(out) < n:
        assert proc.poll() is None, "the run ended before it could be interrupted"
        assert time.time() - t0 < timeout, "no results in time"
        time.sleep(0.1)


def _no_temporaries(out):
    return [p for p in out.rglob("*") if ".tmp-" in p.name]


def test_a_local_run_writes_each_task_once_and_records_failures(tiny_run):
    suite, out, summary = tiny_run
    ids = {t["id"] for t in suite.tasks()}
    failing = {t["id"] for t in suite.tasks() if t["label"] == "linear-k1000"}
    assert summary.total == len(ids) == 12 and summary.done == 10 and summary.failed == 2
    assert set(summary.failures) == failing
    # the work is measured (tasks, and the data each system's models share) and the share of it
    # spent compiling JAX programs is a fraction
    assert summary.task_seconds > 0 and summary.data_seconds > 0 and 0 < summary.compile_share < 1
    res = load_results(out)
    t = res.table
    assert set(t["task"]) == ids - failing and not res.missing
    assert not t.duplicated(["task", "window", "metric"]).any()
    assert {"suite", "system", "model", "seed", "window", "metric", "value", "chaoslab_version", "git_commit",
            "machine", "wall_seconds", "compile_seconds"} <= set(t.columns)
    assert (t["suite"] == "tiny").all() and t["git_commit"].str.len().min() >= 7 and (t["wall_seconds"] > 0).all()
    # every forecast task scored 4 windows with the protocol's metrics, and its dynamics
    fc = t[t["kind"] == "forecast"]
    for task, g in fc.groupby("task"):
        assert sorted(g[g["metric"] == "vpt_lyapunov"]["window"]) == [0, 1, 2, 3]
        assert {"rmse", "smape", "histogram_kl", "diverged_fraction", "fit_seconds"} <= set(g["metric"])
    # the spectra: Lorenz's leading exponent within the shipped value's neighbourhood (time 100 is
    # short: the block standard error is ~0.03), the second near 0
    ly = t[(t["kind"] == "lyapunov") & (t["system"] == "Lorenz")].set_index("metric")["value"]
    assert abs(ly["lyapunov_exponent_1"] - 0.906) < 0.15 and abs(ly["lyapunov_exponent_2"]) < 0.1
    # the sampling model's probabilistic scores, and the ensembles of the system
    nv = fc[fc["model"] == "nvar"]
    assert len(nv[nv["metric"] == "crps"]) == 2 * 4 and (nv[nv["metric"] == "crps"]["value"] > 0).all()
    en = t[t["kind"] == "ensemble"]
    assert set(en["system"]) == {"Lorenz", "Rossler"} and set(en["model"]) == {"gaussian-6"}
    assert {"mean_crps", "spread_skill", "rank_histogram_p_value"} <= set(en["metric"])
    # failures keep their error, one file each
    assert {f["id"] for f in res.failures} == failing
    assert all("needs more than" in f["error"] for f in res.failures)
    assert not _no_temporaries(out)


def test_a_rerun_skips_finished_tasks_and_retries_failures(tiny_run):
    suite, out, _ = tiny_run
    before = _stamps(out)
    again = run_suite(suite, out, workers=1)
    assert again.skipped == 10 and again.done == 0 and again.failed == 2  # the failing model was retried
    assert _stamps(out) == before
    assert len(load_results(out).runs) == 2


def test_a_killed_run_resumes_without_recomputing(tmp_path):
    path = tmp_path / "cheap.toml"
    path.write_text(CHEAP)
    total = len(load_suite(path).tasks())
    out = tmp_path / "out"
    cmd = _chaoslab("bench", "run", str(path), "--out", str(out), "--workers", "1", "--quiet")
    # Ctrl-C: the finished tasks stay, the command says how to resume, exit 130
    p = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_results(out, 1, p)
    os.killpg(p.pid, signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130 and "interrupted:" in err and "run the same command again" in err, err
    # a killed process (and its workers): nothing half-written is left
    p = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_results(out, _n_results(out) + 2, p)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    before = _stamps(out)
    assert 0 < len(before) < total
    r = subprocess.run(cmd + ["--json"], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["skipped"] == len(before) and summary["done"] == total - len(before) and summary["complete"]
    after = _stamps(out)
    assert len(after) == total and all(after[k] == v for k, v in before.items())  # finished tasks untouched
    assert not _no_temporaries(out)
    t = load_results(out).table
    assert t["task"].nunique() == total and not t.duplicated(["task", "window", "metric"]).any()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_real_scheduler_survives_a_killed_worker(tmp_path):
    from distributed import Client

    path = tmp_path / "cheap.toml"
    path.write_text(CHEAP)
    suite = load_suite(path)
    total = len(suite.tasks())
    addr = f"tcp://127.0.0.1:{_free_port()}"
    procs = []

    def start(*args):
        p = subprocess.Popen([sys.executable, "-m", "dask", *args], start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(p)
        return p

    try:
        start("scheduler", "--host", "127.0.0.1", "--port", addr.rsplit(":", 1)[1], "--no-dashboard")
        workers = [start("worker", addr, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", f"w{i}")
                   for i in range(2)]
        with Client(addr, timeout="60s") as c:
            c.wait_for_workers(2, timeout=120)
        out = tmp_path / "out"
        run = subprocess.Popen(_chaoslab("bench", "run", str(path), "--out", str(out), "--scheduler", addr, "--quiet",
                                         "--json"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(run)
        _wait_for_results(out, 1, run)
        os.killpg(workers[0].pid, signal.SIGKILL)  # mid-run: it was holding data and running a task
        workers[0].wait()
        at_kill = _n_results(out)
        stdout, stderr = run.communicate(timeout=900)
        assert run.returncode == 0, stderr
        assert at_kill < total
        summary = json.loads(stdout)
        assert summary["done"] == total and summary["failed"] == 0
        res = load_results(out)
        assert sorted(res.table["task"].unique()) == sorted(t["id"] for t in suite.tasks())  # every one, once
        assert not res.table.duplicated(["task", "window", "metric"]).any()
        assert not res.failures and not res.missing
    finally:
        for p in procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    p.kill()
                p.wait()


def test_bootstrap_interval_resamples_whole_systems():
    # two systems, all 1s and all 3s: resampling systems gives pooled medians 1 (p = 1/4), 2 (1/2)
    # or 3 (1/4), so the 95 % interval is [1, 3] and the 40 % interval [2, 2]
    values = np.array([1.0, 1, 1, 3, 3, 3])
    groups = np.array(["a"] * 3 + ["b"] * 3)
    assert bootstrap_median_ci(values, groups) == (2.0, 1.0, 3.0)
    assert bootstrap_median_ci(values, groups, level=0.4) == (2.0, 2.0, 2.0)
    # one system: windows are resampled; identical values give a zero-width interval
    assert bootstrap_median_ci(np.full(5, 0.7), np.array(["a"] * 5)) == (0.7, 0.7, 0.7)
    assert np.isnan(bootstrap_median_ci(np.array([np.nan]))[0])


def test_leaderboard_ranks_models_by_median_vpt(tiny_run):
    _, out, _ = tiny_run
    t = load_results(out).table
    board = leaderboard(t)
    assert list(board["model"]) == sorted(board["model"], key=lambda m: -float(
        np.median(t[(t["model"] == m) & (t["metric"] == "vpt_lyapunov") & (t["window"] >= 0)]["value"])))
    assert set(board["model"]) == {"naive", "linear", "nvar"}
    assert (board["vpt_ci_low"] <= board["median_vpt_lyapunov"]).all()
    assert (board["median_vpt_lyapunov"] <= board["vpt_ci_high"]).all()
    assert board.iloc[0]["model"] == "nvar" and (board["windows"] == 8).all()


def test_the_report_renders_in_headless_chromium(tiny_run, tmp_path):
    # Debian's chromium (installed by .ci/run), driven by Playwright: no browser is downloaded
    import shutil

    from playwright.sync_api import sync_playwright

    from chaoslab.bench import write_report

    _, out, _ = tiny_run
    index = write_report(out, tmp_path / "report")
    pages = [index] + sorted((tmp_path / "report" / "systems").glob("*.html"))
    assert [p.stem for p in pages[1:]] == ["Lorenz", "Rossler"]
    browser_path = shutil.which("chromium")
    assert browser_path, "Debian's chromium is required for this test (apt-get install chromium; .ci/run does it)"
    problems, requests = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_path, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url}"))
            page.on("request", lambda r: requests.append(r.url))
            for p in pages:
                page.goto(p.as_uri(), wait_until="load")
                images = page.eval_on_selector_all(
                    "img", "els => els.map(e => [e.getAttribute('src'), e.complete && e.naturalWidth > 0])")
                assert images and all(ok for _, ok in images), (p.name, images)
                if p == index:
                    rows = page.locator("#leaderboard-table tbody tr")  # the forecasting models
                    assert rows.count() == 3  # naive, linear, nvar; the failing model has no score
                    assert rows.nth(0).locator("td").nth(1).inner_text() == "nvar"
                    assert page.locator("#failures").count() == 1
                    assert page.locator("#ensembles-table tbody tr").count() == 1
                    assert page.locator("#sampling-table tbody tr").count() == 1
                    page.locator("#systems-table a", has_text="Rossler").click()
                    page.wait_for_load_state("load")
                    assert page.url.endswith("/systems/Rossler.html")
                else:
                    assert page.locator("#models-table tbody tr").count() == 3
                    assert page.locator("#spectrum-table tbody tr").count() == 3
                    assert page.locator("#ensembles-table tbody tr").count() == 1
        finally:
            browser.close()
    assert not problems, problems
    assert requests and all(u.startswith("file://") for u in requests), [u for u in requests if not u.startswith("file://")]


def test_leaderboard_counts_a_diverged_window_at_the_smape_limit():
    import pandas as pd

    rows = []
    for system in ("A", "B"):
        for window, (vpt, smape) in enumerate([(1.0, 10.0), (2.0, np.nan)]):  # window 1 diverged
            base = dict(kind="forecast", system=system, model="m", seed=0, window=window)
            rows += [base | dict(metric="vpt_lyapunov", value=vpt), base | dict(metric="smape", value=smape)]
    board = leaderboard(pd.DataFrame(rows))
    # sMAPE over the four windows: 10, 200, 10, 200 -> median 105; VPT 1, 2, 1, 2 -> 1.5
    assert board.loc[0, "median_smape"] == 105.0 and board.loc[0, "median_vpt_lyapunov"] == 1.5
    assert board.loc[0, "systems"] == 2 and board.loc[0, "windows"] == 4
