"""2-D Navier-Stokes (vorticity form): conservation, exact solutions, exponax vs our RHS,
Kolmogorov laminar state and its instability, double shear layer roll-up, bad input."""

import numpy as np
import pytest

import chaoslab as cl
from chaoslab.systems.pdes.navier_stokes import (double_shear_layer, energy, enstrophy, euler_2d, kolmogorov_flow,
                                                 laminar_kolmogorov, navier_stokes_2d, presets, velocity)

TWO_PI = 2 * np.pi


def fields(tr, N):
    return tr.x.reshape(len(tr.x), N, N)


def test_euler_conserves_energy_and_enstrophy():
    # the 2/3-truncated Galerkin system conserves E and Z exactly for a state in the band, so all
    # drift is ETDRK4's time error: it must fall ~16x per halving of h (asserted: > 8x, at least
    # third order) and be small (< 1e-4 relative at h = 0.01, where h max|omega| ~ 0.2-0.4 as the
    # enstrophy cascade sharpens the field) over T = 6, about four turnover times
    # (L / k_peak) / u_rms of the energy-containing eddies
    s = euler_2d(64, seed=3)
    T, drift = 6.0, []
    for m in (300, 600):
        w = fields(cl.trajectory(s, 7, dt=T / 6, substeps=m // 6), 64)
        E, Z = energy(w), enstrophy(w)
        drift.append(max(np.abs(E / E[0] - 1).max(), np.abs(Z / Z[0] - 1).max()))
    assert drift[1] < 1e-4 and drift[1] < drift[0] / 8, drift
    # the flow did evolve: the vorticity field decorrelated from the initial one
    assert np.corrcoef(w[0].ravel(), w[-1].ravel())[0, 1] < 0.9


def test_single_mode_decays_exactly():
    # omega = A cos(k x) cos(k y) is a steady Euler flow (omega proportional to psi, so u.grad omega
    # = 0) and an exact NS solution decaying as exp(-2 nu k^2 t); ETDRK4 integrates the linear part
    # exactly, so only round-off (~ 10 eps per step, 250 steps) remains
    k, nu, N = 2, 0.05, 64
    x, y = np.meshgrid(np.arange(N) * TWO_PI / N, np.arange(N) * TWO_PI / N, indexing="ij")
    w0 = np.cos(k * x) * np.cos(k * y)
    s = navier_stokes_2d(N, nu=nu, ic=w0)
    assert np.abs(np.asarray(s.rhs(w0.ravel(), 0.0)) + 2 * nu * k**2 * w0.ravel()).max() < 1e-13
    tr = cl.trajectory(s, 11, dt=0.5, substeps=25)
    exact = np.exp(-2 * nu * k**2 * tr.t)[:, None] * w0.ravel()
    assert np.abs(tr.x - exact).max() < 1e-11


def test_exponax_stepper_agrees_with_our_rhs():
    # exponax's ETDRK4 vs Dormand-Prince (rtol 1e-12) on our RHS, Kolmogorov flow at Re = 40: a
    # mismatch of the two right-hand sides (sign, forcing, dealiasing band) would leave an
    # h-independent error; equal right-hand sides leave ETDRK4's time error, ~16x smaller per
    # halving of h (asserted > 10x) and < 1e-7 relative at h = 0.01 (measured 16x, 6e-9 relative)
    s = kolmogorov_flow(40.0, 64, seed=1)
    T = 0.25
    ref = cl.trajectory(s, 2, dt=T, method="dopri5", rtol=1e-12, atol=1e-12).x[-1]
    errs = [np.abs(cl.trajectory(s, 2, dt=T, substeps=m).x[-1] - ref).max() for m in (13, 25)]
    assert errs[0] / errs[1] > 10 and errs[1] < 1e-7 * np.abs(ref).max(), errs


def test_kolmogorov_laminar_state_and_instability():
    N = 64
    w_lam, U = laminar_kolmogorov(N, TWO_PI, 4, 1 / 40)
    s = kolmogorov_flow(40.0, N)
    assert U == pytest.approx(40 / 16) and np.abs(np.asarray(s.rhs(w_lam.ravel(), 0.0))).max() < 1e-12
    # ETD schemes keep fixed points: 200 steps stay at round-off distance
    lam = cl.trajectory(s, 2, x0=w_lam.ravel(), dt=4.0)
    assert np.abs(lam.x[-1] - w_lam.ravel()).max() < 1e-10 * np.abs(w_lam).max()

    def deviation_energy(Re, T, n):
        w, _ = laminar_kolmogorov(N, TWO_PI, 4, 1 / Re)
        from chaoslab.systems.pdes.navier_stokes import random_vorticity

        x0 = w + random_vorticity(N, k_peak=2.0, u_rms=1e-4, seed=5)
        tr = cl.trajectory(kolmogorov_flow(Re, N), n + 1, x0=x0.ravel(), dt=T / n)
        return tr.t, energy(fields(tr, N) - w)

    # Re = 40 (above the instability; chaotic per Chandler & Kerswell 2013): the deviation grows
    t, E = deviation_energy(40.0, 20.0, 4)
    assert E[-1] > 1e3 * E[0], E
    # Re = 2: energy stability. For the deviation, dE'/dt <= (max|U'| - 2 nu k_min^2) E' with
    # max|U'| = 1 / (nu k_f) (laminar shear, k_f = 4) and k_min = 1, i.e. rate <= 1/2 - 1 = -1/2
    t, E = deviation_energy(2.0, 4.0, 4)
    assert np.all(E <= E[0] * np.exp(-0.5 * t) * (1 + 1e-6)), (E, E[0] * np.exp(-0.5 * t))


def test_double_shear_layer_rolls_up_and_dissipates_slowly():
    N = 128
    s = double_shear_layer(N, nu=1e-4)
    tr = cl.trajectory(s, 17, dt=0.5)
    w = fields(tr, N)
    u, v = velocity(w)
    # energy in the x-dependent modes: delta^2 / 4 at t = 0, O(0.1) after the roll-up
    ux, vx = u - u.mean(axis=1, keepdims=True), v - v.mean(axis=1, keepdims=True)
    Ex = 0.5 * (ux**2 + vx**2).mean(axis=(1, 2))
    assert Ex[0] == pytest.approx(0.05**2 / 4, rel=1e-3) and Ex[-1] > 100 * Ex[0], Ex
    # unforced 2-D flow: dE/dt = -2 nu Z exactly (semi-discrete) and Z never increases
    E, Z = energy(w), enstrophy(w)
    dissipated = np.concatenate([[0.0], np.cumsum(0.5 * tr.dt * 2e-4 * (Z[1:] + Z[:-1]))])
    assert np.abs(E[0] - E - dissipated).max() < 1e-3 * dissipated[-1], (E[0] - E, dissipated)
    assert np.all(np.diff(Z) <= 1e-12 * Z[0]) and (E[0] - E[-1]) / E[0] < 0.01


@pytest.mark.parametrize("make, message", [
    (lambda: kolmogorov_flow(40.0, 60), "N must be a power of two >= 8"),
    (lambda: double_shear_layer(64, L=0.0), "domain length L must be a positive number"),
    (lambda: navier_stokes_2d(64, nu=-1e-3), "viscosity nu must be >= 0"),
    (lambda: kolmogorov_flow(0.0, 64), "Reynolds number Re must be > 0"),
    (lambda: kolmogorov_flow(-5.0, 64), "Reynolds number Re must be > 0"),
    (lambda: kolmogorov_flow(40.0, 64, drag=-0.1), "drag alpha must be >= 0"),
    (lambda: kolmogorov_flow(40.0, 64, n_forcing=30), "forcing wavenumber n_forcing must be an integer"),
    (lambda: kolmogorov_flow(40.0, 64).stepper(0.05), "time step h = 0.05 exceeds the stable limit"),
    (lambda: kolmogorov_flow(40.0, 64).stepper(0.0), "time step h must be a positive number, got 0"),
    (lambda: cl.trajectory(double_shear_layer(64), 2, dt=1.0, substeps=2), "time step h = 0.5 exceeds"),
])
def test_bad_input(make, message):
    with pytest.raises(ValueError) as e:
        make()
    assert str(e.value).startswith(message) and "\n" not in str(e.value), str(e.value)
    if "CFL" in message:
        assert "allowed: 0 < h <= " in str(e.value)


def test_presets_are_stable_at_their_step():
    for s in presets():
        assert s.dt <= s.stats["h_max"] and s.period > 0
        tr = cl.trajectory(s, 2, dt=s.period / 8)
        assert np.isfinite(tr.x).all()
