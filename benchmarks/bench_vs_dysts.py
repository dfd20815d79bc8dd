"""Lorenz, 10,000 points at 100 points per period: chaoslab (rtol 1e-10; Dopri5 and Dopri8) vs dysts' defaults.

Side by side in one run. dysts is installed into its own virtual environment
(``$XDG_CACHE_HOME/chaoslab-bench/dysts-venv``) and timed in a subprocess; if that cannot be
done the script says so and prints only chaoslab's numbers.

    python benchmarks/bench_vs_dysts.py
"""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "chaoslab-bench"
VENV = CACHE / "dysts-venv"

DYSTS_SCRIPT = textwrap.dedent(
    """
    import time, json
    from dysts.flows import Lorenz
    t = time.perf_counter()
    sol = Lorenz().make_trajectory(10000)
    dt = time.perf_counter() - t
    print(json.dumps(dict(seconds=dt, shape=list(sol.shape))))
    """
)


def dysts_python() -> str | None:
    py = VENV / "bin" / "python"
    if py.exists() and subprocess.run([str(py), "-c", "import dysts"], capture_output=True).returncode == 0:
        return str(py)
    CACHE.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "dysts"], check=True)
        subprocess.run([str(py), "-c", "import dysts.flows"], check=True, capture_output=True)
        return str(py)
    except subprocess.CalledProcessError as e:
        print(f"could not install dysts into {VENV}: {e}", file=sys.stderr)
        return None


def time_dysts(py: str) -> float | None:
    import json

    r = subprocess.run([py, "-c", DYSTS_SCRIPT], capture_output=True, text=True)
    if r.returncode != 0:
        print("dysts run failed:\n" + r.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])["seconds"]


def time_chaoslab(method: str) -> tuple[float, float]:
    """(first call in a fresh process incl. compilation, steady-state call) in seconds."""
    code = textwrap.dedent(
        """
        import time, json
        t = time.perf_counter()
        import chaoslab as cl
        t_import = time.perf_counter() - t
        kw = dict(granularity=100, rtol=1e-10, atol=1e-10, method=METHOD)
        t = time.perf_counter(); tr = cl.trajectory("Lorenz", 10000, **kw); first = time.perf_counter() - t
        t = time.perf_counter(); tr = cl.trajectory("Lorenz", 10000, **kw); second = time.perf_counter() - t
        print(json.dumps(dict(first=first, second=second, imp=t_import, shape=list(tr.x.shape))))
        """
    )
    import json

    env = dict(os.environ, JAX_COMPILATION_CACHE_DIR="")  # no persistent cache: honest cold start
    code = code.replace("METHOD", repr(method))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    d = json.loads(r.stdout.strip().splitlines()[-1])
    return d["first"], d["second"]


def main():
    ours = {m: time_chaoslab(m) for m in ("dopri5", "dopri8")}
    py = dysts_python()
    t_dysts = time_dysts(py) if py else None
    print("| implementation | seconds | dysts / this |")
    print("| --- | ---: | ---: |")
    if t_dysts is not None:
        print(f"| dysts `Lorenz().make_trajectory(10000)` (defaults) | {t_dysts:.2f} | 1.0 |")
    else:
        print("| dysts | could not be run (see stderr) | - |")
    for m, (first, steady) in ours.items():
        label = "own Dormand-Prince 5(4), the default" if m == "dopri5" else "diffrax Dopri8"
        for what, t in (("first call in a fresh process (incl. JIT compile)", first), ("compiled call", steady)):
            ratio = f"{t_dysts / t:.0f}x" if t_dysts else "-"
            print(f"| chaoslab {what}, {label}, rtol=1e-10 | {t:.3f} | {ratio} |")


if __name__ == "__main__":
    main()
