"""Dynamical regime of a 2-D complex-amplitude medium (complex Ginzburg-Landau and any System
whose field has the two channels (Re A, Im A)), from measured statistics of one run.

Statistics (sampled every ``interval`` over ``time`` after ``transient``):
- I(t) = spatial mean of |A|^2, its ratio I_end / I_start and the exponential rate of its decay
  (least-squares slope of log I against t; the linear decay of A = 0 when mu < 0 is
  I ~ exp(2 mu t));
- the relative fluctuation std(I) / mean(I);
- the number of phase defects: the winding number of arg A around each grid plaquette (sum of
  the four phase differences, each wrapped to (-pi, pi], divided by 2 pi), counted as
  sum |n| per snapshot; its mean, std, range and how often it changes between snapshots;
- the rotation frequency omega (A ~ exp(-i omega t)): the median over points and samples of
  -arg(A(t + interval) / A(t)) / interval, and the kurtosis of Re <A>(t);
- optionally (``lyapunov=True``) the leading Lyapunov exponent (``lyapunov_spectrum``, k = 1).

Labels and thresholds, in this order:
- "decaying": I falls by more than DECAY_ORDERS = 3 orders of magnitude over the window and its
  fitted rate is negative. Every pattern below the Hopf onset (mu < 0) dies as exp(2 mu t); a
  surviving pattern keeps I of order mu, so any factor between the two separates them.
- "spatiotemporal_chaos": the defect number changes (creation / annihilation of defect pairs,
  the signature of defect turbulence) or I fluctuates by more than FLUCTUATION = 1e-2 relative.
  A rotating spiral (or a lattice of them) is a relative equilibrium, A = R(x) exp(-i omega t),
  for which I is constant up to the slow drift of the cores (measured: < 1e-3 after the
  transient); defect turbulence with n_d defects fluctuates by ~ n_d^-1/2 (measured: ~ 5%).
- "stable_spiral": a constant, non-zero number of defects and I steady to FLUCTUATION.
- "stationary_pattern": no defects and I steady (uniform oscillation, plane waves).
- "other": anything else (e.g. a steady field that still decays slowly).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DECAY_ORDERS = 3.0
FLUCTUATION = 1e-2


@dataclass(frozen=True)
class RegimeResult:
    label: str
    intensity_mean: float  # time mean of the spatial mean |A|^2
    intensity_ratio: float  # I_end / I_start
    decay_rate: float  # fitted d log I / dt
    intensity_fluctuation: float  # std(I) / mean(I)
    defects_mean: float
    defects_std: float
    defects_min: int
    defects_max: int
    defect_changes: int  # snapshots at which the defect number differs from the previous one
    frequency: float  # omega, A ~ exp(-i omega t)
    kurtosis: float  # of Re <A>(t) (1.5 for a pure rotation, 3 for a Gaussian signal)
    lyapunov: float | None = None
    lyapunov_uncertainty: float | None = None


def phase_defects(A: np.ndarray) -> np.ndarray:
    """Winding numbers (integers) of arg A around every plaquette of a periodic grid; A has shape
    (..., N, N); the plaquette (i, j) has corners (i, j), (i+1, j), (i+1, j+1), (i, j+1)."""
    ph = np.angle(A)
    wrap = lambda d: (d + np.pi) % (2 * np.pi) - np.pi
    p10 = np.roll(ph, -1, axis=-2)
    p11 = np.roll(p10, -1, axis=-1)
    p01 = np.roll(ph, -1, axis=-1)
    total = wrap(p10 - ph) + wrap(p11 - p10) + wrap(p01 - p11) + wrap(ph - p01)
    return np.rint(total / (2 * np.pi)).astype(int)


def classify_regime(system, *, time: float = 100.0, transient: float = 100.0, interval: float = 0.5, seed: int = 0,
                    x0=None, lyapunov: bool = False) -> RegimeResult:
    """Label the regime of a complex-amplitude PDE system from one run of ``time`` time units after
    ``transient`` (from ``x0`` or the reference IC); ``seed`` seeds the Lyapunov tangent frame."""
    from ..integrate.api import as_system, trajectory

    system = as_system(system)
    grid = system.grid or {}
    if grid.get("dims") != 2 or grid.get("channels") != 2:
        raise ValueError(f"classify_regime needs a 2-D field with channels (Re A, Im A); {system.name} has {grid or 'none'}")
    if not (time > 0 and transient >= 0 and 0 < interval <= time):
        raise ValueError(f"need time > 0, transient >= 0 and 0 < interval <= time, got {time}, {transient}, {interval}")
    n = int(round(time / interval)) + 1
    tr = trajectory(system, n, x0=x0, dt=interval, transient=transient)
    N = grid["points"]
    f = tr.x.reshape(n, 2, N, N)
    A = f[:, 0] + 1j * f[:, 1]
    intensity = np.mean(np.abs(A) ** 2, axis=(1, 2))
    t = tr.t - tr.t[0]
    logI = np.log(np.maximum(intensity, 1e-300))
    rate = float(np.polyfit(t, logI, 1)[0])
    ratio = float(intensity[-1] / intensity[0])
    fluct = float(intensity.std() / intensity.mean())
    nd = np.abs(phase_defects(A)).sum(axis=(1, 2))
    changes = int(np.count_nonzero(np.diff(nd)))
    step = A[1:] * np.conj(A[:-1])
    omega = float(-np.median(np.angle(step)) / interval)
    m = np.real(A.mean(axis=(1, 2)))
    d = m - m.mean()
    kurt = float(np.mean(d**4) / np.mean(d**2) ** 2) if np.mean(d**2) > 0 else float("nan")
    lyap = unc = None
    if lyapunov:
        from .lyapunov import lyapunov_spectrum

        # a few orbits give the error bar; a field this size makes each one costly
        r = lyapunov_spectrum(system, k=1, time=time, transient=transient, interval=1.0, seed=seed, x0=x0, orbits=4)
        lyap, unc = float(r.exponents[0]), float(r.uncertainty[0])

    if ratio < 10.0**-DECAY_ORDERS and rate < 0:
        label = "decaying"
    elif changes > 0 or fluct > FLUCTUATION:
        label = "spatiotemporal_chaos"
    elif nd[0] > 0:
        label = "stable_spiral"
    elif abs(1 - ratio) < FLUCTUATION:
        label = "stationary_pattern"
    else:
        label = "other"
    return RegimeResult(label, float(intensity.mean()), ratio, rate, fluct, float(nd.mean()), float(nd.std()),
                        int(nd.min()), int(nd.max()), changes, omega, kurt, lyap, unc)
