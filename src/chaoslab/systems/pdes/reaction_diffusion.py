"""Reaction-diffusion media in 2-D on the periodic square [0, L)^2, pseudo-spectral in space.

Complex Ginzburg-Landau equation (CGL), the normal form of an oscillatory (activator-inhibitor)
medium near a supercritical Hopf bifurcation (Aranson & Kramer 2002, Rev. Mod. Phys. 74, 99,
eq. (1) with their (b, c) = our (alpha, beta)):

    A_t = mu A + (1 + i alpha) lap A - (1 + i beta) |A|^2 A.

alpha = 0 is the lambda-omega system. State: two real channels (Re A, Im A) on an N x N grid;
the complex field is transformed with the full fft2, the linear Fourier symbol is
mu - (1 + i alpha) |k|^2 (complex), the cubic term is dealiased with the 2/3 rule, and time
stepping is our ``etdrk4_step`` (exponax 0.2 drops the imaginary part of the ETD coefficients,
wrong for this complex symbol; see ``etdrk``). Exact solutions used by the tests: plane waves
A = sqrt(mu - q^2) exp(i(q.x - omega t)) with omega = beta (mu - q^2) + alpha q^2 (q = 0: the
uniform oscillation sqrt(mu) exp(-i beta mu t)); they are Benjamin-Feir-Newell (BFN) unstable
when 1 + alpha beta < 0.

Gray-Scott model (Pearson 1993, Science 261, 189):

    u_t = Du lap u - u v^2 + F (1 - u),    v_t = Dv lap v + u v^2 - (F + k) v,

stepped by ``exponax.stepper.reaction.GrayScott`` (order 4): its equation is exactly Pearson's
(same F, k, Du, Dv, no rescaling of space or time; checked in exponax's source), its linear
symbol is real (diffusion only, the reaction and the feed F (1 - u) are its "nonlinear" part), so
exponax's real-part contour mean is right here. Its dealiasing (kept for ``rhs``, so that ``fn``
and ``stepper`` discretise the same equations): the fields are low-pass filtered to
|m_x|, |m_y| <= N/4 - 1 before the reaction is evaluated and the reaction term is filtered the same
way (the "1/2 rule", alias-free for the cubic u v^2). Pearson's run: Du = 2e-5, Dv = 1e-5,
256^2 points on a 2.5 x 2.5 periodic square (dx = 0.01), u = 1, v = 0 except a 20 x 20 point
square in the centre set to u = 1/2, v = 1/4, everything perturbed by +-1% random noise.

Presets (``presets()``):
- CGLSpiral: (alpha, beta, mu) = (0, 1, 1), L = 64, N = 128, dt = 0.05. A lambda-omega medium
  (A&K's b = 0), BFN-stable (1 + alpha beta = 1 > 0). IC ``cgl_defect_pair`` (a +-1 defect pair:
  the least a torus allows). Measured: both defects persist and stay put, <|A|^2> -> 0.9037
  (steady to 2e-6 relative over t = 150..200), the medium rotates at omega = 0.908, so
  period = 2 pi / omega = 6.92; the emitted wavenumber follows from omega = beta + (alpha - beta) q^2:
  q = 0.30, wavelength 21.
- CGLSpiralBreakup: (2, -1, 1), L = 64, N = 128, dt = 0.05: beyond the BFN line
  (1 + alpha beta = -1), Chate & Manneville's (c1, c3) = (2, 1) in their convention
  A_t = A + (1 + i c1) lap A - (1 - i c3)|A|^2 A, in their defect-turbulence region. The defect pair
  breaks up within ~20 time units; measured over t = 50..100: 8-24 defects (mean 16),
  <|A|^2> = 0.68 fluctuating by 4.5%. period = 2 pi / |beta mu| = 2 pi, the uniform oscillation.
- CGLDecay: (0, 1, -0.5), L = 64, N = 64: below the Hopf onset every pattern decays like
  |A|^2 ~ exp(2 mu t); period = 1 / |mu| = 2, the e-folding time of A.
Resolution (N vs 2N, from the noise-free defect pair at t = 20): max difference 4e-5 for both
mu = 1 presets at N = 128 (1e-2 at N = 64); ETDRK4 error at h = 0.05 over 10 time units
4e-6 / 7e-6 (spiral / breakup), 4th order (h = 0.2 .. 0.025).
Gray-Scott presets, Du = 2e-5, Dv = 1e-5, L = 1.25 (Pearson's dx = 0.01 on half his side),
N = 128, dt = 0.5; (F, k) and Pearson's type letter as replotted (with corrections) from his
Fig. 3 by R. Munafo (mrob.com/pub/comp/xmorphia/pearson-classes.html):
GrayScottMitosis (0.0367, 0.0649) lambda, spots that divide (at Munafo's (0.034, 0.065) Pearson's
square dies out here); GrayScottCoral (0.050, 0.063) kappa, growing stripes / coral;
GrayScottWorms (0.046, 0.065) mu, worms; GrayScottChaos (0.026, 0.051) beta, spatiotemporal
chaos. Measured from Pearson's square (blobs of v > 0.2 every 1000 time units up to 8000):
mitosis 1, 4, 4, 4, 8, 8, 16, 16, 24 spots; coral one connected blob growing to 31% of the area;
worms 4 elongating blobs (2% -> 14% of the area); chaos a covered fraction jumping between 14%
and 100% (tests/test_reaction_diffusion.py, --slow). period = 1000 time units (Pearson's
patterns develop over 10^4 - 2 10^5). Resolution: N = 128 vs 256 from a smooth spot at
(0.034, 0.065) differ by 4e-3 (v ~ 0.35) after 2000 time units (the 1/2-rule keeps |m| <= 31).

Step-size limit (``stepper(h)`` raises a one-line ValueError beyond it): the nonlinear part is
explicit, and on u' = N(u) alone ETDRK4 reduces to classical RK4, whose stability region contains
the closed left half-disc |z| <= 2.6 (checked numerically). With r an upper bound of the norm
of the Jacobian of N on the fields the presets visit we require h r <= 2.5 (a necessary
condition):
- CGL: dN = -(1 + i beta)(2 |A|^2 dA + A^2 conj(dA)) has norm <= 3 sqrt(1 + beta^2) |A|^2 and
  |A|^2 <= max(mu, 1) (|A|^2 -> mu on the limit cycle, the initial fields have |A| <= 1):
  r = 3 sqrt(1 + beta^2) max(mu, 1).
- Gray-Scott: row sums of the reaction Jacobian [[-v^2 - F, -2uv], [v^2, 2uv - F - k]] on
  0 <= u, v <= 1: r = 3 + F.
"""

from __future__ import annotations

import math

from ...lazy import lazy_module
jnp = lazy_module("jax.numpy")
import numpy as np

from ..base import System
from .etdrk import etdrk4_step
from .periodic import Grid, check_grid, check_positive, check_real, check_step, pde_system

CGL_SPIRAL_PERIOD = 6.92  # 2 pi / omega, omega = 0.908 measured (classify_regime, t = 150..200)
GS_L, GS_N, GS_PERIOD = 1.25, 128, 1000.0
PEARSON_HALF_SQUARE = 2.5 * 10 / 256
GRAY_SCOTT = {"GrayScottMitosis": (0.0367, 0.0649, "lambda"), "GrayScottCoral": (0.050, 0.063, "kappa"),
              "GrayScottWorms": (0.046, 0.065, "mu"), "GrayScottChaos": (0.026, 0.051, "beta")}
RK4_HALF_DISC = 2.5  # h * r allowed (RK4 is stable on the left half-disc of radius 2.6)


def _check_step(h, rate: float, name: str, what: str) -> float:
    return check_step(h, RK4_HALF_DISC / rate, name, f"h * {rate:.4g} <= {RK4_HALF_DISC}, the explicit {what}")


# ----------------------------------------------------------------------------- Ginzburg-Landau
def cgl_defect_pair(grid: Grid, seed: int = 0, noise: float = 0.01) -> np.ndarray:
    """A = (sin X + i (sin Y + 1 - cos X)) / 2 with X = 2 pi (x - L/2)/L, Y = 2 pi (y - L/4)/L, plus
    ``noise`` times seeded Gaussian noise in both channels: exactly two phase singularities, a
    +1 defect at (L/2, L/4) and a -1 defect at (L/2, 3L/4) (shifted by half a cell) (on a torus the winding numbers must
    sum to zero, so one defect alone is impossible for a continuous periodic field); |A| <= 1."""
    x, y = grid.mesh()
    L = grid.extent
    c = grid.spacing / 2  # the defects sit at cell centres, never on a grid point
    X, Y = 2 * np.pi * (x - L / 2 - c) / L, 2 * np.pi * (y - L / 4 - c) / L
    A = 0.5 * (np.sin(X) + 1j * (np.sin(Y) + 1 - np.cos(X)))
    return np.stack([A.real, A.imag]) + noise * np.random.default_rng(seed).standard_normal((2,) + A.shape)


def complex_ginzburg_landau(L: float, N: int, alpha: float, beta: float, mu: float = 1.0, *, ic: str = "spiral",
                            seed: int = 0, name: str | None = None, period: float | None = None,
                            dt: float | None = None) -> System:
    """The 2-D CGL A_t = mu A + (1 + i alpha) lap A - (1 + i beta)|A|^2 A on [0, L)^2, N x N.

    ``ic``: "spiral" (the defect pair of ``cgl_defect_pair``, each defect winds up into a spiral
    when mu > 0), "uniform" (A = sqrt(max(mu, 0)), the uniform oscillation, + 1% seeded noise) or "noise"
    (seeded Gaussian noise of amplitude 0.1). ``dt``: the ETDRK4 step (default 0.05).
    """
    L, N = check_grid(L, N)
    alpha, beta, mu = check_real("alpha", alpha), check_real("beta", beta), check_real("mu", mu)
    name = name or f"ComplexGinzburgLandau(L={L:g},N={N},alpha={alpha:g},beta={beta:g},mu={mu:g})"
    grid = Grid(L, N, 2, 2)
    kx, ky = grid.wavenumbers(real=False)
    k2 = kx**2 + ky**2
    lin = mu - (1 + 1j * alpha) * k2  # (N, N), complex
    mask = np.asarray(grid.dealias_mask(real=False))
    rate = 3 * math.sqrt(1 + beta**2) * max(mu, 1.0)
    c = 1 + 1j * beta

    def nonlinear(Ah):
        A = jnp.fft.ifft2(Ah)
        return jnp.where(mask, jnp.fft.fft2(-c * (A.real**2 + A.imag**2) * A), 0.0)

    lin_j = np.asarray(lin)

    def rhs(f, t):
        Ah = jnp.fft.fft2(f[0] + 1j * f[1])
        A = jnp.fft.ifft2(lin_j * Ah + nonlinear(Ah))
        return jnp.stack([A.real, A.imag])

    def stepper(h: float):
        step = etdrk4_step(lin, nonlinear, _check_step(h, rate, name, "cubic term's rate 3 sqrt(1 + beta^2) max(mu, 1)"))

        def go(f):
            A = jnp.fft.ifft2(step(jnp.fft.fft2(f[0] + 1j * f[1])))
            return jnp.stack([A.real, A.imag])

        return go

    rng = np.random.default_rng(seed)
    if ic == "spiral":
        f0 = cgl_defect_pair(grid, seed)
    elif ic == "uniform":
        f0 = np.zeros(grid.shape)
        f0[0] = math.sqrt(max(mu, 0.0))
        f0 = f0 + 0.01 * rng.standard_normal(grid.shape)
    elif ic == "noise":
        f0 = 0.1 * rng.standard_normal(grid.shape)
    else:
        raise ValueError(f"ic must be 'spiral', 'uniform' or 'noise', got {ic!r}")
    return pde_system(
        name=name,
        grid=grid, rhs=rhs, stepper=stepper, ic=f0, dt=0.05 if dt is None else dt, period=period,
        variables=("ReA", "ImA"),
        description="Complex Ginzburg-Landau equation in 2-D: oscillatory medium near a Hopf bifurcation "
                    "(spirals, defect turbulence).",
        citation="Aranson & Kramer (2002), Rev. Mod. Phys. 74, 99; Chate & Manneville (1996), Physica A 224, 348",
        equations="A_t = mu A + (1 + i alpha) lap A - (1 + i beta)|A|^2 A, A = ReA + i ImA, [0, L)^2 periodic; "
                  "pseudo-spectral (fft2), 2/3 dealiased, ETDRK4",
    )


# ----------------------------------------------------------------------------- Gray-Scott
def gray_scott_square(grid: Grid, seed: int = 0) -> np.ndarray:
    """Pearson's initial condition: u = 1, v = 0 except a centred square of side 2.5 * 20/256 ~ 0.195
    (his 20 x 20 points of a 256-point grid on 2.5; the same physical size on any L) with u = 1/2, v = 1/4; then +-1% seeded uniform noise (multiplicative)."""
    x, y = grid.mesh()
    L = grid.extent
    half = min(PEARSON_HALF_SQUARE, L / 4)
    inside = (np.abs(x - L / 2) < half) & (np.abs(y - L / 2) < half)
    u, v = np.where(inside, 0.5, 1.0), np.where(inside, 0.25, 0.0)
    f = np.stack([u, v])
    return f * (1 + 0.01 * np.random.default_rng(seed).uniform(-1, 1, f.shape))


def gray_scott(L: float, N: int, F: float, k: float, Du: float = 2e-5, Dv: float = 1e-5, *, seed: int = 0,
               name: str | None = None, period: float | None = None, dt: float = 0.5) -> System:
    """Gray-Scott on [0, L)^2 (N x N) with Pearson's square initial condition; ``dt`` the ETDRK4
    step (default 0.5: Pearson's Euler step was 1; the limit is 2.5 / (3 + F))."""
    L, N = check_grid(L, N)
    F, k = check_positive("feed rate F", F, allow_zero=True), check_positive("kill rate k", k, allow_zero=True)
    Du, Dv = check_positive("diffusivity Du", Du, allow_zero=True), check_positive("diffusivity Dv", Dv, allow_zero=True)
    name = name or f"GrayScott(L={L:g},N={N},F={F:g},k={k:g})"
    grid = Grid(L, N, 2, 2)
    kx, ky = grid.wavenumbers(real=True)
    lap = -(kx**2 + ky**2)
    lin = np.asarray(np.stack([Du * lap, Dv * lap]))
    m = 2 * np.pi / L * (N // 2 * 0.5 - 1)  # exponax: keep |m_i| <= fraction * (N/2) - 1, fraction 1/2
    keep = np.ones((1, 1), dtype=bool)
    for kk in (kx, ky):
        keep = keep & (np.abs(kk) <= m + 1e-12)
    mask = np.asarray(keep)

    def rhs(f, t):
        fh = jnp.fft.rfft2(f)
        u, v = jnp.fft.irfft2(mask * fh, s=(N, N))
        r = jnp.stack([F * (1 - u) - u * v**2, u * v**2 - (F + k) * v])
        return jnp.fft.irfft2(lin * fh + mask * jnp.fft.rfft2(r), s=(N, N))

    def stepper(h: float):
        import exponax as ex

        h = _check_step(h, 3 + F, name, "reaction's rate 3 + F")
        return ex.stepper.reaction.GrayScott(2, L, N, h, diffusivity_1=Du, diffusivity_2=Dv, feed_rate=F,
                                             kill_rate=k, order=4, dealiasing_fraction=0.5, num_circle_points=32)

    return pde_system(
        name=name, grid=grid, rhs=rhs, stepper=stepper,
        ic=gray_scott_square(grid, seed), dt=dt, period=period, variables=("u", "v"),
        description="Gray-Scott reaction-diffusion model (cubic autocatalysis U + 2V -> 3V, V -> P) in 2-D.",
        citation="Pearson (1993), Science 261, 189",
        equations="u_t = Du lap u - u v^2 + F (1 - u), v_t = Dv lap v + u v^2 - (F + k) v, [0, L)^2 periodic; "
                  "pseudo-spectral, 1/2-rule dealiased, ETDRK4 (exponax)",
    )


# ----------------------------------------------------------------------------- presets
def presets() -> list[System]:
    """The named CGL and Gray-Scott presets (parameters and sources in the module docstring)."""
    return [
        complex_ginzburg_landau(64.0, 128, 0.0, 1.0, name="CGLSpiral", period=CGL_SPIRAL_PERIOD),
        complex_ginzburg_landau(64.0, 128, 2.0, -1.0, name="CGLSpiralBreakup", period=2 * np.pi),
        complex_ginzburg_landau(64.0, 64, 0.0, 1.0, -0.5, name="CGLDecay", period=2.0),
    ] + [gray_scott(GS_L, GS_N, F, k, name=nm, period=GS_PERIOD) for nm, (F, k, _) in GRAY_SCOTT.items()]
