"""Lyapunov spectra from the equations, against literature values and exact identities.

Tolerances: a statistical one, 4 standard errors over blocks (the estimate's sampling error;
a false failure has probability ~6e-5 per comparison), plus an absolute allowance where
literature values are themselves rounded or the integration error matters. Identities (the sum
of the exponents equals the time-averaged divergence of the field) hold to the integration
tolerance, independently of the sampling error.
"""

import math

import numpy as np
import pytest
from scipy.special import lambertw

import chaoslab as cl
from chaoslab.analysis import covariant_lyapunov_vectors, finite_time_lyapunov, kaplan_yorke_dimension, lyapunov_spectrum

Z = 4.0


def within(value, expected, se, extra=0.0):
    return abs(value - expected) <= Z * se + extra


def test_lorenz_spectrum_sum_and_kaplan_yorke():
    r = lyapunov_spectrum("Lorenz", time=3000.0)
    l1, l2, l3 = r.exponents
    s1, s2, s3 = r.uncertainty
    # Sprott (2003): 0.9056, 0, -14.5723 for sigma=10, rho=28, beta=8/3
    assert within(l1, 0.9056, s1, 0.002), (l1, s1)
    assert within(l2, 0.0, s2, 1e-3), (l2, s2)
    # the sum is the divergence -(sigma + 1 + beta), exactly, whatever the orbit
    p = cl.get_system("Lorenz").params
    assert r.exponents.sum() == pytest.approx(-(p["sigma"] + 1 + p["beta"]), abs=1e-6)
    # D_KY = 2 + l1 / |l3| = 2.062; its error is propagated from l1's
    assert within(r.kaplan_yorke_dimension, 2.0621, s1 / abs(l3), 2e-3)
    assert r.lyapunov_time == pytest.approx(1 / l1)
    assert r.history.shape[1] == 3 and r.history.shape[0] == r.history_t.size


def test_rossler():
    r = lyapunov_spectrum("Rossler", params=dict(a=0.2, b=0.2, c=5.7), time=6000.0)
    # Sprott (2003): 0.0714, 0, -5.3943
    assert within(r.exponents[0], 0.0714, r.uncertainty[0], 0.002)
    assert within(r.exponents[1], 0.0, r.uncertainty[1], 1e-3)
    assert within(r.exponents[2], -5.3943, r.uncertainty[2], 0.01)


def test_henon_and_its_jacobian_determinant():
    r = lyapunov_spectrum("Henon", params=dict(a=1.4, b=0.3), time=50_000)
    assert within(r.exponents[0], 0.41922, r.uncertainty[0], 1e-3)
    # det J = -b at every point: l1 + l2 = ln b exactly
    assert r.exponents.sum() == pytest.approx(math.log(0.3), abs=1e-9)


def test_logistic_r4_is_ln2():
    r = lyapunov_spectrum("Logistic", params=dict(r=4.0), time=50_000)
    assert within(r.exponents[0], math.log(2), r.uncertainty[0], 1e-3)


@cl.flow(params=dict(a=0.2, w=1.0, c=1.0), ic=[1.0, 0.0, 1.0], period=2 * np.pi)
def LinearFlow(x, t, a, w, c):
    # eigenvalues -a +- i w and -c; the rotation is orthogonal, so growth rates are exact
    return cl.stack(-a * x[0] + w * x[1], -w * x[0] - a * x[1], -c * x[2])


def test_linear_system_exponents_are_its_eigenvalues():
    r = lyapunov_spectrum(LinearFlow, time=200.0, transient=50.0)
    np.testing.assert_allclose(r.exponents, [-0.2, -0.2, -1.0], atol=1e-6)


def test_hamiltonian_spectrum_is_symmetric_and_sums_to_zero():
    s = cl.get_system("DoublePendulum")
    assert s.hamiltonian
    r = lyapunov_spectrum(s, time=100 * s.period, orbits=8)  # 8 orbits x 100 periods: 2x one orbit x 400
    l, se = r.exponents, r.uncertainty
    assert l[0] > 0.2  # chaotic at the reference energy
    assert within(l[0], -l[3], math.hypot(se[0], se[3]))
    assert within(l[1], -l[2], math.hypot(se[1], se[2]), 1e-3)
    assert abs(l.sum()) < 1e-6  # volume preservation


def test_forced_system_uses_explicit_time():
    # Duffing: div f = -delta for any orbit, so l1 + l2 = -delta; l1 > 0 (chaotic)
    s = cl.get_system("Duffing")
    r = lyapunov_spectrum(s, time=300 * s.period)
    assert r.exponents.sum() == pytest.approx(-float(s.params["delta"]), abs=1e-6)
    assert r.exponents[0] > 0.05


@cl.delay_flow(params=dict(a=1.0, tau=1.0), ic=[1.0], period=4.0, delay_param="tau")
def LinearDelay(x, xd, t, a, tau):
    return -a * xd


def test_delay_equation_leading_exponents_match_characteristic_roots():
    # x' = -a x(t - tau): roots of s + a exp(-s tau) = 0 are W_k(-a tau) / tau (Lambert W);
    # each complex pair gives two equal exponents
    r = lyapunov_spectrum(LinearDelay, k=4, time=1000.0)
    roots = sorted((lambertw(-1.0, b).real for b in (0, 1)), reverse=True)
    expected = [roots[0], roots[0], roots[1], roots[1]]
    # method-of-steps RK4 with h = 0.05: discretisation error well below 2e-3
    for lam, se, e in zip(r.exponents, r.uncertainty, expected):
        assert within(lam, e, se, 2e-3), (r.exponents, expected)


def test_ensembles_seeds_and_reproducibility():
    a = lyapunov_spectrum("Lorenz", time=300.0, members=3, seed=7)
    b = lyapunov_spectrum("Lorenz", time=300.0, members=3, seed=7)
    assert a.exponents.shape == (3, 3)
    np.testing.assert_array_equal(a.exponents, b.exponents)
    # members differ only by their initial tangent frames: after the same orbit they agree closely
    assert np.all(a.spread < 0.05)
    # different states in one call
    x0 = cl.get_system("Lorenz").ic + np.array([[0.0, 0, 0], [1.0, 0, 0]])
    c = lyapunov_spectrum("Lorenz", time=300.0, x0=x0)
    assert c.exponents.shape == (2, 3) and np.all(np.isfinite(c.exponents))


def test_finite_time_exponents_are_a_distribution():
    short = finite_time_lyapunov("Lorenz", 2.0, members=200, seed=1)
    long = finite_time_lyapunov("Lorenz", 40.0, members=200, seed=1)
    assert short.shape == (200, 1)
    # FTLE spread shrinks with the horizon (roughly as 1/sqrt(T)); the mean tends to l1
    assert long.std() < 0.5 * short.std()
    assert abs(long.mean() - 0.9056) < 4 * long.std() / math.sqrt(200) + 0.02


@cl.flow(params=dict(mu=1.0), ic=[2.0, 0.0], period=6.66)
def VanDerPol(x, t, mu):
    return cl.stack(x[1], mu * (1 - x[0] ** 2) * x[1] - x[0])


def test_regular_orbit_gives_non_positive_exponent_never_nan():
    r = lyapunov_spectrum(VanDerPol, time=2000.0)
    assert np.all(np.isfinite(r.exponents))
    assert abs(r.exponents[0]) < Z * r.uncertainty[0] + 2e-3  # the limit cycle's flow direction
    assert r.exponents[1] < -0.5


@cl.flow(params=dict(), ic=[1.0], period=1.0)
def Explodes(x, t):
    return x**2


def test_divergent_orbit_raises():
    with pytest.raises(cl.DivergenceError):
        lyapunov_spectrum(Explodes, time=10.0, transient=0.0)


@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(k=4), "k must be an integer between 1 and 3"),
        (dict(k=0), "k must be an integer between 1 and 3"),
        (dict(time=-1.0), "time must be a positive number"),
        (dict(interval=0.0), "interval must be a positive number"),
        (dict(transient=-5.0), "transient must be >= 0"),
    ],
)
def test_bad_input_one_line(kw, message):
    with pytest.raises(ValueError) as e:
        lyapunov_spectrum("Lorenz", **kw)
    assert str(e.value).startswith(message) and "\n" not in str(e.value)


def test_kaplan_yorke_edge_cases():
    assert kaplan_yorke_dimension([0.9056, 0.0, -14.5723]) == pytest.approx(2 + 0.9056 / 14.5723)
    assert kaplan_yorke_dimension([-0.1, -1.0]) == 0.0
    assert kaplan_yorke_dimension([0.5, 0.1]) == 2.0
    assert kaplan_yorke_dimension([0.42, -1.62]) == pytest.approx(1 + 0.42 / 1.62)


@cl.flow(params=dict(), ic=[1.0, 1.0, 1.0], period=1.0)
def NonNormal(x, t):
    # eigenvalues -0.1, -1, -3 with eigenvectors e1, (2, -0.9, 0), e3: not orthogonal, so the
    # covariant vectors differ from the Gram-Schmidt frame
    return cl.stack(-0.1 * x[0] + 2 * x[1], -x[1], -3 * x[2])


def test_covariant_vectors_are_the_eigenvectors_of_a_linear_system():
    c = covariant_lyapunov_vectors(NonNormal, time=20.0, transient=20.0, backward=20.0)
    v2 = np.array([2.0, -0.9, 0.0]) / np.hypot(2.0, 0.9)
    for i, v in enumerate(([1.0, 0, 0], v2, [0, 0, 1.0])):
        assert np.abs(c.vectors[:, :, i] @ v).min() > 1 - 1e-9
    np.testing.assert_allclose(c.exponents, [-0.1, -1.0, -3.0], atol=1e-6)


def test_lorenz_neutral_covariant_vector_is_the_flow_direction():
    c = covariant_lyapunov_vectors("Lorenz", time=30.0)
    s = cl.get_system("Lorenz")
    p = s.resolve_params()
    f = np.array([np.asarray(s.rhs(x, 0.0, p)) for x in c.x])
    f /= np.linalg.norm(f, axis=1)[:, None]
    # the CLV of the zero exponent is tangent to the orbit, exactly (to integration tolerance)
    assert np.abs(np.einsum("nd,nd->n", f, c.vectors[:, :, 1])).min() > 1 - 1e-6
    assert np.all(c.angle(0, 2) > 0)  # transversal: Lorenz has no tangencies of CLV 1 and 3 here


def test_sum_equals_time_averaged_divergence_when_it_varies():
    # Rossler: div f = a + x - c depends on the state; sum(lambda) = <div f> along the orbit.
    # The two averages come from different (chaotic) runs, so they agree within the sampling
    # error of a time average of x (estimated from blocks of the long run).
    p = dict(a=0.2, b=0.2, c=5.7)
    r = lyapunov_spectrum("Rossler", params=p, time=6000.0)
    tr = cl.trajectory("Rossler", 60000, dt=0.1, params=p, transient=200.0)
    blocks = tr.x[:, 0].reshape(10, -1).mean(axis=1)
    div = p["a"] - p["c"] + blocks.mean()
    se = blocks.std(ddof=1) / np.sqrt(10)
    assert abs(r.exponents.sum() - div) < Z * np.hypot(se, np.sqrt((r.uncertainty**2).sum())), (r.exponents.sum(), div)


def test_gali_separates_chaotic_from_regular_hamiltonian_orbits():
    from chaoslab.analysis import gali

    chaotic = gali("DoublePendulum")  # lambda_1 ~ 0.5 at the reference energy (test above)
    assert chaotic.chaotic and chaotic.gali.min() < 1e-8
    # GALI_2 ~ exp(-(l1 - l2) t): the fitted decay rate is of the order of l1 (l2 ~ 0)
    assert 0.2 < chaotic.decay_rate < 1.5, chaotic.decay_rate
    regular = gali("HenonHeiles")  # the reference orbit lies on a torus (its spectrum is ~0)
    assert not regular.chaotic and regular.gali.min() > 1e-3
