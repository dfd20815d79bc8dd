"""Verification of catalog systems against reference attractor statistics.

Flows: the reference ``mean``/``std`` (from the dysts metadata) were each computed from one
trajectory of 10 characteristic periods (4096 points, 409.6 per period). A 10-period time
average is itself a random variable: its spread is the sampling error of a time average,
sigma_T ~ std * sqrt(2 tau_c / T). We estimate that distribution directly: integrate a long
trajectory (``periods`` periods after a transient), cut it into 10-period blocks, and take the
mean and standard deviation of each block. A reference value passes when

    |ref - mean_over_blocks| <= z * sd_over_blocks + rel_floor * std_long

with z = 4.5 (two-sided normal tail 7e-6 per comparison, so the ~1000 comparisons of the
whole catalog give well under 1% chance of a false failure) and a floor of 2% of the
attractor's standard deviation, absorbing rounding of the published parameters and
near-deterministic blocks of (quasi)periodic-looking attractors.

Coordinates that grow without bound (angles, clock variables) are not compared. Delay
equations: the reference columns are copies of the scalar x at different lags, each compared
with the block statistics of x.

Maps: the orbit from the reference initial condition stays bounded and finite for
``iterations`` steps, and where the map is chaotic its largest Lyapunov exponent estimated by
tangent propagation is positive.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .base import System

Z_SCORE = 4.5
REL_FLOOR = 0.02
BLOCK_PERIODS = 10.0


@dataclass
class CheckResult:
    name: str
    passed: bool
    kind: str
    detail: str
    worst_z: float = 0.0
    compared: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "kind": self.kind,
            "detail": self.detail,
            "worst_z": self.worst_z,
            "compared": self.compared,
            "seconds": self.seconds,
        }


def block_statistics(x: np.ndarray, block: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-block mean and std of x (n, d) cut into blocks of ``block`` points: (nb, d) each."""
    nb = x.shape[0] // block
    xb = x[: nb * block].reshape(nb, block, x.shape[1])
    return xb.mean(axis=1), xb.std(axis=1)


def check_flow(system: System, *, periods: float = 400.0, transient_periods: float = 20.0, pts_per_period: int = 40,
               method: str = "auto", rtol: float = 1e-8, atol: float = 1e-8) -> CheckResult:
    from ..integrate.api import DivergenceError, trajectory

    mean_ref = system.stats.get("mean")
    std_ref = system.stats.get("std")
    if mean_ref is None or std_ref is None or system.period is None:
        return CheckResult(system.name, False, system.kind, "no reference mean/std/period to compare with")
    dt = system.period / pts_per_period
    n = int(periods * pts_per_period)
    try:
        tr = trajectory(system, n, dt=dt, transient=transient_periods * system.period, method=method, rtol=rtol, atol=atol)
    except DivergenceError as e:
        return CheckResult(system.name, False, system.kind, f"diverged: {e}")
    x = tr.x
    mean_ref = np.asarray(mean_ref, dtype=float)
    std_ref = np.asarray(std_ref, dtype=float)
    if system.delay:
        cols = [(0, i) for i in range(mean_ref.size)]
    else:
        if mean_ref.size != system.dim:
            return CheckResult(system.name, False, system.kind, f"reference has {mean_ref.size} coordinates, system {system.dim}")
        cols = [(i, i) for i in range(system.dim) if i not in system.unbounded]
    block = int(round(BLOCK_PERIODS * pts_per_period))
    bm, bs = block_statistics(x, block)
    std_long = x.std(axis=0)
    compared, worst, ok = [], 0.0, True
    for ours, ref in cols:
        for stat, blocks, refv in (("mean", bm[:, ours], mean_ref[ref]), ("std", bs[:, ours], std_ref[ref])):
            centre = float(blocks.mean())
            spread = float(blocks.std(ddof=1))
            tol = Z_SCORE * spread + REL_FLOOR * float(std_long[ours])
            diff = abs(float(refv) - centre)
            z = diff / max(spread, 1e-300)
            passed = diff <= tol
            ok &= passed
            if not passed:
                worst = max(worst, z)
            compared.append(dict(coord=ours, ref_coord=ref, stat=stat, ours=centre, reference=float(refv),
                                 block_sd=spread, tolerance=tol, passed=passed))
    failed = [c for c in compared if not c["passed"]]
    if ok:
        detail = f"{len(compared)} statistics within tolerance"
    else:
        c = failed[0]
        detail = (f"{len(failed)}/{len(compared)} off, e.g. {c['stat']}[{c['coord']}] = {c['ours']:.4g} "
                  f"vs reference {c['reference']:.4g} (tol {c['tolerance']:.2g})")
    return CheckResult(system.name, bool(ok), system.kind, detail, worst, compared)


def map_lyapunov(system: System, n: int = 5000, transient: int = 200, x0=None) -> float:
    """Largest Lyapunov exponent of a map by propagating one tangent vector (renormalised)."""
    p = system.resolve_params()
    x = jnp.asarray(system.ic if x0 is None else x0)

    def step(carry, k):
        x, v = carry
        xn, vn = jax.jvp(lambda y: system.rhs(y, k, p), (x,), (v,))
        nv = jnp.linalg.norm(vn)
        return (xn, vn / nv), jnp.log(nv)

    def run(x):
        x = jax.lax.fori_loop(0, transient, lambda k, y: system.rhs(y, k, p), x)
        v = jnp.ones_like(x) / jnp.sqrt(x.size)
        _, logs = jax.lax.scan(step, (x, v), jnp.arange(transient, transient + n))
        return logs.mean()

    return float(jax.jit(run)(x))


def check_map(system: System, iterations: int = 20000) -> CheckResult:
    from ..integrate.api import DivergenceError, trajectory

    try:
        tr = trajectory(system, iterations)
    except DivergenceError as e:
        return CheckResult(system.name, False, "map", f"diverged: {e}")
    keep = [i for i in range(system.dim) if i not in system.unbounded]
    x = tr.x[:, keep] if keep else tr.x
    span = float(np.max(np.abs(x))) if x.size else 0.0
    lam = map_lyapunov(system)
    chaotic = system.stats.get("chaotic", True)
    ok = math.isfinite(lam) and (lam > 0 if chaotic else True)
    detail = f"bounded (max |x| = {span:.3g}), largest Lyapunov exponent {lam:.4f}"
    if chaotic and not lam > 0:
        detail += " (expected > 0)"
    return CheckResult(system.name, bool(ok), "map", detail, 0.0, [dict(stat="lyapunov", ours=lam)])


def check(system: System, **kw) -> CheckResult:
    """Verify one system (see the module docstring for the criteria)."""
    import time

    t = time.perf_counter()
    res = check_map(system) if system.discrete else check_flow(system, **kw)
    res.seconds = time.perf_counter() - t
    return res
