"""Developer tool: the published per-model medians that a suite's report shows beside ours.

Reads the result files of W. Gilpin's forecasting benchmark (the public repository
williamgilpin/dysts, commit fefa2611c5f0f942c39709a8c9daa574dc75935e, 2023-02-11) and writes
``src/chaoslab/bench/reference/published.json``: a citation block and, for each setting
(univariate, univariate-noisy, multivariate), its protocol in words and per model the study's
name, chaoslab's counterpart, the median sMAPE over systems, the number of systems with a score
and the number without one (missing or NaN; counted, never dropped silently).

The inputs are extracted from that commit, e.g.

    C=fefa2611c5f0f942c39709a8c9daa574dc75935e
    git show $C:benchmarks/results/results_test_univariate__pts_per_period_100__periods_12.json.gz > /tmp/ref/uni.json.gz
    git show $C:benchmarks/results/results_test_univariate__pts_per_period_100__periods_12_noise.json.gz > /tmp/ref/noise.json.gz
    git show $C:benchmarks/results/results_esn_multivariate.json.gz > /tmp/ref/multi_esn.json.gz
    git show $C:benchmarks/results/results_nvar_multivariate.json.gz > /tmp/ref/multi_nvar.json.gz
    git show $C:benchmarks/results/results_neural_ode_multivariate.json.gz > /tmp/ref/multi_neural_ode.json.gz
    git show $C:benchmarks/hyperparameters/hyperparameters_train_univariate__pts_per_period_100__periods_12.json \\
        > /tmp/ref/hyperparameters_univariate.json

and then

    python tools/published_reference.py            # or --uni PATH --noise PATH ... --out PATH

Besides the medians the tool recomputes every stored sMAPE from the stored truth and forecast
(the study's own definitions: darts' sMAPE for the univariate files, ``dysts.metrics.smape`` for
the multivariate ones; both 200 |x - y| / (|x| + |y|) averaged) and records how many agree, the
horizon lengths it found and, for the RNN, the recurrent cell the study's hyper-parameter file
names (it decides the counterpart: darts-lstm for "LSTM", else darts-rnn).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "chaoslab" / "bench" / "reference" / "published.json"

COMMIT = "fefa2611c5f0f942c39709a8c9daa574dc75935e"
REPO = "https://github.com/williamgilpin/dysts"
FILES = {
    "uni": "benchmarks/results/results_test_univariate__pts_per_period_100__periods_12.json.gz",
    "noise": "benchmarks/results/results_test_univariate__pts_per_period_100__periods_12_noise.json.gz",
    "esn": "benchmarks/results/results_esn_multivariate.json.gz",
    "nvar": "benchmarks/results/results_nvar_multivariate.json.gz",
    "node": "benchmarks/results/results_neural_ode_multivariate.json.gz",
    "hyperparameters": "benchmarks/hyperparameters/hyperparameters_train_univariate__pts_per_period_100__periods_12.json",
}
DEFAULTS = {"uni": "/tmp/ref/uni.json.gz", "noise": "/tmp/ref/noise.json.gz", "esn": "/tmp/ref/multi_esn.json.gz",
            "nvar": "/tmp/ref/multi_nvar.json.gz", "node": "/tmp/ref/multi_neural_ode.json.gz",
            "hyperparameters": "/tmp/ref/hyperparameters_univariate.json"}

# the study's darts model -> chaoslab's registry name (None: no counterpart); RNNModel is decided
# from the hyper-parameter file
UNIVARIATE = {
    "ARIMA": "darts-arima", "AutoARIMA": "darts-autoarima", "ExponentialSmoothing": "darts-exp-smoothing",
    "FFT": "darts-fft", "FourTheta": "darts-fourtheta", "LinearRegressionModel": "linear",
    "NBEATSModel": "darts-nbeats", "NaiveDrift": "darts-naive-drift", "NaiveMean": "darts-naive-mean",
    "NaiveSeasonal": "darts-naive-seasonal", "Prophet": None, "RNNModel": None, "RandomForest": "darts-rf",
    "TCNModel": "darts-tcn", "Theta": "darts-theta", "TransformerModel": "darts-transformer",
}
NOTES = {
    "LinearRegressionModel": "darts' linear regression on lagged values; chaoslab's 'linear' is a ridge "
                             "autoregression on a delay embedding",
    "Prophet": "no counterpart in chaoslab's registry",
}

CITATION = {
    "text": ("W. Gilpin, \"Chaos as an interpretable benchmark for forecasting and data-driven modelling\", "
             "NeurIPS 2021 Datasets and Benchmarks (arXiv:2110.05266); W. Gilpin, \"Model scale versus domain "
             "knowledge in statistical forecasting of chaotic systems\", Phys. Rev. Research 5, 043252 (2023) "
             "(arXiv:2303.08011). Numbers from the result files of github.com/williamgilpin/dysts at commit "
             + COMMIT[:12] + " (2023-02-11)."),
    "authors": ["William Gilpin"],
    "works": [
        {"title": "Chaos as an interpretable benchmark for forecasting and data-driven modelling",
         "venue": "Advances in Neural Information Processing Systems (NeurIPS) 2021, Datasets and Benchmarks Track",
         "year": 2021, "arxiv": "2110.05266"},
        {"title": "Model scale versus domain knowledge in statistical forecasting of chaotic systems",
         "venue": "Physical Review Research 5, 043252", "year": 2023, "doi": "10.1103/PhysRevResearch.5.043252",
         "arxiv": "2303.08011"},
    ],
    "repository": REPO,
    "commit": COMMIT,
    "commit_date": "2023-02-11",
}

DESCRIPTIONS = {
    "univariate": (
        "Each system's first coordinate, 100 points per period: one 1200-point series per system (the "
        "study's test_univariate__pts_per_period_100__periods_12 data, 12 periods). A model is fitted on its "
        "first 1000 points (10 periods) and forecasts the next 200; the sMAPE (darts' definition, 0-200) is "
        "taken over the first 199 of them against the true series (the study's script drops the last truth "
        "point). Hyper-parameters were tuned per system and model beforehand on a separate training series. "
        "One forecast per system; the published number is the median over systems."),
    "univariate-noisy": (
        "As 'univariate' (first coordinate, 100 points per period, fit on the first 1000 points, 200-point "
        "forecast scored on its first 199 points, the noise-free setting's hyper-parameters), with Gaussian "
        "noise of standard deviation 0.2 x the standard deviation of the whole 1200-point series added to every "
        "point (one unseeded draw per system): the training data and the scored values alike, so the sMAPE is "
        "computed against the noisy series, not the clean truth. The median is over systems."),
    "multivariate": (
        "Every coordinate, 100 points per period: one 1200-point series per system (the study's "
        "test_multivariate__pts_per_period_100__periods_12 data). A model is fitted on its first 1000 points "
        "and forecasts the next 200; the sMAPE (dysts.metrics.smape, 0-200, the mean over all 200 x d values) "
        "is taken against the true series. One hyper-parameter per model and system (the ESN's leak rate in "
        "0.1-1.1; the NVAR's and the neural ODE's delay/time scale in 2, 5, 15, 30, 60, 120) was picked by "
        "fitting the first 1000 points of a separate training series and scoring its last 200. One forecast per "
        "system; the median is over systems."),
}
PROVENANCE = {
    "univariate": ("benchmarks/univariate benchmarks/compute_benchmarks_no_noise.py: split at int(5/6 x 1200) "
                   "= 1000; truth = the last 200 points without the last one; darts metrics on the overlap. The "
                   "stored truths are points 1000-1198 of the study's univariate test series "
                   "(dysts/data/test_univariate__pts_per_period_100__periods_12.json.gz at this commit), which "
                   "has 133 systems: AtmosphericRegime and LidDrivenCavityFlow have no results."),
    "univariate-noisy": ("benchmarks/univariate benchmarks/compute_benchmarks_noise_fine.py: train_data += 0.2 * "
                         "np.std(train_data) * np.random.normal(...) on the whole series before the split; the "
                         "scored 'values' are the noisy ones. The script draws new noise and rewrites a system's "
                         "'values' each time it runs but skips the models already scored, so for systems run "
                         "more than once the stored 'values' are a later draw than the one their models were "
                         "scored on (those sMAPEs cannot be recomputed from the file; see 'check'). The "
                         "published sMAPEs are taken as stored. As in 'univariate', AtmosphericRegime and "
                         "LidDrivenCavityFlow have no results."),
    "multivariate": (
        "benchmarks/esn_benchmarks.py, nvar_benchmarks.py, node_benchmarks.py: validation on the training "
        "series split at 5/6 (1000 + 200), inference on the test series split at int(5/6 x 1200) = 1000 with a "
        "200-point forecast. At this commit esn_benchmarks.py has LONG_TEST = True (it writes a different, "
        "60-period file) and, with LONG_TEST = False, splits the test series at 1/6; node_benchmarks.py refers "
        "to an undefined name (tau_op) in its inference step (as in every committed version). The stored files "
        "hold 200-point truths and forecasts for every system, as the 5/6 split gives, so they were not written by "
        "the scripts exactly as committed here: the ESN file is consistent with esn_benchmarks.py of 2023-01-24 "
        "(commit 115655c, test series split at 5/6)."),
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _load(path: Path):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as f:
        return json.load(f)


def _smape(truth, pred) -> float:
    truth, pred = np.asarray(truth, dtype=float), np.asarray(pred, dtype=float)
    return float(200 * np.mean(np.abs(truth - pred) / (np.abs(truth) + np.abs(pred))))


def _finite(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _summary(study: str, counterpart: str | None, scores: list[float | None], note: str | None = None) -> dict:
    ok = [s for s in scores if s is not None]
    row = {"study_model": study, "counterpart": counterpart,
           "median_smape": round(float(np.median(ok)), 4) if ok else None,
           "systems": len(ok), "missing": len(scores) - len(ok)}
    if note:
        row["note"] = note
    return row


def _univariate(name: str, path: Path, file_key: str, rnn: tuple[str, str]) -> dict:
    data = _load(path)
    systems = sorted(data)
    models = sorted({m for rec in data.values() for m in rec if m != "values"})
    unknown = [m for m in models if m not in UNIVARIATE]
    if unknown:
        sys.exit(f"{path}: models without a mapping: {unknown}")
    rows, agree, checked, scored, differ = [], 0, 0, Counter(), set()
    for m in models:
        scores = []
        for s in systems:
            rec = data[s].get(m)
            score = _finite(rec.get("smape")) if isinstance(rec, dict) else None
            scores.append(score)
            if score is not None and "prediction" in rec:
                truth = np.asarray(data[s]["values"], dtype=float)
                pred = np.asarray(rec["prediction"], dtype=float)
                scored[(len(truth), len(pred))] += 1
                checked += 1
                same = abs(_smape(truth, pred[: len(truth)]) - score) <= 1e-6 * max(1.0, abs(score))
                agree += same
                if not same:
                    differ.add(s)
        counterpart, note = rnn if m == "RNNModel" else (UNIVARIATE[m], NOTES.get(m))
        rows.append(_summary(m, counterpart, scores, note))
    (truth_len, pred_len), _ = scored.most_common(1)[0]
    return {"name": name, "description": DESCRIPTIONS[name], "observed": "first coordinate", "granularity": 100,
            "train_points": 1000, "horizon": pred_len, "scored_points": truth_len,
            "noise": 0.2 if name == "univariate-noisy" else 0.0,
            "scored_against": "the noisy series" if name == "univariate-noisy" else "the true series",
            "systems": len(systems), "source": FILES[file_key], "sha256": _sha256(path),
            "provenance": PROVENANCE[name],
            "check": f"{agree} of {checked} stored sMAPEs recomputed from the stored truth and forecast "
                     f"(first {truth_len} of {pred_len} forecast points)"
                     + (f"; the others belong to {len(differ)} systems" if differ else ""),
            "models": rows}


def _multivariate(paths: dict[str, Path]) -> dict:
    """The three multivariate files: a system absent from one model's file counts as missing for
    that model (the setting's systems are those of any of the files)."""
    rows, sources, agree, checked, horizons, dims = [], [], 0, 0, Counter(), Counter()
    models = (("esn", "ESN", "esn"), ("nvar", "NVAR", "nvar"), ("node", "NODE", "node"))
    files = {key: _load(paths[key]) for key, _, _ in models}
    all_systems = sorted(set().union(*files.values()))
    for key, study, counterpart in models:
        data = files[key]
        scores = []
        for s in all_systems:
            rec = data.get(s)
            score = _finite(rec.get("smape")) if isinstance(rec, dict) else None
            scores.append(score)
            if score is not None and "traj_true" in rec and "traj_pred" in rec:
                truth, pred = np.asarray(rec["traj_true"], dtype=float), np.asarray(rec["traj_pred"], dtype=float)
                horizons[len(truth)] += 1
                dims[truth.shape[1] if truth.ndim == 2 else 1] += 1
                checked += 1
                agree += truth.shape == pred.shape and abs(_smape(truth, pred) - score) <= 1e-6 * max(1.0, abs(score))
        rows.append(_summary(study, counterpart, scores))
        sources.append({"model": study, "source": FILES[key], "sha256": _sha256(paths[key]), "systems": len(data)})
    horizon = horizons.most_common(1)[0][0]
    return {"name": "multivariate", "description": DESCRIPTIONS["multivariate"], "observed": "every coordinate",
            "granularity": 100, "train_points": 1000, "horizon": horizon, "scored_points": horizon, "noise": 0.0,
            "scored_against": "the true series", "systems": len(all_systems), "sources": sources,
            "provenance": PROVENANCE["multivariate"],
            "check": f"{agree} of {checked} stored sMAPEs recomputed from the stored truth and forecast; horizon "
                     f"lengths {dict(horizons)}; state dimensions {dict(sorted(dims.items()))}",
            "models": rows}


def _rnn_counterpart(path: Path | None) -> tuple[str, str]:
    if path is None or not path.is_file():
        sys.exit(f"the study's hyper-parameter file is needed to map RNNModel: {path} ({FILES['hyperparameters']})")
    hp = _load(path)
    cells = Counter(str(rec.get("RNNModel", {}).get("model")) for rec in hp.values() if "RNNModel" in rec)
    cell = "LSTM" if set(cells) == {"LSTM"} else None
    counterpart = "darts-lstm" if cell == "LSTM" else "darts-rnn"
    return counterpart, (f"darts RNNModel; the study's hyper-parameter file ({FILES['hyperparameters']}) sets "
                         f"model = {', '.join(f'{k!r} for {v} systems' for k, v in cells.items())}")


def build(paths: dict[str, Path]) -> dict:
    rnn = _rnn_counterpart(paths.get("hyperparameters"))
    return {
        "citation": CITATION | {"files": [FILES[k] for k in ("uni", "noise", "esn", "nvar", "node", "hyperparameters")]},
        "generated_by": "tools/published_reference.py",
        "statistic": "median over systems of each system's sMAPE (0-200); systems without a finite sMAPE are "
                     "counted in 'missing' and left out of the median",
        "settings": [_univariate("univariate", paths["uni"], "uni", rnn),
                     _univariate("univariate-noisy", paths["noise"], "noise", rnn),
                     _multivariate(paths)],
    }


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for key, default in DEFAULTS.items():
        p.add_argument(f"--{key}", type=Path, default=Path(default), help=f"{FILES[key]} (default {default})")
    p.add_argument("--out", type=Path, default=OUT, help=f"output JSON (default {OUT.relative_to(ROOT)})")
    a = p.parse_args(argv)
    paths = {k: getattr(a, k) for k in DEFAULTS}
    for k, v in paths.items():
        if not v.is_file():
            p.error(f"--{k}: no file {v} ({FILES[k]} of {REPO} at {COMMIT})")
    ref = build(paths)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(ref, indent=1, ensure_ascii=False) + "\n")
    for s in ref["settings"]:
        print(f"{s['name']} ({s['systems']} systems): {s['check']}")
        for m in s["models"]:
            print(f"  {m['study_model']:22s} -> {str(m['counterpart']):22s} median sMAPE {m['median_smape']:8.3f} "
                  f"({m['systems']} systems, {m['missing']} missing)")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
