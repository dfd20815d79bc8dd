"""Ensemble throughput, Lorenz with RK4: member-steps per second for N = 1, 100, 10^4,
next to a flop-count bound for this CPU.

    python benchmarks/bench_ensemble.py

The bound: one RK4 step of Lorenz costs about 4 x 8 flops for the right-hand side plus
3 x 6 for the stage states and 9 for the update, ~59 flops. A core does at most
FLOPS_PER_CYCLE double-precision flops per cycle (16: two 256-bit FMA pipes, as on AVX2 /
double-pumped AVX-512 cores), so the bound is cores x Hz x 16 / 59 member-steps/s.
"""

import os
import time

import numpy as np

import chaoslab as cl

FLOPS_PER_STEP = 4 * 8 + 3 * 6 + 9
FLOPS_PER_CYCLE = 16


def cpu_hz() -> float:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("cpu MHz"):
                return float(line.split(":")[1]) * 1e6
    except OSError:
        pass
    return 2.5e9


STREAM = """
import json, time
import numpy as np
import chaoslab as cl

def hwm_mb():  # this process's peak resident memory (VmHWM; ru_maxrss survives exec on Linux)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024

base = hwm_mb()
s = cl.get_system("Lorenz")
x0 = s.ic + np.random.default_rng(0).standard_normal((10_000, 3))
t = time.perf_counter()
total, ok = np.zeros(3), True
for _, x, valid in cl.stream(s, 10_000, x0=x0, dt=0.005, method="rk4", substeps=1, chunk=500):
    total += x.sum(axis=(0, 1))
    ok &= bool(valid.all())
secs = time.perf_counter() - t
print(json.dumps(dict(secs=secs, peak=hwm_mb(), base=base, ok=ok)))
"""


def stream_in_subprocess():
    import json
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", STREAM], capture_output=True, text=True, check=True)
    d = json.loads(r.stdout.strip().splitlines()[-1])
    return d["secs"], d["peak"], d["base"], d["ok"]


def main():
    s = cl.get_system("Lorenz")
    cores = os.cpu_count() or 1
    bound = cores * cpu_hz() * FLOPS_PER_CYCLE / FLOPS_PER_STEP
    rng = np.random.default_rng(0)
    rows = []
    for n_members, steps in ((1, 200_000), (100, 20_000), (10_000, 2_000)):
        for save_every in (1, 10):  # every step stored, or every 10th (compute- vs memory-bound)
            x0 = s.ic + rng.standard_normal((n_members, 3))
            n_out = steps // save_every
            kw = dict(x0=x0, dt=0.005 * save_every, method="rk4", substeps=save_every, transient=0.0)
            cl.ensemble(s, n_out, **kw)  # compile
            t = time.perf_counter()
            ens = cl.ensemble(s, n_out, **kw)
            secs = time.perf_counter() - t
            assert ens.valid.all()
            rows.append((n_members, steps, save_every, secs, n_members * steps / secs))
    # 10^4 members x 10^4 steps streamed in time chunks, in a fresh process so that its peak
    # memory is its own: it stays bounded by the chunk, not by the 2.4 GB of the whole run
    stream_secs, peak_mb, base_mb, all_valid = stream_in_subprocess()
    print(f"CPU: {cores} cores at {cpu_hz() / 1e9:.2f} GHz; flop bound {bound:.3g} member-steps/s "
          f"({FLOPS_PER_STEP} flops/step, {FLOPS_PER_CYCLE} flops/cycle/core)")
    print("| members | RK4 steps | stored every | seconds | member-steps/s | fraction of bound |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for n, st, every, secs, rate in rows:
        print(f"| {n} | {st} | {every} | {secs:.3f} | {rate:.3g} | {rate / bound:.1%} |")
    print(f"streamed 10^4 members x 10^4 steps (every step visited, chunks of 500): {stream_secs:.1f} s, "
          f"{1e8 / stream_secs:.3g} member-steps/s, process peak RSS {peak_mb:.0f} MB "
          f"({base_mb:.0f} MB after import; the whole run would be {10_000 * 10_000 * 3 * 8 / 1e9:.1f} GB); "
          f"all valid: {all_valid}")


if __name__ == "__main__":
    main()
