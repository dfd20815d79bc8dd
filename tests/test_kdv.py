"""Korteweg-de Vries: exact soliton, the three invariants, ETDRK4 order, step and grid checks."""

import numpy as np
import pytest

import chaoslab as cl
from chaoslab.systems.pdes.kdv import invariants, korteweg_de_vries, presets, project, soliton

L, N = 40.0, 128
X = np.arange(N) * L / N


@pytest.fixture(scope="module")
def kdv():
    return presets()[0]


def band_tail(c: float) -> float:
    """Sup-norm bound of what the 2/3 band drops from the soliton: 2 sum_{m > N/3} |u_m|, with
    the Fourier transform of c/2 sech^2(b x), b = sqrt(c)/2: (c/2) pi k / (b^2 sinh(pi k / 2b))."""
    b, k = np.sqrt(c) / 2, 2 * np.pi / L * np.arange(N // 3 + 1, N // 3 + 200)
    return 2 * np.sum(c / 2 * np.pi * k / (b**2 * np.sinh(np.pi * k / (2 * b)))) / L


def test_single_soliton_travels_exactly(kdv):
    # error = the band tail of the exact soliton (the grid cannot hold it) + the ETDRK4 error,
    # estimated by Richardson as |u_h - u_{h/2}| * 16/15; the truncated dynamics (P u_exact is
    # off the truncated equations by a residual of the tail's size) adds as much again: factor 2
    c, a, T = 2.0, 10.0, 4.0
    u0 = project(soliton(X, c, a, L=L), N)
    u_h = cl.trajectory(kdv, 2, x0=u0, dt=T).x[-1]
    u_h2 = cl.trajectory(kdv, 2, x0=u0, dt=T, substeps=2 * round(T / kdv.dt)).x[-1]
    time_err = 16 / 15 * np.abs(u_h - u_h2).max()
    err = np.abs(u_h - soliton(X, c, a, T, L=L)).max()
    assert err < band_tail(c) + 2 * time_err, (err, band_tail(c), time_err)
    assert err < 1e-5  # spectral accuracy: the soliton has amplitude 1


def test_invariants_of_the_two_soliton_collision(kdv):
    # one period (20 time units: the fast soliton overtakes the slow one at t ~ 13). The
    # semi-discrete dealiased equations u_t = D P dH/du conserve mass, energy and H exactly for
    # a state in the band (D antisymmetric, P an orthogonal projector commuting with D), so
    # only time stepping moves them: mass not at all (k = 0 has no nonlinear term; round-off
    # over 2000 steps), energy and H by at most |grad I| |e|, e the ETDRK4 error estimated by
    # Richardson (h vs h/2), with a factor 2 for the estimate
    T = kdv.period
    u0 = np.asarray(kdv.ic)
    u_h = cl.trajectory(kdv, 2, dt=T).x[-1]
    u_h2 = cl.trajectory(kdv, 2, dt=T, substeps=2 * round(T / kdv.dt)).x[-1]
    e = 16 / 15 * np.linalg.norm(u_h - u_h2) * np.sqrt(L / N)  # L2 norm of the error
    (m0, E0, H0), (m1, E1, H1) = invariants(u0, L), invariants(u_h, L)
    k = 2 * np.pi / L * np.fft.rfftfreq(N, 1 / N)
    grad_H = -np.fft.irfft(-k**2 * np.fft.rfft(u_h), n=N) - 3 * u_h**2  # -u_xx - 3 u^2
    l2 = lambda f: np.linalg.norm(f) * np.sqrt(L / N)
    assert abs(m1 - m0) < 1e-12 * abs(m0), (m0, m1)
    assert abs(E1 - E0) < 2 * l2(2 * u_h) * e, (E0, E1, e)
    assert abs(H1 - H0) < 2 * l2(grad_H) * e, (H0, H1, e)


def test_etdrk4_is_fourth_order_on_kdv(kdv):
    # errors at h = 0.01, 0.005, 0.0025 over T = 2 (through the two-soliton state) against
    # h = 0.000625, whose own error is 4^-4 of the smallest; ETDRK4 order 4 (the linear part is
    # exact, so the dispersive stiffness does not reduce the order on a resolved state)
    T = 2.0
    ref = cl.trajectory(kdv, 2, dt=T, substeps=3200).x[-1]
    errs = [np.abs(cl.trajectory(kdv, 2, dt=T, substeps=m).x[-1] - ref).max() for m in (200, 400, 800)]
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all((orders > 3.7) & (orders < 4.3)), (errs, orders)


def test_preset(kdv):
    assert kdv.name == "KortewegDeVries" and kdv.hamiltonian and kdv.dim == N
    # period: the fast soliton (speed 2) crosses L = 40 in 20 time units
    assert kdv.period == pytest.approx(L / 2.0)
    ic = np.asarray(kdv.ic)
    assert np.abs(ic - project(ic, N)).max() < 1e-14  # in the dealiased band
    kdv.stepper(kdv.dt)  # the default step is allowed


@pytest.mark.parametrize("h", [1.0, 0.0, -0.01])
def test_unstable_or_negative_step_is_refused(kdv, h):
    # advective CFL: h <= 0.5 dx / (6 max|u0|), 6 u the advection speed, max|u0| = 1 (c = 2)
    limit = 0.5 * (L / N) / (6 * np.abs(np.asarray(kdv.ic)).max())
    with pytest.raises(ValueError) as e:
        kdv.stepper(h)
    msg = str(e.value)
    assert "\n" not in msg and "KortewegDeVries" in msg and msg.endswith(f"allowed: 0 < h <= {limit:.3g}"), msg
    if h > 0:
        assert msg.startswith(f"time step h = 1 exceeds the stable limit {limit:.3g}"), msg
        with pytest.raises(ValueError, match="exceeds the stable limit"):
            cl.trajectory(kdv, 2, dt=2.0, substeps=2)  # h = dt / substeps = 1


@pytest.mark.parametrize("L_, N_, message", [(40.0, 100, "N must be a power of two >= 8"),
                                             (-1.0, 128, "domain length L must be a positive number"),
                                             (0.0, 128, "domain length L must be a positive number")])
def test_bad_grid(L_, N_, message):
    with pytest.raises(ValueError) as e:
        korteweg_de_vries(L_, N_)
    assert str(e.value).startswith(message) and "\n" not in str(e.value)
