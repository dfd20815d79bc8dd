"""Two-dimensional incompressible Navier-Stokes equations in vorticity form on [0, L)^2, periodic:

    omega_t + u . grad(omega) = nu lap(omega) - alpha omega + f,
    u = (psi_y, -psi_x),  lap(psi) = -omega,

so that omega = v_x - u_y is the usual (counter-clockwise positive) vorticity. The state is the
vorticity on an N x N grid (one channel; axis 1 is x, axis 2 is y). ``fn`` is our own
pseudo-spectral right-hand side with the 2/3 rule (the vorticity is truncated to |m_x|, |m_y| <=
N/3 - 1, exactly exponax's mask, before the products and the advection term projected back onto that band), so for a state in
the band the semi-discrete Euler equations (nu = alpha = f = 0) conserve the energy and the
enstrophy exactly (Galerkin truncation). Stepping: ETDRK4 from exponax (``NavierStokesVorticity``,
``KolmogorovFlowVorticity``, ``order=4``, 2/3 dealiasing; the symbol -nu k^2 - alpha is real, so
exponax's real-part contour mean is exact here).

Conventions of exponax (0.2) and how they are mapped: exponax's state is w = -omega (its
streamfunction is lap^{-1} w = psi and its velocity (psi_y, -psi_x) is ours), its ``drag`` is
added to the linear symbol (drag = -alpha), and its Kolmogorov injection on w is
-n * injection_scale * cos(n 2 pi y / L) with the integer mode n (not 2 pi n / L). So the
stepper runs exponax on -omega, and for the forcing f = -(2 pi n / L) chi cos(2 pi n y / L) (the
curl of the body force chi sin(2 pi n y / L) x-hat) it passes injection_scale = -chi 2 pi / L.

Time steps: ETDRK4 treats the advection explicitly, so its step is bounded by an advective CFL
condition h <= C dx / U with U a velocity scale of the system (``params['velocity_scale']``).
C = CFL_MAX was measured as the largest Courant number at which the presets stay bounded (see
``CFL_MAX``); ``stepper(h)`` refuses larger steps, and the presets step at CFL_DT.
"""

from __future__ import annotations


from ...lazy import lazy_module
jnp = lazy_module("jax.numpy")
import numpy as np

from ..base import System
from .periodic import Grid, check_grid, check_positive, check_step, pde_system

# Measured (largest h = C dx / U at which a run stays bounded; U = the system's velocity scale):
# KolmogorovFlow (Re = 40, N = 64, U = U_lam = 2.5, 50 time units): bounded for C <= 1.5, blows up
# at C = 2; DoubleShearLayer (N = 128, U = 1.5, 12 time units): bounded at C = 1.0, 1.2, blows up at
# 1.43; Euler, random IC (N = 64, U = max speed of the IC, 12 time units): bounded at C = 1.0, blows
# up at 1.25. For comparison, ETDRK4's RK4-like imaginary-axis limit 2.83 / (U k_max) with
# k_max = (2 pi / L)(N / 3) is C = 1.35. Allowed: C <= 1; the presets step at C = 0.5.
CFL_MAX = 1.0
CFL_DT = 0.5


def _spectral(grid: Grid):
    kx, ky = grid.wavenumbers()
    k2 = kx**2 + ky**2
    inv = np.where(k2 > 0, 1.0 / np.where(k2 > 0, k2, 1.0), 0.0)
    m = grid.points / 3 - 1  # exponax's 2/3 mask: |m_x|, |m_y| <= N/3 - 1 (one mode inside Grid.dealias_mask)
    k1 = 2 * np.pi / grid.extent
    return kx, ky, k2, inv, (np.abs(kx) <= k1 * m + 1e-9) & (np.abs(ky) <= k1 * m + 1e-9)


def velocity(omega, L: float = 2 * np.pi):
    """Velocity (u, v) of the vorticity field(s) omega (..., N, N): u = psi_y, v = -psi_x."""
    omega = np.asarray(omega)
    kx, ky, _, inv, _ = _spectral(Grid(L, omega.shape[-1], 2))
    w = np.fft.rfft2(omega)
    s = omega.shape[-2:]
    return np.fft.irfft2(1j * ky * inv * w, s=s), np.fft.irfft2(-1j * kx * inv * w, s=s)


def energy(omega, L: float = 2 * np.pi):
    """Kinetic energy per unit area, E = <|u|^2> / 2 (grid mean)."""
    u, v = velocity(omega, L)
    return 0.5 * (u**2 + v**2).mean(axis=(-2, -1))


def enstrophy(omega):
    """Enstrophy per unit area, Z = <omega^2> / 2 (grid mean)."""
    return 0.5 * (np.asarray(omega) ** 2).mean(axis=(-2, -1))


def band_limit(omega, L: float = 2 * np.pi):
    """Project a vorticity field onto the 2/3-rule band (the space the Galerkin scheme lives in)."""
    omega = np.asarray(omega, dtype=np.float64)
    mask = _spectral(Grid(L, omega.shape[-1], 2))[-1]
    return np.fft.irfft2(np.where(mask, np.fft.rfft2(omega), 0), s=omega.shape[-2:])


def random_vorticity(N: int, L: float = 2 * np.pi, *, k_peak: float = 4.0, u_rms: float = 1.0, seed: int = 0):
    """A smooth random vorticity: Gaussian random phases, energy spectrum ~ k^4 exp(-2 (k/k_peak)^2)
    truncated to the 2/3 band, scaled to rms speed u_rms."""
    grid = Grid(L, N, 2)
    kx, ky, k2, _, mask = _spectral(grid)
    rng = np.random.default_rng(seed)
    k = np.sqrt(k2) * L / (2 * np.pi)  # in units of the fundamental
    amp = np.where(mask & (k > 0), k ** 1.5 * np.exp(-((k / k_peak) ** 2)), 0.0)  # |omega_hat| ~ k E(k)^1/2 / k^1/2
    w = np.fft.irfft2(amp * (rng.standard_normal(k2.shape) + 1j * rng.standard_normal(k2.shape)), s=(N, N))
    w = band_limit(w, L)
    return w * u_rms / np.sqrt(2 * energy(w, L))


def _vorticity_system(*, L, N, nu, alpha, ic, velocity_scale, name, description, citation, period,
                      forcing_mode=None, chi=1.0, dt=None) -> System:
    grid = Grid(L, N, 2, 1)
    kx, ky, k2, inv, mask = _spectral(grid)
    lin = np.asarray(-nu * k2 - alpha)
    ikx, iky, inv, mask = np.asarray(1j * kx), np.asarray(1j * ky), np.asarray(inv), np.asarray(mask)
    kf = 2 * np.pi * (forcing_mode or 0) / L
    y = grid.mesh()[1]
    force = -kf * chi * np.cos(kf * y) if forcing_mode else np.zeros((N, N))
    fhat = np.asarray(np.fft.rfft2(force))
    irfft = lambda a: jnp.fft.irfft2(a, s=(N, N))

    def rhs(f, t):
        w = jnp.fft.rfft2(f[0])
        wd = jnp.where(mask, w, 0)
        u, v = irfft(iky * inv * wd), irfft(-ikx * inv * wd)
        adv = jnp.where(mask, jnp.fft.rfft2(u * irfft(ikx * wd) + v * irfft(iky * wd)), 0)
        return irfft(lin * w - adv + fhat)[None]

    dx = L / N
    h_max = CFL_MAX * dx / velocity_scale

    def stepper(h: float):
        h = check_step(h, h_max * (1 + 1e-12), name, f"advective CFL h <= {CFL_MAX:g} dx / U, dx = {dx:.4g}, "
                       f"velocity scale U = {velocity_scale:.4g}")
        import exponax as ex

        common = dict(diffusivity=nu, drag=-alpha, order=4)
        if forcing_mode:
            st = ex.stepper.KolmogorovFlowVorticity(2, L, N, h, convection_scale=1.0, injection_mode=int(forcing_mode),
                                                    injection_scale=-chi * 2 * np.pi / L, **common)
        else:
            st = ex.stepper.NavierStokesVorticity(2, L, N, h, vorticity_convection_scale=1.0, **common)
        return lambda f: -st(-f)

    forced = f" + f, f = -(2 pi n / L) chi cos(2 pi n y / L), n = {forcing_mode}, chi = {chi:g}" if forcing_mode else ""
    return pde_system(
        name=name, grid=grid, rhs=rhs, stepper=stepper, ic=ic[None], dt=dt or CFL_DT * dx / velocity_scale,
        description=description, citation=citation, variables=("omega",), period=period,
        equations=(f"omega_t + u.grad(omega) = nu lap(omega) - alpha omega{forced}; u = (psi_y, -psi_x), "
                   f"lap(psi) = -omega, [0, L)^2 periodic; nu = {nu:g}, alpha = {alpha:g}; pseudo-spectral, "
                   "2/3 dealiased"),
        stats={"velocity_scale": float(velocity_scale), "h_max": h_max},
    )


CITATION = "Navier (1822); Stokes (1845); vorticity form e.g. Boffetta & Ecke (2012), Annu. Rev. Fluid Mech. 44, 427"


def navier_stokes_2d(N: int = 64, L: float = 2 * np.pi, nu: float = 1e-3, drag: float = 0.0, *, ic=None,
                     u_rms: float = 1.0, k_peak: float = 4.0, seed: int = 0, velocity_scale: float | None = None,
                     name: str | None = None, period: float | None = None) -> System:
    """Unforced (decaying) 2-D Navier-Stokes; nu = 0 and drag = 0 give the Euler equations.

    ``ic``: a vorticity field (N, N); default ``random_vorticity(N, L, k_peak, u_rms, seed)``.
    ``velocity_scale`` (for the CFL limit): default the largest speed of the IC (the energy of an
    unforced flow does not grow). ``period`` defaults to the domain-crossing time L / u_rms."""
    L, N = check_grid(L, N)
    nu = check_positive("viscosity nu", nu, allow_zero=True)
    drag = check_positive("drag alpha", drag, allow_zero=True)
    ic = random_vorticity(N, L, k_peak=k_peak, u_rms=u_rms, seed=seed) if ic is None else np.asarray(ic, np.float64).reshape(N, N)
    u, v = velocity(ic, L)
    U = float(np.sqrt(u**2 + v**2).max()) if velocity_scale is None else check_positive("velocity_scale", velocity_scale)
    if not U > 0:
        raise ValueError("the initial vorticity is zero; give velocity_scale")
    rms = float(np.sqrt(2 * energy(ic, L)))
    kind = "Euler" if nu == 0 and drag == 0 else "NavierStokes2D"
    return _vorticity_system(
        L=L, N=N, nu=nu, alpha=drag, ic=ic, velocity_scale=U, period=period or L / rms,
        name=name or f"{kind}(L={L:g},N={N},nu={nu:g},drag={drag:g})", citation=CITATION,
        description="Decaying two-dimensional incompressible Navier-Stokes turbulence (vorticity form)."
        if kind != "Euler" else "Two-dimensional incompressible Euler equations (vorticity form).")


def euler_2d(N: int = 64, L: float = 2 * np.pi, **kw) -> System:
    """Inviscid 2-D Euler: ``navier_stokes_2d(N, L, nu=0, drag=0, **kw)``."""
    return navier_stokes_2d(N, L, 0.0, 0.0, **kw)


def kolmogorov_flow(Re: float = 40.0, N: int = 64, L: float = 2 * np.pi, n_forcing: int = 4, drag: float = 0.0, *,
                    seed: int = 0, name: str | None = None, period: float | None = None) -> System:
    """Kolmogorov flow: body force chi sin(2 pi n y / L) x-hat with chi = 1 and
    nu = (L / 2 pi)^(3/2) / Re (Chandler & Kerswell 2013, eq. 2.5: Re = chi^(1/2) nu^-1 (L/2pi)^(3/2);
    Re = 1/nu on [0, 2 pi)^2). ``drag`` is the linear friction alpha (Kochkov et al. 2021: 0.1).

    The laminar state u = U_lam sin(k_f y), omega = -k_f U_lam cos(k_f y), U_lam = chi / (nu k_f^2 + alpha),
    k_f = 2 pi n / L, is an exact steady solution (``laminar_kolmogorov``); U_lam is the velocity scale
    of the CFL limit. The reference IC is the laminar state plus a random perturbation of rms speed
    0.1 U_lam (it leaves the laminar state within a few time units above the instability)."""
    L, N = check_grid(L, N)
    Re = check_positive("Reynolds number Re", Re)
    drag = check_positive("drag alpha", drag, allow_zero=True)
    if isinstance(n_forcing, bool) or not (isinstance(n_forcing, (int, np.integer)) and 1 <= n_forcing <= N // 3):
        raise ValueError(f"forcing wavenumber n_forcing must be an integer in 1..N/3 = {N // 3}, got {n_forcing!r}")
    nu = (L / (2 * np.pi)) ** 1.5 / Re
    omega0, U = laminar_kolmogorov(N, L, n_forcing, nu, drag)
    ic = omega0 + random_vorticity(N, L, k_peak=2.0, u_rms=0.1 * U, seed=seed)
    return _vorticity_system(
        L=L, N=N, nu=nu, alpha=drag, ic=ic, velocity_scale=U, period=period or L / U, forcing_mode=int(n_forcing),
        name=name or f"KolmogorovFlow(Re={Re:g},N={N},n={n_forcing},drag={drag:g})",
        description=f"Two-dimensional Kolmogorov flow (sinusoidally forced Navier-Stokes) at Re = {Re:g}.",
        citation="Meshalkin & Sinai (1961), J. Appl. Math. Mech. 25, 1700; Chandler & Kerswell (2013), "
                 "J. Fluid Mech. 722, 554; Kochkov et al. (2021), PNAS 118, e2101784118")


def laminar_kolmogorov(N: int, L: float, n: int, nu: float, drag: float = 0.0, chi: float = 1.0):
    """(omega, U_lam): the steady laminar vorticity of the Kolmogorov forcing and its speed."""
    kf = 2 * np.pi * n / L
    U = chi / (nu * kf**2 + drag)
    y = Grid(L, N, 2).mesh()[1]
    return -kf * U * np.cos(kf * y), U


MB_NU = 2 * np.pi * 1e-4  # Minion & Brown's nu = 1e-4 on the unit square, rescaled to [0, 2 pi)^2


def double_shear_layer(N: int = 128, nu: float = MB_NU, rho: float = np.pi / 15, delta: float = 0.05,
                       L: float = 2 * np.pi, *, name: str | None = None, period: float | None = None) -> System:
    """The double shear layer of Bell, Colella & Glaz (1989) in the form of Minion & Brown (1997)
    rescaled to [0, L)^2: u = tanh((y - L/4)/rho) for y <= L/2, tanh((3L/4 - y)/rho) otherwise,
    v = delta sin(2 pi x / L); the IC is its vorticity delta (2 pi/L) cos(2 pi x/L) - u'(y), projected
    onto the 2/3 band. Default nu: Minion & Brown's nu = 1e-4 on the unit square with rho = 1/30;
    lengths scaled by 2 pi at unchanged speed scale nu by 2 pi (the same Reynolds number U rho / nu).
    At nu = 1e-4 in the 2 pi box (2 pi times their Re) N = 128 shows grid-scale ringing in the
    vortex cores after the roll-up; at the rescaled nu it does not. Velocity scale 1.5: the roll-up accelerates the flow to max |u| = 1.40 (measured,
    rho = pi/15, N = 128); period L / 1 (domain-crossing time at the shear speed 1)."""
    L, N = check_grid(L, N)
    nu = check_positive("viscosity nu", nu, allow_zero=True)
    rho = check_positive("shear-layer thickness rho", rho)
    delta = check_positive("perturbation delta", delta, allow_zero=True)
    x, y = Grid(L, N, 2).mesh()
    du = np.where(y <= L / 2, 1 / np.cosh((y - L / 4) / rho) ** 2, -1 / np.cosh((3 * L / 4 - y) / rho) ** 2) / rho
    ic = band_limit(delta * 2 * np.pi / L * np.cos(2 * np.pi * x / L) - du, L)
    return _vorticity_system(
        L=L, N=N, nu=nu, alpha=0.0, ic=ic, velocity_scale=1.5, period=period or L,
        name=name or f"DoubleShearLayer(N={N},nu={nu:g},rho={rho:.4g},delta={delta:g})",
        description="Doubly periodic double shear layer rolling up into vortices (Kelvin-Helmholtz instability).",
        citation="Bell, Colella & Glaz (1989), J. Comput. Phys. 85, 257; Minion & Brown (1997), J. Comput. Phys. 138, 734")


def presets() -> list[System]:
    """KolmogorovFlow: Re = 40, n = 4, no drag, N = 64 (chaotic, Chandler & Kerswell 2013); period
    L / U_lam = 2 pi / 2.5. DoubleShearLayer: the thick layer rho = pi/15, delta = 0.05,
    nu = 2 pi 1e-4 (Minion & Brown 1997's unit-square case rescaled) at N = 128; period 2 pi. Both step at CFL_DT = 0.5 dx / U."""
    return [kolmogorov_flow(40.0, 64, name="KolmogorovFlow"), double_shear_layer(128, name="DoubleShearLayer")]
