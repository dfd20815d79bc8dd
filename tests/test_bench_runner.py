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
lyapunov_times = 2

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


def _results(out):
    """The finished results: a process killed mid-write leaves its temporary (``.NAME.tmp-*``),
    which is not one."""
    d = out / "tasks"
    return [f for f in d.glob("*.parquet") if ".tmp-" not in f.name] if d.is_dir() else []


def _n_results(out):
    return len(_results(out))


def _stamps(out):
    return {f.name: (f.stat().st_ino, f.stat().st_mtime_ns) for f in _results(out)}


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
    # Ctrl-C: the finished tasks stay, the command says how to resume, exit 130. (SIGINT restored
    # to its default: a shell starts background jobs with it ignored, and Python keeps it so.)
    p = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
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
        assert run.returncode == 0, (stdout, stderr)
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


LOOPBACK_SUITE = """\
name = "loopback"
description = "one flow, one model: where the local cluster listens"

[systems]
names = ["Lorenz"]

[task]
train_periods = 10
horizon = 20
n_val = 1
n_test = 1

[evaluation]
dynamics = false

[[models]]
name = "naive"
"""


def test_the_local_cluster_listens_on_loopback_only(tmp_path):
    # every socket the run's local cluster listens on (the scheduler's comm and HTTP server, the
    # nannies', the workers'), in this process and its children, seen while tasks are running
    import ipaddress

    import psutil

    path = tmp_path / "loopback.toml"
    path.write_text(LOOPBACK_SUITE)
    listening, calls = set(), []

    def look(**counts):
        calls.append(counts)
        if len(calls) == 1:  # reported before the cluster starts
            return
        me = psutil.Process()
        for proc in [me] + me.children(recursive=True):
            try:
                listening.update((proc.pid, c.laddr.ip, c.laddr.port) for c in proc.net_connections(kind="inet")
                                 if c.status == psutil.CONN_LISTEN)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass

    summary = run_suite(load_suite(path), tmp_path / "out", workers=2, progress=look)
    assert summary.done == summary.total == 1 and len(calls) > 1
    pids = {pid for pid, _, _ in listening}
    # the scheduler's comm and HTTP server and two nannies here, a worker in each of two children
    assert os.getpid() in pids and len(pids) >= 3 and len({(pid, port) for pid, _, port in listening}) >= 6, listening
    outside = sorted(x for x in listening if not ipaddress.ip_address(x[1]).is_loopback)
    assert not outside, f"listening beyond the loopback interface: {outside}"


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


# strings a user controls (a suite's description, a system's name, a model's label, an error
# message quoting its input) that are also HTML: the report must show them as text
HOSTILE_DESCRIPTION = '<script>alert("description")</script> & <b>bold</b>'
HOSTILE_SYSTEM = 'Rossler<img src=x onerror="alert(1)">'
HOSTILE_LABEL = 'linear <i>"k=4"</i>'
HOSTILE_FAILED_LABEL = "<u>linear-k1000</u>"
HOSTILE_ERROR = "ValueError: <script>document.title = 'pwned'</script> & <!-- needs more than 1000 points"


def _hostile_results(out, dest):
    """A copy of the tiny run's results with HTML in its strings (the files' formats are the
    runner's: suite.json, tasks/*.parquet, failed/*.json)."""
    import shutil

    import pandas as pd

    shutil.copytree(out, dest)
    record = json.loads((dest / "suite.json").read_text())
    record["text"] = record["text"].replace(record["description"], HOSTILE_DESCRIPTION.replace('"', '\\"'))
    record["description"] = HOSTILE_DESCRIPTION
    (dest / "suite.json").write_text(json.dumps(record))
    names = {"system": {"Rossler": HOSTILE_SYSTEM}, "model": {"linear": HOSTILE_LABEL, "linear-k1000": HOSTILE_FAILED_LABEL}}
    for f in (dest / "tasks").glob("*.parquet"):
        t = pd.read_parquet(f)
        for col, new in names.items():
            t[col] = t[col].replace(new)
        t.to_parquet(f)
    for f in (dest / "failed").glob("*.json"):
        rec = json.loads(f.read_text())
        rec["system"] = names["system"].get(rec["system"], rec["system"])
        rec["model"] = names["model"].get(rec["model"], rec["model"])
        rec["error"] = HOSTILE_ERROR + "\n" + rec["error"]
        f.write_text(json.dumps(rec))
    return dest


def _html_parts(path):
    """(start tags with their attributes, text content) of an HTML file, as a browser's parser sees them."""
    from html.parser import HTMLParser

    class Parts(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.tags, self.text = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append((tag, dict(attrs)))

        def handle_data(self, data):
            self.text.append(data)

        def handle_comment(self, data):
            self.tags.append(("!--", {}))

    parts = Parts()
    parts.feed(path.read_text())
    return parts.tags, "".join(parts.text)


def test_the_report_escapes_html_in_names_descriptions_and_errors(tiny_run, tmp_path):
    from chaoslab.bench import write_report

    _, out, _ = tiny_run
    clean = write_report(out, tmp_path / "clean")
    index = write_report(_hostile_results(out, tmp_path / "results"), tmp_path / "report")
    pages = sorted((index.parent / "systems").glob("*.html"))
    assert [p.name for p in pages] == ["Lorenz.html", "Rossler_img_src_x_onerror__alert_1___.html"]  # names made safe
    for page, same, shown in (
            (index, clean, [HOSTILE_DESCRIPTION, HOSTILE_SYSTEM, HOSTILE_LABEL, HOSTILE_FAILED_LABEL, HOSTILE_ERROR]),
            (pages[1], clean.parent / "systems" / "Rossler.html",
             [HOSTILE_SYSTEM, HOSTILE_LABEL, HOSTILE_FAILED_LABEL, HOSTILE_ERROR])):
        raw = page.read_text()
        tags, text = _html_parts(page)
        # no markup of theirs: the page has exactly the elements of the report of the plain strings
        assert [t for t, _ in tags] == [t for t, _ in _html_parts(same)[0]], page.name
        assert all(a.get("src", "").endswith(".png") and "onerror" not in a for t, a in tags if t == "img"), page.name
        for s in shown:
            assert s not in raw, (page.name, s)  # not verbatim ...
            assert s in text, (page.name, s)  # ... but there, as text
    assert "&lt;script&gt;alert(&#34;description&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in index.read_text()


def test_the_report_renders_in_headless_chromium(tiny_run, tmp_path):
    # Debian's chromium (tools/test_setup.sh installs it), driven by Playwright: no browser is downloaded
    import shutil

    from playwright.sync_api import sync_playwright

    from chaoslab.bench import write_report

    _, out, _ = tiny_run
    index = write_report(out, tmp_path / "report")
    pages = [index] + sorted((tmp_path / "report" / "systems").glob("*.html"))
    assert [p.stem for p in pages[1:]] == ["Lorenz", "Rossler"]
    # the same results with HTML in their strings: shown as text, nothing of theirs runs
    hostile = write_report(_hostile_results(out, tmp_path / "hostile"), tmp_path / "hostile-report")
    hostile_pages = [hostile] + sorted((tmp_path / "hostile-report" / "systems").glob("*.html"))
    browser_path = shutil.which("chromium")
    assert browser_path, ("Debian's chromium is required for this test: run tools/test_setup.sh (as root), "
                          "or apt-get install chromium")
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
            page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
            for p in hostile_pages:
                page.goto(p.as_uri(), wait_until="load")
                assert page.locator("script").count() == 0 and "pwned" not in page.title(), p.name
                images = page.eval_on_selector_all(
                    "img", "els => els.map(e => [e.getAttribute('src'), e.complete && e.naturalWidth > 0])")
                assert images and all(ok and src.endswith(".png") for src, ok in images), (p.name, images)
                if p == hostile:
                    assert page.locator("p.sub").first.inner_text().startswith(HOSTILE_DESCRIPTION)
                    models = page.locator("#leaderboard-table tbody tr td:nth-child(2)").all_inner_texts()
                    assert sorted(models) == sorted(["nvar", "naive", HOSTILE_LABEL])
                    assert HOSTILE_SYSTEM in page.locator("#systems-table").inner_text()
                    failures = page.locator("#failures ~ p").all_inner_texts()
                    assert any(HOSTILE_FAILED_LABEL in f and HOSTILE_ERROR in f for f in failures), failures
                    page.locator("#systems-table a", has_text=HOSTILE_SYSTEM).click()
                    page.wait_for_load_state("load")
                    assert page.url.endswith("/systems/Rossler_img_src_x_onerror__alert_1___.html")
                    assert page.locator("h1").inner_text() == HOSTILE_SYSTEM
                else:
                    assert page.locator("#models-table tbody tr").count() == 3
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


def test_a_worker_drops_its_compiled_programs_before_the_kernel_mapping_limit(monkeypatch):
    # each XLA CPU program holds memory mappings of its own while JAX caches it; a suite's worker
    # that compiled for hundreds of tasks hit vm.max_map_count ("LLVM compilation error: Cannot
    # allocate memory") and died. Past the share, the worker clears JAX's caches, which unmaps them
    import jax
    import jax.numpy as jnp

    from chaoslab._cache import mapping_share, release_compiled_programs

    with open("/proc/sys/vm/max_map_count") as f:
        limit = int(f.read())
    n = 100
    for i in range(n):  # n distinct programs
        jax.jit(lambda x, i=i: jnp.sin(x) * i)(jnp.ones(i + 1)).block_until_ready()
    before = mapping_share()
    assert 0 < before < 1 and not release_compiled_programs(share=1.0)  # below the share: kept
    assert release_compiled_programs(share=0.0)
    assert mapping_share() <= before - n / limit  # at least a mapping per program is gone
    # where the count cannot be read (no /proc), nothing is dropped
    import chaoslab._cache as cache

    monkeypatch.setattr(cache, "mapping_share", lambda: None)
    assert not release_compiled_programs(share=0.0)
