"""2-D reaction-diffusion PDEs: complex Ginzburg-Landau (our ETDRK4) and Gray-Scott (exponax),
exact solutions, agreement with an adaptive solver on the same semi-discrete equations, presets
and their regime classification."""

import numpy as np
import pytest

import chaoslab as cl
from chaoslab.analysis.regimes import classify_regime, phase_defects
from chaoslab.systems.pdes.periodic import Grid
from chaoslab.systems.pdes.reaction_diffusion import cgl_defect_pair, complex_ginzburg_landau, gray_scott, presets


@pytest.fixture(scope="module")
def named():
    return {s.name: s for s in presets()}


def test_cgl_etdrk_agrees_with_dopri5_on_the_same_equations():
    # a defect pair at BFN-unstable parameters (the breakup preset's) on a small grid; ETDRK4 at
    # h = 0.05 has a global error ~1e-5 per few time units in the defect-forming transient
    # (4th order: 16x smaller per halving of h, measured h = 0.2..0.025)
    s = complex_ginzburg_landau(16.0, 32, 2.0, -1.0)
    x0 = cgl_defect_pair(Grid(16.0, 32, 2, 2), 0).reshape(-1)
    a = cl.trajectory(s, 11, x0=x0, dt=0.2).x
    b = cl.trajectory(s, 11, x0=x0, dt=0.2, method="dopri5", rtol=1e-11, atol=1e-11).x
    assert np.abs(a - b).max() < 5e-5


def _field(s, x):
    f = np.asarray(x).reshape(x.shape[:-1] + (2,) + (s.grid["points"],) * 2)
    return f[..., 0, :, :] + 1j * f[..., 1, :, :]


def test_uniform_oscillation_is_exact():
    # A = sqrt(mu) exp(-i beta mu t) solves the CGL exactly; the only error is ETDRK4's, O(h^4):
    # halving h must cut it by ~16 (asserted > 10); the phase error at h = 0.05 is ~5e-6 over t = 10
    # (measured), so < 1e-6 at h = 0.025
    mu, beta = 0.8, 1.5
    s = complex_ginzburg_landau(20.0, 16, 0.7, beta, mu, ic="uniform")
    x0 = np.zeros((2, 16, 16))
    x0[0] = np.sqrt(mu)
    errs = []
    for m in (100, 200):
        tr = cl.trajectory(s, 3, x0=x0.reshape(-1), dt=5.0, substeps=m)
        exact = np.sqrt(mu) * np.exp(-1j * beta * mu * tr.t)[:, None, None]
        errs.append(np.abs(_field(s, tr.x) - exact).max())
    assert errs[1] < 1e-6 and errs[0] / errs[1] > 10, errs


@pytest.mark.parametrize("alpha, beta", [(0.5, 1.0), (-1.0, 0.3)])
def test_plane_wave_is_exact(alpha, beta):
    # A = sqrt(mu - q^2) exp(i(q x - omega t)), omega = beta (mu - q^2) + alpha q^2: then
    # lap A = -q^2 A and mu - (1 + i alpha) q^2 - (1 + i beta)(mu - q^2) = -i omega. On the grid
    # the wave is one Fourier mode, so the error is ETDRK4's O(h^4) phase error alone (bound at
    # h = 0.05 over t = 10 as for the uniform oscillation: < 1e-5)
    L, N, mu = 20.0, 16, 1.0
    q = 2 * np.pi * 2 / L
    s = complex_ginzburg_landau(L, N, alpha, beta, mu)
    x, y = Grid(L, N, 2, 2).mesh()
    A0 = np.sqrt(mu - q**2) * np.exp(1j * q * x)
    tr = cl.trajectory(s, 3, x0=np.stack([A0.real, A0.imag]).reshape(-1), dt=5.0)
    omega = beta * (mu - q**2) + alpha * q**2
    exact = A0[None] * np.exp(-1j * omega * tr.t)[:, None, None]
    assert np.abs(_field(s, tr.x) - exact).max() < 1e-5


def test_gray_scott_homogeneous_state_is_a_fixed_point():
    s = gray_scott(1.25, 32, 0.034, 0.065)
    x0 = np.stack([np.ones((32, 32)), np.zeros((32, 32))]).reshape(-1)
    assert np.abs(np.asarray(s.rhs(x0, 0.0))).max() == 0.0
    tr = cl.trajectory(s, 5, x0=x0, dt=50.0)
    assert np.abs(tr.x - x0).max() < 1e-13


def test_gray_scott_exponax_agrees_with_dopri5_on_our_rhs():
    # exponax's stepper (ETDRK4, h = 0.5) against an adaptive solver on our semi-discretisation:
    # the reaction rates are <~0.1, so the ETDRK4 error at h = 0.5 is ~1e-8 (measured at N = 128)
    s = gray_scott(1.25, 64, 0.034, 0.065)
    a = cl.trajectory(s, 11, dt=20.0).x
    b = cl.trajectory(s, 11, dt=20.0, method="dopri5", rtol=1e-10, atol=1e-10).x
    assert np.abs(a - b).max() < 1e-6


def test_phase_defects_count_windings():
    n = phase_defects(_field(complex_ginzburg_landau(64.0, 64, 0.0, 1.0), cgl_defect_pair(Grid(64.0, 64, 2, 2), 0,
                                                                                            noise=0.0).reshape(-1)))
    assert n.sum() == 0 and np.abs(n).sum() == 2


def test_regimes_of_the_cgl_presets(named):
    r = classify_regime(named["CGLDecay"], time=20.0, transient=20.0, lyapunov=True)
    # the leading exponent at A = 0 is mu (the k = 0 mode of mu - (1 + i alpha) k^2)
    assert r.label == "decaying" and r.intensity_ratio < 1e-3
    # I ~ exp(2 mu t) for the k = 0 mode; the slowest k != 0 modes decay at 2(mu - (2 pi / L)^2)
    assert 2 * (-0.5 - (2 * np.pi / 64) ** 2) - 0.005 < r.decay_rate < 2 * -0.5 + 0.005, r.decay_rate
    # lambda_1 -> mu = -0.5 from below: the random tangent vector starts mostly on faster-decaying
    # k != 0 modes (rates mu - k^2), a bias that falls like 1/time (measured -0.026 at time 20)
    assert -0.5 - 0.06 < r.lyapunov < -0.5 + 3 * r.lyapunov_uncertainty + 0.005, (r.lyapunov, r.lyapunov_uncertainty)
    r = classify_regime(named["CGLSpiral"], time=50.0, transient=150.0)
    assert r.label == "stable_spiral" and r.defects_min == r.defects_max == 2
    assert r.intensity_fluctuation < 1e-3
    assert 2 * np.pi / r.frequency == pytest.approx(named["CGLSpiral"].period, rel=0.01)
    r = classify_regime(named["CGLSpiralBreakup"], time=50.0, transient=50.0)
    assert r.label == "spatiotemporal_chaos" and r.defect_changes > 5 and r.defects_max > 4


def test_ensembles_of_two():
    s = complex_ginzburg_landau(16.0, 32, 2.0, -1.0, seed=1)
    x0 = np.stack([np.asarray(s.ic), np.asarray(complex_ginzburg_landau(16.0, 32, 2.0, -1.0, seed=2).ic)])
    ens = cl.ensemble(s, 6, x0=x0, dt=0.5)
    assert ens.x.shape == (2, 6, s.dim) and ens.valid.all()
    np.testing.assert_allclose(ens.x[1], cl.trajectory(s, 6, x0=x0[1], dt=0.5).x, atol=1e-12)
    g = gray_scott(1.25, 32, 0.026, 0.051)
    eg = cl.ensemble(g, 4, x0=np.stack([np.asarray(g.ic)] * 2), dt=10.0)
    assert eg.valid.all() and np.abs(eg.x[0] - eg.x[1]).max() == 0.0


@pytest.mark.parametrize("make, message", [
    (lambda: complex_ginzburg_landau(64.0, 60, 0.0, 1.0), "N must be a power of two >= 8"),
    (lambda: complex_ginzburg_landau(0.0, 64, 0.0, 1.0), "domain length L must be a positive number"),
    (lambda: complex_ginzburg_landau(64.0, 64, float("nan"), 1.0), "alpha must be a finite number"),
    (lambda: complex_ginzburg_landau(64.0, 64, 0.0, 1.0, ic="square"), "ic must be 'spiral', 'uniform' or 'noise'"),
    (lambda: gray_scott(-1.0, 64, 0.03, 0.06), "domain length L must be a positive number"),
    (lambda: gray_scott(1.0, 100, 0.03, 0.06), "N must be a power of two >= 8"),
    (lambda: gray_scott(1.0, 64, 0.03, 0.06, Du=-1e-5), "diffusivity Du must be >= 0"),
    (lambda: gray_scott(1.0, 64, 0.03, 0.06, Dv=-1e-5), "diffusivity Dv must be >= 0"),
    (lambda: gray_scott(1.0, 64, -0.03, 0.06), "feed rate F must be >= 0"),
    (lambda: complex_ginzburg_landau(16.0, 16, 2.0, -1.0).stepper(0.6), "time step h = 0.6 exceeds the stable limit 0.589"),
    (lambda: gray_scott(1.0, 16, 0.03, 0.06).stepper(1.0), "time step h = 1 exceeds the stable limit 0.825"),
])
def test_bad_input(make, message):
    with pytest.raises(ValueError) as e:
        make()
    assert str(e.value).startswith(message) and "\n" not in str(e.value), str(e.value)


@pytest.mark.slow
def test_gray_scott_presets_form_their_patterns():
    # Pearson's classes, from his square, counted as connected blobs of v > 0.2 every 1000 time
    # units: mitosis divides (spot count at least doubles twice), coral is one connected blob
    # that keeps growing, chaos never settles (the covered fraction jumps by > 30%)
    from scipy import ndimage

    def blobs(name):
        tr = cl.trajectory(name, 9, dt=1000.0)
        v = tr.x.reshape(9, 2, 128, 128)[:, 1] > 0.2
        return np.array([ndimage.label(m)[1] for m in v]), v.mean(axis=(1, 2))

    n, _ = blobs("GrayScottMitosis")
    assert n[1] >= 2 and n[-1] >= 4 * n[1], n
    n, area = blobs("GrayScottCoral")
    assert np.all(n[1:] == 1) and np.all(np.diff(area) > 0), (n, area)
    _, area = blobs("GrayScottChaos")
    assert np.abs(np.diff(area[2:])).max() > 0.3, area
