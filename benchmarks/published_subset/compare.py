"""Per-model divergence rate and median sMAPE of a results directory of one of these subset
suites, and (optionally) the published study's medians over the same systems, read from one of
its result files (e.g. results_test_univariate__pts_per_period_100__periods_12.json.gz of
williamgilpin/dysts at fefa2611; see chaoslab/bench/reference/published.json for the citation).

    python benchmarks/published_subset/compare.py RESULTS_DIR [STUDY_FILE.json.gz]

Long-horizon results also get the median valid prediction times (Lyapunov times; normalised
error 0.4 and sMAPE 30). A suite with a grid of settings (e.g. data.toml's training lengths) gets
one row per model and setting."""

import gzip
import json
import sys

import numpy as np

from chaoslab.bench.results import SMAPE_DIVERGED, load_results

SETTING_COLUMNS = ["granularity", "train_periods", "horizon", "context", "noise"]


def main(results_dir: str, study: str | None = None) -> None:
    t = load_results(results_dir).table
    t = t[t["kind"] == "forecast"]
    # a suite with a grid of settings (e.g. the data-limited sweep's training lengths) gets one row
    # per model and setting
    grid = [c for c in SETTING_COLUMNS if t[c].nunique() > 1]
    rows = []
    for key, g in t.groupby(["model", *grid]):
        model = key[0]
        diverged = int(g[g["metric"] == "diverged_windows"]["value"].sum())
        g = g[g["window"] >= 0]
        sm = g[g["metric"] == "smape"]
        smape = sm["value"].fillna(SMAPE_DIVERGED)
        per_system = smape.groupby(sm["system"]).median()
        # diverged: forecasts that left the attractor; at_200: those and any window whose forecast
        # keeps the opposite sign of the truth throughout (sMAPE 200 too)
        row = dict(model=model, **dict(zip(grid, key[1:])), windows=len(sm), diverged=diverged,
                   at_200=int((smape >= SMAPE_DIVERGED).sum()),
                   median_smape=float(smape.median()), median_of_system_medians=float(per_system.median()),
                   fit_seconds=float(g.drop_duplicates("task")["wall_seconds"].median()))
        for name in ("vpt_lyapunov", "vpt_smape_lyapunov"):
            v = g[g["metric"] == name]["value"]
            if len(v):
                row[name] = float(v.median())
        rows.append(row)
    rows.sort(key=lambda r: (*(r[c] for c in grid), r["median_smape"]))
    keys = list(dict.fromkeys(k for r in rows for k in r))
    print(" | ".join(keys))
    for r in rows:
        print(" | ".join(f"{r[k]:.3g}" if isinstance(r.get(k), float) else str(r.get(k, "")) for k in keys))
    if study:
        systems = sorted(t["system"].unique())
        data = json.load(gzip.open(study))
        pub: dict[str, list[float]] = {}
        for s in systems:
            for m, v in data.get(s, {}).items():
                if isinstance(v, dict) and "smape" in v:
                    pub.setdefault(m, []).append(v["smape"])
        print(f"\npublished, the same {len(systems)} systems (median over systems):")
        for m, v in sorted(pub.items(), key=lambda kv: np.median(kv[1])):
            print(f"  {m:24s} {np.median(v):7.1f}  ({len(v)} systems)")


if __name__ == "__main__":
    main(*sys.argv[1:3])
