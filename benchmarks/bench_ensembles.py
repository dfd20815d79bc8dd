"""Ensemble and data-assimilation benchmarks (issue 7).

    python benchmarks/bench_ensembles.py

1. Huge ensembles: 10^4 members of Lorenz-96 (N = 40, F = 8) and 10^5 members of Lorenz-63, 10
   time units stored every 0.05 (201 output steps), reduced on the fly in compiled chunks; each
   configuration runs in its own process so that its peak memory (max RSS) is its own. Adaptive
   Dormand-Prince (rtol 1e-9, the default) and fixed-step RK4 (h = 0.01) side by side.
2. ETKF on Lorenz-96 (every variable observed every 0.05 with sigma = 1) with 20 (localised), 40
   and 100 members: wall time per assimilation cycle and the time-mean analysis RMSE (1000
   cycles, 200 of spin-up), with the stochastic EnKF beside it.
"""

import json
import subprocess
import sys

HUGE = """
import json, sys, time
import chaoslab
from chaoslab.ensembles.huge import huge_ensemble
name, members, method, substeps = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
substeps = None if substeps == "none" else int(substeps)
t0 = time.perf_counter()
h = huge_ensemble(name, members, 201, dt=0.05, method=method, substeps=substeps, seed=0)
total = time.perf_counter() - t0
print(json.dumps(dict(seconds=h.seconds, total=total, rate=h.member_steps_per_second, rss=h.peak_rss_mb,
                      chunk=h.chunk_members, diverged=h.diverged)))
"""


def huge_rows():
    print("| system | members | integrator | wall (s) | setup outside the run: climatology, start point (s) | member-steps/s | peak RSS (MB) | members per call | diverged |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, members in (("Lorenz96N40", 10_000), ("Lorenz", 100_000)):
        for method, substeps in (("dopri5", "none"), ("rk4", "5")):
            out = subprocess.run([sys.executable, "-c", HUGE, name, str(members), method, substeps], capture_output=True,
                                 text=True, check=True).stdout.strip().splitlines()[-1]
            r = json.loads(out)
            label = "Dormand-Prince 5(4), rtol 1e-9" if method == "dopri5" else "RK4, h = 0.01"
            print(f"| {name} | {members} | {label} | {r['seconds']:.1f} | {r['total'] - r['seconds']:.1f} | "
                  f"{r['rate']:.3g} | {r['rss']:.0f} | {r['chunk']} | {r['diverged']} |", flush=True)


def da_rows():
    from chaoslab.ensembles.assimilation import assimilate

    print("\n| filter | members | localisation | inflation | ms per cycle | time-mean analysis RMSE | spread |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for method, members, loc, infl in (("etkf", 20, 4.0, 1.02), ("etkf", 40, None, 1.02), ("etkf", 100, None, 1.01),
                                       ("enkf", 20, 4.0, 1.05), ("enkf", 40, 6.0, 1.05), ("enkf", 100, None, 1.02)):
        assimilate("Lorenz96N40", method=method, members=members, localisation=loc, inflation=infl, cycles=5)  # compile
        r = assimilate("Lorenz96N40", method=method, members=members, localisation=loc, inflation=infl, cycles=1000,
                       seed=0)
        rmse = "diverged" if r.diverged else f"{r.time_mean_rmse:.3f}"
        spread = "" if r.diverged else f"{r.time_mean_spread:.3f}"
        print(f"| {method.upper()} | {members} | {loc or '-'} | {infl} | {1e3 * r.seconds_per_cycle:.2f} | {rmse} | {spread} |",
              flush=True)


if __name__ == "__main__":
    huge_rows()
    da_rows()
