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


def _run(kind: str, plot: Optional[Path], json_: bool, **settings):
    """Run the experiment (chaoslab.learning.experiments), draw it to ``plot``; its summary, or
    None after printing JSON."""
    from ..learning.experiments import run_experiment

    if plot is not None:
        check_figure_path(plot, "--plot")
    exp = run_experiment(kind, **settings)
    if plot is not None:
        atomic_savefig(exp.figure(), plot)
    if json_:
        print_json(exp.summary)
        return None
    return exp.summary


def _positive(name: str, v: int) -> None:
    if v < 1:
        raise ValueError(f"{name} must be a positive integer, got {v}")


def _head(s: dict) -> str:
    batches = "full batch" if not s["batch_size"] else f"batches of {s['batch_size']}"
    return f"[bold]{s['setup']}[/bold]: {s['parameters']} parameters, {s['optimizer']} ({batches})"


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
    s = _run("sharpness", plot, json_, steps=steps, every=every, k=k, setup=setup, width=width, optimizer=optimizer,
             lr=lr, batch_size=batch_size, seed=seed)
    if s is None:
        return
    out.print(_head(s) + f" at lr {lr:g}, 2/lr = {s['edge']:.4g}")
    if s["diverged"]:
        out.print(f"  [red]diverged[/red] at step {s['diverged_at']}")
    first = s["first_above_edge"]
    out.print("  first above 2/lr at step " + ("never" if first is None else str(first)))
    if "softmax_collapse_float32" in s:
        out.print(f"  softmax collapse at the end: {100 * s['softmax_collapse_float32']:.3g} % of samples in float32, "
                  f"{100 * s['softmax_collapse_float64']:.3g} % in float64")
    for r in s["rows"][:: max(1, len(s["rows"]) // 20)]:
        extra = "" if "batch_sharpness" not in r else f"  batch sharpness {r['batch_sharpness']:9.4g}"
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
    s = _run("lyapunov", plot, json_, steps=steps, k=k, phases=phases, setup=setup, width=width, optimizer=optimizer,
             lr=lr, batch_size=batch_size, seed=seed)
    if s is None:
        return
    out.print(_head(s) + f" at lr {lr:g}, {steps} steps")
    out.print("  exponents per step: " + "  ".join(f"{v:.4g}" for v in s["exponents"]))
    for p in s["phases"]:
        out.print(f"  steps {p['start']:>7}-{p['end']:<7} " + "  ".join(f"{v:10.4g}" for v in p["exponents"]))


@app.command("butterfly")
@handle_errors
def butterfly_cmd(
    epochs: int = typer.Option(10, "--epochs", help="training length in epochs (steps with full batch)"),
    at: List[int] = typer.Option([0, 1, 5], "--at", help="epochs (steps with full batch) at which copies are perturbed"),
    sigma: List[float] = typer.Option([1e-8, 1e-6, 1e-4, 1e-2, 1.0], "--sigma",
                                      help="perturbation sizes (1 = the initialisation's scale)"),
    setup: str = typer.Option("digits", "--setup", help="chebyshev, digits, digits-cnn, modular, regression or double-well"),
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
    s = _run("butterfly", plot, json_, epochs=epochs, at=list(at), sigma=list(sigma), setup=setup, width=width,
             optimizer=optimizer, lr=lr, batch_size=batch_size or None, seed=seed)
    if s is None:
        return
    out.print(_head(s) + f" at lr {lr:g}, {epochs} epochs of {s['steps_per_epoch']} steps")
    out.print(f"  {'at epoch':>8} {'sigma':>8} {'distance':>10} {'barrier':>10} {'aligned d':>10} {'aligned b':>10}")
    for g in s["grid"]:
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
    chaotic (positive exponent), is catapulted into a flatter region, or diverges; and Wortsman et
    al.'s learning-rate sensitivity."""
    _positive("--points", points)
    _positive("--steps", steps)
    if not (0 < lr_min < lr_max):
        raise ValueError(f"--lr-min and --lr-max must satisfy 0 < lr-min < lr-max, got {lr_min} and {lr_max}")
    s = _run("sweep", plot, json_, lr_min=lr_min, lr_max=lr_max, points=points, log=log, steps=steps, keep=keep,
             setup=setup, width=width, optimizer=optimizer, batch_size=batch_size, seed=seed)
    if s is None:
        return
    out.print(_head(s) + f", {points} learning rates in [{lr_min:g}, {lr_max:g}], {steps} steps each; "
              f"learning-rate sensitivity {s['lr_sensitivity']:.4g}")
    previous = None
    for r in s["rows"]:  # the transitions: where the behaviour changes
        kind = "diverged" if r["diverged"] else (f"period {r['period']}" if r["period"] else "aperiodic")
        kind += " (catapult: started sharper than 2/lr, ended flatter)" if r["catapult"] else ""
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
    s = _run("jacobian", plot, json_, steps=steps, tol=tol, chunk=chunk, setup=setup, width=width,
             optimizer=optimizer, lr=lr, batch_size=batch_size, seed=seed)
    if s is None:
        return
    out.print(_head(s) + f" at lr {lr:g}, {steps} steps ({s['seconds']:.1f} s)")
    out.print(f"  singular values {s['largest']:.4g} ... {s['smallest']:.4g}; chaotic {s['chaotic']}, bulk {s['bulk']} "
              f"(within 1 +- {tol:g}), stable {s['stable']}; log|det| {s['log_abs_det']:.6g}")
