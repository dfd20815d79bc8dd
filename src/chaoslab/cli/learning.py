"""``chaoslab learning``: training as a dynamical system (sharpness, Lyapunov exponents, twin
runs, learning-rate sweeps, training Jacobians) on the named setups of
:mod:`chaoslab.learning.setups`."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .common import atomic_savefig, check_figure_path, handle_errors, out, print_json

app = typer.Typer(no_args_is_help=True,
                  help="Training as a dynamical system: sharpness, Lyapunov exponents, twin runs, sweeps, Jacobians.")

_SETUP = dict(
    setup=typer.Option("chebyshev", "--setup", help="chebyshev, digits, digits-cnn, modular, regression or double-well"),
    width=typer.Option(None, "--width", help="hidden width (default: the setup's)"),
    optimizer=typer.Option("gd", "--optimizer", help="gd, momentum or adam"),
    lr=typer.Option(0.07, "--lr", help="learning rate"),
    batch_size=typer.Option(None, "--batch-size", help="mini-batch size (default: full batch)"),
    seed=typer.Option(0, "--seed", help="initialisation and batch order"),
)


def _map(setup, width, optimizer, lr, batch_size, seed):
    from ..learning.setups import setup_map

    return setup_map(setup, width=width, seed=seed, optimizer=optimizer, lr=lr, batch_size=batch_size)


def _plot_path(plot: Optional[Path]) -> None:
    if plot is not None:
        check_figure_path(plot, "--plot")


def _positive(name: str, v: int) -> None:
    if v < 1:
        raise ValueError(f"{name} must be a positive integer, got {v}")


@app.command("sharpness")
@handle_errors
def sharpness_cmd(
    steps: int = typer.Option(40000, "--steps", help="optimiser steps"),
    every: int = typer.Option(400, "--every", help="steps between sharpness measurements"),
    k: int = typer.Option(1, "--k", help="top Hessian eigenvalues (Lanczos)"),
    setup: str = _SETUP["setup"], width: Optional[int] = _SETUP["width"], optimizer: str = _SETUP["optimizer"],
    lr: float = _SETUP["lr"], batch_size: Optional[int] = _SETUP["batch_size"], seed: int = _SETUP["seed"],
    plot: Optional[Path] = typer.Option(None, "--plot", help="FILE.png: loss and sharpness against 2/lr"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
):
    """Train a setup and track its sharpness (the top Hessian eigenvalue) against 2/lr, the edge
    of stability; with --batch-size also the batch sharpness."""
    _positive("--steps", steps)
    _positive("--every", every)
    _positive("--k", k)
    _plot_path(plot)
    import numpy as np

    from ..learning.curvature import batch_sharpness_along, sharpness_along, sharpness_figure
    from ..learning.training import train

    tm = _map(setup, width, optimizer, lr, batch_size, seed)
    run = train(tm, steps, every=every)
    sharp = sharpness_along(tm, run, k=k)[0]
    batch = batch_sharpness_along(tm, run)[0] if tm.batch_size is not None else None
    edge = 2.0 / lr
    crossed = np.flatnonzero(sharp[:, 0] > edge)
    rows = [dict(step=int(s), loss=float(run.loss[0, i]), sharpness=[float(v) for v in sharp[i]])
            | ({} if batch is None else dict(batch_sharpness=float(batch[i]))) for i, s in enumerate(run.steps)]
    summary = dict(setup=setup, optimizer=optimizer, lr=lr, batch_size=batch_size, parameters=tm.n_params,
                   edge=edge, diverged=bool(run.diverged[0]),
                   diverged_at=int(run.diverged_at[0]) if run.diverged[0] else None,
                   first_above_edge=int(run.steps[crossed[0]]) if crossed.size else None, rows=rows)
    if plot is not None:
        atomic_savefig(sharpness_figure(run, sharp, batch), plot)
    if json_:
        print_json(summary)
        return
    out.print(f"[bold]{setup}[/bold]: {tm.n_params} parameters, {optimizer} at lr {lr:g} "
              f"({'full batch' if batch_size is None else f'batches of {batch_size}'}), 2/lr = {edge:.4g}")
    if summary["diverged"]:
        out.print(f"  [red]diverged[/red] at step {summary['diverged_at']}")
    out.print("  first above 2/lr at step " + (str(summary["first_above_edge"]) if crossed.size else "never"))
    for r in rows[:: max(1, len(rows) // 20)]:
        extra = "" if batch is None else f"  batch sharpness {r['batch_sharpness']:9.4g}"
        out.print(f"  step {r['step']:>8}  loss {r['loss']:10.4g}  sharpness {r['sharpness'][0]:9.4g}{extra}")


@app.command("lyapunov")
@handle_errors
def lyapunov_cmd(
    steps: int = typer.Option(2000, "--steps", help="optimiser steps"),
    k: int = typer.Option(3, "--k", help="leading exponents"),
    phases: int = typer.Option(4, "--phases", help="finite-time exponents over this many equal phases"),
    setup: str = _SETUP["setup"], width: Optional[int] = _SETUP["width"], optimizer: str = _SETUP["optimizer"],
    lr: float = _SETUP["lr"], batch_size: Optional[int] = _SETUP["batch_size"], seed: int = _SETUP["seed"],
    plot: Optional[Path] = typer.Option(None, "--plot", help="FILE.png: the one-step rates over training"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
):
    """The leading Lyapunov exponents of the training map along one run (per step), and the
    finite-time exponents of each phase of training."""
    _positive("--steps", steps)
    _positive("--k", k)
    _positive("--phases", phases)
    if phases > steps:
        raise ValueError(f"--phases must be at most --steps ({steps}), got {phases}")
    _plot_path(plot)
    from ..learning.training import phase_exponents, training_lyapunov, lyapunov_figure

    tm = _map(setup, width, optimizer, lr, batch_size, seed)
    r = training_lyapunov(tm, steps, k=k, seed=seed)
    bounds, per_phase = phase_exponents(r, phases)
    summary = dict(setup=setup, optimizer=optimizer, lr=lr, batch_size=batch_size, parameters=tm.n_params,
                   steps=steps, exponents=[float(v) for v in r.exponents[0]],
                   phases=[dict(start=int(a), end=int(b), exponents=[float(v) for v in e])
                           for (a, b), e in zip(bounds, per_phase)])
    if plot is not None:
        atomic_savefig(lyapunov_figure(r), plot)
    if json_:
        print_json(summary)
        return
    out.print(f"[bold]{setup}[/bold]: {tm.n_params} parameters, {optimizer} at lr {lr:g}, {steps} steps")
    out.print("  exponents per step: " + "  ".join(f"{v:.4g}" for v in summary["exponents"]))
    for p in summary["phases"]:
        out.print(f"  steps {p['start']:>7}-{p['end']:<7} " + "  ".join(f"{v:10.4g}" for v in p["exponents"]))


@app.command("butterfly")
@handle_errors
def butterfly_cmd(
    epochs: int = typer.Option(10, "--epochs", help="training length in epochs (steps with full batch)"),
    at: List[int] = typer.Option([0, 1, 5], "--at", help="epochs (steps with full batch) at which copies are perturbed"),
    sigma: List[float] = typer.Option([1e-8, 1e-6, 1e-4, 1e-2, 1.0], "--sigma",
                                      help="perturbation sizes (1 = the initialisation's scale)"),
    setup: str = typer.Option("digits", "--setup", help="chebyshev, digits, digits-cnn, modular or regression"),
    width: Optional[int] = _SETUP["width"], optimizer: str = _SETUP["optimizer"],
    lr: float = typer.Option(0.1, "--lr", help="learning rate"),
    batch_size: Optional[int] = typer.Option(32, "--batch-size", help="mini-batch size (0: full batch)"),
    seed: int = _SETUP["seed"],
    plot: Optional[Path] = typer.Option(None, "--plot", help="FILE.png: barrier against sigma, distance over training"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
):
    """Twin runs: a copy perturbed by sigma at each --at, trained on identical batches; their
    distance and loss barrier at the end, before and after aligning hidden units."""
    _positive("--epochs", epochs)
    if batch_size is not None and batch_size < 0:
        raise ValueError(f"--batch-size must be >= 0 (0: full batch), got {batch_size}")
    _plot_path(plot)
    from ..learning.twins import butterfly_figure, twin_runs

    tm = _map(setup, width, optimizer, lr, batch_size or None, seed)
    E = tm.steps_per_epoch
    r = twin_runs(tm, epochs * E, sigma=sigma, at=[a * E for a in at], every=E, seed=seed)
    grid = [dict(at_epoch=int(a // E), sigma=float(s), final_distance=float(r.final_distance[i, j]),
                 barrier=float(r.barrier[i, j]), aligned_distance=float(r.aligned_distance[i, j]),
                 aligned_barrier=float(r.aligned_barrier[i, j]), diverged=bool(r.diverged[i, j + 1]))
            for i, a in enumerate(r.at) for j, s in enumerate(r.sigma)]
    summary = dict(setup=setup, optimizer=optimizer, lr=lr, batch_size=batch_size, parameters=tm.n_params,
                   steps_per_epoch=E, epochs=epochs, final_loss=float(r.final_loss[0, 0]), grid=grid)
    if plot is not None:
        atomic_savefig(butterfly_figure(r), plot)
    if json_:
        print_json(summary)
        return
    out.print(f"[bold]{setup}[/bold]: {tm.n_params} parameters, {optimizer} at lr {lr:g}, {epochs} epochs of {E} steps")
    out.print(f"  {'at epoch':>8} {'sigma':>8} {'distance':>10} {'barrier':>10} {'aligned d':>10} {'aligned b':>10}")
    for g in grid:
        out.print(f"  {g['at_epoch']:>8} {g['sigma']:>8.0e} {g['final_distance']:>10.3g} {g['barrier']:>10.3g} "
                  f"{g['aligned_distance']:>10.3g} {g['aligned_barrier']:>10.3g}" + ("  diverged" if g["diverged"] else ""))


@app.command("sweep")
@handle_errors
def sweep_cmd(
    lr_min: float = typer.Option(0.5, "--lr-min", help="smallest learning rate"),
    lr_max: float = typer.Option(2.1, "--lr-max", help="largest learning rate"),
    points: int = typer.Option(161, "--points", help="learning rates, evenly spaced (one compiled program for all)"),
    log: bool = typer.Option(False, "--log/--linear", help="space them logarithmically"),
    steps: int = typer.Option(20000, "--steps", help="optimiser steps per learning rate"),
    keep: int = typer.Option(64, "--keep", help="final steps kept as the bifurcation diagram's points"),
    setup: str = typer.Option("double-well", "--setup", help="double-well, chebyshev, digits, digits-cnn, modular or regression"),
    width: Optional[int] = _SETUP["width"], optimizer: str = _SETUP["optimizer"],
    batch_size: Optional[int] = _SETUP["batch_size"], seed: int = _SETUP["seed"],
    plot: Optional[Path] = typer.Option(None, "--plot", help="FILE.png: bifurcation diagram and exponent against lr"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
):
    """A learning-rate sweep: where training converges, oscillates with period 2, 4, ..., turns
    chaotic (positive exponent) or diverges; and Wortsman et al.'s learning-rate sensitivity."""
    _positive("--points", points)
    _positive("--steps", steps)
    if not (0 < lr_min < lr_max):
        raise ValueError(f"--lr-min and --lr-max must satisfy 0 < lr-min < lr-max, got {lr_min} and {lr_max}")
    _plot_path(plot)
    import numpy as np

    from ..learning.sweeps import bifurcation_figure, lr_sweep

    lrs = np.geomspace(lr_min, lr_max, points) if log else np.linspace(lr_min, lr_max, points)
    tm = _map(setup, width, optimizer, float(lrs[0]), batch_size, seed)
    sw = lr_sweep(tm, lrs, steps=steps, keep=min(keep, steps))
    rows = [dict(lr=float(a), period=int(p), exponent=None if not np.isfinite(e) else float(e),
                 final_loss=None if not np.isfinite(f) else float(f), diverged=bool(d))
            for a, p, e, f, d in zip(sw.lr, sw.period, sw.exponent, sw.final_loss, sw.diverged)]
    summary = dict(setup=setup, optimizer=optimizer, batch_size=batch_size, parameters=tm.n_params, steps=steps,
                   lr_sensitivity=float(sw.lr_sensitivity()), rows=rows)
    if plot is not None:
        atomic_savefig(bifurcation_figure(sw), plot)
    if json_:
        print_json(summary)
        return
    out.print(f"[bold]{setup}[/bold]: {tm.n_params} parameters, {optimizer}, {points} learning rates in "
              f"[{lr_min:g}, {lr_max:g}], {steps} steps each; learning-rate sensitivity {summary['lr_sensitivity']:.4g}")
    previous = None
    for r in rows:  # the transitions: where the behaviour changes
        kind = "diverged" if r["diverged"] else (f"period {r['period']}" if r["period"] else "aperiodic")
        if kind != previous:
            ex = "" if r["exponent"] is None else f"  exponent {r['exponent']:.4g}"
            out.print(f"  from lr {r['lr']:<10.6g} {kind}{ex}")
            previous = kind


@app.command("jacobian")
@handle_errors
def jacobian_cmd(
    steps: int = typer.Option(100, "--steps", help="optimiser steps"),
    tol: float = typer.Option(1e-3, "--tol", help="the bulk: singular values within 1 +- tol"),
    chunk: int = typer.Option(256, "--chunk", help="tangent directions carried at once (memory)"),
    setup: str = _SETUP["setup"], width: Optional[int] = _SETUP["width"], optimizer: str = _SETUP["optimizer"],
    lr: float = _SETUP["lr"], batch_size: Optional[int] = _SETUP["batch_size"], seed: int = _SETUP["seed"],
    plot: Optional[Path] = typer.Option(None, "--plot", help="FILE.png: the singular values, grouped"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
):
    """The training Jacobian d theta_T / d theta_0 over --steps steps and its singular values,
    grouped into chaotic (> 1), bulk (about 1) and stable (< 1) (Belrose & Scherlis 2024)."""
    _positive("--steps", steps)
    _positive("--chunk", chunk)
    _plot_path(plot)
    import time

    from ..learning.jacobian import jacobian_spectrum, training_jacobian

    tm = _map(setup, width, optimizer, lr, batch_size, seed)
    t0 = time.perf_counter()
    J = training_jacobian(tm, steps, chunk=chunk)
    seconds = time.perf_counter() - t0
    spec = jacobian_spectrum(J, tol=tol)
    sv = spec.singular_values
    summary = dict(setup=setup, optimizer=optimizer, lr=lr, batch_size=batch_size, parameters=tm.n_params,
                   steps=steps, seconds=seconds, tol=tol, chaotic=int(spec.chaotic), bulk=int(spec.bulk),
                   stable=int(spec.stable), largest=float(sv[0]), smallest=float(sv[-1]),
                   log_abs_det=float(spec.log_abs_det), singular_values=[float(v) for v in sv])
    if plot is not None:
        from ..plotting import subplots

        fig, ax = subplots(figsize=(7, 4))
        ax.semilogy(sv, lw=1)
        for (a, b), name in ((spec.chaotic_range, "chaotic"), (spec.bulk_range, "bulk"), (spec.stable_range, "stable")):
            if b > a:
                ax.axvspan(a, b - 1, alpha=0.15, label=f"{name} ({b - a})")
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_xlabel("index")
        ax.set_ylabel("singular value of the training Jacobian")
        ax.legend()
        fig.tight_layout()
        atomic_savefig(fig, plot)
    if json_:
        print_json(summary)
        return
    out.print(f"[bold]{setup}[/bold]: {tm.n_params} parameters, {optimizer} at lr {lr:g}, {steps} steps "
              f"({seconds:.1f} s)")
    out.print(f"  singular values {sv[0]:.4g} ... {sv[-1]:.4g}; chaotic {spec.chaotic}, bulk {spec.bulk} "
              f"(within 1 +- {tol:g}), stable {spec.stable}; log|det| {spec.log_abs_det:.6g}")
