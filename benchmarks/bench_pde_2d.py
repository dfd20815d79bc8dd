"""PDE performance: 2-D Navier-Stokes (vorticity form, exponax ETDRK4, order 4).

    python benchmarks/bench_pde_2d.py

Kolmogorov flow (Re = 40, n = 4) at N = 128 and 256: 10^3 ETDRK4 steps via chaoslab.trajectory
(h = the preset step 0.5 dx / U), wall time of a compiled call (after a warm-up call) and steps/s.
"""

import time

import chaoslab as cl
from chaoslab.systems.pdes.navier_stokes import kolmogorov_flow


def timed(f):
    f()
    t = time.perf_counter()
    out = f()
    return time.perf_counter() - t, out


def main():
    n = 1000
    print("| 2-D Navier-Stokes (Kolmogorov, Re = 40) | ETDRK4 steps | h | seconds | steps/s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for N in (128, 256):
        s = kolmogorov_flow(40.0, N)
        secs, _ = timed(lambda: cl.trajectory(s, 10, dt=s.dt * n / 10))
        print(f"| N = {N} ({N * N} unknowns), 10 stored states | {n} | {s.dt:.4g} | {secs:.2f} | {n / secs:.3g} |")


if __name__ == "__main__":
    main()
