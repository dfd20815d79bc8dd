"""PDE systems (first: Kuramoto-Sivashinsky): discretisation, ETDRK4 order, Lyapunov exponent."""

import numpy as np
import pytest

import chaoslab as cl
from chaoslab.analysis import lyapunov_spectrum
from chaoslab.systems.pdes import kuramoto_sivashinsky


@pytest.fixture(scope="module")
def ks():
    return kuramoto_sivashinsky(22.0, 64)


def test_right_hand_side_is_spectrally_accurate():
    # for smooth (analytic, not band-limited) data the error of the pseudo-spectral RHS falls
    # faster than any power of N: against N = 256 at the shared grid points, doubling N from
    # 16 to 32 cuts it by more than 1000x (a 4th-order scheme would give 16x)
    L = 22.0
    f = lambda x: np.exp(np.sin(2 * np.pi * x / L))
    ref = kuramoto_sivashinsky(L, 256)
    xr = np.arange(256) * L / 256
    rhs_ref = np.asarray(ref.rhs(f(xr), 0.0))
    errs = []
    for N in (16, 32):
        s = kuramoto_sivashinsky(L, N)
        x = np.arange(N) * L / N
        errs.append(np.abs(np.asarray(s.rhs(f(x), 0.0)) - rhs_ref[:: 256 // N]).max())
    assert errs[1] < 1e-6 and errs[0] / errs[1] > 1e3, errs


def test_etdrk4_time_convergence(ks):
    # errors at h = T/16 .. T/128 over T = 1 against h = T/1024 (whose own error is 8^-4 of the
    # smallest). At large h the stiff modes make the observed order lower (Hochbruck & Ostermann
    # 2005, SIAM J. Numer. Anal. 43, 1069: pre-asymptotic order reduction of Cox-Matthews
    # ETDRK4); it rises toward the classical 4 as h shrinks (3.3 at h = 1/4..1/8, 3.8 at
    # 1/64..1/128). Asserted: increasing, above 3.7 on the finest pair, not above 4 + noise.
    T = 1.0
    ref = cl.trajectory(ks, 2, dt=T, substeps=1024).x[-1]
    errs = [np.abs(cl.trajectory(ks, 2, dt=T, substeps=m).x[-1] - ref).max() for m in (16, 32, 64, 128)]
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(np.diff(orders) > 0) and orders[-1] > 3.7 and orders.max() < 4.3, (errs, orders)


def test_etdrk_agrees_with_an_adaptive_solver_on_the_same_equations(ks):
    a = cl.trajectory(ks, 21, dt=0.25).x
    b = cl.trajectory(ks, 21, dt=0.25, method="dopri5", rtol=1e-11, atol=1e-11).x
    # ETDRK4 at h = 0.25 has ~1e-5 local error (see the convergence test), grown by the chaotic
    # dynamics over 5 time units to ~1e-4
    assert np.abs(a - b).max() < 5e-4


def test_ks_l22_leading_exponent(ks):
    # Cvitanovic, Davidchack & Siminos (2010), SIAM J. Appl. Dyn. Syst. 9: lambda_1 = 0.048 for
    # L = 22; Edson et al. (2019), Complexity: 0.043. Two further exponents vanish (time and
    # space translation).
    r = lyapunov_spectrum(ks, k=3, time=4000.0, transient=200.0, interval=2.5)
    l1, se = r.exponents[0], r.uncertainty[0]
    assert 0.043 - 4 * se - 0.003 < l1 < 0.048 + 4 * se + 0.003, (l1, se)
    assert abs(r.exponents[1]) < 4 * r.uncertainty[1] + 2e-3
    assert abs(r.exponents[2]) < 4 * r.uncertainty[2] + 2e-3


def test_ensembles_run_in_one_call(ks):
    rng = np.random.default_rng(0)
    x0 = np.asarray(ks.ic) + 0.01 * rng.standard_normal((4, 64))
    ens = cl.ensemble(ks, 50, x0=x0, dt=0.5)
    assert ens.x.shape == (4, 50, 64) and ens.valid.all()
    single = cl.trajectory(ks, 50, x0=x0[2], dt=0.5).x
    np.testing.assert_allclose(ens.x[2], single, atol=1e-12)


@pytest.mark.parametrize("L, N, message", [(22.0, 60, "N must be a power of two >= 8"),
                                           (-1.0, 64, "domain length L must be a positive number")])
def test_bad_grid(L, N, message):
    with pytest.raises(ValueError) as e:
        kuramoto_sivashinsky(L, N)
    assert str(e.value).startswith(message) and "\n" not in str(e.value)


def test_burgers_matches_cole_hopf():
    # phi = 1 + eps exp(-nu t) cos x solves the heat equation, so u = -2 nu phi_x / phi solves
    # u_t + u u_x = nu u_xx exactly; smooth and periodic, hence spectrally resolved at N = 128
    from chaoslab.systems.pdes import burgers

    nu, eps = 0.05, 0.5
    b = burgers(2 * np.pi, 128, nu)
    x = np.arange(128) * 2 * np.pi / 128
    u = lambda t: 2 * nu * eps * np.exp(-nu * t) * np.sin(x) / (1 + eps * np.exp(-nu * t) * np.cos(x))
    tr = cl.trajectory(b, 11, x0=u(0.0), dt=1.0)
    assert max(np.abs(tr.x[i] - u(tr.t[i])).max() for i in range(11)) < 1e-10
    with pytest.raises(ValueError, match="viscosity nu must be > 0"):
        burgers(2 * np.pi, 128, -0.1)


def test_lorenz96_sizes_and_exact_divergence():
    from chaoslab.systems.pdes import lorenz96, lorenz96_two_scale

    # one scale, N = 40, F = 8: div f = -N exactly, so the full spectrum sums to -40; the
    # leading exponent is ~1.7 in the literature (e.g. Karimi & Paul 2010, Chaos 20, 043105)
    s = lorenz96(40, 8.0)
    r = lyapunov_spectrum(s, time=40.0, transient=30.0, interval=0.1, orbits=8)  # 8 orbits x 40: 2x the data of one x 150
    assert r.exponents.sum() == pytest.approx(-40.0, abs=1e-6)
    assert 1.5 < r.exponents[0] < 1.85, r.exponents[0]
    # two scales: div f = -K - c K J
    t = lorenz96_two_scale(K=8, J=4, F=10.0, c=10.0)
    r2 = lyapunov_spectrum(t, time=20.0, transient=5.0, interval=0.05, orbits=2)  # an identity: two orbits do
    assert r2.exponents.sum() == pytest.approx(-(8 + 10.0 * 8 * 4), abs=1e-5)
    with pytest.raises(ValueError, match="N must be an integer >= 4"):
        lorenz96(3)


def test_unstable_time_steps_are_refused(ks):
    from chaoslab.systems.pdes import burgers

    # KS: h <= 3 l / U = 1 (l = 1, U = 3; measured blow-up at h >= 2.75); Burgers: the advective
    # CFL h <= dx / max|u0| = 2 pi / 128 for the preset
    b = burgers(2 * np.pi, 128, 0.05)
    for system, limit in ((ks, 1.0), (b, 2 * np.pi / 128)):
        system.stepper(system.dt)  # the default step is allowed
        with pytest.raises(ValueError) as e:
            system.stepper(2.0)
        msg = str(e.value)
        assert msg.startswith(f"time step h = 2 exceeds the stable limit {limit:.3g} for {system.name}"), msg
        assert msg.endswith(f"allowed: 0 < h <= {limit:.3g}") and "\n" not in msg
        for h in (0.0, -0.1):
            with pytest.raises(ValueError, match="time step h must be a positive number"):
                system.stepper(h)
    with pytest.raises(ValueError, match="exceeds the stable limit 1 for KuramotoSivashinsky"):
        cl.trajectory(ks, 2, dt=4.0, substeps=2)  # h = dt / substeps = 2
