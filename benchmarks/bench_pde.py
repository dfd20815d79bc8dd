"""PDE performance: Kuramoto-Sivashinsky and 2-D Navier-Stokes.

    python benchmarks/bench_pde.py

1. KS L = 64, N = 128, 10^5 ETDRK4 steps (h = 0.25): wall time and steps/s.
2. ETDRK4 vs the adaptive Dormand-Prince solver on the same semi-discretisation (L = 22,
   N = 64, T = 20): time to reach a given error against an h/64 ETDRK4 reference.
3. 64 KS members in one vmapped call vs 64 sequential calls (L = 22, N = 64, 2000 steps each).
4. 2-D Navier-Stokes (vorticity form, exponax ETDRK4): Kolmogorov flow (Re = 40, n = 4) at
   N = 128 and 256, 10^3 steps at the preset step 0.5 dx / U: wall time of a compiled call and
   steps/s.
"""

import time

import numpy as np

import chaoslab as cl
from chaoslab.systems.pdes import kolmogorov_flow, kuramoto_sivashinsky


def timed(f):
    f()
    t = time.perf_counter()
    out = f()
    return time.perf_counter() - t, out


def main():
    n_2d = 1000
    ks64 = kuramoto_sivashinsky(64.0, 128)
    n = 100_000
    secs, _ = timed(lambda: cl.trajectory(ks64, 1000, dt=0.25 * n / 1000))
    print("| KS L = 64, N = 128 | ETDRK4 steps | seconds | steps/s |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| one trajectory (1000 stored states) | {n} | {secs:.2f} | {n / secs:.3g} |")

    ks = kuramoto_sivashinsky(22.0, 64)
    T = 20.0
    ref = cl.trajectory(ks, 2, dt=T, substeps=int(T / 0.25) * 64).x[-1]
    print()
    print("| KS L = 22, N = 64, T = 20 | setting | seconds (compiled) | max error |")
    print("| --- | --- | ---: | ---: |")
    for m in (40, 80, 160, 320):
        secs, tr = timed(lambda: cl.trajectory(ks, 2, dt=T, substeps=m))
        print(f"| ETDRK4 | h = {T / m:g} | {secs:.4f} | {np.abs(tr.x[-1] - ref).max():.2e} |")
    for tol in (1e-6, 1e-8, 1e-10):
        secs, tr = timed(lambda: cl.trajectory(ks, 2, dt=T, method="dopri5", rtol=tol, atol=tol))
        print(f"| Dormand-Prince 5(4) (adaptive) | rtol = atol = {tol:g} | {secs:.4f} | {np.abs(tr.x[-1] - ref).max():.2e} |")

    rng = np.random.default_rng(0)
    x0 = np.asarray(ks.ic) + 0.1 * rng.standard_normal((64, 64))
    secs_e, _ = timed(lambda: cl.ensemble(ks, 100, x0=x0, dt=5.0))
    secs_s, _ = timed(lambda: [cl.trajectory(ks, 100, x0=x0[i], dt=5.0) for i in range(64)])
    print()
    print("| 64 KS members x 2000 steps | seconds | ratio |")
    print("| --- | ---: | ---: |")
    print(f"| one vmapped call | {secs_e:.2f} | 1.0 |")
    print(f"| 64 sequential calls | {secs_s:.2f} | {secs_s / secs_e:.1f}x |")

    print()
    print("| 2-D Navier-Stokes (Kolmogorov, Re = 40) | ETDRK4 steps | h | seconds | steps/s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for N in (128, 256):
        s = kolmogorov_flow(40.0, N)
        secs, _ = timed(lambda: cl.trajectory(s, 10, dt=s.dt * n_2d / 10))
        print(f"| N = {N} ({N * N} unknowns), 10 stored states | {n_2d} | {s.dt:.4g} | {secs:.2f} | {n_2d / secs:.3g} |")


if __name__ == "__main__":
    main()
