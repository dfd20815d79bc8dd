"""The ``chaoslab`` command line (typer + rich).

Every command that reports numbers accepts ``--json`` and then prints one JSON document on
stdout and nothing else; progress bars and logs go to stderr. Errors: one line on stderr
beginning ``error:``, exit code 2 for bad input, 1 for a failed run.
"""

from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path
from typing import List, Optional

import typer

from .._cache import enable_compile_cache
from .common import atomic_savefig, handle_errors, out, parse_params, print_json, progress_bar

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="chaoslab: predictability and stability of dynamical systems.")
systems_app = typer.Typer(no_args_is_help=True, help="The catalog of systems: list, show, check.")
app.add_typer(systems_app, name="systems")


def _add_groups() -> None:
    from .bench import app as bench_app
    from .ensemble import app as ensemble_app
    from .ensemble import assimilate_cmd
    from .ews import app as ews_app
    from .forecast import app as forecast_app
    from .learning import app as learning_app

    app.add_typer(forecast_app, name="forecast")
    app.add_typer(bench_app, name="bench")
    app.add_typer(ensemble_app, name="ensemble")
    app.command("assimilate")(assimilate_cmd)
    app.add_typer(ews_app, name="ews")
    app.add_typer(learning_app, name="learning")


_add_groups()


# ----------------------------------------------------------------------------- systems
@systems_app.command("list")
@handle_errors
def systems_list(
    kind: Optional[str] = typer.Option(None, help="flow, map, delay, pde, lattice (or ode, spatial)"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
):
    """List the catalog."""
    import chaoslab as cl

    names = cl.list_systems(kind)
    rows = [cl.get_system(n) for n in names]
    if json_:
        print_json([dict(name=s.name, kind=s.kind, field=s.field_, dim=s.dim, description=s.description) for s in rows])
        return
    from rich.table import Table

    table = Table(title=f"{len(rows)} systems", show_lines=False)
    for col in ("name", "kind", "field", "dim", "description"):
        table.add_column(col)
    for s in rows:
        table.add_row(s.name, s.kind, s.field_, str(s.dim), s.description[:70])
    out.print(table)


@systems_app.command("show")
@handle_errors
def systems_show(name: str, json_: bool = typer.Option(False, "--json", help="print JSON")):
    """Show one system: equations, parameters, metadata, reference statistics."""
    import chaoslab as cl

    info = cl.get_system(name).summary()
    if json_:
        print_json(info)
        return
    for k, v in info.items():
        out.print(f"[bold]{k}[/bold]: {v}")


@systems_app.command("check")
@handle_errors
def systems_check(
    names: Optional[List[str]] = typer.Argument(None, help="systems to check (default: the whole catalog)"),
    kind: Optional[str] = typer.Option(None, help="only flow, map or delay (default: the whole ODE catalog)"),
    periods: float = typer.Option(400.0, help="periods integrated per flow"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
    quiet: bool = typer.Option(False, "--quiet", help="no progress bar"),
):
    """Verify systems against reference attractor statistics (exit 1 if any fails)."""
    import chaoslab as cl
    from ..systems.verify import check

    enable_compile_cache()
    targets = [cl.get_system(n) for n in names] if names else [cl.get_system(n) for n in cl.list_systems(kind or "ode")]
    spatial = [s.name for s in targets if s.kind in ("pde", "lattice")]
    if spatial:
        raise ValueError(f"{', '.join(spatial)}: spatially extended systems have no reference attractor statistics "
                         "to check; check takes flows, maps and delay equations")
    results = []
    with progress_bar("checking", len(targets), quiet or json_) as advance:
        for s in targets:
            r = check(s, periods=periods) if not s.discrete else check(s)
            results.append(r)
            if not json_:
                mark = "[green]PASS[/green]" if r.passed else "[red]FAIL[/red]"
                out.print(f"{mark} {s.name:26s} {r.seconds:6.1f}s  {r.detail}")
            advance(1, description=s.name)
    n_pass = sum(r.passed for r in results)
    if json_:
        print_json(dict(passed=n_pass, failed=len(results) - n_pass, results=[r.to_dict() for r in results]))
    else:
        out.print(f"{n_pass} passed, {len(results) - n_pass} failed")
    if n_pass < len(results):
        raise typer.Exit(1)


# ----------------------------------------------------------------------------- generate
@app.command("generate")
@handle_errors
def generate_cmd(
    names: List[str] = typer.Argument(..., help="one or more system names"),
    n_traj: int = typer.Option(1, "--n-traj", help="trajectories per system"),
    length: int = typer.Option(1000, "--length", help="points per trajectory"),
    granularity: float = typer.Option(100.0, "--granularity", help="points per characteristic period"),
    seed: int = typer.Option(0, "--seed"),
    out_path: Path = typer.Option(..., "--out", help="PATH.zarr for one system; a directory for several"),
    split: Optional[str] = typer.Option(None, "--split", help="train:val:test weights, e.g. 8:1:1"),
    param: Optional[List[str]] = typer.Option(None, "--param", help="name=value (repeatable)"),
    method: str = typer.Option("auto", "--method", help="auto, rk4, dopri5, tsit5, dopri8, kvaerno5, etdrk (PDEs)"),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace an existing output"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
    quiet: bool = typer.Option(False, "--quiet", help="no progress bar"),
):
    """Generate datasets (xarray → Zarr; dims trajectory × time × dim, or trajectory × time × x[ × y] per field)."""
    import chaoslab as cl
    from ..data import parse_split, write
    from ..integrate.api import output_dt

    enable_compile_cache()
    if n_traj < 1:
        raise ValueError(f"--n-traj must be >= 1, got {n_traj}")
    if length < 1:
        raise ValueError(f"--length must be >= 1, got {length}")
    if not granularity > 0:
        raise ValueError(f"--granularity must be > 0, got {granularity}")
    systems = [cl.get_system(n) for n in names]  # unknown names fail before any work
    params = parse_params(param)
    if params and len(systems) > 1:
        raise ValueError("--param applies to a single system; give one name")
    for s in systems:
        s.resolve_params(params)
    parse_split(split, n_traj)
    if len(systems) == 1 and out_path.suffix == ".zarr":
        targets = [out_path]
    else:
        if out_path.exists() and not out_path.is_dir():
            raise NotADirectoryError(f"--out '{out_path}' must be a directory when generating several systems")
        targets = [out_path / f"{s.name}.zarr" for s in systems]
    if len(targets) > 1 or targets[0].parent == out_path:
        if not out_path.parent.is_dir():
            raise FileNotFoundError(f"output directory '{out_path.parent}' does not exist")
        out_path.mkdir(exist_ok=True)
    elif not targets[0].parent.is_dir():
        raise FileNotFoundError(f"output directory '{targets[0].parent}' does not exist")
    for t in targets:
        if t.exists() and not overwrite:
            raise FileExistsError(f"output '{t}' already exists; pass --overwrite to replace it")
    _probe_writable(targets[0].parent)
    written = []
    with progress_bar("generating", len(systems) * length, quiet or json_) as advance:
        for s, target in zip(systems, targets):
            t0 = time.perf_counter()
            state = {"done": 0}

            def step(done, total):
                advance(done - state["done"], description=s.name)
                state["done"] = done

            write(s, target, n_traj, length, granularity=granularity, seed=seed, split=split, params=params,
                  method=method, overwrite=overwrite, progress=step)
            dims = _dataset_dims(s, n_traj, length)
            written.append(dict(system=s.name, path=str(target), dims=dims,
                                shape=[v for k, v in dims.items() if k != "variables"],
                                dt=output_dt(s, None, granularity, s.resolve_params(params)),
                                seconds=round(time.perf_counter() - t0, 3)))
    if json_:
        print_json(written)
    else:
        for w in written:
            dims = " × ".join(f"{k} {v}" for k, v in w["dims"].items())
            out.print(f"{w['system']}: {dims}, dt={w['dt']:.4g} → {w['path']}")


def _dataset_dims(s, n_traj: int, length: int) -> dict:
    if s.grid is None or s.kind not in ("pde", "lattice"):
        return {"trajectory": n_traj, "time": length, "dim": s.dim}
    g = s.grid
    return {"trajectory": n_traj, "time": length, "variables": len(g["variables"]),
            **{a: g["points"] for a in ("x", "y")[: g["dims"]]}}


def _probe_writable(directory: Path) -> None:
    """Fail before any work if nothing can be created in ``directory`` (os.access says yes to
    root on read-only or virtual file systems, so try it)."""
    import tempfile

    try:
        probe = tempfile.mkdtemp(prefix=".chaoslab-probe-", dir=directory)
        os.rmdir(probe)
    except OSError as e:
        raise PermissionError(f"output directory '{directory}' is not writable ({e.strerror})") from None


# ----------------------------------------------------------------------------- plot
@app.command("plot")
@handle_errors
def plot_cmd(
    name: str = typer.Argument(..., help="system name"),
    out_file: Path = typer.Option(..., "--out", help="FILE.png (or .pdf, .svg); FILE.gif animates a field"),
    length: Optional[int] = typer.Option(None, "--length", help="points (default: 20000; fields: 1000 in 1-D, "
                                         "9 snapshots or 100 GIF frames in 2-D)"),
    granularity: Optional[float] = typer.Option(None, "--granularity",
                                                help="default 100; fields: 25 in 1-D, 1 (snapshots) or 4 (GIF) in 2-D"),
    param: Optional[List[str]] = typer.Option(None, "--param", help="name=value (repeatable)"),
    variable: Optional[str] = typer.Option(None, "--var", help="field to draw (PDEs with several fields)"),
    transient: Optional[float] = typer.Option(None, "--transient", help="time integrated before drawing (default: "
                                              "20 periods; 0 for fields, whose presets start from their designed state)"),
):
    """Draw a system: the attractor; a space–time diagram (1-D fields); snapshots or a GIF (2-D fields)."""
    import chaoslab as cl
    from ..plotting import attractor_figure, save_animation, snapshot_figure, spacetime_figure

    enable_compile_cache()
    s = cl.get_system(name)
    spatial = s.kind in ("pde", "lattice")
    suffix = out_file.suffix.lower()
    allowed = (".png", ".pdf", ".svg", ".gif") if spatial else (".png", ".pdf", ".svg")
    if suffix not in allowed:
        names = ", ".join(allowed[:-1]) + " or " + allowed[-1]
        raise ValueError(f"--out must end in {names} for {s.name} (a {s.kind}), got '{out_file.name}'")
    two_d = spatial and s.grid["dims"] == 2
    gif = suffix == ".gif"
    if length is None:
        length = 20000 if not spatial else (1000 if not two_d else (100 if gif else 9))
    if granularity is None:
        granularity = 100.0 if not spatial else (25.0 if not two_d else (4.0 if gif else 1.0))
    if length < 2:
        raise ValueError(f"--length must be >= 2, got {length}")
    if not granularity > 0:
        raise ValueError(f"--granularity must be > 0, got {granularity}")
    if variable is not None and not spatial:
        raise ValueError(f"--var applies to fields; {s.name} is a {s.kind}")
    if spatial and variable is not None and variable not in s.grid["variables"]:
        raise ValueError(f"{s.name} has no field '{variable}'; allowed: {', '.join(s.grid['variables'])}")
    params = parse_params(param)
    s.resolve_params(params)
    parent = out_file.parent if str(out_file.parent) else Path(".")
    if not parent.is_dir():
        raise FileNotFoundError(f"output directory '{out_file.parent}' does not exist")
    _probe_writable(parent)
    if transient is None:
        transient = 0.0 if spatial else (20 * (s.period or 1.0) if not s.discrete else 1000)
    if not transient >= 0:
        raise ValueError(f"--transient must be >= 0, got {transient}")
    tr = cl.trajectory(s, length, params=params, granularity=granularity, transient=transient)
    if gif:
        save_animation(s, tr.t, tr.x, out_file, variable)
    else:
        if not spatial:
            fig = attractor_figure([(s, tr.x, tr.dt)], ncols=1)
        elif two_d:
            fig = snapshot_figure(s, tr.t, tr.x, variable)
        else:
            fig = spacetime_figure(s, tr.t, tr.x, variable)
        atomic_savefig(fig, out_file)
    out.print(f"wrote {out_file}")


# ----------------------------------------------------------------------------- analyze
@app.command("analyze")
@handle_errors
def analyze_cmd(
    name: Optional[str] = typer.Argument(None, help="system name (or --all)"),
    all_: bool = typer.Option(False, "--all", help="the whole catalog, into --out FILE.parquet (resumable)"),
    out_path: Optional[Path] = typer.Option(None, "--out", help="FILE.parquet for --all"),
    param: Optional[List[str]] = typer.Option(None, "--param", help="name=value (repeatable)"),
    time_: Optional[float] = typer.Option(None, "--time", help="a fixed averaging time for each orbit of the spectrum "
                                          "(default: run to --precision)"),
    precision: Optional[float] = typer.Option(None, "--precision", help="target standard error of the exponents, "
                                              "relative to |lambda_1| (default 0.005)"),
    max_time: Optional[float] = typer.Option(None, "--max-time", help="budget of a --precision run: the time each orbit "
                                             "integrates in all (default 2e5 Lyapunov times over all orbits, at most 5e10 "
                                             "right-hand-side evaluations x (k + 1) x dimension)"),
    k: Optional[int] = typer.Option(None, "--k", help="number of exponents (default all; 3 for delay equations)"),
    exclude_escaped: bool = typer.Option(False, "--exclude-escaped", help="average the orbits that stay when some "
                                         "leave the system's bound (a leaky attractor); default: an error"),
    seed: int = typer.Option(0, "--seed"),
    plot_dir: Optional[Path] = typer.Option(None, "--plot", help="DIR: write convergence, FTLE and correlation-sum figures"),
    workers: Optional[int] = typer.Option(None, "--workers", help="processes for --all (default: CPU count)"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
    quiet: bool = typer.Option(False, "--quiet", help="no progress bar"),
):
    """Lyapunov spectrum (with its uncertainty), Kaplan–Yorke and correlation dimensions, Lyapunov time, period."""
    import chaoslab as cl

    enable_compile_cache()
    # bad input is reported before the analysis (JAX, diffrax, scipy) is imported
    if time_ is not None and not time_ > 0:
        raise ValueError(f"--time must be > 0, got {time_}")
    if precision is not None and not 0 < precision < 1:
        raise ValueError(f"--precision must be in (0, 1) (relative to |lambda_1|), got {precision}")
    if max_time is not None and not max_time > 0:
        raise ValueError(f"--max-time must be > 0, got {max_time}")
    if time_ is not None and (precision is not None or max_time is not None):
        raise ValueError("give --time (a fixed averaging time) or --precision/--max-time (a target), not both")
    if all_:
        if name is not None:
            raise ValueError("give a system name or --all, not both")
        if out_path is None or out_path.suffix != ".parquet":
            raise ValueError("--all needs --out FILE.parquet")
        parent = out_path.parent if str(out_path.parent) else Path(".")
        if not parent.is_dir():
            raise FileNotFoundError(f"output directory '{parent}' does not exist")
        _probe_writable(parent)
        if workers is not None and workers < 1:
            raise ValueError(f"--workers must be >= 1, got {workers}")
        from ..analysis.invariants import catalog_invariants

        names = cl.list_systems("ode")
        with progress_bar("analyzing", len(names), quiet or json_) as advance:
            state = {"last": None}

            def step(current, i, total):
                if state["last"] is not None:
                    advance(1, description=current or "done")
                state["last"] = current

            n_workers = workers or os.cpu_count() or 1
            df = catalog_invariants(out_path, names, time=time_, precision=precision, max_time=max_time, seed=seed,
                                    workers=n_workers,
                                    escaped="exclude" if exclude_escaped else "error", progress=step)
        failed = [f"{r.system}: {r.error}" for r in df.itertuples() if r.error]
        summary = dict(path=str(out_path), systems=len(df), failed=len(failed))
        if json_:
            print_json(summary | {"errors": failed})
        else:
            out.print(f"{len(df)} systems in {out_path} ({len(failed)} failed)")
            for f in failed:
                out.print(f"  {f}")
        return
    if name is None:
        raise ValueError("give a system name, or --all --out FILE.parquet")
    system = cl.get_system(name)
    params = parse_params(param)
    system.resolve_params(params)
    if k is not None and not system.delay and not 1 <= k <= system.dim:
        raise ValueError(f"--k must be between 1 and {system.dim}, got {k}")
    if plot_dir is not None:
        if not plot_dir.is_dir():
            raise FileNotFoundError(f"--plot directory '{plot_dir}' does not exist")
        _probe_writable(plot_dir)
    from ..analysis.invariants import compute_invariants

    with progress_bar(f"{system.name}: Lyapunov spectrum", 1000, quiet or json_) as advance:
        state = {"done": 0}

        def step(fraction):
            now = int(1000 * fraction)
            if now > state["done"]:
                advance(now - state["done"])
                state["done"] = now

        res, spec, cd = compute_invariants(system, params=params or None, time=time_, precision=precision,
                                           max_time=max_time, k=k, seed=seed, details=True,
                                           escaped="exclude" if exclude_escaped else "error", progress=step)
    if res["converged"] is False:
        sys.stderr.write(f"warning: {res['notes'].split('; ')[0]} (raise --max-time, or accept a larger error)\n")
    unit = "iterations" if system.discrete else "time units"
    if plot_dir is not None:
        from ..analysis import finite_time_lyapunov
        from ..analysis.figures import convergence_figure, correlation_sum_figure, ftle_histogram_figure

        ftle_time = 10.0 if system.discrete else 2.0 * float(system.period or 1.0)
        ftle = finite_time_lyapunov(system, ftle_time, members=500, params=params or None, seed=seed)
        for fname, fig in (("convergence.png", convergence_figure(spec)),
                           ("ftle.png", ftle_histogram_figure(ftle, ftle_time, system.name, spec.mean[0])),
                           ("correlation_sum.png", correlation_sum_figure(cd, system.name) if cd is not None else None)):
            if fig is None:
                continue
            atomic_savefig(fig, plot_dir / fname)
            res.setdefault("figures", []).append(str(plot_dir / fname))
    if json_:
        print_json(res)
        return
    fmt = lambda v: ", ".join(f"{x:.4g}" for x in v)
    out.print(f"[bold]{system.name}[/bold]")
    how = (f"precision {res['precision']:g} of |lambda_1| {'reached' if res['converged'] else 'NOT reached'}"
           if res["converged"] is not None else "fixed time")
    out.print(f"lyapunov_spectrum: [{fmt(res['lyapunov_spectrum'])}] ± [{fmt(res['lyapunov_uncertainty'])}]"
              f"  (standard errors; {res['orbits']} orbits x {res['spectrum_time']:.4g} {unit}, {how})")
    for key in ("kaplan_yorke_dimension", "ks_entropy", "lyapunov_time", "correlation_dimension", "period"):
        if res[key] is None:
            out.print(f"{key}: -")
            continue
        se = res.get("kaplan_yorke_uncertainty" if key == "kaplan_yorke_dimension" else f"{key}_uncertainty")
        extra = f" ± {se:.2g}" if se is not None and math.isfinite(se) else ""
        if key == "correlation_dimension":
            extra += (f" (statistical {res['correlation_dimension_statistical']:.2g}, scaling range "
                      f"{res['correlation_dimension_scaling']:.2g})")
        out.print(f"{key}: {res[key]:.4g}{extra}")
    if res.get("notes"):
        out.print(f"notes: {res['notes']}")


# ----------------------------------------------------------------------------- demo
@app.command("demo")
@handle_errors
def demo_cmd(
    out_dir: Path = typer.Option(Path("chaoslab-demo"), "--out", help="directory for the results and the report"),
    workers: Optional[int] = typer.Option(None, "--workers", help="worker processes (default: cores)"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
):
    """The tour: a small benchmark suite (three flows, their Lyapunov spectra, six models) and
    its HTML report."""
    from ..demo import run_demo

    enable_compile_cache()
    summary, board, index = run_demo(out_dir, quiet=json_, workers=workers)
    if json_:
        print_json(dict(run=summary.to_dict(), leaderboard=board.to_dict("records"), report=str(index)))
    if summary.failed:
        raise typer.Exit(1)


def main() -> None:
    """The ``chaoslab`` entry point. Usage errors (an unknown command or option, a value that is
    not a number) are one ``error:`` line with exit code 2, like every other bad input; bare
    ``chaoslab`` or a group without a command prints its help."""
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        sys.stderr.write("error: aborted\n")
        raise SystemExit(1) from None
    except Exception as e:
        # typer's command-line errors (click's ClickException interface: a message and an exit code)
        if not (hasattr(e, "format_message") and isinstance(getattr(e, "exit_code", None), int)):
            raise
        ctx = getattr(e, "ctx", None)
        if type(e).__name__ == "NoArgsIsHelpError" and ctx is not None:
            sys.stdout.write(ctx.get_help() + "\n")
            raise SystemExit(0) from None
        where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        sys.stderr.write(f"error: {' '.join(e.format_message().split())}{where}\n")
        raise SystemExit(e.exit_code) from None
    raise SystemExit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
