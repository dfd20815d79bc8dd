"""The whole catalog x 1 trajectory x 10,000 points (100 points per period, default method):
total wall time and the share spent compiling.

    python benchmarks/bench_catalog.py [--out results.json]

Compile time per system = first call (trace + compile + run) - second call (run only).
"""

import json
import sys
import time

import chaoslab as cl


def main():
    rows = []
    names = cl.list_systems("ode")
    t_all = time.perf_counter()
    for name in names:
        s = cl.get_system(name)
        kw = dict(granularity=100, transient=0.0)
        t = time.perf_counter()
        try:
            cl.trajectory(s, 10_000, **kw)
            first = time.perf_counter() - t
            t = time.perf_counter()
            cl.trajectory(s, 10_000, **kw)
            second = time.perf_counter() - t
            rows.append(dict(name=name, first=first, run=second, compile=max(first - second, 0.0), ok=True))
        except cl.DivergenceError as e:
            rows.append(dict(name=name, first=time.perf_counter() - t, run=0.0, compile=0.0, ok=False, error=str(e)))
        print(f"{name:28s} first {rows[-1]['first']:6.2f}s  run {rows[-1]['run']:6.3f}s", file=sys.stderr, flush=True)
    wall = time.perf_counter() - t_all
    first = sum(r["first"] for r in rows)
    comp = sum(r["compile"] for r in rows)
    run = sum(r["run"] for r in rows)
    print(f"| systems | one pass, wall (s) | of which compiling (s) | share compiling | compiled runs only (s) | failed |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    print(f"| {len(rows)} | {first:.1f} | {comp:.1f} | {comp / first:.0%} | {run:.1f} | {sum(not r['ok'] for r in rows)} |")
    slow = sorted(rows, key=lambda r: -r["run"])[:5]
    print("slowest compiled runs: " + ", ".join(f"{r['name']} {r['run']:.2f}s" for r in slow))
    print(f"(script wall time incl. the second pass: {wall:.1f} s)")
    if "--out" in sys.argv:
        json.dump(rows, open(sys.argv[sys.argv.index("--out") + 1], "w"), indent=1)


if __name__ == "__main__":
    main()
