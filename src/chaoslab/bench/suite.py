"""Benchmark suites: TOML files naming systems, models, seeds and forecasting settings.

A suite file (the shipped ones are in ``chaoslab/bench/suites/``)::

    name = "quick"
    description = "ten flows, the cheap models and one neural model"
    seeds = [0]                       # every random choice of a task (data, model) follows its seed
    reference = "univariate"          # optional: a published setting to show beside the results
                                      # (univariate, univariate-noisy, multivariate; chaoslab.bench.results)

    [systems]
    names = ["Lorenz", "Rossler"]     # or "all" (the 161 flows and maps of the ODE catalog)
    tags = ["flow"]                   # optional: keep systems with every tag (kind, field or flag)
    exclude = []

    [task]                            # the forecasting protocol (chaoslab.forecast.Task);
    granularity = 30                  # a list in granularity, train_periods, horizon, context or noise
    train_periods = [10, 100]         # makes a grid of settings
    horizon = 300
    context = 60
    noise = 0.0                       # measurement noise: a fraction of each coordinate's attractor std
    n_val = 5
    n_test = 20

    [evaluation]
    metrics = "all"                   # or a list of metric names (chaoslab.metrics)
    dynamics = true                   # long free-running rollouts and the model's own exponent
    rollout_lyapunov_times = 100

    [analysis]
    lyapunov = true                   # a Lyapunov spectrum task per system
    precision = 0.01                  # optional: its target standard error relative to |lambda_1| (default 0.005)
    time = 2000                       # optional instead: a fixed averaging time per orbit

    [[models]]
    name = "nvar"                     # a registered model
    [[models]]
    name = "esn"
    label = "esn-300"                 # optional: the name in the results (default: name)
    hp = { size = 300 }               # optional hyper-parameters
    tune = false                      # optional: run the family's documented search first
    samples = 20                      # optional: also score sample() (CRPS, spread-skill)

    [[ensembles]]                     # probabilistic tasks: perturbed-IC ensembles of the system
    perturbation = "bred"             # gaussian, bred, lyapunov or singular
    members = 20
    relative_amplitude = 0.01         # RMS norm relative to the attractor's spread
    cases = 10                        # truths (start points)
    lyapunov_times = 5                # lead time
    param_spread = 0.01               # optional: also perturb the parameters (relative std)

    [[learning]]                      # training as a dynamical system (chaoslab.learning.experiments)
    experiment = "sharpness"          # sharpness, lyapunov, butterfly, sweep or jacobian
    setup = "chebyshev"               # chebyshev, digits, digits-cnn, modular, regression, double-well
    lr = 0.07                         # any setting of the experiment (its defaults otherwise)
    steps = 20000
    label = "eos-chebyshev"           # optional: the name in the results (default: experiment-setup)

``load_suite`` checks everything before any task starts: an unknown key, a wrong type, an
unknown model or system is a ``SuiteError`` naming the file, the line and the key.
``Suite.tasks()`` expands the grid into task specifications (plain dicts, each with a stable
``id`` that changes when any of its settings changes).
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["Suite", "SuiteError", "load_suite", "list_suites", "suite_path", "TAGS_HELP"]

TAGS_HELP = "a kind (flow, map, delay), a field (e.g. atmosphere, chemistry) or a flag (nonautonomous, hamiltonian, stiff)"

_TOP = {"name", "description", "seeds", "systems", "task", "evaluation", "analysis", "models", "ensembles",
        "learning", "reference"}
_SYSTEMS = {"names", "tags", "exclude"}
_TASK_GRID = {"granularity": float, "train_periods": float, "horizon": int, "context": int, "noise": float}
_TASK_SCALAR = {"n_train": int, "n_val": int, "n_test": int, "observed": int}
_EVALUATION = {"metrics": None, "dynamics": bool, "rollout_lyapunov_times": float, "n_rollouts": int, "eps": float}
_ANALYSIS = {"lyapunov": bool, "time": float, "precision": float}
_MODEL = {"name", "label", "hp", "tune", "samples"}
_ENSEMBLE = {"perturbation": str, "members": int, "relative_amplitude": float, "cases": int, "lyapunov_times": float,
             "param_spread": float, "label": str}
_TASK_DEFAULTS = dict(granularity=[30.0], train_periods=[100.0], horizon=[300], context=[60], noise=[0.0], n_train=1, n_val=5,
                      n_test=20, observed=None)
_EVAL_DEFAULTS = dict(metrics="all", dynamics=True, rollout_lyapunov_times=100.0, n_rollouts=4, eps=0.4)
_ANALYSIS_DEFAULTS = dict(lyapunov=False, time=None, precision=None)  # None: the analysis defaults


class SuiteError(ValueError):
    """A suite file that cannot run: the message names the file, the line and the key."""


@dataclass
class Suite:
    """A validated suite (see the module docstring)."""

    name: str
    description: str
    path: Path
    systems: list[str]
    seeds: list[int]
    task: dict[str, Any]
    evaluation: dict[str, Any]
    analysis: dict[str, Any]
    models: list[dict[str, Any]]
    text: str = field(repr=False, default="")
    ensembles: list[dict[str, Any]] = field(default_factory=list)
    learning: list[dict[str, Any]] = field(default_factory=list)
    reference: str | None = None  # a published setting the report shows beside the results

    @property
    def digest(self) -> str:
        """A hash of everything that determines the suite's results (not ``reference``: it
        changes what the report shows beside them, not the results)."""
        return _hash(dict(systems=self.systems, seeds=self.seeds, task=self.task, evaluation=self.evaluation,
                          analysis=self.analysis, models=self.models, name=self.name)
                     | ({"ensembles": self.ensembles} if self.ensembles else {})
                     | ({"learning": self.learning} if self.learning else {}))

    def settings(self) -> list[dict[str, Any]]:
        """The grid of protocol settings (one dict of Task keyword arguments each)."""
        grid = [{}]
        for key in _TASK_GRID:
            grid = [g | {key: v} for g in grid for v in self.task[key]]
        return [g | {k: self.task[k] for k in _TASK_SCALAR} for g in grid]

    def tasks(self) -> list[dict[str, Any]]:
        """Every task of the suite: Lyapunov spectra (one per system, if asked), forecasts
        (system x setting x seed x model) and ensemble forecasts (system x seed x ensemble). Each spec has ``id``, ``kind`` and ``data`` (the key
        of the dataset the task reads; tasks sharing it share one integration)."""
        out: list[dict[str, Any]] = []
        if self.analysis["lyapunov"]:
            for s in self.systems:
                spec = dict(kind="lyapunov", system=s, time=self.analysis["time"],
                            precision=self.analysis.get("precision"), seed=0, model="", label="")
                out.append(spec | {"id": _task_id("lyapunov", s, "", spec), "data": None})
        for s in self.systems:
            for setting in self.settings():
                for seed in self.seeds:
                    data = dict(system=s, seed=seed, **setting)
                    data_key = "data-" + _safe(s) + "-" + _hash(data)[:10]
                    for m in self.models:
                        spec = dict(kind="forecast", system=s, seed=seed, setting=setting, model=m["name"],
                                    label=m["label"], hp=m["hp"], tune=m["tune"], evaluation=self.evaluation,
                                    data_spec=data)
                        if m.get("samples"):
                            spec["samples"] = m["samples"]
                        out.append(spec | {"id": _task_id("forecast", s, m["label"], spec), "data": data_key})
            for seed in self.seeds:
                for e in self.ensembles:
                    spec = dict(kind="ensemble", system=s, seed=seed, model=e["perturbation"], label=e["label"],
                                ensemble={k: v for k, v in e.items() if k != "label"})
                    out.append(spec | {"id": _task_id("ensemble", s, e["label"], spec), "data": None})
        for seed in self.seeds:  # learning experiments: their setup stands where a system would
            for e in self.learning:
                settings = {k: v for k, v in e.items() if k not in ("label", "experiment")}
                spec = dict(kind="learning", system=settings.get("setup", ""), seed=seed, model=e["experiment"],
                            label=e["label"], experiment=e["experiment"], settings=settings)
                out.append(spec | {"id": _task_id("learning", spec["system"], e["label"], spec), "data": None})
        return out


def _hash(obj) -> str:
    return hashlib.sha1(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def _safe(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", s)


def _task_id(kind: str, system: str, label: str, spec: dict) -> str:
    parts = [kind, _safe(system)] + ([_safe(label)] if label else [])
    return "-".join(parts) + "-" + _hash(spec)[:10]


# --------------------------------------------------------------------------- shipped suites
def _suites_dir():
    return resources.files("chaoslab.bench") / "suites"


def list_suites() -> dict[str, str]:
    """Shipped suite names -> descriptions."""
    out = {}
    for f in sorted(_suites_dir().iterdir(), key=lambda p: p.name):
        if f.name.endswith(".toml"):
            out[f.name[:-5]] = tomllib.loads(f.read_text()).get("description", "")
    return out


def suite_path(name_or_path: str | Path) -> Path:
    """A shipped suite's file, or the given path if it is a file."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.is_file() or len(p.parts) > 1:
        if not p.is_file():
            raise FileNotFoundError(f"suite file '{p}' does not exist")
        return p
    shipped = _suites_dir() / f"{name_or_path}.toml"
    if not shipped.is_file():
        from ..systems.base import suggest_name

        known = list(list_suites())
        close = suggest_name(str(name_or_path), known)
        hint = f"; did you mean '{close}'?" if close else f"; shipped: {', '.join(known)}"
        raise SuiteError(f"unknown suite '{name_or_path}' (neither a shipped suite nor a .toml file){hint}")
    return Path(str(shipped))


# --------------------------------------------------------------------------- loading
class _Locator:
    """Finds the line of a key in the TOML text (tomllib does not report positions)."""

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def line(self, table: str | None, key: str | None = None, index: int | None = None, needle: str | None = None) -> int:
        """1-based line of ``key`` (or of ``needle``) inside ``[table]`` (the index-th
        ``[[table]]``), the table header when the key is not found, else 1."""
        header_line, count, inside = None, -1, table is None
        for i, raw in enumerate(self.lines, 1):
            s = raw.split("#", 1)[0].strip()
            m = re.match(r"^\[\[?\s*([A-Za-z0-9_.\-\"]+)\s*\]\]?$", s)
            if m:
                name = m.group(1).strip('"')
                if table is None and key is not None and name.split(".")[0] == key:
                    return i  # a top-level key given as a table
                if table is not None and name == table:
                    count += 1
                    inside = index is None or count == index
                    if inside:
                        header_line = i
                else:
                    inside = False
                continue
            if not inside:
                continue
            if needle is not None and needle in raw:
                return i
            if key is not None and needle is None and re.match(rf"^\s*\"?{re.escape(key)}\"?\s*=", raw):
                return i
        return header_line or 1


def load_suite(name_or_path: str | Path) -> Suite:
    """Read and validate a suite (a shipped name or a TOML path); see the module docstring."""
    path = suite_path(name_or_path)
    text = path.read_text()
    loc = _Locator(text)
    fname = path.name

    def err(msg: str, table: str | None = None, key: str | None = None, index: int | None = None,
            needle: str | None = None):
        raise SuiteError(f"{fname}:{loc.line(table, key, index, needle)}: {msg}")

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column \d+\)", str(e))
        line = m.group(1) if m else "1"
        what = re.sub(r" \(at line.*", "", str(e))
        raise SuiteError(f"{fname}:{line}: not valid TOML: {what}") from None

    def unknown(keys, allowed, table=None, index=None, where=""):
        from ..systems.base import suggest_name

        for k in keys:
            if k not in allowed:
                close = suggest_name(k, sorted(allowed))
                hint = f"; did you mean '{close}'?" if close else f"; allowed: {', '.join(sorted(allowed))}"
                err(f"unknown key '{k}'{where}{hint}", table, k, index)

    unknown(raw, _TOP)
    name = raw.get("name", path.stem)
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        err(f"'name' must be a string of letters, digits, '_', '.', '-', got {name!r}", None, "name")
    description = raw.get("description", "")
    if not isinstance(description, str):
        err("'description' must be a string", None, "description")

    def int_list(v, key, table=None, lo=0, hi=None):
        vals = v if isinstance(v, list) else [v]
        if not vals or any(isinstance(x, bool) or not isinstance(x, int) or x < lo or (hi is not None and x >= hi)
                           for x in vals):
            within = f"an integer >= {lo}" + (f" and < 2^{hi.bit_length() - 1}" if hi is not None else "")
            err(f"'{key}' must be {within} or a non-empty list of them, got {v!r}", table, key)
        return vals

    reference = raw.get("reference")
    if reference is not None:
        from ..systems.base import suggest_name
        from .results import reference_names

        known = reference_names()
        if not isinstance(reference, str) or reference not in known:
            close = suggest_name(reference, known) if isinstance(reference, str) else None
            hint = f"; did you mean '{close}'?" if close else ""
            err(f"unknown published reference {reference!r}; allowed: {', '.join(known)}{hint}", None, "reference")
    seeds = int_list(raw.get("seeds", [0]), "seeds", hi=2**32)  # a seed of numpy's and JAX's generators
    if len(set(seeds)) != len(seeds):
        err(f"'seeds' has repeated values: {seeds}", None, "seeds")

    # systems
    systems_tbl = raw.get("systems", {"names": "all"})
    if not isinstance(systems_tbl, dict):
        err("[systems] must be a table with names, tags, exclude", None, "systems")
    unknown(systems_tbl, _SYSTEMS, "systems", where=" in [systems]")
    systems = _select_systems(systems_tbl, err)

    # task settings
    task_tbl = raw.get("task", {})
    if not isinstance(task_tbl, dict):
        err("[task] must be a table", None, "task")
    unknown(task_tbl, set(_TASK_GRID) | set(_TASK_SCALAR), "task", where=" in [task]")
    task = dict(_TASK_DEFAULTS)
    for key, typ in _TASK_GRID.items():
        if key in task_tbl:
            v = task_tbl[key]
            vals = v if isinstance(v, list) else [v]
            lo = 0 if key == "noise" else None  # noise may be 0 (none); the others must be > 0
            ok = bool(vals) and all(_is(x, typ) and (x >= 0 if lo == 0 else x > 0) for x in vals)
            if not ok:
                kind = "an integer" if typ is int else "a number"
                bound = ">= 0" if lo == 0 else "> 0"
                err(f"'{key}' in [task] must be {kind} {bound} or a non-empty list of them, got {v!r}", "task", key)
            task[key] = [typ(x) for x in vals]
    for key in _TASK_SCALAR:
        if key in task_tbl:
            v, lo = task_tbl[key], (1 if key in ("n_train", "n_test") else 0)
            if not _is(v, int) or v < lo:
                err(f"'{key}' in [task] must be an integer >= {lo}, got {v!r}", "task", key)
            task[key] = v
    for setting in [dict(granularity=g, train_periods=p, context=c) for g in task["granularity"]
                    for p in task["train_periods"] for c in task["context"]]:
        points = setting["train_periods"] * setting["granularity"]
        if points == float("inf"):
            err(f"train_periods x granularity ({setting['train_periods']:g} x {setting['granularity']:g} points) "
                f"is not a finite number of points; give smaller values", "task", "train_periods")
        if setting["context"] >= round(points):
            err(f"context ({setting['context']} points) must be shorter than the training trajectories "
                f"({setting['train_periods']:g} periods x {setting['granularity']:g} points)", "task", "context")

    # evaluation
    ev_tbl = raw.get("evaluation", {})
    if not isinstance(ev_tbl, dict):
        err("[evaluation] must be a table", None, "evaluation")
    unknown(ev_tbl, set(_EVALUATION), "evaluation", where=" in [evaluation]")
    evaluation = dict(_EVAL_DEFAULTS)
    for key, typ in _EVALUATION.items():
        if key not in ev_tbl:
            continue
        v = ev_tbl[key]
        if key == "metrics":
            known = known_metrics()
            if v != "all":
                if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
                    err(f"'metrics' in [evaluation] must be \"all\" or a list of metric names, got {v!r}", "evaluation", key)
                for x in v:
                    if x not in known:
                        from ..systems.base import suggest_name

                        close = suggest_name(x, sorted(known))
                        hint = f"; did you mean '{close}'?" if close else f"; known: {', '.join(sorted(known))}"
                        err(f"unknown metric '{x}' in [evaluation]{hint}", "evaluation", key)
        elif not _is(v, typ) or (typ is not bool and v <= 0):
            kind = {bool: "true or false", int: "an integer > 0", float: "a number > 0"}[typ]
            err(f"'{key}' in [evaluation] must be {kind}, got {v!r}", "evaluation", key)
        evaluation[key] = v if typ in (None, bool) else typ(v)

    # analysis
    an_tbl = raw.get("analysis", {})
    if not isinstance(an_tbl, dict):
        err("[analysis] must be a table", None, "analysis")
    unknown(an_tbl, set(_ANALYSIS), "analysis", where=" in [analysis]")
    analysis = dict(_ANALYSIS_DEFAULTS)
    for key, typ in _ANALYSIS.items():
        if key in an_tbl:
            v = an_tbl[key]
            if not _is(v, typ) or (typ is float and v <= 0):
                kind = "true or false" if typ is bool else "a number > 0"
                err(f"'{key}' in [analysis] must be {kind}, got {v!r}", "analysis", key)
            analysis[key] = typ(v)
    if analysis["precision"] is not None and analysis["precision"] >= 1:
        err(f"'precision' in [analysis] is relative to |lambda_1| and must be < 1, got {analysis['precision']!r}",
            "analysis", "precision")
    if analysis["precision"] is not None and analysis["time"] is not None:
        err("give 'time' (a fixed averaging time) or 'precision' (a target) in [analysis], not both", "analysis",
            "precision")

    # models
    models_raw = raw.get("models", [])
    if not isinstance(models_raw, list) or not all(isinstance(m, dict) for m in models_raw):
        err("models must be given as [[models]] tables", None, "models")
    models = [_check_model(m, i, unknown, err) for i, m in enumerate(models_raw)]
    ens_raw = raw.get("ensembles", [])
    if not isinstance(ens_raw, list) or not all(isinstance(e, dict) for e in ens_raw):
        err("ensembles must be given as [[ensembles]] tables", None, "ensembles")
    ensembles = [_check_ensemble(e, i, unknown, err) for i, e in enumerate(ens_raw)]
    learn_raw = raw.get("learning", [])
    if not isinstance(learn_raw, list) or not all(isinstance(e, dict) for e in learn_raw):
        err("learning experiments must be given as [[learning]] tables", None, "learning")
    learning = [_check_learning(e, i, err) for i, e in enumerate(learn_raw)]
    for i, lab in enumerate([e["label"] for e in learning]):
        if [e["label"] for e in learning].index(lab) != i:
            err(f"two learning experiments share the label '{lab}'; give one a different label", "learning", "label", i)
    if not models_raw and not ensembles and not learning and not analysis["lyapunov"]:
        err("the suite has nothing to run: add [[models]], [[ensembles]] or [[learning]] tables, or set lyapunov = "
            "true in [analysis]")
    for i, lab in enumerate([e["label"] for e in ensembles]):
        if [e["label"] for e in ensembles].index(lab) != i:
            err(f"two ensembles share the label '{lab}'; give one a different label", "ensembles", "label", i)
    labels = [m["label"] for m in models]
    for i, lab in enumerate(labels):
        if labels.index(lab) != i:
            err(f"two models share the label '{lab}'; give one a different label", "models", "label" if "label" in models_raw[i] else "name", i)
    return Suite(name, description, path, systems, seeds, task, evaluation, analysis, models, text, ensembles, learning,
                 reference=reference)


def _is(v, typ) -> bool:
    if typ is bool:
        return isinstance(v, bool)
    if isinstance(v, bool):
        return False
    if typ is int:
        return isinstance(v, int)
    if typ is float:
        return isinstance(v, (int, float)) and v == v and abs(v) != float("inf")
    return True


def _tags(system) -> set[str]:
    tags = {system.kind, system.field_}
    if system.kind == "delay":
        tags.add("flow")
    for flag in ("nonautonomous", "hamiltonian", "stiff", "delay"):
        if getattr(system, flag):
            tags.add(flag)
    return tags


def _select_systems(tbl: dict, err) -> list[str]:
    import chaoslab as cl
    from ..systems.base import UnknownNameError, UnknownSystemError, resolve_name, suggest_name

    catalog = cl.list_systems("ode")
    names = tbl.get("names", "all" if "tags" in tbl else None)
    if names is None:
        err("[systems] needs names (a list, or \"all\") or tags", "systems")
    if names == "all":
        chosen = list(catalog)
    elif isinstance(names, list) and names and all(isinstance(n, str) for n in names):
        every = cl.list_systems()
        read = []
        for n in names:
            try:
                read.append(resolve_name(n, every, error=UnknownSystemError))  # in any case
            except UnknownSystemError as e:
                hint = f"; did you mean '{e.suggestion}'?" if e.suggestion else ""
                err(f"unknown system '{n}' in [systems]{hint}", "systems", "names", needle=f'"{n}"')
        names = read
        if len(set(names)) != len(names):
            err("[systems] names has repeated entries", "systems", "names")
        chosen = list(names)
    else:
        err(f"'names' in [systems] must be \"all\" or a non-empty list of system names, got {names!r}", "systems", "names")
    for key in ("tags", "exclude"):
        v = tbl.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            err(f"'{key}' in [systems] must be a list of strings, got {v!r}", "systems", key)
    known_tags = set().union(*(_tags(cl.get_system(n)) for n in cl.list_systems()))
    for t in tbl.get("tags", []):
        if t not in known_tags:
            close = suggest_name(t, sorted(known_tags))
            hint = f"; did you mean '{close}'?" if close else f"; a tag is {TAGS_HELP}"
            err(f"unknown tag '{t}' in [systems]{hint}", "systems", "tags")
    exclude = []
    for n in tbl.get("exclude", []):
        try:
            exclude.append(resolve_name(n, chosen))  # in any case
        except UnknownNameError:
            err(f"'exclude' in [systems] names '{n}', which is not selected", "systems", "exclude")
    want = set(tbl.get("tags", []))
    chosen = [n for n in chosen if want <= _tags(cl.get_system(n)) and n not in exclude]
    spatial = [n for n in chosen if cl.get_system(n).kind in ("pde", "lattice")]
    if spatial:
        err(f"spatially extended systems are not forecast by suites yet: {', '.join(spatial)}", "systems", "names")
    if not chosen:
        err("[systems] selects no system", "systems")
    return chosen


def _check_model(m: dict, i: int, unknown, err) -> dict:
    from ..forecast import MissingExtraError, UnknownModelError, get_model
    from ..forecast.base import require_extra

    unknown(m, _MODEL, "models", i, where=" in [[models]]")
    name = m.get("name")
    if not isinstance(name, str):
        err("every [[models]] table needs name = \"<model>\" (chaoslab forecast models)", "models", "name", i)
    hp = m.get("hp", {})
    if not isinstance(hp, dict):
        err(f"'hp' of model '{name}' must be a table, e.g. hp = {{ k = 2 }}", "models", "hp", i)
    try:
        model = get_model(name, **hp)
        name = model.name  # the registered spelling (names are read in any case)
        require_extra(type(model))  # a model of an optional extra that is missing: say what to install
    except (UnknownModelError, MissingExtraError) as e:
        err(str(e), "models", "name", i)
    except (TypeError, ValueError) as e:
        msg = str(e).splitlines()[0]
        if "unexpected keyword argument" in msg:
            bad = re.search(r"'(\w+)'", msg.split("unexpected keyword argument", 1)[1])
            msg = f"model '{name}' has no hyper-parameter '{bad.group(1) if bad else '?'}'"
        err(f"bad hyper-parameters for model '{name}': {msg}", "models", "hp", i)
    label = m.get("label", name)
    if not isinstance(label, str) or not label:
        err(f"'label' of model '{name}' must be a non-empty string", "models", "label", i)
    tune = m.get("tune", False)
    if not isinstance(tune, bool):
        err(f"'tune' of model '{name}' must be true or false, got {tune!r}", "models", "tune", i)
    samples = m.get("samples")
    if samples is not None:
        if not _is(samples, int) or samples < 2:
            err(f"'samples' of model '{name}' must be an integer >= 2, got {samples!r}", "models", "samples", i)
        if not get_model(name).probabilistic():
            err(f"model '{name}' draws no samples (probabilistic models: "
                f"{', '.join(k for k in _probabilistic_models())})", "models", "samples", i)
    out = dict(name=name, label=label, hp=dict(hp), tune=tune)
    return out | ({"samples": samples} if samples is not None else {})


def _probabilistic_models() -> list[str]:
    from ..forecast import get_model, list_models

    return [k for k in list_models() if get_model(k).probabilistic()]


def _check_ensemble(e: dict, i: int, unknown, err) -> dict:
    from ..ensembles import PERTURBATIONS

    unknown(e, set(_ENSEMBLE), "ensembles", i, where=" in [[ensembles]]")
    from ..systems.base import UnknownNameError, resolve_name

    kind = e.get("perturbation", "gaussian")
    try:
        kind = resolve_name(kind, PERTURBATIONS, "perturbation")  # in any case
    except UnknownNameError as x:
        hint = f"; did you mean '{x.suggestion}'?" if x.suggestion else f"; allowed: {', '.join(PERTURBATIONS)}"
        err(f"unknown perturbation '{kind}' in [[ensembles]]{hint}", "ensembles", "perturbation", i)
    out = dict(perturbation=kind, members=20, relative_amplitude=0.01, cases=10, lyapunov_times=5.0, param_spread=None)
    for key, typ in _ENSEMBLE.items():
        if key in ("perturbation", "label") or key not in e:
            continue
        v = e[key]
        lo = 2 if key == "members" else (1 if key == "cases" else 0)
        bad = not _is(v, typ) or (v < lo if typ is int else v <= 0)
        if bad:
            kind_ = f"an integer >= {lo}" if typ is int else "a number > 0"
            err(f"'{key}' in [[ensembles]] must be {kind_}, got {v!r}", "ensembles", key, i)
        out[key] = typ(v)
    label = e.get("label", f"{kind}-{out['members']}")
    if not isinstance(label, str) or not label:
        err("'label' in [[ensembles]] must be a non-empty string", "ensembles", "label", i)
    return out | {"label": label}


def _check_learning(e: dict, i: int, err) -> dict:
    """A [[learning]] table: ``experiment``, optional ``label`` and the experiment's settings,
    each of the type of its default (chaoslab.learning.experiments.DEFAULTS)."""
    from ..learning.experiments import DEFAULTS, EXPERIMENTS
    from ..learning.setups import SETUPS
    from ..learning.training import OPTIMIZERS
    from ..systems.base import UnknownNameError, resolve_name, suggest_name

    if "experiment" not in e:
        err(f"[[learning]] needs an experiment ({', '.join(EXPERIMENTS)})", "learning", None, i)
    try:
        kind = resolve_name(e["experiment"], EXPERIMENTS, "learning experiment")
    except UnknownNameError as x:
        hint = f"; did you mean '{x.suggestion}'?" if x.suggestion else f"; allowed: {', '.join(EXPERIMENTS)}"
        err(f"unknown experiment {e['experiment']!r} in [[learning]]{hint}", "learning", "experiment", i)
    defaults = DEFAULTS[kind]
    out = {}
    for key, v in e.items():
        if key in ("experiment", "label"):
            continue
        if key == "seed":
            err("'seed' in [[learning]]: the suite's seeds set it (seeds = [...] at the top)", "learning", key, i)
        if key not in defaults:
            close = suggest_name(key, sorted(defaults))
            hint = f"; did you mean '{close}'?" if close else f"; allowed: {', '.join(sorted(defaults))}"
            err(f"unknown key '{key}' in the [[learning]] {kind} experiment{hint}", "learning", key, i)
        d = defaults[key]
        if key in ("setup", "optimizer"):
            known = SETUPS if key == "setup" else OPTIMIZERS
            if not isinstance(v, str) or v not in known:
                err(f"'{key}' in [[learning]] must be one of {', '.join(known)}, got {v!r}", "learning", key, i)
        elif key in ("width", "batch_size") or (isinstance(d, int) and not isinstance(d, bool)):
            if not _is(v, int) or v < (0 if key in ("seed", "batch_size") else 1):
                err(f"'{key}' in [[learning]] must be a positive integer, got {v!r}", "learning", key, i)
        elif isinstance(d, bool):
            if not _is(v, bool):
                err(f"'{key}' in [[learning]] must be true or false, got {v!r}", "learning", key, i)
        elif isinstance(d, float):
            if not _is(v, float) or v <= 0:
                err(f"'{key}' in [[learning]] must be a number > 0, got {v!r}", "learning", key, i)
            v = float(v)
        elif isinstance(d, tuple):
            typ = int if key == "at" else float
            if not isinstance(v, list) or not v or not all(_is(x, typ) and x >= 0 for x in v):
                kind_ = "integers >= 0" if typ is int else "numbers >= 0"
                err(f"'{key}' in [[learning]] must be a non-empty list of {kind_}, got {v!r}", "learning", key, i)
            v = [typ(x) for x in v]
        out[key] = v
    out.setdefault("setup", defaults["setup"])  # it names the task (where a system would)
    label = e.get("label", f"{kind}-{out['setup']}")
    if not isinstance(label, str) or not label:
        err("'label' in [[learning]] must be a non-empty string", "learning", "label", i)
    return dict(experiment=kind, label=label) | out


def known_metrics() -> set[str]:
    """Every metric name a forecast task can report."""
    from ..forecast.evaluate import DYNAMICS_METRICS, HORIZON_METRICS
    from ..metrics.pointwise import METRICS

    return set(METRICS) | set(HORIZON_METRICS) | set(DYNAMICS_METRICS)
