"""A static, self-contained HTML report of a results directory.

``write_report(results_dir, out_dir)`` writes ``index.html`` (the leaderboard with bootstrap
intervals, the published per-model medians beside ours when the suite names a ``reference``,
valid prediction time against the largest Lyapunov exponent, a table of systems, the
run metadata and any failures), one page per system under ``systems/`` (its Lyapunov spectrum,
attractor, the models' scores, forecasts against the truth with the valid time marked, and each
model's long-run invariant measure against the system's) and the figures under ``img/``. Nothing
is fetched from the network: the pages, their CSS and PNG figures are all in ``out_dir``. The
report is built in a temporary sibling directory and renamed into place.
"""

from __future__ import annotations

import math
import os
import re
import time
from pathlib import Path

import numpy as np

from ..files import atomic_write
from .results import Results, leaderboard, load_results, published_reference, reference_rows

__all__ = ["write_report"]

_MARK = ".chaoslab-report"


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def _fmt(v, digits: int = 3) -> str:
    if v is None:
        return "–"
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not math.isfinite(f):
        return "–" if math.isnan(f) else ("∞" if f > 0 else "−∞")
    if f != 0 and (abs(f) >= 1e4 or abs(f) < 1e-3):
        return f"{f:.{digits - 1}e}"
    return f"{f:.{digits}g}"


def _fixed(v, decimals: int = 2, sign: bool = False) -> str:
    """A number with fixed decimals ("–" for None or NaN); ``sign``: always with its sign."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "–" if v is None else str(v)
    if not math.isfinite(f):
        return "–" if math.isnan(f) else ("∞" if f > 0 else "−∞")
    return f"{f:+.{decimals}f}" if sign else f"{f:.{decimals}f}"


def _env():
    """The templates' environment. Every value is HTML-escaped (the templates are ``*.html.j2``,
    which ``select_autoescape`` would not match): suite descriptions and files, system names,
    model labels and error messages are text, never markup. The templates are given no
    pre-rendered HTML; figures are PNG files referenced by ``img src``."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("chaoslab.bench", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["fmt"] = _fmt
    env.filters["slug"] = _slug
    env.filters["fixed"] = _fixed
    return env


def _value(table, system: str, model: str | None, metric: str, how: str = "median") -> float:
    sel = table[(table["system"] == system) & (table["metric"] == metric)]
    if model is not None:
        sel = sel[sel["model"] == model]
    v = sel["value"].to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return float("nan")
    return float(np.median(v)) if how == "median" else float(np.mean(v))


# --------------------------------------------------------------------------- figures
def _save(fig, path: Path) -> str:
    fig.savefig(path, dpi=90)  # the figures lay themselves out (tight_layout): no second layout pass
    return path.name


def _vpt_vs_lyapunov(res: Results, systems: list[str], models: list[str], path: Path) -> str:
    from ..plotting import subplots

    t = res.table
    fig, ax = subplots(figsize=(6.4, 4.2))
    lams = {s: _system_lambda(res, s) for s in systems}
    sel = t[(t["window"] >= 0) & (t["metric"] == "vpt")]  # time units; one pass, not one filter per point
    medians = sel.assign(value=sel["value"].replace([np.inf, -np.inf], np.nan)).groupby(["model", "system"])["value"].median()
    lam_all = []
    for j, m in enumerate(models):
        xs, ys = [], []
        for s in systems:
            lam = lams[s]
            vpt = float(medians.get((m, s), np.nan))
            if np.isfinite(lam) and lam > 0 and np.isfinite(vpt):
                xs.append(lam)
                ys.append(max(vpt, 1e-3))
        lam_all += xs
        ax.scatter(xs, ys, s=22, color=f"C{j % 10}", marker="osD^v<>"[j // 10 % 7], label=m, alpha=0.85)
    if lam_all:
        grid = np.geomspace(min(lam_all) / 1.5, max(lam_all) * 1.5, 50)
        for c, ls in ((1, "-"), (5, "--")):
            ax.plot(grid, c / grid, color="0.6", lw=0.8, ls=ls)
            ax.annotate(f"{c} Lyapunov time{'s' if c > 1 else ''}", (grid[-1], c / grid[-1]), fontsize=7, color="0.4",
                        ha="right", va="bottom")
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel("largest Lyapunov exponent λ₁ (1 / time unit)")
    ax.set_ylabel("median valid prediction time (time units)")
    ax.set_title("Valid prediction time against λ₁ (one point per system and model)", fontsize=10)
    if models:
        ax.legend(fontsize=7, ncol=2, loc="lower left")
    fig.tight_layout()
    return _save(fig, path)


def _forecasts_figure(system: str, arts: dict[str, dict], path: Path) -> str | None:
    from ..plotting import subplots

    models = [m for m, a in arts.items() if a is not None and "prediction" in a]
    if not models:
        return None
    first = arts[models[0]]
    d = min(first["target"].shape[-1], 3)
    variables = [str(v) for v in first["variables"]]
    lt = float(first["lyapunov_time"])
    unit, label = (lt, "Lyapunov times") if np.isfinite(lt) else (1.0, "time")
    dt, scale = float(first["dt"]), float(first["scale"])
    fig, axes = subplots(len(models), d, figsize=(3.3 * d + 0.6, 1.55 * len(models) + 0.6), squeeze=False,
                             sharex=True)
    for r, m in enumerate(models):
        a = arts[m]
        ctx, truth, pred = a["context"][0], a["target"][0], a["prediction"][0]
        with np.errstate(all="ignore"):
            e = np.linalg.norm(pred - truth, axis=-1) / scale
        bad = ~(e <= 0.4)
        vpt = (np.argmax(bad) if bad.any() else len(e)) * dt / unit
        t_ctx = (np.arange(len(ctx)) - len(ctx) + 1) * dt / unit
        t = np.arange(1, len(truth) + 1) * dt / unit
        for i in range(d):
            ax = axes[r, i]
            ax.plot(t_ctx, ctx[:, i], color="0.6", lw=0.8)
            ax.plot(t, truth[:, i], color="k", lw=0.9)
            with np.errstate(all="ignore"):
                p = np.where(np.abs(pred[:, i]) < 1e6 * scale, pred[:, i], np.nan)
            ax.plot(t, p, color="C3", lw=0.9, ls="--")
            lo, hi = np.nanmin(np.r_[ctx[:, i], truth[:, i]]), np.nanmax(np.r_[ctx[:, i], truth[:, i]])
            pad = 0.3 * (hi - lo + 1e-12)
            ax.set_ylim(lo - pad, hi + pad)
            ax.axvline(vpt, color="C0", lw=0.9)
            if r == 0:
                ax.set_title(variables[i] if i < len(variables) else f"x{i}", fontsize=9)
            if i == 0:
                ax.set_ylabel(f"{m}\nVPT {vpt:.2f}", fontsize=8)
            ax.tick_params(labelsize=7)
    for i in range(d):
        axes[-1, i].set_xlabel(f"lead time ({label})", fontsize=8)
    fig.suptitle(f"{system}: forecast (red, dashed) against the truth (black) on test window 0; "
                 f"blue: the valid prediction time", fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def _measures_figure(system: str, arts: dict[str, dict], path: Path) -> str | None:
    from ..plotting import subplots

    models = [m for m, a in arts.items() if a is not None and "reference" in a]
    if not models:
        return None
    ref = arts[models[0]]["reference"]
    d = min(ref.shape[-1], 3)
    variables = [str(v) for v in arts[models[0]]["variables"]]
    fig, axes = subplots(len(models), d, figsize=(3.0 * d + 0.6, 1.4 * len(models) + 0.6), squeeze=False)
    for r, m in enumerate(models):
        a = arts[m]
        for i in range(d):
            ax = axes[r, i]
            lo, hi = np.min(ref[:, i]), np.max(ref[:, i])
            pad = 0.1 * (hi - lo + 1e-12)
            bins = np.linspace(lo - pad, hi + pad, 40)
            ax.hist(ref[:, i], bins=bins, density=True, color="0.75", label="system")
            if "rollout" in a:
                ax.hist(np.clip(a["rollout"][:, i], bins[0], bins[-1]), bins=bins, density=True, histtype="step",
                        color="C3", lw=1.2, label="model")
            else:
                ax.text(0.5, 0.5, "no bounded rollout", transform=ax.transAxes, ha="center", fontsize=8, color="C3")
            ax.set_yticks([])
            ax.tick_params(labelsize=7)
            if r == 0:
                ax.set_title(variables[i] if i < len(variables) else f"x{i}", fontsize=9)
            if i == 0:
                ax.set_ylabel(m, fontsize=8)
    axes[0, 0].legend(fontsize=7, loc="upper left")
    fig.suptitle(f"{system}: invariant measure, marginals of long free runs (red) against the system (grey)", fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def _spectrum_figure(system: str, art: dict, path: Path) -> str | None:
    from ..plotting import subplots

    if art is None or "attractor" not in art:
        return None
    x = art["attractor"]
    fig, axes = subplots(1, 2, figsize=(8.4, 3.2))
    if x.shape[1] >= 2:
        axes[0].plot(x[:, 0], x[:, 1], lw=0.3, color="k")
        axes[0].set_xlabel("x0")
        axes[0].set_ylabel("x1")
    else:
        axes[0].plot(x[:-1, 0], x[1:, 0], ",", color="k")
        axes[0].set_xlabel("x(t)")
        axes[0].set_ylabel("x(t + dt)")
    axes[0].set_title("attractor", fontsize=9)
    ht, h = art.get("history_t"), art.get("history")
    if ht is not None and h is not None and len(ht):
        h = h.reshape(len(ht), -1)
        for i in range(h.shape[1]):
            axes[1].plot(ht, h[:, i], lw=0.9, label=f"λ{i + 1}")
        axes[1].axhline(0, color="0.6", lw=0.6)
        axes[1].set_xlabel("averaging time")
        axes[1].set_title("convergence of the Lyapunov exponents", fontsize=9)
        axes[1].legend(fontsize=7, ncol=min(h.shape[1], 4))
    fig.tight_layout()
    return _save(fig, path)


def _ensemble_figure(system: str, label: str, art: dict, path: Path) -> str | None:
    from ..plotting import subplots

    if art is None or "crps" not in art:
        return None
    lt = float(art["lyapunov_time"])
    unit, name = (lt, "Lyapunov times") if np.isfinite(lt) else (1.0, "time")
    t = art["t"] / unit
    fig, ax = subplots(1, 3, figsize=(11.0, 3.0))
    ax[0].plot(t, art["plume"].T, color="C0", lw=0.5, alpha=0.35)
    ax[0].plot(t, art["plume_truth"], color="k", lw=1.1)
    ax[0].set_title(f"{label}: members and truth (case 0, x0)", fontsize=9)
    ax[0].set_xlabel(f"lead time ({name})", fontsize=8)
    ax[1].semilogy(t, art["rmse"], color="k", label="RMSE of the mean")
    ax[1].semilogy(t, art["spread"], color="C0", ls="--", label="spread")
    ax[1].semilogy(t, art["crps"], color="C2", label="CRPS")
    ax[1].legend(fontsize=7)
    ax[1].set_xlabel(f"lead time ({name})", fontsize=8)
    ax[1].set_title("skill and spread", fontsize=9)
    counts = art["rank_counts"]
    ax[2].bar(np.arange(len(counts)), counts / max(counts.sum(), 1), color="0.6")
    ax[2].axhline(1 / len(counts), color="C3", lw=0.8)
    ax[2].set_title("rank histogram", fontsize=9)
    for a in ax:
        a.tick_params(labelsize=7)
    fig.tight_layout()
    return _save(fig, path)


def _probabilistic_rows(t) -> tuple[list[dict], list[dict]]:
    """Index tables: per ensemble label and per sampling model, medians over systems."""
    ens, mods = [], []
    et = t[t["kind"] == "ensemble"]
    for label, g in et.groupby("model", sort=True):
        med = lambda m: float(np.nanmedian(g[g["metric"] == m]["value"])) if (g["metric"] == m).any() else float("nan")
        p = g[g["metric"] == "rank_histogram_p_value"]["value"].to_numpy(dtype=float)
        ens.append(dict(label=label, systems=int(g["system"].nunique()), crps=med("mean_crps"),
                        spread_skill=med("spread_skill"), brier=med("brier_score"),
                        flat=float(np.mean(p > 0.01)) if len(p) else float("nan"),
                        diverged=float(g[g["metric"] == "diverged_members"]["value"].sum())))
    ft = t[(t["kind"] == "forecast") & (t["metric"].isin(["crps", "spread_skill"]))]
    for model, g in ft.groupby("model", sort=True):
        mods.append(dict(model=model, systems=int(g["system"].nunique()),
                         crps=float(np.nanmedian(g[g["metric"] == "crps"]["value"])),
                         spread_skill=float(np.nanmedian(g[g["metric"] == "spread_skill"]["value"]))))
    return ens, mods


def _learning_rows(res: Results, root: Path) -> list[dict]:
    """The learning experiments: their metrics, and their figures drawn from the artifacts."""
    from ..learning.experiments import experiment_figure

    t = res.table
    lt = t[t["kind"] == "learning"]
    rows = []
    for task_id in sorted(lt["task"].unique()):
        g = lt[lt["task"] == task_id]
        arts = res.artifacts(task_id) or {}
        kind = str(arts.pop("experiment", ""))
        row = dict(label=g["model"].iloc[0], experiment=kind, setup=g["system"].iloc[0], seed=int(g["seed"].iloc[0]),
                   metrics=list(zip(g["metric"], g["value"].astype(float))), figure=None)
        try:
            fig = experiment_figure(kind, arts)
            name = f"learning-{_slug(task_id)}.png"
            row["figure"] = "img/" + _save(fig, root / "img" / name)
        except Exception:  # missing or partial artifacts: the table still shows the numbers
            pass
        rows.append(row)
    return rows


def _system_lambda(res: Results, system: str) -> float:
    t = res.table
    lam = _value(t[t["kind"] == "lyapunov"], system, None, "lyapunov_exponent_1")
    if not np.isfinite(lam):
        lam = _value(t[t["kind"] == "forecast"], system, None, "system_lyapunov_exponent")
    return lam


# --------------------------------------------------------------------------- the report
def write_report(results_dir: str | os.PathLike, out_dir: str | os.PathLike, *, n_boot: int = 2000) -> Path:
    """Write the HTML report of ``results_dir`` into ``out_dir`` (see the module docstring) and
    return the path of its ``index.html``."""
    res = load_results(results_dir)
    out_dir = Path(out_dir)
    if out_dir.exists():
        if not out_dir.is_dir():
            raise FileExistsError(f"report directory '{out_dir}' is a file")
        if any(out_dir.iterdir()) and not (out_dir / _MARK).exists():
            raise FileExistsError(f"'{out_dir}' is not empty and is not a chaoslab report; give a new directory")
    parent = out_dir.parent if str(out_dir.parent) else Path(".")
    if not parent.is_dir():
        raise FileNotFoundError(f"parent directory '{parent}' of the report does not exist")
    atomic_write(out_dir, lambda tmp: _build(res, tmp, n_boot))
    return out_dir / "index.html"


def _build(res: Results, root: Path, n_boot: int) -> None:
    import chaoslab

    (root / "img").mkdir(parents=True)
    (root / "systems").mkdir()
    (root / _MARK).write_text("chaoslab benchmark report\n")
    t = res.table
    env = _env()
    board = leaderboard(t, n_boot=n_boot)
    fc = t[t["kind"] == "forecast"]
    systems = sorted(t[t["kind"] != "learning"]["system"].unique().tolist())  # a learning task's is its setup
    models = board["model"].tolist()
    figures = {}
    if len(fc):
        figures["vpt_vs_lyapunov"] = "img/" + _vpt_vs_lyapunov(res, systems, models, root / "img" / "vpt_vs_lyapunov.png")

    # per system
    system_rows = []
    for s in systems:
        ts = t[t["system"] == s]
        lyap_tasks = ts[ts["kind"] == "lyapunov"]["task"].unique()
        spectrum = []
        if len(lyap_tasks):
            lt = ts[ts["task"] == lyap_tasks[0]]
            i = 1
            while (lt["metric"] == f"lyapunov_exponent_{i}").any():
                spectrum.append((_value(lt, s, None, f"lyapunov_exponent_{i}"), _value(lt, s, None, f"lyapunov_uncertainty_{i}")))
                i += 1
            ky = _value(lt, s, None, "kaplan_yorke_dimension")
        else:
            ky = float("nan")
        per_model = []
        arts = {}
        for m in models:
            tm = ts[(ts["model"] == m) & (ts["kind"] == "forecast")]
            if not len(tm):
                continue
            w = tm[tm["window"] >= 0]
            per_model.append(dict(
                model=m, vpt=_value(w, s, m, "vpt_lyapunov"), smape=_value(w, s, m, "smape"),
                rmse=_value(w, s, m, "rmse"), kl=_value(tm, s, m, "histogram_kl"),
                sw=_value(tm, s, m, "sliced_wasserstein"), spectrum=_value(tm, s, m, "spectrum_distance"),
                model_lambda=_value(tm, s, m, "model_lyapunov_exponent"),
                diverged=_value(tm, s, m, "diverged_fraction", how="mean"),
                fit=_value(tm, s, m, "fit_seconds"), seeds=int(tm["seed"].nunique())))
            first = sorted(tm["task"].unique())[0]
            arts[m] = res.artifacts(first)
        slug = _slug(s)
        figs = {}
        f = _forecasts_figure(s, arts, root / "img" / f"{slug}-forecasts.png")
        if f:
            figs["forecasts"] = "../img/" + f
        f = _measures_figure(s, arts, root / "img" / f"{slug}-measures.png")
        if f:
            figs["measures"] = "../img/" + f
        if len(lyap_tasks):
            f = _spectrum_figure(s, res.artifacts(lyap_tasks[0]), root / "img" / f"{slug}-spectrum.png")
            if f:
                figs["spectrum"] = "../img/" + f
        per_ensemble = []
        for task_id in sorted(ts[ts["kind"] == "ensemble"]["task"].unique()):
            te = ts[ts["task"] == task_id]
            label = te["model"].iloc[0]
            per_ensemble.append(dict(label=label, seed=int(te["seed"].iloc[0]),
                                     **{m: _value(te, s, None, m) for m in ("mean_crps", "spread_skill", "rank_histogram_p_value",
                                                                           "brier_score", "tail_covered", "diverged_members")}))
            f = _ensemble_figure(s, label, res.artifacts(task_id), root / "img" / f"{slug}-ensemble-{_slug(task_id)}.png")
            if f:
                per_ensemble[-1]["figure"] = "../img/" + f
        best = max(per_model, key=lambda r: -np.inf if not np.isfinite(r["vpt"]) else r["vpt"]) if per_model else None
        lam = _system_lambda(res, s)
        system_rows.append(dict(name=s, slug=slug, lam=lam, ky=ky, best=best["model"] if best else "–",
                                best_vpt=best["vpt"] if best else float("nan"), models=len(per_model)))
        html = env.get_template("system.html.j2").render(
            title=f"{s} — {res.suite['name']}", system=s, lam=lam, spectrum=spectrum, ky=ky, per_model=per_model,
            per_ensemble=per_ensemble,
            figs=figs, suite=res.suite, failures=[f for f in res.failures if f.get("system") == s],
            version=chaoslab.__version__)
        (root / "systems" / f"{slug}.html").write_text(html)

    meta_cols = [c for c in ("chaoslab_version", "git_commit", "machine") if c in t.columns]
    meta = {c: sorted(str(v) for v in t[c].dropna().unique()) for c in meta_cols}
    for r in res.runs:
        r["started_text"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(float(r.get("started", 0))))
    per_task = t.drop_duplicates("task")
    wall = float(per_task["wall_seconds"].sum()) if "wall_seconds" in t.columns else float("nan")
    comp = float(per_task["compile_seconds"].sum()) if "compile_seconds" in t.columns else float("nan")
    ens_rows, sample_rows = _probabilistic_rows(t)
    reference = None
    if res.reference:
        reference = dict(setting=published_reference(res.reference),
                         rows=reference_rows(board, res.reference, res.labels))
    html = env.get_template("index.html.j2").render(
        reference=reference, ensembles=ens_rows, sampling=sample_rows, learning=_learning_rows(res, root),
        title=f"chaoslab benchmark: {res.suite['name']}", suite=res.suite, board=board.to_dict("records"),
        n_boot=n_boot, figures=figures, systems=system_rows, meta=meta, runs=res.runs, failures=res.failures,
        missing=res.missing, n_tasks=len(res.suite["tasks"]), n_done=int(t["task"].nunique()),
        task_wall=wall, task_compile=comp, version=chaoslab.__version__,
        generated=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    (root / "index.html").write_text(html)
    (root / "style.css").write_text(_CSS)


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 72rem;
       padding: 0 1rem; color: #1d1d1f; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
.sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 0.9rem; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #e4e4e4; text-align: right; }
th { background: #f5f5f7; } td:first-child, th:first-child { text-align: left; }
td.ci { color: #666; font-size: 0.8rem; }
img { max-width: 100%; height: auto; display: block; margin: 0.6rem 0; }
pre { background: #f5f5f7; padding: 0.6rem; overflow-x: auto; font-size: 0.8rem; }
.fail { color: #b00020; } a { color: #0b57d0; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; } dt { font-weight: 600; }
"""
