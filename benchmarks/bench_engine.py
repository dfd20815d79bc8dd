"""The engine, side by side in one run: startup, and RK4 throughput against a plain JAX scan.

    python benchmarks/bench_engine.py [--members 20000] [--steps 2000] [--startup-only]

Startup: ``import chaoslab`` and ``chaoslab systems list`` as whole processes (median of 5;
wall seconds, Python's own start included), and ``import jax`` alone for scale.

Throughput (Lorenz-63, classical RK4, h = 0.01, every state kept; RK4 steps per second over all
members; compile time reported apart, each program run once to compile and then timed), each
device count in its own process (``CHAOSLAB_HOST_DEVICES``: 1, and one device per core):
- "plain scan": ``jit(scan(vmap(rk4_step)))`` written here in 15 lines — the reference (given
  members placed across the devices when there are several);
- "integrate.solve": the functional core, members as a batch of initial states;
- "ensemble": the numpy convenience (host copies included).
The ratio column is steps/s over the plain scan's on one device, measured in the same run.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def wall(cmd: list[str], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def startup() -> list[tuple[str, float]]:
    py = sys.executable
    return [("python -c pass", wall([py, "-c", "pass"])),
            ("import jax", wall([py, "-c", "import jax"])),
            ("import chaoslab", wall([py, "-c", "import chaoslab"])),
            ("chaoslab systems list", wall([py, "-m", "chaoslab", "systems", "list"]))]


def throughput(members: int, steps: int) -> list[tuple[str, float, float]]:
    import chaoslab as cl  # first: it sets the device count before JAX starts
    import jax
    import jax.numpy as jnp
    import numpy as np
    from chaoslab.integrate import solve, spread_members

    h = 0.01
    sigma, rho, beta = 10.0, 28.0, 8.0 / 3.0

    def f(x):
        return jnp.stack([sigma * (x[1] - x[0]), x[0] * (rho - x[2]) - x[1], x[0] * x[1] - beta * x[2]])

    def rk4(x):
        k1 = f(x)
        k2 = f(x + 0.5 * h * k1)
        k3 = f(x + 0.5 * h * k2)
        k4 = f(x + h * k3)
        return x + (h / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)

    @jax.jit
    def plain(x0):
        def body(x, _):
            y = jax.vmap(rk4)(x)
            return y, y

        return jax.lax.scan(body, x0, None, length=steps - 1)[1]

    rng = np.random.default_rng(0)
    x0 = np.asarray(cl.get_system("Lorenz").ic) + rng.standard_normal((members, 3))
    ts = jnp.arange(steps) * h
    core = jax.jit(lambda x: solve("Lorenz", x, ts, method="rk4", substeps=1).ys)
    runs = {
        "plain scan": lambda x: plain(x).block_until_ready(),
        "integrate.solve": lambda x: core(x).block_until_ready(),
        "ensemble": lambda x: cl.ensemble("Lorenz", steps, x0=np.asarray(x), dt=h, method="rk4", substeps=1).x,
    }
    rows = []
    small = spread_members(jnp.asarray(x0), members)
    for name, fn in runs.items():
        t0 = time.perf_counter()
        fn(small)  # compiles
        compile_s = time.perf_counter() - t0
        best = min(_timed(fn, small) for _ in range(3))
        rows.append((name, compile_s - best, members * (steps - 1) / best))
    return rows


def _timed(fn, x) -> float:
    t0 = time.perf_counter()
    fn(x)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=20000)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--startup-only", action="store_true")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:  # one device count, in this process
        print(json.dumps(throughput(a.members, a.steps)))
        return
    print("| startup (median of 5 processes) | wall s |\n| --- | ---: |")
    for name, s in startup():
        print(f"| {name} | {s:.2f} |")
    if a.startup_only:
        return
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    rows = []
    for n in sorted({1, cores}):
        env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"} | {"CHAOSLAB_HOST_DEVICES": str(n)}
        r = subprocess.run([sys.executable, __file__, "--worker", "--members", str(a.members), "--steps",
                            str(a.steps)], env=env, capture_output=True, text=True, check=True)
        rows += [(n, *row) for row in json.loads(r.stdout.strip().splitlines()[-1])]
    ref = rows[0][3]
    print(f"\n| Lorenz-63 RK4, {a.members} members x {a.steps} steps, states kept | devices | compile s | "
          "RK4 steps/s | ratio |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for n, name, comp, rate in rows:
        print(f"| {name} | {n} | {comp:.2f} | {rate:.3g} | {rate / ref:.2f} |")


if __name__ == "__main__":
    main()
