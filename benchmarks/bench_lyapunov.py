"""Lorenz Lyapunov spectrum: chaoslab (several run lengths and integrators) vs dysts'
``find_lyapunov_exponents(Lorenz(), 20000, pts_per_period=100)``, side by side in one run.

    python benchmarks/bench_lyapunov.py [--no-dysts]

Errors are against Sprott's 0.9056 / 0 / -14.5723. Times are for a compiled call (the first
call, which compiles, is timed separately). dysts runs in its own virtual environment (see
bench_vs_dysts.py), or the script says it could not.
"""

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_vs_dysts import dysts_python  # noqa: E402

from chaoslab.analysis import lyapunov_spectrum  # noqa: E402

LIT = np.array([0.9056, 0.0, -14.5723])

DYSTS = textwrap.dedent(
    """
    import time, json
    import numpy as np
    from dysts.flows import Lorenz
    from dysts.analysis import find_lyapunov_exponents
    t = time.perf_counter()
    lam = find_lyapunov_exponents(Lorenz(), 20000, pts_per_period=100)
    print(json.dumps(dict(seconds=time.perf_counter() - t, exponents=np.asarray(lam).tolist())))
    """
)


def run_dysts():
    py = dysts_python()
    if py is None:
        return None
    r = subprocess.run([py, "-c", DYSTS], capture_output=True, text=True)
    if r.returncode != 0:
        print("dysts run failed:\n" + r.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    rows = []
    for method, T in (("dopri5", 3_000.0), ("dopri5", 15_000.0), ("rk4", 15_000.0), ("rk4", 60_000.0)):
        kw = dict(time=T, method=method)
        t = time.perf_counter()
        lyapunov_spectrum("Lorenz", **kw)
        first = time.perf_counter() - t
        t = time.perf_counter()
        r = lyapunov_spectrum("Lorenz", **kw)
        secs = time.perf_counter() - t
        rows.append((f"chaoslab {method}, T = {T:g}", first, secs, r.exponents, r.uncertainty))
    # the same statistics from an ensemble in one vmapped call: 32 members on the attractor,
    # each averaging 2000 time units (vmap uses the SIMD width the single orbit leaves idle)
    from chaoslab.data.datasets import sample_initial_conditions

    x0 = sample_initial_conditions("Lorenz", 32, seed=0)
    kw = dict(x0=x0, time=2000.0, method="rk4", transient=15.0)
    t = time.perf_counter()
    lyapunov_spectrum("Lorenz", **kw)
    first = time.perf_counter() - t
    t = time.perf_counter()
    r = lyapunov_spectrum("Lorenz", **kw)
    secs = time.perf_counter() - t
    rows.append(("chaoslab rk4, 32 members x T = 2000 (one call)", first, secs, r.exponents.mean(axis=0),
                 r.exponents.std(axis=0, ddof=1) / np.sqrt(32)))
    d = None if "--no-dysts" in sys.argv else run_dysts()
    print("| implementation | first call (s) | compiled call (s) | exponents | standard error | error vs literature |")
    print("| --- | ---: | ---: | --- | --- | --- |")
    fmt = lambda a: "(" + ", ".join(f"{v:.4f}" for v in a) + ")"
    for label, first, secs, lam, se in rows:
        print(f"| {label} | {first:.2f} | {secs:.2f} | {fmt(lam)} | {fmt(se)} | {fmt(lam - LIT)} |")
    if d is not None:
        lam = np.sort(np.asarray(d["exponents"]))[::-1]
        err = fmt(lam[:3] - LIT) if lam.size >= 3 else f"lambda1 off by {lam[0] - LIT[0]:.4f}"
        print(f"| dysts `find_lyapunov_exponents(Lorenz(), 20000, pts_per_period=100)` | - | {d['seconds']:.1f} | "
              f"{fmt(lam)} | - | {err} |")
    else:
        print("| dysts | could not be run (see stderr) | | | | |")


if __name__ == "__main__":
    main()
