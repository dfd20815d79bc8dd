"""Run a suite on Dask, resumably.

``run_suite(suite, out_dir)`` submits every unfinished task of the suite to a Dask cluster — a
``LocalCluster`` of worker processes by default, or an existing ``dask.distributed`` scheduler —
and writes each result as it arrives, from this (the client) process:

    DIR/suite.json            the suite's name, digest, text and published reference (a directory holds one suite)
    DIR/tasks/<id>.parquet    one finished task's rows; its presence marks the task finished
    DIR/artifacts/<id>.npz    small arrays for the report (forecasts, rollouts, spectra)
    DIR/failed/<id>.json      a failed task's error (retried by the next run)
    DIR/runs/<start>.json     one record per run: counts, wall time, scheduler

Every file is written to a temporary sibling and renamed into place, the Parquet file last, so a
killed run leaves no half-written result and loses at most the tasks that were running. Running
the same command again skips the finished tasks. Tasks that read the same data (system, seed,
setting) share one Dask future for it, so each dataset is integrated once per run.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..data.tables import atomic_write, write_parquet_atomic
from .suite import Suite
from .tasks import ROW_COLUMNS, TaskResult, build_data, run_task

__all__ = ["run_suite", "RunSummary", "ResultsDirError", "prepare_out_dir", "finished_ids", "META_COLUMNS"]

META_COLUMNS = ["chaoslab_version", "git_commit", "machine", "wall_seconds", "compile_seconds"]

LOOPBACK = "127.0.0.1"  # the one interface a local cluster listens on


class ResultsDirError(ValueError):
    """An output directory that cannot take this suite's results."""


@dataclass
class RunSummary:
    suite: str
    out_dir: str
    total: int
    skipped: int
    done: int
    failed: int
    wall_seconds: float
    task_seconds: float
    compile_seconds: float
    scheduler: str
    data_seconds: float = 0.0  # integrating the shared task data (once per system, seed and setting)
    data_compile_seconds: float = 0.0
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.skipped + self.done == self.total

    @property
    def compile_share(self) -> float:
        """The fraction of the work (tasks and their data) spent tracing and compiling JAX."""
        total = self.task_seconds + self.data_seconds
        return (self.compile_seconds + self.data_compile_seconds) / total if total > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"complete": self.complete, "compile_share": self.compile_share}


# --------------------------------------------------------------------------- files
def _write_json(path: Path, obj) -> None:
    atomic_write(path, lambda p: p.write_text(json.dumps(obj, indent=1, default=str)))


def prepare_out_dir(suite: Suite, out_dir: Path, *, force: bool = False) -> None:
    """Create DIR for ``suite`` or check that it already holds this suite's results. A directory
    holding another suite (or other settings) is refused unless ``force``, which deletes its
    results first. Stale temporary files of a killed run are removed."""
    out_dir = Path(out_dir)
    record = out_dir / "suite.json"
    if out_dir.exists() and not out_dir.is_dir():
        raise ResultsDirError(f"--out '{out_dir}' is a file; give a directory")
    if record.is_file():
        old = json.loads(record.read_text())
        if old.get("digest") != suite.digest:
            if not force:
                what = (f"suite '{old.get('name')}'" if old.get("name") != suite.name
                        else f"suite '{suite.name}' with different settings")
                raise ResultsDirError(f"'{out_dir}' holds results of {what}; use another --out, or --force to "
                                      "delete them and start again")
            for sub in ("tasks", "artifacts", "failed"):
                for f in (out_dir / sub).glob("*") if (out_dir / sub).is_dir() else []:
                    f.unlink()
    elif out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        raise ResultsDirError(f"'{out_dir}' is not empty and holds no chaoslab results; use an empty or new "
                              "directory (or --force to write into it)")
    for sub in ("tasks", "artifacts", "failed", "runs"):
        (out_dir / sub).mkdir(parents=True, exist_ok=True)
        for stale in (out_dir / sub).glob(".*.tmp-*"):
            stale.unlink()
    _write_json(record, dict(name=suite.name, digest=suite.digest, description=suite.description,
                             source=str(suite.path), text=suite.text, tasks=[t["id"] for t in suite.tasks()],
                             reference=suite.reference))


def finished_ids(out_dir: Path) -> set[str]:
    return {p.name[: -len(".parquet")] for p in (Path(out_dir) / "tasks").glob("*.parquet")}


def _save(result: TaskResult, spec: dict[str, Any], suite: Suite, out_dir: Path) -> None:
    """Write one finished task: artifacts first, then its Parquet rows (the completion mark)."""
    import pandas as pd

    failed = out_dir / "failed" / f"{result.id}.json"
    if result.status != "done":
        _write_json(failed, dict(id=result.id, kind=spec["kind"], system=spec["system"], model=spec.get("label", ""),
                                 seed=spec.get("seed"), error=result.error, meta=result.meta))
        return
    if result.artifacts:
        def write_npz(p: Path) -> None:
            with open(p, "wb") as f:  # a file object: savez would append ".npz" to the temporary name
                np.savez_compressed(f, **result.artifacts)

        atomic_write(out_dir / "artifacts" / f"{result.id}.npz", write_npz)
    df = pd.DataFrame(result.rows, columns=ROW_COLUMNS[1:])
    df.insert(0, "suite", suite.name)
    for k in META_COLUMNS:
        df[k] = result.meta.get(k)
    df["window"] = df["window"].astype("int64")
    df["seed"] = df["seed"].astype("int64")
    write_parquet_atomic(df, out_dir / "tasks" / f"{result.id}.parquet")
    if failed.exists():
        failed.unlink()


# --------------------------------------------------------------------------- the run
def _worker_env() -> dict[str, str]:
    """One XLA compute thread per single-threaded worker process (no oversubscription)."""
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_cpu_multi_thread_eigen" not in flags:
        flags = (flags + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()
    return {"XLA_FLAGS": flags, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _client(scheduler: str | None, workers: int | None):
    import logging

    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="15s"), None
        except (OSError, TimeoutError) as e:
            raise ConnectionError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
    n = workers or os.cpu_count() or 1
    # Everything the local cluster opens listens on the loopback interface only: the scheduler's,
    # the nannies' and the workers' TCP comms (host) and the scheduler's HTTP server, which
    # distributed always starts (no dashboard; the runner uses none of its endpoints) - on a free
    # port, as 8787 may be taken. An address without a host (":0") would listen on 0.0.0.0.
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host=LOOPBACK, protocol="tcp://",
                           dashboard_address=None, worker_dashboard_address=None,
                           scheduler_kwargs={"dashboard_address": f"{LOOPBACK}:0"}, silence_logs=logging.ERROR,
                           env=_worker_env())
    return Client(cluster), cluster


def run_suite(suite: Suite, out_dir: str | os.PathLike, *, scheduler: str | None = None, workers: int | None = None,
              force: bool = False, progress: Callable[..., Any] | None = None) -> RunSummary:
    """Run every unfinished task of ``suite`` into ``out_dir`` (see the module docstring).

    ``progress(done=, failed=, running=, total=)`` is called as results arrive and about twice a
    second. KeyboardInterrupt stops the run:
    what finished is on disk, what ran is lost.
    """
    from distributed import as_completed

    if workers is not None and workers < 1:
        raise ValueError(f"--workers must be >= 1, got {workers}")
    if scheduler and workers is not None:
        raise ValueError("--workers sizes the local cluster; with --scheduler the cluster's own workers are used")
    out_dir = Path(out_dir)
    remote = _client(scheduler, None) if scheduler else None  # a wrong address fails before anything is written
    try:
        prepare_out_dir(suite, out_dir, force=force)
    except BaseException:
        if remote:
            remote[0].close()
        raise
    tasks = suite.tasks()
    finished = finished_ids(out_dir)
    pending = [t for t in tasks if t["id"] not in finished]
    summary = RunSummary(suite.name, str(out_dir), len(tasks), len(tasks) - len(pending), 0, 0, 0.0, 0.0, 0.0,
                         scheduler or f"local ({workers or os.cpu_count()} workers)")
    started = time.time()
    t0 = time.perf_counter()
    report = progress or (lambda **kw: None)
    report(done=summary.skipped, failed=0, running=0, total=summary.total)
    if not pending and remote:
        remote[0].close()
    if pending:
        client, cluster = remote or _client(None, workers)
        tag = suite.digest[:8]
        try:
            data_futures, users, counted = {}, {}, set()
            for t in pending:
                if t["data"] is not None and t["data"] not in data_futures:
                    data_futures[t["data"]] = client.submit(build_data, t["data_spec"], key=f"{tag}-{t['data']}",
                                                            pure=False, priority=10)
                users[t["data"]] = users.get(t["data"], 0) + 1
            futures = {}
            for t in pending:
                args = (t, data_futures[t["data"]]) if t["data"] is not None else (t,)
                fut = client.submit(run_task, *args, key=f"{tag}-{t['id']}", pure=False,
                                    priority=5 if t["kind"] == "lyapunov" else 0)
                futures[fut] = t
            by_key = {f.key: f for f in futures}
            arrivals = as_completed(list(futures))
            left = len(futures)
            while left:
                batch = arrivals.next_batch(block=False)
                if not batch:
                    time.sleep(0.25)
                for fut in batch:
                    left -= 1
                    t = futures[fut]
                    # A finished result can be lost again (its worker died after as_completed saw it);
                    # result() then waits while the scheduler recomputes it. Only an error is a failure.
                    try:
                        result = fut.result()
                    except Exception as exc:
                        result = TaskResult(t["id"], "failed", error=f"{type(exc).__name__}: {exc}",
                                            meta={"wall_seconds": 0.0, "compile_seconds": 0.0})
                    _save(result, t, suite, out_dir)
                    summary.task_seconds += float(result.meta.get("wall_seconds") or 0.0)
                    summary.compile_seconds += float(result.meta.get("compile_seconds") or 0.0)
                    if result.status == "done":
                        summary.done += 1
                    else:
                        summary.failed += 1
                        summary.failures[t["id"]] = (result.error or "").splitlines()[0]
                    if t["data"] is not None and t["data"] not in counted and "data_seconds" in result.meta:
                        counted.add(t["data"])
                        summary.data_seconds += float(result.meta["data_seconds"])
                        summary.data_compile_seconds += float(result.meta["data_compile_seconds"])
                    if t["data"] is not None:
                        users[t["data"]] -= 1
                        if users[t["data"]] == 0:
                            data_futures.pop(t["data"]).release()
                try:
                    running = sum(1 for keys in client.processing().values() for k in keys if k in by_key)
                except Exception:
                    running = 0
                report(done=summary.skipped + summary.done, failed=summary.failed, running=running, total=summary.total)
        except KeyboardInterrupt:
            client.cancel(list(futures) if "futures" in locals() else [])
            raise
        finally:
            summary.wall_seconds = time.perf_counter() - t0
            _write_json(out_dir / "runs" / f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime(started))}-{uuid.uuid4().hex[:6]}.json",
                        summary.to_dict() | dict(started=started, finished=time.time()))
            client.close()
            if cluster is not None:
                cluster.close()
    summary.wall_seconds = time.perf_counter() - t0
    return summary
