"""The demo behind the README's first Quick start line: the tour suite.

Three chaotic flows, their Lyapunov spectra and six forecasting models, run on a local Dask
cluster into ``OUT/results`` (resumable, like any suite) and written up as an HTML report in
``OUT/report``: the leaderboard, valid prediction time against the largest Lyapunov exponent,
and a page per system with its spectrum, attractor, forecasts and invariant measures.
"""

from __future__ import annotations

from pathlib import Path

DEMO_SUITE = "tour"


def run_demo(out_dir: Path, quiet: bool = False, workers: int | None = None):
    """Run the tour suite and write its report. Returns (run summary, leaderboard, index.html)."""
    from .bench import leaderboard, load_results, load_suite, write_report
    from .cli.bench import run_with_progress
    from .cli.common import out

    out_dir = Path(out_dir)
    suite = load_suite(DEMO_SUITE)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = run_with_progress(suite, out_dir / "results", workers=workers, quiet=quiet)
    index = write_report(out_dir / "results", out_dir / "report")
    board = leaderboard(load_results(out_dir / "results").table)
    if not quiet:
        from rich.table import Table

        table = Table(title=f"chaoslab demo: {len(suite.systems)} flows ({', '.join(suite.systems)}), "
                            f"{len(suite.models)} models, median valid prediction time over the test windows")
        for col in ("model", "median VPT (Lyapunov times)", "95 % interval", "median sMAPE", "median fit (s)"):
            table.add_column(col)
        for r in board.itertuples():
            table.add_row(r.model, f"{r.median_vpt_lyapunov:.3g}", f"[{r.vpt_ci_low:.3g}, {r.vpt_ci_high:.3g}]",
                          f"{r.median_smape:.3g}", f"{r.median_fit_seconds:.3g}")
        out.print(table)
        share = 100 * summary.compile_share
        out.print(f"{summary.total} tasks ({summary.skipped} done before, {summary.done} ran, {summary.failed} failed) "
                  f"in {summary.wall_seconds:.0f} s, {share:.0f} % of the work compiling JAX programs")
        out.print(f"report: {index.resolve()}")
    return summary, board, index
