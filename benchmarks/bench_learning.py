"""Training as a dynamical system: the numbers of issue 15's benchmarks, in one run.

    python benchmarks/bench_learning.py [--out DIR] [--skip-dense] [--skip-jacobian] [--jacobian-steps 625]

Peak RSS is the process's (the Jacobian runs first, so its peak is its own).

1. Sharpness of the digits MLP 64 -> 64 -> 10 (4,810 parameters, cross-entropy on all 1,797
   digits, at initialisation and after 2 epochs of SGD): Lanczos on Hessian-vector products
   (scipy's eigsh) against the dense Hessian's eigh — seconds (compile apart) and relative error
   of the top eigenvalue.
2. The training Jacobian d theta_T / d theta_0 of that MLP over 625 SGD steps (batches of 32,
   lr 0.1; about 11 epochs): seconds, peak RSS, and its singular values grouped into chaotic /
   bulk / stable (Belrose & Scherlis 2024).
3. A butterfly grid on digits (the same MLP, SGD with batches of 32 at lr 1.5, where training still
   converges but is near its stability limit; at lr 0.1 nothing leaves its basin): sigma from
   1e-8 to 1, copies perturbed at step 0, after 1 epoch and after 5 epochs, 20 epochs in all;
   seconds, the final distance and loss barrier (after unit alignment) per cell, and the figure
   (DIR/butterfly.png).
"""

import argparse
import resource
import time
from pathlib import Path

import chaoslab  # noqa: F401  (float64)
import numpy as np


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def digits_map(lr=0.1, batch_size=32, seed=0):
    from chaoslab.learning.setups import setup_map

    return setup_map("digits", optimizer="gd", lr=lr, batch_size=batch_size, seed=seed)


def sharpness_rows(skip_dense: bool):
    from chaoslab.learning.curvature import hessian, top_eigenvalues
    from chaoslab.learning.training import train

    tm = digits_map()
    trained = train(tm, 2 * tm.steps_per_epoch, every=2 * tm.steps_per_epoch).states[0, -1, : tm.n_params]
    rows = []
    for name, theta in (("initialisation", tm.x0[: tm.n_params]), ("after 2 epochs", trained)):
        top_eigenvalues(tm.loss, theta, 1, seed=1)  # compiles the HVP
        t0 = time.perf_counter()
        lanczos = top_eigenvalues(tm.loss, theta, 1)[0]
        t_lanczos = time.perf_counter() - t0
        if skip_dense:
            rows.append((name, lanczos, t_lanczos, float("nan"), float("nan"), float("nan")))
            continue
        t0 = time.perf_counter()
        H = hessian(tm.loss, theta)
        t_hessian = time.perf_counter() - t0
        t0 = time.perf_counter()
        dense = np.linalg.eigvalsh(H)[-1]
        t_eigh = time.perf_counter() - t0
        rows.append((name, lanczos, t_lanczos, dense, t_hessian + t_eigh, abs(lanczos - dense) / abs(dense)))
    return tm.n_params, rows


def jacobian_rows(steps: int):
    from chaoslab.learning.jacobian import jacobian_spectrum, training_jacobian

    tm = digits_map()
    before = rss_mb()
    t0 = time.perf_counter()
    J = training_jacobian(tm, steps)
    seconds = time.perf_counter() - t0
    spec = jacobian_spectrum(J)
    return seconds, rss_mb(), before, spec


def butterfly(out: Path, lr: float):
    from chaoslab.cli.common import atomic_savefig
    from chaoslab.learning.twins import butterfly_figure, twin_runs

    tm = digits_map(lr=lr)
    E = tm.steps_per_epoch
    t0 = time.perf_counter()
    r = twin_runs(tm, 20 * E, at=[0, E, 5 * E], every=E)
    seconds = time.perf_counter() - t0
    atomic_savefig(butterfly_figure(r), out / "butterfly.png")
    return seconds, E, r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("."))
    ap.add_argument("--skip-dense", action="store_true", help="no dense Hessian (it takes a few minutes)")
    ap.add_argument("--skip-jacobian", action="store_true")
    ap.add_argument("--jacobian-steps", type=int, default=625)
    ap.add_argument("--butterfly-lr", type=float, default=1.5)
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)

    if not a.skip_jacobian:  # first: its peak memory is measured in a fresh process
        seconds, peak, before, spec = jacobian_rows(a.jacobian_steps)

    n, rows = sharpness_rows(a.skip_dense)
    print(f"| sharpness, digits MLP ({n} parameters) | Lanczos | s | dense eigh | s (Hessian + eigh) | relative error |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, lz, tl, d, td, err in rows:
        print(f"| {name} | {lz:.10g} | {tl:.2f} | {d:.10g} | {td:.1f} | {err:.1e} |")

    if not a.skip_jacobian:
        print(f"\ntraining Jacobian, digits MLP, {a.jacobian_steps} SGD steps: {seconds:.1f} s, peak RSS {peak:.0f} MB "
              f"(before {before:.0f} MB)")
        print(f"  singular values: largest {spec.singular_values[0]:.4g}, smallest {spec.singular_values[-1]:.4g}; "
              f"chaotic (> 1 + 1e-3) {spec.chaotic}, bulk {spec.bulk}, stable {spec.stable}; "
              f"log|det J| {spec.log_abs_det:.6g}")

    seconds, E, r = butterfly(a.out, a.butterfly_lr)
    print(f"\nbutterfly grid on digits (SGD lr {a.butterfly_lr:g}, batches of 32, {E} steps per epoch, 20 epochs, "
          f"perturbed at epochs 0, 1, 5): {seconds:.1f} s; "
          f"figure {a.out / 'butterfly.png'}")
    print("| sigma | " + " | ".join(f"distance, epoch {a // E}" for a in r.at) + " | "
          + " | ".join(f"aligned barrier, epoch {a // E}" for a in r.at) + " |")
    print("| ---: |" + " ---: |" * (2 * len(r.at)))
    for j, s in enumerate(r.sigma):
        print(f"| {s:.0e} | " + " | ".join(f"{r.final_distance[i, j]:.3g}" for i in range(len(r.at))) + " | "
              + " | ".join(f"{r.aligned_barrier[i, j]:.3g}" for i in range(len(r.at))) + " |")
    print("amplification (final distance / initial distance) at sigma = 1e-8: " + ", ".join(
        f"epoch {a // E}: {r.final_distance[i, 0] / r.distance[i, 0, np.flatnonzero(r.steps == a)[0]]:.3g}"
        for i, a in enumerate(r.at)))


if __name__ == "__main__":
    main()
