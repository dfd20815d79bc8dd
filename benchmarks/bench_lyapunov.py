"""Lyapunov spectra at their defaults: time to 0.5 % precision, side by side with the old defaults.

    python benchmarks/bench_lyapunov.py [--systems Lorenz,Rossler,...] [--no-dysts]

For Lorenz, Rossler, Henon, Kuramoto-Sivashinsky (L = 22) and Lorenz-96 (N = 40, F = 8), in one
run on this machine:

- "old defaults" (chaoslab before issue 13): one orbit from the reference initial condition,
  500 periods after 20 (fields: 20 periods after 1; maps: 20,000 iterations after 1000), the
  error bar the standard error over 10 blocks of that orbit — emulated here as a one-member run
  and 10 blocks of its local rates;
- "new defaults": ``lyapunov_spectrum(name)``, 32 independent orbits run until the standard error
  of every exponent with |lambda| > 10 % of |lambda_1| is below 0.5 % of |lambda_1|.

Each is run once small first (which compiles; "compile s"), then timed. "error" is lambda_1 minus
the reference (Sprott 2003 for the three low-dimensional systems; for the two fields the new
run's own value, whose error bar is given), "z" the error in units of the run's error bar.
Lorenz is also run by dysts' ``find_lyapunov_exponents(Lorenz(), 20000, granularity=100)``
when a dysts environment can be made (see bench_vs_dysts.py).
"""

import json
import math
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_vs_dysts import dysts_python  # noqa: E402

import chaoslab as cl  # noqa: E402
from chaoslab.analysis import lyapunov_spectrum  # noqa: E402

LITERATURE = {"Lorenz": 0.9056, "Rossler": 0.0714, "Henon": 0.41922}
SYSTEMS = ["Lorenz", "Rossler", "Henon", "KuramotoSivashinsky", "Lorenz96N40"]

DYSTS = textwrap.dedent(
    """
    import time, json
    import numpy as np
    from dysts.flows import Lorenz
    from dysts.analysis import find_lyapunov_exponents
    t = time.perf_counter()
    lam = find_lyapunov_exponents(Lorenz(), 20000, granularity=100)
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


def old_defaults(name):
    """One orbit from the reference IC with the pre-issue-13 lengths; 10-block standard error."""
    s = cl.get_system(name)
    period = float(s.period or 1.0)
    if s.discrete:
        transient, T = 1000.0, 20_000.0
    elif s.stepper is not None:
        transient, T = period, 20 * period
    else:
        transient, T = 20 * period, 500 * period
    x0 = np.asarray(s.ic, dtype=float)[None]
    t = time.perf_counter()
    lyapunov_spectrum(s, x0=x0, time=T / 10, transient=transient, keep_local=True)  # compiles (and runs 1/10)
    compile_s = time.perf_counter() - t
    t = time.perf_counter()
    r = lyapunov_spectrum(s, x0=x0, time=T, transient=transient, keep_local=True)
    wall = time.perf_counter() - t
    loc = r.local_rates[0]  # (intervals, k)
    blocks = loc[: loc.shape[0] // 10 * 10].reshape(10, -1, loc.shape[1]).mean(axis=1)
    se = blocks.std(axis=0, ddof=1) / math.sqrt(10)
    return dict(compile=compile_s, wall=wall, lam=r.exponents[0], se=se, total_time=r.time)


def new_defaults(name):
    t = time.perf_counter()
    lyapunov_spectrum(name, time=1e-9, transient=0.0)  # one interval per orbit: compiles the same programs
    compile_s = time.perf_counter() - t
    t = time.perf_counter()
    r = lyapunov_spectrum(name)
    wall = time.perf_counter() - t
    return dict(compile=compile_s, wall=wall, lam=r.exponents, se=r.uncertainty, total_time=r.orbits * r.time,
                converged=r.converged, orbits=r.orbits, per_orbit=r.time)


def main():
    names = SYSTEMS
    for a in sys.argv[1:]:
        if a.startswith("--systems"):
            names = a.split("=", 1)[1].split(",")
    print("| system | defaults | compile (s) | run (s) | time units (all orbits) | lambda_1 ± s.e. | error | z | "
          "precision reached |")
    print("| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | --- |")
    for name in names:
        new = new_defaults(name)
        old = old_defaults(name)
        ref = LITERATURE.get(name, float(new["lam"][0]))
        ref_note = "" if name in LITERATURE else " (ref.: new run)"
        for label, r in (("old: 1 orbit, 500 periods", old), ("new: 0.5 % target", new)):
            err = float(r["lam"][0]) - ref
            z = err / float(r["se"][0]) if r is old or name in LITERATURE else float("nan")
            reached = (f"{'yes' if r['converged'] else 'NO (budget)'}, {r['orbits']} orbits x {r['per_orbit']:.4g}"
                       if r is new else f"{float(r['se'][0]) / abs(float(r['lam'][0])):.2%} claimed")
            print(f"| {name} | {label} | {r['compile']:.1f} | {r['wall']:.1f} | {r['total_time']:.4g} | "
                  f"{float(r['lam'][0]):.5f} ± {float(r['se'][0]):.5f} | {err:+.5f}{ref_note if r is new else ''} | "
                  f"{z:+.1f} | {reached} |")
        sys.stdout.flush()
    if "--no-dysts" not in sys.argv:
        d = run_dysts()
        if d is not None:
            lam = np.sort(np.asarray(d["exponents"]))[::-1]
            print(f"\ndysts `find_lyapunov_exponents(Lorenz(), 20000, granularity=100)`: {d['seconds']:.1f} s, "
                  f"lambda_1 = {lam[0]:.4f} (error {lam[0] - LITERATURE['Lorenz']:+.4f}, no error bar)")
        else:
            print("\ndysts: could not be run (see stderr)")


if __name__ == "__main__":
    main()
