"""``chaoslab bench``: suites, resumable runs on Dask, consolidated results, the HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import err, fail, handle_errors, out, print_json, show_progress

app = typer.Typer(no_args_is_help=True, help="Benchmark suites: list, run (Dask, resumable), results, report.")


@app.command("list")
@handle_errors
def list_cmd(json_: bool = typer.Option(False, "--json", help="print JSON")):
    """The shipped suites (a suite is a TOML file; pass your own file's path to bench run)."""
    from ..bench import list_suites, load_suite

    rows = []
    for name, description in list_suites().items():
        s = load_suite(name)
        rows.append(dict(name=name, description=description, systems=len(s.systems), models=len(s.models),
                         seeds=len(s.seeds), tasks=len(s.tasks()), path=str(s.path)))
    if json_:
        print_json(rows)
        return
    for r in rows:
        out.print(f"[bold]{r['name']:10s}[/bold] {r['tasks']:6d} tasks ({r['systems']} systems x {r['models']} models "
                  f"x {r['seeds']} seeds)  {r['description']}")


def run_with_progress(suite, out_dir: Path, *, scheduler=None, workers=None, force=False, quiet=False):
    """run_suite with a rich progress bar on stderr (done / running / failed, ETA)."""
    from ..bench import run_suite

    if not show_progress(quiet):
        return run_suite(suite, out_dir, scheduler=scheduler, workers=workers, force=force)
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("[cyan]{task.fields[running]} running"), TextColumn("[red]{task.fields[failed]} failed"),
                  TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=err, transient=False) as prog:
        from ..bench.runner import finished_ids

        ids = [t["id"] for t in suite.tasks()]
        before = len(set(ids) & finished_ids(out_dir)) if Path(out_dir).is_dir() else 0
        tid = prog.add_task(suite.name, total=len(ids), completed=before, running=0, failed=0)

        def progress(done, failed, running, total):
            prog.update(tid, total=total, completed=done + failed, running=running, failed=failed)

        return run_suite(suite, out_dir, scheduler=scheduler, workers=workers, force=force, progress=progress)


@app.command("run")
@handle_errors
def run_cmd(
    suite: str = typer.Argument(..., help="a shipped suite (chaoslab bench list) or a suite .toml file"),
    out_dir: Path = typer.Option(..., "--out", help="results directory (created; re-running resumes it)"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="an existing Dask scheduler, tcp://host:port"),
    workers: Optional[int] = typer.Option(None, "--workers", help="worker processes of the local cluster (default: cores)"),
    force: bool = typer.Option(False, "--force", help="replace the results of a different suite in --out"),
    quiet: bool = typer.Option(False, "--quiet", help="no progress bar"),
    json_: bool = typer.Option(False, "--json", help="print the run summary as JSON"),
):
    """Run every unfinished task of SUITE on Dask; finished tasks are skipped on re-runs."""
    from ..bench import load_suite

    s = load_suite(suite)  # every error in the file is reported before any task starts
    try:
        summary = run_with_progress(s, out_dir, scheduler=scheduler, workers=workers, force=force, quiet=quiet or json_)
    except ConnectionError as e:
        fail(str(e), 2)
    except KeyboardInterrupt:
        from ..bench.runner import finished_ids

        fail(f"interrupted: {len(finished_ids(out_dir))} finished tasks are saved in '{out_dir}'; run the same "
             "command again to finish the suite", 130)
    if json_:
        print_json(summary.to_dict())
    else:
        share = 100 * summary.compile_share
        out.print(f"{s.name}: {summary.total} tasks — {summary.skipped} already done, {summary.done} ran, "
                  f"{summary.failed} failed — in {summary.wall_seconds:.1f} s (work: tasks {summary.task_seconds:.1f} s + "
                  f"data {summary.data_seconds:.1f} s, {share:.0f} % of it compiling); results in {out_dir}")
        for tid, msg in list(summary.failures.items())[:20]:
            out.print(f"  [red]failed[/red] {tid}: {msg}")
    if summary.failed:
        raise typer.Exit(1)


@app.command("results")
@handle_errors
def results_cmd(
    results_dir: Path = typer.Argument(..., help="a results directory (bench run --out)"),
    out_file: Optional[Path] = typer.Option(None, "--out", help="FILE.parquet: write the consolidated table"),
    json_: bool = typer.Option(False, "--json", help="print the table as JSON records"),
):
    """Consolidate a run into one table: suite, task, system, model, seed, window, metric, value
    and the run metadata (chaoslab version, git commit, machine, wall time per task)."""
    from ..bench import leaderboard, load_results

    res = load_results(results_dir)
    if out_file is not None:
        if out_file.suffix != ".parquet":
            raise ValueError(f"--out must end in .parquet, got '{out_file.name}'")
        from ..data.tables import write_parquet_atomic

        write_parquet_atomic(res.table, out_file)
    if json_:
        print_json(res.table.to_dict("records"))
        return
    t = res.table
    out.print(f"suite {res.suite['name']}: {t['task'].nunique()} of {len(res.suite['tasks'])} tasks finished, "
              f"{len(res.failures)} failed, {len(t)} rows")
    board = leaderboard(t)
    if len(board):
        from rich.table import Table

        table = Table(title="median valid prediction time (Lyapunov times), 95 % bootstrap interval")
        for col in ("model", "median VPT", "interval", "median sMAPE", "systems"):
            table.add_column(col)
        for r in board.itertuples():
            table.add_row(r.model, f"{r.median_vpt_lyapunov:.3g}", f"[{r.vpt_ci_low:.3g}, {r.vpt_ci_high:.3g}]",
                          f"{r.median_smape:.3g}", str(r.systems))
        out.print(table)
    if res.reference:
        from rich.markup import escape
        from rich.table import Table

        from ..bench.results import published_reference, reference_rows

        ref = published_reference(res.reference)
        table = Table(title=f"published reference '{ref['name']}': the study's median sMAPE over systems beside "
                            "this run's median over windows", caption=escape(ref["citation"]["text"]))
        for col in ("study model", "published", "systems", "our model", "ours", "difference"):
            name = col in ("study model", "our model")  # names fold onto a second line, never cut; numbers stay whole
            table.add_column(col, overflow="fold" if name else "ellipsis", no_wrap=not name,
                             justify="left" if name else "right")
        num = lambda v, f: "–" if v != v else format(v, f)  # NaN: a model not run here
        for r in reference_rows(board, res.reference, res.labels):
            systems = str(r["published_systems"]) + (f" of {r['published_systems'] + r['missing']}" if r["missing"] else "")
            table.add_row(escape(r["study_model"]), num(r["published_smape"], ".2f"), systems,
                          escape(r["model"] or r["counterpart"] or "none"), num(r["our_smape"], ".2f"),
                          num(r["difference"], "+.2f"))
        out.print(table)
    if out_file is not None:
        out.print(f"wrote {out_file}")


@app.command("report")
@handle_errors
def report_cmd(
    results_dir: Path = typer.Argument(..., help="a results directory (bench run --out)"),
    html: Path = typer.Option(..., "--html", help="directory for the report (index.html, systems/, img/)"),
):
    """Write a static, self-contained HTML report of a run."""
    from ..bench import write_report

    index = write_report(results_dir, html)
    out.print(f"wrote {index}")
