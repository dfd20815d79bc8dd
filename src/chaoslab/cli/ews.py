"""``chaoslab ews``: scenarios of critical transitions, and early warnings on a user's series."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import atomic_savefig, handle_errors, out, print_json
from .ensemble import _figure_path

app = typer.Typer(no_args_is_help=True, help="Early-warning signals: scenarios (ROC, AUC, lead times) and your data.")
_WINDOW_HELP = "rolling window: a fraction of the series in (0, 1), or a number of points (>= 8)"


@app.command("list")
@handle_errors
def list_cmd(json_: bool = typer.Option(False, "--json", help="print JSON")):
    """The scenario library."""
    from ..ews import list_scenarios

    items = list_scenarios()
    if json_:
        print_json([dict(name=k, description=v) for k, v in items.items()])
        return
    for k, v in items.items():
        out.print(f"[bold]{k:14s}[/bold] {v}")


@app.command("scenario")
@handle_errors
def scenario_cmd(
    name: str = typer.Argument(..., help="scenario (chaoslab ews list)"),
    runs: int = typer.Option(50, "--runs", help="forced runs (and as many null runs)"),
    seed: int = typer.Option(0, "--seed"),
    window: float = typer.Option(0.5, "--window", help=_WINDOW_HELP),
    false_alarm_rate: float = typer.Option(0.1, "--false-alarm-rate", help="for the lead time"),
    plot: Optional[Path] = typer.Option(None, "--plot", help="FILE.png: runs, ROC curves, lead times"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
):
    """Simulate forced and null runs of a scenario and print each indicator's AUC and lead time."""
    from ..ews import get_scenario, simulate
    from ..ews.evaluation import evaluate_runs, evaluation_figure
    from ..ews.indicators import check_window

    sc = get_scenario(name)
    if isinstance(runs, bool) or runs < 2:
        raise ValueError(f"--runs must be an integer >= 2, got {runs}")
    window = check_window(window)  # a bad window fails before any simulation
    _figure_path(plot)
    sim = simulate(sc, runs, seed=seed)
    res = evaluate_runs(sim, window=window, false_alarm_rate=false_alarm_rate)
    res.info.update(bifurcation=sc.bifurcation, critical_time=sc.critical_time, seed=seed)
    if plot is not None:
        atomic_savefig(evaluation_figure(res, sim), plot)
    s = res.summary()
    if json_:
        print_json(s)
        return
    out.print(f"[bold]{name}[/bold] ({sc.bifurcation}): {runs} forced runs ({s['tipped']} tipped, median at "
              f"t = {s['median_tipping_time']:.4g}; the ramp crosses the bifurcation at t = {sc.critical_time:.4g}) "
              f"and {runs} null runs")
    out.print(f"  {'indicator':15s} {'AUC':>6s} {'lead time':>10s} {'detected':>9s}  (at {100 * false_alarm_rate:.0f}% false alarms)")
    for k, v in s["indicators"].items():
        out.print(f"  {k:15s} {v['auc']:6.3f} {v['lead_time']:10.4g} {100 * v['detection_rate']:8.0f}%")
    if plot is not None:
        out.print(f"wrote {plot}")


@app.command("analyze")
@handle_errors
def analyze_cmd(
    file: Path = typer.Argument(..., help="a CSV file with a header row"),
    column: str = typer.Option(..., "--column", help="the column holding the series"),
    time_column: Optional[str] = typer.Option(None, "--time-column", help="a column of times (default: the row number)"),
    transition: Optional[float] = typer.Option(None, "--transition", help="use only the data up to this time"),
    window: float = typer.Option(0.5, "--window", help=_WINDOW_HELP),
    detrending: str = typer.Option("gaussian", "--detrend", help="gaussian, lowess, linear or none"),
    bandwidth: float = typer.Option(0.2, "--bandwidth", help="Gaussian kernel bandwidth (fraction of the series)"),
    span: float = typer.Option(0.2, "--span", help="LOWESS span (fraction of the series)"),
    surrogates: int = typer.Option(100, "--surrogates", help="surrogate series for the significance of the trends (0: none)"),
    surrogate_method: str = typer.Option("phase", "--surrogate-method", help="phase or ar1"),
    seed: int = typer.Option(0, "--seed"),
    plot: Optional[Path] = typer.Option(None, "--plot", help="FILE.png: series, trend and indicators"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
):
    """Early-warning indicators of one column of a CSV file, their Kendall τ and significance."""
    import numpy as np
    import pandas as pd

    from ..ews.indicators import early_warnings, early_warnings_figure, rolling_window

    if not file.is_file():
        raise FileNotFoundError(f"'{file}' does not exist")
    _figure_path(plot)
    try:
        df = pd.read_csv(file)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
        raise ValueError(f"'{file.name}' is not a readable CSV file: {str(e).splitlines()[0]}") from None
    for c in [column] + ([time_column] if time_column else []):
        if c not in df.columns:
            raise ValueError(f"'{file.name}' has no column '{c}'; columns: {', '.join(map(str, df.columns))}")
    def numeric(c):
        if df[c].dtype == bool:  # pandas reads a column of True/False as booleans, not numbers
            raise ValueError(f"column '{c}' is not numeric: row 1 holds '{df[c].iloc[0]}'")
        v = pd.to_numeric(df[c], errors="coerce")
        bad = v.isna() & df[c].notna()
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            raise ValueError(f"column '{c}' is not numeric: row {row + 1} holds {df[c].iloc[row]!r}")
        if v.isna().any():
            row = int(np.argmax(v.isna().to_numpy()))
            raise ValueError(f"column '{c}' has a missing value (NaN) at row {row + 1}; allowed: numbers only")
        return v.to_numpy(dtype=float)

    x = numeric(column)
    t = numeric(time_column) if time_column else np.arange(len(x), dtype=float)
    if transition is not None:
        keep = t <= transition
        x, t = x[keep], t[keep]
    w = rolling_window(len(x), window)
    ew = early_warnings(x, t, window=window, detrending=detrending, bandwidth=bandwidth, span=span,
                        n_surrogates=surrogates, surrogate_method=surrogate_method, seed=seed)
    if plot is not None:
        atomic_savefig(early_warnings_figure(ew, f"{file.name}: {column}"), plot)
    s = dict(file=str(file), column=column) | ew.summary()
    if json_:
        print_json(s)
        return
    size = f"{ew.window:g} ({w} points)" if isinstance(ew.window, float) else f"{w} points"
    out.print(f"[bold]{file.name}[/bold] column {column}: {len(x)} points, rolling window {size}, "
              f"{ew.detrending} detrending")
    for k, v in s["indicators"].items():
        p = f"  p = {v['p_value']:.3g}" if surrogates else ""
        out.print(f"  {k:15s} Kendall τ = {v['kendall_tau']:+.3f}{p}")
    if plot is not None:
        out.print(f"wrote {plot}")
