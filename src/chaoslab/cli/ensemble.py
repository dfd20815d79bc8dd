"""``chaoslab ensemble`` (forecasts, growth, huge ensembles) and ``chaoslab assimilate``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import atomic_savefig, check_figure_path, handle_errors, out, print_json, progress_bar

app = typer.Typer(no_args_is_help=True, help="Ensembles: perturbed forecasts and their scores, growth, huge ensembles.")


def _figure_path(path: Optional[Path]) -> None:
    if path is not None:
        check_figure_path(path, "--plot")


def _system(name: str):
    import chaoslab as cl

    return cl.get_system(name)


@app.command("run")
@handle_errors
def run_cmd(
    name: str = typer.Argument(..., help="system name"),
    members: int = typer.Option(20, "--members", help="members per case (>= 2)"),
    perturbation: str = typer.Option("gaussian", "--perturbation", help="gaussian, bred, lyapunov or singular"),
    amplitude: Optional[float] = typer.Option(None, "--amplitude", help="RMS norm of a perturbation (default 1 % of the attractor's spread)"),
    cases: int = typer.Option(10, "--cases", help="independent start points (truths)"),
    lyapunov_times: float = typer.Option(5.0, "--lyapunov-times", help="lead time, in Lyapunov times"),
    param_spread: Optional[float] = typer.Option(None, "--param-spread", help="also perturb every parameter by this relative std"),
    seed: int = typer.Option(0, "--seed"),
    plot: Optional[Path] = typer.Option(None, "--plot", help="FILE.png: plume, skill/spread, rank histogram, reliability"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
):
    """An ensemble forecast of NAME from perturbed initial conditions, scored against the truth."""
    from ..ensembles.forecast import ensemble_forecast

    name = _system(name).name  # the catalog's spelling (names are read in any case)
    _figure_path(plot)
    ef = ensemble_forecast(name, members, perturbation=perturbation, amplitude=amplitude, cases=cases, lyapunov_times=lyapunov_times,
                           seed=seed, param_spread=param_spread)
    scores = ef.scores(seed=seed)
    summary = dict(system=name, perturbation=perturbation, members=members, cases=cases, amplitude=ef.amplitude,
                   lyapunov_time=ef.lyapunov_time) | scores.summary(ef.lyapunov_time)
    if plot is not None:
        from ..ensembles.figures import ensemble_figure

        atomic_savefig(ensemble_figure(ef, scores), plot)
    if json_:
        print_json(summary)
        return
    out.print(f"[bold]{name}[/bold]: {perturbation} ensemble, {members} members x {cases} cases, amplitude "
              f"{ef.amplitude:.3g}; {summary['valid_members']} members scored, {summary['diverged_members']} diverged")
    out.print(f"  lead ({summary['lead_unit']}): " + "  ".join(f"{v:7.3g}" for v in summary["leads"]))
    for k in ("crps", "rmse_of_mean", "spread", "spread_skill"):
        out.print(f"  {k:13s}: " + "  ".join(f"{v:7.3g}" for v in summary[k]))
    tail = (f"tail events {summary['tail_events']}, covered {summary['tail_covered']:.3g}" if summary["tail_events"]
            else "no tail event (beyond 3 climatological sd)")
    out.print(f"  rank histogram {summary['rank_histogram']} (flatness p = {summary['rank_histogram_p_value']:.3g}); {tail}")
    if plot is not None:
        out.print(f"wrote {plot}")


@app.command("growth")
@handle_errors
def growth_cmd(
    name: str = typer.Argument(..., help="system name"),
    cases: int = typer.Option(50, "--cases", help="truths, each with a twin per size"),
    lyapunov_times: float = typer.Option(25.0, "--lyapunov-times", help="length of the run, in Lyapunov times"),
    tolerance: float = typer.Option(0.5, "--tolerance", help="fraction of the saturated error that ends predictability"),
    seed: int = typer.Option(0, "--seed"),
    plot: Optional[Path] = typer.Option(None, "--plot", help="FILE.png: growth curves and predictability time against size"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
):
    """Error growth from initial errors of 10^-8 ... 10^-2 of the attractor's spread: doubling
    times and the predictability horizon against the initial error."""
    from ..ensembles.growth import error_growth, growth_figure

    name = _system(name).name  # the catalog's spelling (names are read in any case)
    _figure_path(plot)
    eg = error_growth(name, cases=cases, lyapunov_times=lyapunov_times, tolerance=tolerance, seed=seed)
    if plot is not None:
        atomic_savefig(growth_figure(eg), plot)
    s = eg.summary()
    if json_:
        print_json(s)
        return
    out.print(f"[bold]{name}[/bold]: error growth over {cases} cases (Lyapunov time {eg.lyapunov_time:.4g})")
    for size, dbl, hor in zip(s["sizes"], s["doubling_time"], s["predictability_time"]):
        out.print(f"  initial error {size:9.3g}: doubling time {dbl:7.3g}, predictability time {hor:7.3g}")
    if plot is not None:
        out.print(f"wrote {plot}")


@app.command("huge")
@handle_errors
def huge_cmd(
    name: str = typer.Argument(..., help="system name"),
    members: int = typer.Option(10_000, "--members", help="members (>= 2)"),
    time_: float = typer.Option(10.0, "--time", help="time units to integrate"),
    dt: float = typer.Option(0.05, "--dt", help="output step"),
    amplitude: Optional[float] = typer.Option(None, "--amplitude", help="RMS norm of the initial perturbations"),
    chunk: Optional[int] = typer.Option(None, "--chunk", help="members per block (default: all, up to ~4e6 numbers)"),
    dtype: str = typer.Option("float64", "--dtype", help="float64 or float32 (about twice the throughput)"),
    seed: int = typer.Option(0, "--seed"),
    quiet: bool = typer.Option(False, "--quiet", help="no progress bar"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
):
    """A huge ensemble in compiled chunks, reduced on the fly: mean, spread and tail
    probabilities over time, wall time, member-steps/s and peak memory."""
    from ..ensembles.huge import huge_ensemble

    name = _system(name).name  # the catalog's spelling (names are read in any case)
    if not (time_ > 0 and dt > 0):
        raise ValueError(f"--time and --dt must be > 0, got {time_} and {dt}")
    n = int(round(time_ / dt)) + 1
    with progress_bar("member-steps", members * n, quiet or json_) as advance:
        last = [0]

        def prog(done, total):
            advance(done - last[0])
            last[0] = done

        h = huge_ensemble(name, members, n, dt=dt, amplitude=amplitude, chunk_members=chunk, seed=seed, dtype=dtype,
                          progress=prog)
    s = dict(system=name, members=members, steps=n, dt=dt, dtype=dtype, seconds=h.seconds,
             member_steps_per_second=h.member_steps_per_second, peak_rss_mb=h.peak_rss_mb,
             chunk_members=h.chunk_members, diverged=h.diverged, final_spread=h.std[-1].tolist(),
             final_p_beyond_3_sigma=h.exceedance[3.0][-1].tolist())
    if json_:
        print_json(s)
        return
    out.print(f"[bold]{name}[/bold]: {members} members x {n} steps in {h.seconds:.2f} s "
              f"({h.member_steps_per_second:.3g} member-steps/s, peak memory {h.peak_rss_mb:.0f} MB, "
              f"{h.chunk_members} members per call); {h.diverged} diverged")


@handle_errors
def assimilate_cmd(
    name: str = typer.Argument(..., help="system name (e.g. Lorenz96N40, KuramotoSivashinsky)"),
    filter_: str = typer.Option("etkf", "--filter", help="etkf (LETKF when localised) or enkf (stochastic)"),
    members: int = typer.Option(20, "--members", help="ensemble members (>= 2)"),
    obs_every: float = typer.Option(0.05, "--obs-every", help="time between observations"),
    obs_sigma: float = typer.Option(1.0, "--obs-sigma", help="observation noise standard deviation"),
    observed: str = typer.Option("all", "--observed", help="all, every_other, or indices like 0,2,5"),
    inflation: float = typer.Option(1.02, "--inflation", help="multiplicative inflation of the forecast anomalies (>= 1)"),
    localisation: Optional[float] = typer.Option(None, "--localisation", help="Gaspari-Cohn half-width in grid steps"),
    cycles: int = typer.Option(1000, "--cycles", help="assimilation cycles"),
    seed: int = typer.Option(0, "--seed"),
    plot: Optional[Path] = typer.Option(None, "--plot", help="FILE.png: RMSE and spread over time"),
    quiet: bool = typer.Option(False, "--quiet", help="no progress bar"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
):
    """A twin experiment: observe a truth run of NAME with noise and track it with an ensemble
    filter; prints the time-mean analysis RMSE (exit 1 if the filter diverged)."""
    from ..ensembles.assimilation import assimilate

    name = _system(name).name  # the catalog's spelling (names are read in any case)
    _figure_path(plot)
    from ..systems.base import UnknownNameError, resolve_name

    try:
        obs = [int(v) for v in observed.split(",") if v.strip()]
    except ValueError:
        try:
            obs = resolve_name(observed, ("all", "every_other"))
        except UnknownNameError:
            raise ValueError(f"--observed must be all, every_other or comma-separated indices, got {observed!r}") from None
    with progress_bar("cycles", cycles, quiet or json_) as advance:
        r = assimilate(name, filter=filter_, members=members, obs_every=obs_every, obs_sigma=obs_sigma, observed=obs,
                       inflation=inflation, localisation=localisation, cycles=cycles, seed=seed,
                       progress=lambda k, n: advance(1))
    if plot is not None and r.cycles:
        atomic_savefig(r.figure(), plot)
    s = r.summary()
    if json_:
        print_json(s)
    elif r.diverged:
        out.print(f"[red]{name}: {r.filter.upper()} with {members} members diverged at t = {r.diverged_at:.4g}[/red] "
                  "(its analysis error exceeded the climatological spread)")
    else:
        out.print(f"[bold]{name}[/bold]: {r.filter.upper()}, {members} members, {r.cycles} cycles every {obs_every:g}, "
                  f"{r.n_observed} observations of σ = {obs_sigma:g}: time-mean analysis RMSE "
                  f"{r.time_mean_rmse:.4f} (spread {r.time_mean_spread:.4f}), {1e3 * r.seconds_per_cycle:.2f} ms per cycle")
    if plot is not None and not json_:
        out.print(f"wrote {plot}")
    if r.diverged:
        raise typer.Exit(1)
