"""``chaoslab forecast``: the model zoo, fitting and scoring a model on a task, and figures."""

from __future__ import annotations

import time
from pathlib import Path
from typing import List, Optional

import typer

from .common import atomic_savefig, check_figure_path, handle_errors, out, print_json

app = typer.Typer(no_args_is_help=True, help="Forecasting: models, fit and score, plot.")


def _task(system: str, granularity: float, train_periods: float, n_train: int, context: int, horizon: int,
          n_test: int, n_val: int, observed: Optional[int], seed: int, noise: float = 0.0):
    import chaoslab as cl
    from ..forecast import Task

    system = cl.get_system(system).name  # an unknown name fails here, with a suggestion; any case is read
    return Task(system, granularity=granularity, train_periods=train_periods, n_train=n_train, context=context,
                horizon=horizon, n_val=n_val, n_test=n_test, observed=observed, seed=seed, noise=noise)


def parse_hyper(items: Optional[List[str]]) -> dict:
    """name=value pairs (--hp; public for the benchmarks): integers, floats, true/false and none are converted, other values
    stay strings; get_model checks each against the type the model declares for it (one line:
    ``hyper-parameter degree of nvar must be an integer or none, got 'abc'``)."""
    out_: dict = {}
    for item in items or []:
        if "=" not in item:
            raise ValueError(f"--hp must look like name=value, got {item!r}")
        k, v = (p.strip() for p in item.split("=", 1))
        low = v.lower()
        if low in ("true", "false"):
            out_[k] = low == "true"
        elif low == "none":
            out_[k] = None
        else:
            for cast in (int, float, str):
                try:
                    out_[k] = cast(v)
                    break
                except ValueError:
                    continue
    return out_


@app.command("models")
@handle_errors
def models_cmd(json_: bool = typer.Option(False, "--json", help="print JSON")):
    """List the registered models."""
    from ..forecast import get_model, list_models

    models = list_models()
    sampling = {k: get_model(k).probabilistic() for k in models}
    if json_:
        print_json([dict(name=k, description=v, probabilistic=sampling[k], extra=get_model(k).extra or None)
                    for k, v in models.items()])
        return
    extras = {k: get_model(k).extra for k in models}
    for k, v in models.items():
        out.print(f"[bold]{k:20s}[/bold] {v}" + (" [dim](samples)[/dim]" if sampling[k] else "")
                  + (f" [dim](needs chaoslab\\[{extras[k]}])[/dim]" if extras[k] else ""))


_TASK_OPTIONS = dict(
    granularity=typer.Option(30.0, "--granularity", help="points per characteristic period"),
    train_periods=typer.Option(100.0, "--train-periods", help="length of each training trajectory, in periods"),
    n_train=typer.Option(1, "--n-train", help="training trajectories"),
    context=typer.Option(60, "--context", help="context points before each forecast"),
    horizon=typer.Option(300, "--horizon", help="forecast steps"),
    n_test=typer.Option(20, "--n-test", help="test windows"),
    n_val=typer.Option(5, "--n-val", help="validation windows (early stopping, model choice)"),
    observed=typer.Option(None, "--observed", help="univariate mode: the index of the observed coordinate"),
    noise=typer.Option(0.0, "--noise", help="measurement noise on what the model sees, a fraction of each coordinate's attractor std"),
    seed=typer.Option(0, "--seed"),
)


@app.command("fit")
@handle_errors
def fit_cmd(
    model: str = typer.Argument(..., help="model name (chaoslab forecast models)"),
    system: str = typer.Option(..., "--system", help="system name"),
    hp: Optional[List[str]] = typer.Option(None, "--hp", help="hyper-parameter name=value (repeatable)"),
    out_path: Optional[Path] = typer.Option(None, "--out", help="FILE.parquet: the per-window metrics table"),
    dynamics: bool = typer.Option(True, "--dynamics/--no-dynamics", help="long rollouts and the model's exponent"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
    granularity: float = _TASK_OPTIONS["granularity"],
    train_periods: float = _TASK_OPTIONS["train_periods"],
    n_train: int = _TASK_OPTIONS["n_train"],
    context: int = _TASK_OPTIONS["context"],
    horizon: int = _TASK_OPTIONS["horizon"],
    n_test: int = _TASK_OPTIONS["n_test"],
    n_val: int = _TASK_OPTIONS["n_val"],
    observed: Optional[int] = _TASK_OPTIONS["observed"],
    noise: float = _TASK_OPTIONS["noise"],
    seed: int = _TASK_OPTIONS["seed"],
):
    """Train MODEL on a task of SYSTEM and print its scores on the test windows."""
    from ..forecast import get_model, make_task_data
    from ..forecast.evaluate import evaluate

    m = get_model(model, seed=seed, **parse_hyper(hp))  # unknown names and bad hyper-parameters fail first
    task = _task(system, granularity, train_periods, n_train, context, horizon, n_test, n_val, observed, seed, noise)
    if out_path is not None and out_path.suffix != ".parquet":
        raise ValueError(f"--out must end in .parquet, got '{out_path.name}'")
    data = make_task_data(task)
    t0 = time.perf_counter()
    m.fit(data.train, data.val, dt=data.dt)
    ev = evaluate(m, data, fit_seconds=time.perf_counter() - t0, dynamics=dynamics)
    if out_path is not None:
        from ..data.tables import write_parquet_atomic

        write_parquet_atomic(ev.table, out_path)
    if json_:
        print_json(ev.summary)
        return
    s = ev.summary
    out.print(f"[bold]{m!r}[/bold] on {system}: {s['windows']} test windows, horizon {s['horizon']} steps "
              f"(dt = {s['dt']:.4g}, Lyapunov time {s['lyapunov_time']:.4g}, period {s['period']:.4g})")
    for k, v in s.items():
        if k in ("system", "model", "windows", "horizon", "dt", "lyapunov_time", "period"):
            continue
        out.print(f"  {k}: {v:.4g}" if isinstance(v, float) else f"  {k}: {v}")


@app.command("plot")
@handle_errors
def plot_cmd(
    model: str = typer.Argument(..., help="model name"),
    system: str = typer.Option(..., "--system", help="system name"),
    out_file: Path = typer.Option(..., "--out", help="FILE.png (or .pdf, .svg)"),
    window: int = typer.Option(0, "--window", help="which test window"),
    hp: Optional[List[str]] = typer.Option(None, "--hp", help="hyper-parameter name=value (repeatable)"),
    granularity: float = _TASK_OPTIONS["granularity"],
    train_periods: float = _TASK_OPTIONS["train_periods"],
    context: int = _TASK_OPTIONS["context"],
    horizon: int = _TASK_OPTIONS["horizon"],
    seed: int = _TASK_OPTIONS["seed"],
):
    """Draw a forecast against the truth, coordinate by coordinate, with the valid time marked."""
    from ..forecast import get_model, make_task_data
    from ..forecast.figures import forecast_figure

    m = get_model(model, seed=seed, **parse_hyper(hp))
    check_figure_path(out_file, "--out")
    if window < 0:
        raise ValueError(f"--window must be >= 0, got {window}")
    task = _task(system, granularity, train_periods, 1, context, horizon, window + 1, 2, None, seed)
    data = make_task_data(task)
    m.fit(data.train, data.val, dt=data.dt)
    atomic_savefig(forecast_figure(m, data, window), out_file)
    out.print(f"wrote {out_file}")
