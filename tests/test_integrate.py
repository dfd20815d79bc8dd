"""Integrators: convergence order, exact solutions, ensembles, streaming, divergence, noise."""

import jax.numpy as jnp
import numpy as np
import pytest

import chaoslab as cl


@cl.flow(params=dict(w=1.0), ic=[1.0, 0.0], period=2 * np.pi)
def Oscillator(x, t, w):
    return cl.stack(x[1], -(w**2) * x[0])


@cl.flow(params=dict(), ic=[0.0], period=2 * np.pi)
def Forced(x, t):
    return jnp.cos(t) * jnp.ones_like(x)


def _osc_error(method, **kw):
    tr = cl.trajectory(Oscillator, 101, dt=0.1, method=method, **kw)
    exact = np.stack([np.cos(tr.t), -np.sin(tr.t)], 1)
    return np.max(np.abs(tr.x - exact))


def test_rk4_is_fourth_order():
    # global error of a p-th order method scales as h^p: halving h divides it by 2^p
    e1 = _osc_error("rk4", substeps=4)
    e2 = _osc_error("rk4", substeps=8)
    order = np.log2(e1 / e2)
    assert 3.8 < order < 4.2, order


@pytest.mark.parametrize("method", ["dopri5", "tsit5", "dopri8", "kvaerno5"])
def test_adaptive_methods_meet_tolerance(method):
    # over 10 time units the global error stays within a small multiple of rtol * |x| * T
    err = _osc_error(method, rtol=1e-10, atol=1e-10)
    assert err < 1e-10 * 10 * 50, err


def test_dopri5_error_is_proportional_to_tolerance():
    # a 5(4) pair with local extrapolation and an error-per-step controller gives global error
    # roughly proportional to tol^(5/5)...tol^(5/4): 3 decades of tol -> between 2 and 4.5 decades
    e_loose = _osc_error("dopri5", rtol=1e-9, atol=1e-9)  # (looser: steps capped by dt)
    e_tight = _osc_error("dopri5", rtol=1e-12, atol=1e-12)
    decades = np.log10(e_loose / e_tight)
    assert 2.0 < decades < 4.5, decades


def test_nonautonomous_uses_explicit_time():
    tr = cl.trajectory(Forced, 50, dt=0.1, t0=0.3, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tr.x[:, 0], np.sin(tr.t) - np.sin(0.3), atol=1e-10)


def test_map_iteration_is_exact():
    @cl.map_system(params=dict(r=3.9), ic=[0.51])
    def logistic(x, n, r):
        return r * x * (1 - x)

    tr = cl.trajectory(logistic, 30)
    x, ref = 0.51, []
    for _ in range(30):
        ref.append(x)
        x = 3.9 * x * (1 - x)
    np.testing.assert_allclose(tr.x[:, 0], ref, rtol=1e-12)


@cl.delay_flow(params=dict(tau=1.0), ic=[1.0], period=4.0)
def LinearDelay(x, xd, t, tau):
    return -xd


def _delay_exact(t):
    # x' = -x(t-1), x = 1 on [-1, 0] (method of steps): piecewise polynomials
    t = np.asarray(t)
    return np.where(t <= 1, 1 - t, 1 - t + (t - 1) ** 2 / 2)


def test_delay_equation_matches_method_of_steps_solution():
    # on [0, 2] the solution is piecewise quadratic: RK4 with Hermite history reproduces it
    # to round-off, provided the derivative jump at t = 0 is respected
    for m in (5, 10):
        tr = cl.trajectory(LinearDelay, 21, dt=0.1, substeps=m)
        np.testing.assert_allclose(tr.x[:, 0], _delay_exact(tr.t), rtol=0, atol=1e-13)


@cl.delay_flow(params=dict(tau=2.0), ic=[0.5], period=10.0)
def SmallMackeyGlass(x, xd, t, tau):
    return 0.2 * xd / (1 + xd**10) - 0.1 * x


def test_delay_equation_fourth_order_convergence():
    # Richardson: (x_h - x_{h/2}) / (x_{h/2} - x_{h/4}) -> 2^4 for a 4th-order method
    xs = [cl.trajectory(SmallMackeyGlass, 41, dt=0.5, substeps=m).x[:, 0] for m in (5, 10, 20)]
    ratio = np.max(np.abs(xs[0] - xs[1])) / np.max(np.abs(xs[1] - xs[2]))
    assert 2**3.6 < ratio < 2**4.4, ratio


def test_ensemble_matches_single_runs_and_batched_params():
    s = cl.get_system("Lorenz")
    x0 = s.ic + np.array([[0.0, 0, 0], [0.5, -0.5, 1.0]])
    ens = cl.ensemble(s, 300, x0=x0, method="rk4")
    for i in range(2):
        single = cl.trajectory(s, 300, x0=x0[i], method="rk4")
        np.testing.assert_allclose(ens.x[i], single.x, rtol=0, atol=1e-9)
    rhos = np.array([20.0, 28.0, 35.0])
    pe = cl.ensemble(s, 200, params={"rho": rhos}, method="rk4")
    for i, rho in enumerate(rhos):
        single = cl.trajectory(s, 200, params={"rho": rho}, method="rk4")
        np.testing.assert_allclose(pe.x[i], single.x, rtol=0, atol=1e-9)


def test_streaming_in_chunks_equals_one_call():
    s = cl.get_system("Lorenz")
    x0 = s.ic + np.zeros((3, 3))
    whole = cl.ensemble(s, 250, x0=x0, method="rk4", chunk=250)
    parts = cl.ensemble(s, 250, x0=x0, method="rk4", chunk=64)
    np.testing.assert_allclose(parts.x, whole.x, rtol=0, atol=1e-10)
    np.testing.assert_allclose(parts.t, whole.t, rtol=0, atol=1e-12)


@cl.flow(params=dict(), ic=[1.0], period=1.0)
def BlowUp(x, t):
    return x**2  # x = 1/(1 - t) leaves every bound before t = 1


def test_divergence_raises_and_ensembles_mask():
    with pytest.raises(cl.DivergenceError) as e:
        cl.trajectory(BlowUp, 200, dt=0.01)
    assert e.value.system == "BlowUp" and e.value.member == 0 and 0.9 < e.value.time <= 1.01
    ens = cl.ensemble(BlowUp, 200, x0=np.array([[1.0], [-1.0]]), dt=0.01)
    assert list(ens.valid) == [False, True]
    assert 0.9 < ens.diverged_at[0] <= 1.01 and np.isnan(ens.diverged_at[1])


@cl.flow(params=dict(theta=1.0), ic=[0.0], period=1.0)
def OU(x, t, theta):
    return -theta * x


def test_noise_is_seeded_and_ou_variance_matches():
    kw = dict(noise=1.0, members=2000, dt=0.1, transient=10.0, substeps=10)
    a = cl.sde_ensemble(OU, 2, seed=7, **kw)
    b = cl.sde_ensemble(OU, 2, seed=7, **kw)
    c = cl.sde_ensemble(OU, 2, seed=8, **kw)
    assert np.array_equal(a.x, b.x) and not np.array_equal(a.x, c.x)
    # Euler–Maruyama stationary variance sigma^2 / (theta (2 - theta h)), h = 0.01
    var = a.x[:, -1, 0].var()
    expected = 1.0 / (2 - 0.01)
    se = expected * np.sqrt(2 / 2000)
    assert abs(var - expected) < 5 * se, (var, expected)


def test_state_dependent_noise_gbm_mean():
    @cl.flow(params=dict(mu=0.5), ic=[1.0], period=1.0)
    def Growth(x, t, mu):
        return mu * x

    ens = cl.sde_ensemble(Growth, 11, noise=lambda x, t, mu: 0.3 * x, seed=1, members=4000, dt=0.1, substeps=10)
    xt = ens.x[:, -1, 0]
    # Itô: E[x(t)] = exp(mu t) (EM: (1 + mu h)^n); sampling error of the mean
    expected = (1 + 0.5 * 0.01) ** 100
    se = xt.std() / np.sqrt(len(xt))
    assert abs(xt.mean() - expected) < 5 * se


def test_integrator_methods_are_read_in_any_case():
    a = cl.trajectory(Oscillator, 11, dt=0.1, method="RK4")
    assert a.method == "rk4" and np.array_equal(a.x, cl.trajectory(Oscillator, 11, dt=0.1, method="rk4").x)
    assert cl.ensemble(Oscillator, 5, x0=np.ones((2, 2)), dt=0.1, method="Dopri5").method == "dopri5"
    with pytest.raises(ValueError, match=r"^unknown method 'rk45'; did you mean 'rk4'\? \(allowed: auto, rk4, dopri5"):
        cl.trajectory(Oscillator, 11, dt=0.1, method="rk45")


def test_characteristic_period_of_a_system_without_one_is_the_dominant_period():
    # one estimator (analysis.spectra.dominant_period): for x'' = -w^2 x the period is 2 pi / w,
    # to within half a frequency bin 1 / (n dt) of the 8192-point record at dt = 0.01
    from chaoslab.integrate import characteristic_period

    @cl.flow(params=dict(w=2.0), ic=[1.0, 0.0], register=False)
    def NoPeriod(x, t, w):
        return cl.stack(x[1], -(w**2) * x[0])

    half_bin = 0.5 / (8192 * 0.01)
    # w = 0.5: a period of 12.6, above 1/16 of the 82-unit record (it must not need Welch segments)
    for w in (2.0, 0.5):
        assert abs(1.0 / characteristic_period(NoPeriod, {"w": w}) - w / (2 * np.pi)) < half_bin
