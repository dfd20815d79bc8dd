"""Forecasting benchmark: every registered model on Lorenz at granularity 30.

    python benchmarks/bench_forecast.py [MODEL[:key=value,...] ...]

(e.g. ``mlp:lags=1,width=32,epochs=300,polish=200``: a model with its hyperparameters).

Each model is trained once on 10 and once on 100 periods (one trajectory, 5 validation windows)
and scored on the same 20 test windows (context 60 points, horizon 300 points = 13.6 Lyapunov
times): training time and median valid prediction time (e > 0.4) in Lyapunov times, side by side.
The last column is the univariate mode: the model sees only x (100 periods) and its valid time
is measured on x alone (normalised by the spread of x).
"""

import sys
import time

import numpy as np

from chaoslab.cli.forecast import parse_hyper
from chaoslab.forecast import Task, get_model, list_models, make_task_data
from chaoslab.forecast.evaluate import evaluate


def parse(spec):
    """'name' or 'name:key=value,...' -> (name, hyperparameters), read as ``--hp`` is."""
    name, _, rest = spec.partition(":")
    return name, parse_hyper(filter(None, rest.split(",")))


def main(names):
    data = {p: make_task_data(Task("Lorenz", granularity=30, train_periods=p, n_val=5, n_test=20, seed=0))
            for p in (10, 100)}
    data["x"] = make_task_data(Task("Lorenz", granularity=30, train_periods=100, n_val=5, n_test=20, seed=0,
                                    observed=0))
    # one seed, the same number of starts: both tasks draw the same points, so their training
    # trajectories start alike and they score on identical test windows
    assert np.array_equal(data[10].test.target, data[100].test.target)
    print("| model | fit (s), 10 periods | median VPT, 10 periods | fit (s), 100 periods | median VPT, 100 periods "
          "| fit (s), x only | median VPT, x only |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for spec in names:
        name, hp = parse(spec)
        cells = []
        for p in (10, 100, "x"):
            m = get_model(name, **hp)
            t0 = time.perf_counter()
            m.fit(data[p].train, data[p].val, dt=data[p].dt)
            fit = time.perf_counter() - t0
            ev = evaluate(m, data[p], dynamics=False)
            cells += [f"{fit:.2f}", f"{ev.summary['median_vpt_lyapunov']:.2f}"]
        print(f"| {spec} | " + " | ".join(cells) + " |", flush=True)
    print(f"\nVPT in Lyapunov times ({data[100].lyapunov_time:.3f} time units); dt = {data[100].dt:.4f}")


if __name__ == "__main__":
    main(sys.argv[1:] or list(list_models()))
