"""SINDy, DMD and EDMD: exact recovery where the mathematics makes it exact, and Lorenz forecasts."""

import numpy as np
import pytest

import chaoslab as cl
from chaoslab.forecast import get_model
from chaoslab.forecast.models.koopman import DMD, EDMD  # importing registers "dmd" and "edmd"
from chaoslab.forecast.models.sindy import SINDy  # registers "sindy"

SIGMA, RHO, BETA = 10.0, 28.0, 8.0 / 3.0


@pytest.fixture(scope="module")
def lorenz_fine():
    # clean data at dt = 0.005: the order-8 central difference errs by O(dt^8) ~ 1e-10 relative
    return cl.trajectory("Lorenz", 4000, dt=0.005, transient=5.0, params=dict(sigma=SIGMA, rho=RHO, beta=BETA)).x




def expected_lorenz(model, sigma=SIGMA, rho=RHO, beta=BETA):
    """Xi of x' = sigma (y - x), y' = x (rho - z) - y, z' = x y - beta z in the model's library."""
    terms = {(0, "x"): -sigma, (0, "y"): sigma, (1, "x"): rho, (1, "y"): -1.0, (1, "x z"): -1.0,
             (2, "z"): -beta, (2, "x y"): 1.0}
    names = model.term_names()
    xi = np.zeros((len(names), 3))
    for (k, term), c in terms.items():
        xi[names.index(term), k] = c
    return xi


def match(found, true):
    """For each true eigenvalue, the distance to the nearest found one."""
    return np.array([np.min(np.abs(np.asarray(found) - t)) for t in true])


@pytest.mark.parametrize("degree", [2, 3])
def test_sindy_recovers_the_lorenz_equations(lorenz_fine, degree):
    # finite differences alone (the STLSQ fit) give every coefficient to 1% and zero the other
    # 7 (degree 2) or 17 (degree 3) terms (measured: 8e-8); the flow-map refinement is exact up
    # to RK4's O((dt/16)^4) and the data's 1e-9 tolerance (measured: 5e-9)
    m = SINDy(poly_degree=degree, refine=(degree == 2)).fit(lorenz_fine[None], dt=0.005)
    xi = expected_lorenz(m)
    for coef, tol in ((m.coef_fd_, 1e-2), (m.coef_, 1e-2 if degree == 3 else 1e-6)):
        assert np.array_equal(coef != 0, xi != 0)
        np.testing.assert_allclose(coef[xi != 0], xi[xi != 0], rtol=tol)
    if degree == 2:
        eqs = m.equations()
        assert eqs[0] == "x' = -10.000 x + 10.000 y" and "-10" in eqs[0]
        assert eqs[2] == "z' = -2.667 z + 1.000 x y"
        assert m.equations(names=["u", "v", "w"])[1] == "v' = 28.000 u - 1.000 v - 1.000 u w"


def test_sindy_forecasts_lorenz_for_many_lyapunov_times(lorenz, vpt_lyapunov):
    # at granularity 30 (dt = 0.05) finite differences alone bias the coefficients (rho 27.82,
    # the unit y-coefficient 0.953) and forecasts last 1-6 Lyapunov times (median 3.0); refining
    # on the one-step flow map removes the bias to O((dt/16)^4) (measured: 5e-7 relative) and
    # forecasts last 12-13.6 Lyapunov times (13.6 = the whole horizon): the median exceeds 6
    m = get_model("sindy").fit(lorenz.train, lorenz.val, dt=lorenz.dt)
    p = {k: float(v) for k, v in cl.get_system("Lorenz").params.items()}
    xi = expected_lorenz(m, p["sigma"], p["rho"], p["beta"])
    assert np.array_equal(m.coef_ != 0, xi != 0)
    np.testing.assert_allclose(m.coef_[xi != 0], xi[xi != 0], rtol=1e-4)
    vpt = vpt_lyapunov(lorenz, m.predict(lorenz.test.context, 300))
    assert np.median(vpt) > 6.0


def test_sindy_diverging_rollout_is_nan_from_its_blow_up():
    # x' = x^2 from x0 = 1 is x = 1 / (1 - t): it passes 100 attractor scales of the training data
    # (100 x 0.27 from its mean 0.26) between t = 0.9 (x = 10) and t = 1 (the pole), so the
    # forecast is finite at t <= 0.9 and NaN from t = 1 on; nothing raises
    t = 0.1 * np.arange(40)
    m = SINDy(refine=False).fit(np.exp(-t)[None, :, None], dt=0.1)
    np.testing.assert_allclose(m.coef_[:, 0], [0.0, -1.0, 0.0], atol=1e-6)
    m.coef_ = np.array([[0.0], [0.0], [1.0]])
    pred = m.predict(np.ones((2, 3, 1)), 20)
    np.testing.assert_allclose(pred[0, :9, 0], 1 / (1 - t[1:10]), rtol=1e-6)
    assert np.isnan(pred[:, 9:]).all()


def test_a_fit_whose_flow_map_overflows_is_not_refined_and_its_forecast_diverges():
    # x' = 1e3 x^2 from x ~ 1 blows up within 1e-3 time units, far inside one step of dt = 0.1:
    # the one-step misfit is not finite, so Gauss-Newton has nothing to start from; the
    # coefficients come back as they were (no exception) and every forecast is NaN from step 0
    from chaoslab.forecast.models.sindy import refine

    t = 0.1 * np.arange(40)
    train = (1.5 + np.sin(t))[None, :, None]
    coef = np.array([[0.0], [0.0], [1e3]])
    assert refine(coef, train, 0.1, 2, False, 4) is coef
    m = SINDy(refine=False).fit(train, dt=0.1)
    m.coef_ = coef
    assert np.isnan(m.predict(train[:, :5], 10)).all()
    with pytest.raises(ValueError, match="the degree-5 library of the training data overflows"):
        SINDy(poly_degree=5).fit(1e70 * train, dt=0.1)


def linear_map(seed=0, r=0.98):
    """A (4 x 4) with eigenvalues r e^{+-0.4i}, 0.9 e^{+-1.3i}, in a random real basis."""
    rot = lambda r, a: r * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    B = np.zeros((4, 4))
    B[:2, :2], B[2:, 2:] = rot(r, 0.4), rot(0.9, 1.3)
    P = np.random.default_rng(seed).normal(size=(4, 4))
    eig = np.array([r * np.exp(1j * 0.4), r * np.exp(-1j * 0.4), 0.9 * np.exp(1.3j), 0.9 * np.exp(-1.3j)])
    return P @ B @ np.linalg.inv(P), eig


def iterate(A, x0, n):
    xs = [np.asarray(x0, float)]
    for _ in range(n - 1):
        xs.append(A @ xs[-1])
    return np.array(xs)


def test_dmd_recovers_a_linear_map():
    A, eig = linear_map()
    x = iterate(A, [1.0, -0.5, 0.3, 2.0], 60)
    m = DMD().fit(x[None, :50], dt=0.1)
    assert match(m.eigenvalues_, eig).max() < 1e-10
    assert match(m.continuous_eigenvalues_, np.log(eig) / 0.1).max() < 1e-9
    np.testing.assert_allclose(m.predict(x[None, :50], 10)[0], x[50:], atol=1e-10)
    assert m.chosen_ == {}  # its free runs decay: the exact operator is kept
    low = DMD(rank=2).fit(x[None, :50], dt=0.1)  # rank truncation: 2 eigenvalues, an operator of rank 2
    assert low.eigenvalues_.size == 2 and np.linalg.matrix_rank(low.operator_) == 2


def test_dmd_makes_growing_modes_neutral_when_its_free_runs_leave_the_attractor():
    # a map with modes growing as 1.02^t: the exact operator recovers them (so its free runs
    # over 5 x 200 steps grow 1.02^1000 ~ 4e8-fold and leave the attractor); the operator kept
    # has them on the unit circle, the decaying ones unchanged, and stays bounded for ever
    A, eig = linear_map(r=1.02)
    x = iterate(A, [1.0, -0.5, 0.3, 2.0], 100)
    exact = np.linalg.eigvals(A)
    m = DMD().fit(x[None], dt=0.1)
    assert "unit circle" in m.chosen_["stability"] and "left the attractor" in m.chosen_["stability"]
    assert match(m.eigenvalues_, eig / np.maximum(np.abs(eig), 1.0)).max() < 1e-9
    assert match(np.linalg.eigvals(m.operator_), exact / np.maximum(np.abs(exact), 1.0)).max() < 1e-9
    # the neutral modes rotate, the others decay: |z_t| <= cond(P) |z_0| for every t
    z = m.predict(x[None, -1:], 20000)[0]
    P = np.linalg.eig(m.operator_)[1]
    assert np.linalg.norm(z, axis=1).max() <= np.linalg.cond(P) * np.linalg.norm(x[-1]) * (1 + 1e-9)


def test_hankel_dmd_finds_the_frequencies_of_two_sinusoids():
    # a sum of two sinusoids obeys a linear recurrence of order 4: delays = 4 is exact
    dt, w1, w2 = 0.05, 1.3, 4.1
    t = dt * np.arange(400)
    s = np.cos(w1 * t) + 0.5 * np.sin(w2 * t + 0.7)
    m = DMD(delays=4).fit(s[None, :300, None], dt=dt)
    assert m.eigenvalues_.size == 4
    assert match(m.continuous_eigenvalues_, [1j * w1, -1j * w1, 1j * w2, -1j * w2]).max() < 1e-9
    np.testing.assert_allclose(m.predict(s[None, 290:300, None], 100)[0, :, 0], s[300:], atol=1e-9)
    assert DMD().fit(s[None, :300, None], dt=dt).eigenvalues_.size == 1  # no delays: one real eigenvalue


def test_edmd_recovers_a_linear_map():
    # the monomials of a linear map's state map to monomials of the same degree: the dictionary
    # is invariant, K is exact, and its linear block is A (in standardised coordinates)
    A, eig = linear_map(1)
    x0 = np.random.default_rng(2).normal(size=(6, 4))
    x = np.stack([iterate(A, v, 30) for v in x0])
    m = EDMD(degree=2, alpha=0.0).fit(x[:, :25], dt=0.1)
    assert match(np.linalg.eigvals(m.K_[1:5, 1:5]), eig).max() < 1e-10
    assert match(m.eigenvalues_, [1.0, *eig, *(eig[:, None] * eig[None]).ravel()]).max() < 1e-10
    np.testing.assert_allclose(m.predict(x[:, 20:25], 5), x[:, 25:], atol=1e-10)


def test_edmd_finds_the_finite_koopman_subspace_of_a_polynomial_map():
    # x' = a x, y' = b y + c x^2 (Brunton, Brunton, Proctor & Kutz 2016, PLoS ONE, in discrete
    # time): span{1, x, y, x^2} is invariant with eigenvalues {1, a, b, a^2}; the degree-2
    # dictionary adds x y, y^2 (not invariant), but the columns of K for the invariant span are
    # exact, so K is block triangular and those four eigenvalues appear exactly
    a, b, c = 0.9, 0.5, -0.7
    x0 = np.random.default_rng(3).uniform(-1, 1, size=(8, 2))
    traj = []
    for x, y in x0:
        pts = [(x, y)]
        for _ in range(19):
            x, y = a * x, b * y + c * x**2
            pts.append((x, y))
        traj.append(pts)
    traj = np.array(traj)
    m = get_model("edmd", degree=2, alpha=0.0).fit(traj[:, :15], dt=1.0)
    assert match(m.eigenvalues_, [1.0, a, b, a**2]).max() < 1e-10
    np.testing.assert_allclose(m.predict(traj[:, 10:15], 5), traj[:, 15:], atol=1e-10)
    rff = [EDMD(dictionary="rff", n_features=50, alpha=1e-8, seed=4).fit(traj, dt=1.0) for _ in range(2)]
    assert rff[0].K_.shape == (53, 53) and np.array_equal(rff[0].K_, rff[1].K_)  # seeded features


def test_bad_input_is_refused_in_one_line(lorenz):
    for make, msg in ((lambda: SINDy(poly_degree=0), "poly_degree must be >= 1, got 0"),
                      (lambda: EDMD(degree=0), "degree must be >= 1, got 0"),
                      (lambda: SINDy(fd_order=3), "fd_order must be an even integer >= 4, got 3"),
                      (lambda: DMD(delays=0), "delays and rank must be >= 1")):
        with pytest.raises(ValueError, match=msg):
            make()
    bad = lorenz.train.copy()
    bad[0, 7, 2] = np.nan
    for name in ("sindy", "dmd", "edmd"):
        with pytest.raises(ValueError, match=r"training data contains NaN or inf \(first at index \(0, 7, 2\)\)") as e:
            get_model(name).fit(bad, dt=lorenz.dt)
        assert "\n" not in str(e.value)
    with pytest.raises(ValueError, match="context has 2 points; dmd needs at least 4"):
        DMD(delays=4).fit(lorenz.train, dt=lorenz.dt).predict(lorenz.test.context[:, -2:], 3)


def test_the_exponent_of_a_linear_model_is_its_spectral_radius(lorenz):
    # DMD's step is the linear map z -> A z: its largest Lyapunov exponent is log max|eig A| per
    # step exactly (the tangent map is A itself), so the analysis module must return it
    from chaoslab.forecast.dynamics import model_lyapunov_exponent

    m = get_model("dmd").fit(lorenz.train, dt=lorenz.dt)
    lam, _ = model_lyapunov_exponent(m, lorenz.test.context[0], lorenz.dt, steps=5000)
    assert lam == pytest.approx(np.log(np.abs(m.eigenvalues_)).max() / lorenz.dt, abs=1e-6)
    sindy = get_model("sindy").fit(lorenz.train, dt=lorenz.dt)  # the recovered Lorenz equations
    lam, se = model_lyapunov_exponent(sindy, lorenz.test.context[0], lorenz.dt)
    assert abs(lam - lorenz.lyapunov_exponent) < 4 * se + 0.02, (lam, se)


def test_sindy_replaces_a_fit_whose_free_runs_leave_the_attractor():
    # Aizawa from noisy data (published short protocol, noise 0.025): the thresholded, refined
    # fit leaves the attractor in free runs (one of five test windows diverged before this
    # check); the fit keeps the bounded alternative that forecasts the validation windows
    # longest, and says which
    from chaoslab.forecast import Task, get_model, make_task_data
    from chaoslab.forecast.base import stability_check
    from chaoslab.forecast.evaluate import evaluate

    d = make_task_data(Task("Aizawa", granularity=100, train_periods=10, horizon=200, context=100, n_val=2, n_test=5,
                            seed=0, noise=0.025))
    m = get_model("sindy").fit(d.train, d.val, dt=d.dt)
    assert "kept the fit" in m.chosen_["stability"] and "longest validation forecast" in m.chosen_["stability"]
    assert stability_check(m.predict, d.train, d.val, 1, m.train_mean_, m.train_scale_)[0] == 0
    assert evaluate(m, d, dynamics=False).summary["diverged_windows"] == 0
    # the equations are those of the kept fit (its own library degree)
    assert len(m.equations()) == 3 and m.coef_.shape[0] == 1 + len(m.combos_)


@pytest.mark.parametrize("name", ["sindy", "nvar", "linear", "edmd"])
def test_an_ill_conditioned_library_gives_a_model_or_a_clear_error_never_lapack(lorenz, name, monkeypatch):
    # Lorenz at 1e100 times its size with a duplicated coordinate: the library's columns are
    # exactly dependent and its entries near 1e300 (their squares overflow). The power-of-two
    # rescaling inside the one ridge solver makes this an ordinary fit.
    from chaoslab.forecast import get_model

    big = 1e100 * np.concatenate([lorenz.train, lorenz.train[..., :1]], axis=-1)
    kw = {"dt": lorenz.dt}
    m = get_model(name).fit(big, **kw)
    with np.errstate(all="ignore"):
        assert m.predict(big[:, -120:], 5).shape == (1, 5, 4)
    # and where LAPACK itself gives up (both of its SVD drivers), the error is ours, one line
    import scipy.linalg

    def refuse(*a, **k):
        raise np.linalg.LinAlgError("SVD did not converge")

    monkeypatch.setattr(np.linalg, "svd", refuse)
    monkeypatch.setattr(scipy.linalg, "svd", refuse)
    with pytest.raises(ValueError) as err:
        get_model(name).fit(lorenz.train, **kw)
    assert type(err.value) is ValueError and "did not converge" in str(err.value) and "\n" not in str(err.value)


def test_edmd_keeps_a_bounded_koopman_matrix_on_long_horizons():
    # HyperYan, 5000-point forecasts (the long-horizon protocol): every penalty and the lower
    # degree leave the attractor within 5 x 5000 steps (all five windows diverged before); the
    # last candidate, K with its eigenvalues outside the unit circle pulled onto it, is a bounded
    # linear map of the lifted state, and no window diverges
    from chaoslab.forecast import Task, get_model, make_task_data
    from chaoslab.forecast.evaluate import evaluate

    d = make_task_data(Task("HyperYan", granularity=100, train_periods=10, horizon=5000, context=100, n_val=2,
                            n_test=5))
    m = get_model("edmd").fit(d.train, d.val, dt=d.dt)
    assert "unit circle" in m.chosen_["stability"]
    assert np.abs(m.eigenvalues_).max() <= 1 + 1e-6
    assert evaluate(m, d, dynamics=False).summary["diverged_windows"] == 0
