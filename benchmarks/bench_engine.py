"""The engine, side by side in one run: startup, and RK4 throughput against a plain JAX scan.

    python benchmarks/bench_engine.py [--members 20000] [--steps 2000] [--startup-only] [--no-huge] [--demo]

Startup: ``import chaoslab`` and ``chaoslab systems list`` as whole processes (median of 5;
wall seconds, Python's own start included), and ``import jax`` alone for scale.

Throughput (Lorenz-63, classical RK4, h = 0.01, every state kept; RK4 steps per second over all
members; compile time reported apart, each program run once to compile and then timed), each
device count in its own process (``CHAOSLAB_HOST_DEVICES``: 1, and one device per core):
- "plain scan": ``jit(scan(vmap(rk4_step)))`` written here in 15 lines — the reference (given
  members placed across the devices when there are several);
- "integrate.solve, time-major": the functional core, members as a batch of initial states,
  ys of shape (steps, members, 3) (``time_major=True``: the layout the program computes in);
- "integrate.solve": the same with ys (members, steps, 3) (one transpose on the device);
- "ensemble": the numpy convenience (chunks copied to one host array (members, steps, 3));
- float32 rows of the plain scan and of solve (time-major).
The ratio column is steps/s over the plain scan's (float64) on one device, measured in the
same run.

Huge ensembles (each in its own process, so its peak RSS is its own; all local devices):
on-device reductions at every one of 200 RK4 steps (h = 0.01) — count, mean and M2, min, max,
exceedances of 3 levels, a 200-bin histogram per variable — for Lorenz-63 with 10^6 members
and Lorenz-96 (N = 40) with 10^4 members: ``ensemble_statistics`` against a plain
``jit(scan(vmap(rk4) + the same reductions))`` written here, float64 and float32.

Demo (``--demo``, about 5 minutes): ``chaoslab demo`` twice in a fresh directory with an empty
compilation cache (``XDG_CACHE_HOME`` pointed at a new folder): wall seconds and the share of the
work spent compiling (tracing, lowering and XLA compilation, as the demo itself reports it) of
the first run and of the second, which reads the persistent cache the first one wrote.
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


def demo_runs() -> list[tuple[str, float, str]]:
    """Two runs of ``chaoslab demo`` sharing a new, empty compilation cache."""
    import re
    import tempfile

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "JAX_COMPILATION_CACHE_DIR"} | {"XDG_CACHE_HOME": tmp}
        for run in ("first (empty cache)", "second (cache written by the first)"):
            out = os.path.join(tmp, run.split()[0])
            t0 = time.perf_counter()
            r = subprocess.run([sys.executable, "-m", "chaoslab", "demo", "--out", out], env=env, cwd=tmp,
                               capture_output=True, text=True, check=True)
            share = re.search(r"(\d+) % of the work compiling", r.stdout + r.stderr)
            rows.append((run, time.perf_counter() - t0, f"{share.group(1)} %" if share else "?"))
    return rows


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
    core_tm = jax.jit(lambda x: solve("Lorenz", x, ts, method="rk4", substeps=1, time_major=True).ys)
    runs = {
        "plain scan": (lambda x: plain(x).block_until_ready(), np.float64),
        "integrate.solve, time-major": (lambda x: core_tm(x).block_until_ready(), np.float64),
        "integrate.solve": (lambda x: core(x).block_until_ready(), np.float64),
        "ensemble": (lambda x: cl.ensemble("Lorenz", steps, x0=np.asarray(x), dt=h, method="rk4", substeps=1).x,
                     np.float64),
        "plain scan, float32": (lambda x: plain(x).block_until_ready(), np.float32),
        "integrate.solve, time-major, float32": (lambda x: core_tm(x).block_until_ready(), np.float32),
    }
    rows = []
    for name, (fn, dtype) in runs.items():
        small = spread_members(jnp.asarray(x0.astype(dtype)), members)
        t0 = time.perf_counter()
        fn(small)  # compiles
        compile_s = time.perf_counter() - t0
        best = min(_timed(fn, small) for _ in range(3))
        rows.append((name, compile_s - best, members * (steps - 1) / best))
    return rows


HUGE = r"""
import json, resource, sys, time
import chaoslab as cl
import jax, jax.numpy as jnp, numpy as np
from chaoslab.integrate import ensemble_statistics, spread_members

name, members, steps, which, dtype = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
system = cl.get_system(name)
d, h, bins = system.dim, 0.01, 200
p = {k: jnp.asarray(v, dtype) for k, v in system.params.items()}
x0 = (np.asarray(system.ic) + 0.1 * np.random.default_rng(0).standard_normal((members, d))).astype(dtype)
center, scale = np.zeros(d, dtype), np.full(d, 10.0, dtype)
levels = np.array([2.0, 3.0, 4.0], dtype)
lo, width = center - 8 * scale, 16 * scale / bins

def rk4(x):
    f = lambda y: system.rhs(y, 0.0, p)
    k1 = f(x); k2 = f(x + 0.5 * h * k1); k3 = f(x + 0.5 * h * k2); k4 = f(x + h * k3)
    return x + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4)

@jax.jit
def plain(x0):
    def body(x, _):
        ok = jnp.all(jnp.isfinite(x), axis=-1)
        okc = ok[:, None]
        n = ok.sum()
        mean = jnp.where(okc, x, 0).sum(0) / n
        m2 = jnp.where(okc, (x - mean) ** 2, 0).sum(0)
        mn, mx = jnp.where(okc, x, jnp.inf).min(0), jnp.where(okc, x, -jnp.inf).max(0)
        z = jnp.abs(x - center) / scale
        exc = ((z[:, None, :] > levels[None, :, None]) & okc[:, None, :]).sum(0)
        idx = jnp.clip(jnp.floor((x - lo) / width), 0, bins - 1).astype(jnp.int32)
        hist = jnp.zeros((d, bins), jnp.int32).at[jnp.arange(d)[None, :], idx].add(okc.astype(jnp.int32))
        return jax.vmap(rk4)(x), (n, mean, m2, mn, mx, exc, hist)
    return jax.lax.scan(body, x0, None, length=steps)[1]

def run():
    if which == "plain":
        jax.block_until_ready(plain(spread_members(jnp.asarray(x0), members)))
    else:
        ensemble_statistics(system, steps, x0=x0, dt=h, method="rk4", substeps=1, center=center, scale=scale,
                            levels=levels, bins=bins, chunk=steps)
t0 = time.perf_counter(); run(); first = time.perf_counter() - t0
t0 = time.perf_counter(); run(); best = time.perf_counter() - t0
print(json.dumps(dict(compile=first - best, rate=members * steps / best,
                      rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""


def huge_rows() -> None:
    print("\n| huge ensemble, 200 RK4 steps, reductions at every step | members | dtype | compile s | RK4 steps/s | "
          "ratio to plain | peak RSS MB |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for name, members in (("Lorenz", 1_000_000), ("Lorenz96N40", 10_000)):
        for dtype in ("float64", "float32"):
            res = {}
            for which in ("plain", "chaoslab"):
                r = subprocess.run([sys.executable, "-c", HUGE, name, str(members), "200", which, dtype],
                                   capture_output=True, text=True, check=True)
                res[which] = json.loads(r.stdout.strip().splitlines()[-1])
            for which, label in (("plain", "plain scan + reductions"), ("chaoslab", "ensemble_statistics")):
                r = res[which]
                print(f"| {name}: {label} | {members} | {dtype} | {r['compile']:.2f} | {r['rate']:.3g} | "
                      f"{r['rate'] / res['plain']['rate']:.2f} | {r['rss']:.0f} |", flush=True)


def _timed(fn, x) -> float:
    t0 = time.perf_counter()
    fn(x)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=20000)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--startup-only", action="store_true")
    ap.add_argument("--no-huge", action="store_true", help="skip the huge-ensemble rows")
    ap.add_argument("--demo", action="store_true", help="also run the demo twice: its compile share")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:  # one device count, in this process
        print(json.dumps(throughput(a.members, a.steps)))
        return
    print("| startup (median of 5 processes) | wall s |\n| --- | ---: |")
    for name, s in startup():
        print(f"| {name} | {s:.2f} |")
    if a.demo:
        print("\n| chaoslab demo | wall s | compiling |\n| --- | ---: | ---: |")
        for name, s, share in demo_runs():
            print(f"| {name} | {s:.0f} | {share} |")
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
    if not a.no_huge:
        huge_rows()


if __name__ == "__main__":
    main()
