"""Analysis from data alone: embedding, correlation dimension, largest exponent from a series,
the 0-1 test and the dominant period.

Tolerances: estimates from finite data are biased (finite scaling ranges, embedding); the
bounds below are the literature spread plus that bias, stated per test.
"""

import numpy as np
import pytest

import chaoslab as cl
from chaoslab.analysis.chaos_tests import zero_one_test
from chaoslab.analysis.dimensions import correlation_dimension
from chaoslab.analysis.embedding import cao_dimension, delay_embed, embed, false_nearest_neighbors, mutual_information_delay
from chaoslab.analysis.lyapunov_series import largest_lyapunov_from_series
from chaoslab.analysis.spectra import dominant_period


@pytest.fixture(scope="module")
def lorenz():
    return cl.trajectory("Lorenz", 20000, granularity=50, transient=50.0)


@pytest.fixture(scope="module")
def henon():
    return cl.trajectory("Henon", 20000, transient=100)


def test_delay_embed_is_exact():
    x = np.arange(10.0)
    np.testing.assert_array_equal(delay_embed(x, 3, 2), np.array([[i, i + 2, i + 4] for i in range(6)], float))


def test_embedding_parameters_of_lorenz(lorenz):
    x = lorenz.x[:, 0]
    tau = mutual_information_delay(x)
    # first MI minimum of Lorenz x: ~0.15-0.2 time units (Fraser & Swinney report ~0.16)
    assert 0.08 <= tau * lorenz.dt <= 0.3, tau * lorenz.dt
    assert false_nearest_neighbors(x, tau, 6)[2] == 3
    assert cao_dimension(x, tau, 6)[3] in (3, 4)
    e = embed(x)
    assert e.points.shape == (x.size - (e.dim - 1) * e.delay, e.dim)


def test_correlation_dimension_known_sets(henon, lorenz):
    # Henon: 1.21-1.26 in the literature (Grassberger & Procaccia 1983: 1.21 +- 0.01); 20,000
    # points and a one-decade fit leave ~0.05 of bias
    d = correlation_dimension(henon.x)
    assert abs(d.dimension - 1.22) < 0.08, d.dimension
    # Lorenz: 2.05 +- 0.01 (Grassberger & Procaccia 1983)
    d = correlation_dimension(lorenz.x)
    assert abs(d.dimension - 2.05) < 0.1, d.dimension
    rng = np.random.default_rng(0)
    assert abs(correlation_dimension(rng.random((5000, 2)), theiler=0).dimension - 2.0) < 0.1
    u = rng.random(5000)
    assert abs(correlation_dimension(np.c_[u, 2 * u], theiler=0).dimension - 1.0) < 0.05


@pytest.mark.parametrize("method", ["rosenstein", "kantz"])
def test_largest_exponent_from_data(lorenz, henon, method):
    # +-20%: finite data, a fitted linear region and (Lorenz) a reconstructed state space. On one
    # series of 20000 points the estimate scatters by ~12 % over independent series (measured:
    # 0.82-1.15 over 12), so the mean of three independent series is asserted (scatter ~7 %)
    runs = [lorenz] + [cl.trajectory("Lorenz", 20000, x0=lorenz.x[-1] + s, granularity=50, transient=50.0)
                       for s in (0.5, 1.0)]
    est = [largest_lyapunov_from_series(r.x[:, 0], r.dt, method=method).exponent for r in runs]
    assert abs(np.mean(est) - 0.9056) < 0.2 * 0.9056, est
    r = largest_lyapunov_from_series(henon.x[:, 0], 1.0, method=method, delay=1, dim=2)
    assert abs(r.exponent - 0.41922) < 0.2 * 0.41922, r.exponent


def test_regular_series_has_no_positive_exponent():
    t = np.arange(20000) * 0.05
    r = largest_lyapunov_from_series(np.sin(t), 0.05)
    assert abs(r.exponent) < 0.05  # against 0.9 for chaos at a comparable sampling


def test_zero_one_test():
    chaotic = cl.trajectory("Logistic", 5000, transient=100, params={"r": 3.97})
    periodic = cl.trajectory("Logistic", 5000, transient=100, params={"r": 3.55})
    assert zero_one_test(chaotic.x[:, 0]).K > 0.9
    assert zero_one_test(periodic.x[:, 0]).K < 0.1
    lor = cl.trajectory("Lorenz", 20000, granularity=20, transient=50.0)
    assert zero_one_test(lor.x[:, 0], subsample=2).K > 0.8
    t = np.arange(5000) * 0.5
    qp = zero_one_test(np.sin(t) + np.sin(np.sqrt(2) * t))
    assert qp.K < 0.2 and not qp.chaotic
    a, b = zero_one_test(chaotic.x[:, 0], seed=3), zero_one_test(chaotic.x[:, 0], seed=3)
    assert a.K == b.K


def test_dominant_period():
    t = np.arange(20000) * 0.05
    # bin width 1/1000 in frequency is 0.7% of f = 1/7.3; the parabola refines it well below 0.5%
    assert dominant_period(np.sin(2 * np.pi * t / 7.3), 0.05) == pytest.approx(7.3, rel=5e-3)
    ro = cl.trajectory("Rossler", 20000, granularity=50, transient=100.0)
    assert dominant_period(ro.x[:, 0], ro.dt) == pytest.approx(cl.get_system("Rossler").period, rel=0.03)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: delay_embed(np.arange(5.0), 3, 3), "series of 5 points is too short for dim=3, delay=3"),
        (lambda: delay_embed(np.arange(50.0), 0, 1), "dim must be an integer >= 1"),
        (lambda: embed(np.r_[np.arange(50.0), np.nan]), "series contains NaN"),
        (lambda: correlation_dimension(np.random.default_rng(0).random((50, 2))), "50 points are too few"),
        (lambda: largest_lyapunov_from_series(np.sin(np.arange(300.0)), 0.0), "dt must be a positive number"),
        (lambda: zero_one_test(np.arange(50.0)), "series of 50 points is too short"),
        (lambda: dominant_period(np.arange(10.0), 1.0), "series of 10 points is too short"),
    ],
)
def test_bad_input_one_line(call, message):
    with pytest.raises(ValueError) as e:
        call()
    assert str(e.value).startswith(message) and "\n" not in str(e.value), str(e.value)


def test_figures(tmp_path, henon):
    from chaoslab.analysis import finite_time_lyapunov, lyapunov_spectrum
    from chaoslab.analysis.figures import convergence_figure, correlation_sum_figure, ftle_histogram_figure

    spec = lyapunov_spectrum("Henon", time=5000)
    cd = correlation_dimension(henon.x)
    ftle = finite_time_lyapunov("Henon", 10, members=200)
    figs = [convergence_figure(spec), ftle_histogram_figure(ftle, 10, "Henon", spec.exponents[0]),
            correlation_sum_figure(cd, "Henon")]
    assert len(figs[0].axes) == 2  # one panel per exponent
    for i, f in enumerate(figs):
        f.savefig(tmp_path / f"{i}.png")
        assert (tmp_path / f"{i}.png").stat().st_size > 5000
