"""Learning-rate sweeps (chaoslab.learning.sweeps): gradient descent on the double well
f(x) = (x^2 - 1)^2 / 4 is the cubic map g(x) = x - lr x (x^2 - 1) = (1 + lr) x - lr x^3, whose
fixed point, period-doubling cascade, chaos and escape are known exactly or to Feigenbaum's
constant; plus period_of on synthetic orbits and the LR sensitivity of Wortsman et al. (2023)
against its formula."""

from chaoslab.learning.sweeps import (LRSweep, bifurcation_figure, bifurcation_point, lr_sensitivity, lr_sweep,
                                      period_of)  # imports chaoslab first (float64)
from chaoslab.learning.training import training_map

import jax.numpy as jnp
import numpy as np
import pytest

FEIGENBAUM = 4.669201609


def double_well(x0=0.5):
    return training_map(jnp.array([x0]), loss=lambda th: (th[0] ** 2 - 1) ** 2 / 4, lr=0.1)


def test_fixed_point_one_is_stable_below_lr_one_with_exponent_log_one_minus_two_lr():
    # g'(1) = 1 - lr (3 x^2 - 1) = 1 - 2 lr: |g'(1)| < 1 iff 0 < lr < 1 (lr = 0.5 is superstable,
    # exponent -inf, so it is left out). Started near 1, after 4000 steps the run sits on x = 1
    # to rounding and the exponent along its last 1000 steps is log|1 - 2 lr| to rounding.
    lrs = np.array([0.1, 0.3, 0.45, 0.7, 0.9])
    s = lr_sweep(double_well(1.05), lrs, steps=5000, window=1000)
    assert s.period.tolist() == [1] * 5 and not s.diverged.any()
    np.testing.assert_allclose(s.orbit[:, -1, 0], 1.0, rtol=0, atol=1e-14)
    np.testing.assert_allclose(s.exponent, np.log(np.abs(1 - 2 * lrs)), rtol=0, atol=1e-9)
    assert np.all(s.final_loss < 1e-28)


def test_period_two_from_lr_one_with_the_two_cycle_exponent():
    # The flip at lr = 1 gives a 2-cycle {a, b}: g(a) = b, g(b) = a with a + b != 0 gives (s = a + b,
    # p = ab) p = 1/lr, s^2 = 1 + 3/lr (a = b = 1 at lr = 1). Its multiplier
    # g'(a) g'(b) = (1 + lr)^2 - 3 lr (1 + lr)(a^2 + b^2) + 9 lr^2 a^2 b^2 with a^2 + b^2 = 1 + 1/lr
    # is 9 - 2 (1 + lr)^2, so the exponent per step is log|9 - 2 (1 + lr)^2| / 2.
    lrs = np.array([0.98, 1.05, 1.1, 1.2])
    s = lr_sweep(double_well(), lrs, steps=20000, window=1000)
    assert s.period.tolist() == [1, 2, 2, 2]
    expected = 0.5 * np.log(np.abs(9 - 2 * (1 + lrs[1:]) ** 2))
    np.testing.assert_allclose(s.exponent[1:], expected, rtol=0, atol=1e-9)
    a, b = np.sort(s.orbit[1:, -2:, 0], axis=1).T
    np.testing.assert_allclose(a + b, np.sqrt(1 + 3 / lrs[1:]), rtol=1e-12)
    np.testing.assert_allclose(a * b, 1 / lrs[1:], rtol=1e-12)


def test_period_four_from_sqrt5_minus_1_by_bisection():
    # The 2-cycle's multiplier 9 - 2 (1 + lr)^2 (above) reaches -1 when (1 + lr)^2 = 5: the
    # 2-cycle period-doubles at lr = sqrt(5) - 1 = 1.2360680. Near it the approach to the cycle
    # is slow (rate ~ 4.5 (lr_c - lr) per step); 3e6 steps bias the bisection by ~5e-7.
    tm = double_well()
    lr_c = bifurcation_point(tm, 1.2, 1.25, from_period=2, to_period=4, steps=3_000_000, tol=1e-8)
    assert abs(lr_c - (np.sqrt(5) - 1)) < 1e-6
    assert abs(bifurcation_point(tm, 0.95, 1.05, from_period=1, to_period=2, steps=2_000_000, tol=1e-8) - 1) < 1e-5


def test_cascade_ratios_approach_feigenbaum_and_chaos_sets_in_above_its_accumulation():
    tm = double_well()
    onsets = [1.0, np.sqrt(5) - 1]
    for lo, hi, p in [(1.28, 1.295, 4), (1.295, 1.301, 8), (1.301, 1.3021, 16), (1.3019, 1.3022, 32)]:
        onsets.append(bifurcation_point(tm, lo, hi, from_period=p, to_period=2 * p, steps=1_000_000, tol=1e-8))
    gaps = np.diff(onsets)
    ratios = gaps[:-1] / gaps[1:]  # got 4.543, 4.641, 4.663, 4.668
    assert np.all(np.abs(ratios / FEIGENBAUM - 1) < 0.15)
    assert np.all(np.diff(np.abs(ratios - FEIGENBAUM)) < 0)  # each closer than the one before
    accumulation = onsets[-1] + gaps[-1] / (FEIGENBAUM - 1)  # got 1.302283
    assert 1.3022 < accumulation < 1.3024
    # above it: chaos (positive exponent, no period) at these rates, between periodic windows
    # (e.g. period 48 at 1.3026, 24 at 1.3038); below it every onset's neighbourhood is periodic
    chaotic = np.array([1.3028, 1.3034, 1.3040, 1.3100])
    periodic = np.array(onsets[1:]) + 0.5 * np.append(gaps[1:], gaps[-1] / FEIGENBAUM)
    s = lr_sweep(tm, np.concatenate([periodic, chaotic]), steps=200_000, keep=256, window=20000)
    assert np.all(chaotic > accumulation)
    assert np.all(s.exponent[-4:] > 0.01) and np.all(s.period[-4:] == 0)
    assert np.all(s.exponent[:-4] < 0) and s.period[:-4].tolist() == [4, 8, 16, 32, 64]


def test_bounded_for_lr_up_to_two_and_escape_above():
    # g is odd with its maximum on x >= 0 at x* = sqrt((1 + lr) / (3 lr)), g(x*) = 2 (1 + lr) x* / 3,
    # and g(X) = -X at X = sqrt(1 + 2 / lr). [-X, X] is mapped into itself iff g(x*) <= X, i.e.
    # 4 (1 + lr)^3 <= 27 (2 + lr), i.e. (lr - 2)(2 lr + 5)^2 <= 0: iff lr <= 2. Outside it
    # |g(x)| > |x| and grows without bound. Every x0 in [-sqrt 2, sqrt 2] (X >= sqrt 2 for lr <= 2)
    # stays bounded for lr in (1.9, 2.0); for lr > 2 the points near x* leave [-X, X] and almost
    # every orbit escapes (here within 60 steps). x0 = 0 and +-1 are fixed points, left out.
    lrs = np.array([1.9, 1.93, 1.96, 1.99, 1.999])
    for x0 in (0.5, -0.3, 1.4, -1.41):
        s = lr_sweep(double_well(x0), lrs, steps=5000, lyapunov=False)
        assert not s.diverged.any()
        assert np.all(np.abs(s.orbit) <= np.sqrt(2) + 1e-12)
    above = np.array([2.001, 2.01, 2.05, 2.2, 3.0])
    s = lr_sweep(double_well(0.5), above, steps=5000)
    assert s.diverged.all()


def test_exponent_of_gd_on_least_squares_with_data_is_log_of_the_slowest_mode():
    # a linear model on data: the GD map is theta <- (I - lr H) theta + c with H = X^T X / n
    # (models.mse's convention), a constant Jacobian: the tangent grows like max_i |1 - lr h_i|
    # once aligned (the alignment costs log(1/|projection|) / window); lr > 2 / h_max diverges
    from types import SimpleNamespace

    import equinox as eqx
    import jax

    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    data = SimpleNamespace(x=X, y=X @ np.array([[1.0], [-2.0], [0.5]]), kind="regression")
    tm = training_map(eqx.nn.Linear(3, 1, use_bias=False, key=jax.random.PRNGKey(0)), data, loss="mse", lr=0.1)
    h = np.linalg.eigvalsh(X.T @ X / len(X))
    lrs = np.array([0.1, 0.5, 0.99 * 2 / h.max(), 1.01 * 2 / h.max()])
    s = lr_sweep(tm, lrs, steps=4000, window=2000)
    assert s.diverged.tolist() == [False, False, False, True]
    expected = [np.max(np.log(np.abs(1 - lr * h))) for lr in lrs[:3]]
    np.testing.assert_allclose(s.exponent[:3], expected, rtol=0, atol=5 / 2000)
    assert s.period[:3].tolist() == [1, 1, 1]


def test_diverged_runs_are_flagged_not_dropped_and_the_same_inputs_give_the_same_bits():
    lrs = np.array([0.3, 1.1, 2.5, 1.35, 4.0])
    s = lr_sweep(double_well(), lrs, steps=3000, keep=32, window=500)
    assert isinstance(s, LRSweep)
    assert s.lr.tolist() == lrs.tolist() and s.orbit.shape == (5, 32, 1)
    assert s.diverged.tolist() == [False, False, True, False, True]
    bad = s.diverged
    assert np.isnan(s.orbit[bad]).all() and np.isnan(s.final_loss[bad]).all() and np.isnan(s.exponent[bad]).all()
    assert (s.period[bad] == 0).all() and np.isfinite(s.orbit[~bad]).all()
    assert s.period[:2].tolist() == [1, 2] and s.period[3] == 0 and s.exponent[3] > 0
    again = lr_sweep(double_well(), lrs, steps=3000, keep=32, window=500)
    for name in ("orbit", "final_loss", "exponent", "period", "diverged", "initial_loss"):
        np.testing.assert_array_equal(getattr(s, name), getattr(again, name))
    # one run per learning rate, the same as a sweep of that rate alone
    alone = lr_sweep(double_well(), lrs[1:2], steps=3000, keep=32, window=500)
    np.testing.assert_allclose(alone.orbit[0], s.orbit[1], rtol=1e-13)
    np.testing.assert_allclose(s.initial_loss, (0.5 ** 2 - 1) ** 2 / 4)


def test_period_of_synthetic_orbits():
    n = 64
    i = np.arange(n)
    assert period_of(np.full(n, 3.0)) == 1
    assert period_of(np.where(i % 2, 1.0, -2.0)) == 2
    three = np.array([0.1, 0.5, 0.9])[i % 3]
    assert period_of(three) == 3
    assert period_of(three + 1e-8 * np.sin(i)) == 3  # within rtol (1e-6 x 0.9)
    assert period_of(three + 1e-5 * np.sin(i)) == 0
    assert period_of(three, rtol=1e-6, scale=1e-3) == 3
    # a 2-cycle approached slowly (multiplier -0.99499 per two steps, as near a period
    # doubling): orbit[i + 4] = orbit[i] within the tolerance for every i, but its drift across
    # the window does not fit it, so it is not (yet) period 4, nor period 2
    slow = np.where(i % 2, 1.0, 2.0) + 1e-4 * (-np.sqrt(0.99)) ** (i // 2)
    assert np.all(np.abs(slow[4:] - slow[:-4]) <= 1e-6 * 2)
    assert period_of(slow) == 0
    assert period_of(np.stack([three, 2 * np.where(i % 2, 1.0, 0.0)], axis=1)) == 6
    x = np.empty(n)
    x[0] = 0.3
    for k in range(n - 1):
        x[k + 1] = 4 * x[k] * (1 - x[k])  # logistic map at r = 4: chaotic
    assert period_of(x) == 0
    assert period_of(np.r_[three[:-1], np.nan]) == 0
    assert period_of(np.zeros(5)) == 1
    assert period_of(np.arange(2.0)) == 0
    assert period_of([1.0, 2.0, 1.0, 2.0, 1.0]) == 2  # a window that ends mid-period


def test_lr_sensitivity_against_its_formula():
    # E_eta[min(l(A(eta)), l0) - l*], l* = min_eta l(A(eta)), over the grid (Wortsman et al. 2023)
    lrs = [1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1]
    final = [0.9, 0.4, 0.3, 0.5, 2.5, np.nan]  # 2.5: worse than l0; NaN: diverged
    l0 = 1.2
    by_hand = ((0.9 - 0.3) + (0.4 - 0.3) + 0 + (0.5 - 0.3) + (1.2 - 0.3) + (1.2 - 0.3)) / 6
    assert lr_sensitivity(final, lrs, initial_loss=l0) == pytest.approx(by_hand, rel=1e-15)
    assert lr_sensitivity([0.3, 0.3], [0.1, 1.0], initial_loss=1.0) == 0.0
    assert lr_sensitivity([0.2, np.inf], [0.1, 1.0], initial_loss=1.0) == pytest.approx(0.4)
    assert np.isnan(lr_sensitivity([np.nan, np.nan], [0.1, 1.0], initial_loss=1.0))
    # per-run initial losses: each run capped at its own
    assert lr_sensitivity([0.1, 5.0], [0.1, 1.0], initial_loss=[1.0, 2.0]) == pytest.approx(0.95)
    s = lr_sweep(double_well(), np.array([0.3, 1.1, 2.5]), steps=2000, keep=16, window=100, lyapunov=False)
    expected = np.mean(np.minimum(np.nan_to_num(s.final_loss, nan=np.inf), s.initial_loss)
                       - np.nanmin(s.final_loss))
    assert s.lr_sensitivity() == pytest.approx(expected, rel=1e-15)


def test_bifurcation_figure_draws_the_diagram_the_exponent_and_the_diverged_rates():
    from matplotlib.figure import Figure

    s = lr_sweep(double_well(), np.linspace(0.9, 2.2, 40), steps=2000, keep=32, window=200)
    fig = bifurcation_figure(s)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    top, bottom = fig.axes
    assert len(top.patches) >= 1 and len(bottom.patches) >= 1  # diverged rates shaded (lr > 2)
    assert any(np.allclose(line.get_ydata(), 0) for line in bottom.lines)  # 0 marked
    with pytest.raises(ValueError, match="coordinate"):
        bifurcation_figure(s, coordinate=1)


def _one_line(excinfo, name):
    msg = str(excinfo.value)
    assert "\n" not in msg and name in msg, msg


@pytest.mark.parametrize("kwargs, name", [
    (dict(lrs=[]), "lrs"), (dict(lrs=[0.1, -1.0]), "lrs"), (dict(lrs=[[0.1]]), "lrs"),
    (dict(steps=0), "steps"), (dict(steps=1.5), "steps"), (dict(keep=1), "keep"), (dict(keep=200), "keep"),
    (dict(window=10), "window"), (dict(window=1000), "window"), (dict(x0=np.zeros(3)), "x0"),
    (dict(x0=np.array([np.nan])), "x0"), (dict(rtol=0.0), "rtol"), (dict(lyapunov="yes"), "lyapunov"),
])
def test_lr_sweep_bad_inputs(kwargs, name):
    args = dict(lrs=[0.1, 0.2], steps=100, keep=16) | kwargs
    with pytest.raises(ValueError) as e:
        lr_sweep(double_well(), args.pop("lrs"), **args)
    _one_line(e, name)


def test_other_bad_inputs():
    tm = double_well()
    cases = [
        (lambda: lr_sweep("not a map", [0.1], steps=10, keep=4), "tm"),
        (lambda: period_of([1.0]), "orbit"),
        (lambda: period_of(np.zeros((4, 2, 2))), "orbit"),
        (lambda: period_of([1.0, 2.0], rtol=-1), "rtol"),
        (lambda: period_of([1.0, 2.0], scale=0.0), "scale"),
        (lambda: lr_sensitivity([0.1], [0.1, 0.2], initial_loss=1.0), "final_losses"),
        (lambda: lr_sensitivity([0.1, 0.2], [0.1, 0.2], initial_loss=np.nan), "initial_loss"),
        (lambda: lr_sensitivity([0.1, 0.2], [0.1, 0.0], initial_loss=1.0), "lrs"),
        (lambda: bifurcation_point(tm, 1.3, 1.2, from_period=2, to_period=4, steps=100), "lo"),
        (lambda: bifurcation_point(tm, 1.2, 1.3, from_period=2, to_period=2, steps=100), "to_period"),
        (lambda: bifurcation_point(tm, 1.2, 1.3, from_period=0, to_period=2, steps=100), "from_period"),
        (lambda: bifurcation_point(tm, 1.2, 1.3, from_period=2, to_period=4, steps=100, tol=0), "tol"),
        (lambda: bifurcation_point(tm, 1.1, 1.2, from_period=2, to_period=4, steps=20000), "hi"),
        (lambda: bifurcation_point(tm, 1.25, 1.28, from_period=2, to_period=4, steps=20000), "lo"),
        (lambda: bifurcation_figure("sweep"), "sweep"),
    ]
    for call, name in cases:
        with pytest.raises(ValueError) as e:
            call()
        _one_line(e, name)


def test_catapults_on_ab_minus_one_are_the_converged_runs_started_too_sharp_for_their_lr():
    # f(a, b) = (ab - 1)^2 / 2 from (a, b) = (2.5, 0.3): sharpness there 2/lr_c with lr_c about
    # 0.3; a run at lr > lr_c starts linearly unstable; if it converges it must end at a minimum
    # flatter than 2/lr (a^2 + b^2 <= 2/lr): a catapult. Runs at lr < lr_c are not catapults.
    from chaoslab.learning.sweeps import catapults

    tm = training_map(jnp.array([2.5, 0.3]), loss=lambda th: 0.5 * (th[0] * th[1] - 1) ** 2, lr=0.1)
    lrs = np.linspace(0.05, 1.0, 20)
    sweep = lr_sweep(tm, lrs, steps=3000, keep=8, lyapunov=False)
    c = catapults(tm, sweep)
    H = np.array([[0.3 ** 2, 2 * 2.5 * 0.3 - 1], [2 * 2.5 * 0.3 - 1, 2.5 ** 2]])
    np.testing.assert_allclose(c.initial_sharpness, np.linalg.eigvalsh(H)[-1], rtol=1e-10)
    unstable = 2 / lrs < c.initial_sharpness
    assert np.array_equal(c.catapult, unstable & ~sweep.diverged & (c.final_sharpness < 2 / lrs))
    assert c.catapult.any() and not c.catapult[~unstable].any()
    # where GD converged, the final sharpness obeys the stability bound (catapult or not)
    ok = ~sweep.diverged & (sweep.final_loss < 1e-20)
    assert np.all(c.final_sharpness[ok] <= 2 / lrs[ok] * (1 + 1e-9))
