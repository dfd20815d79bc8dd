"""Ensembles reduced inside the compiled program (integrate.ensemble_statistics) and the chunked
programs behind trajectory / ensemble / stream."""

import math

import numpy as np
import pytest

import chaoslab as cl
from chaoslab.integrate import ensemble, ensemble_statistics, stream
from chaoslab.systems.base import System

# x -> 2x: every state is x0 * 2^k exactly (no rounding), so counts, extrema, exceedances and
# histograms have exact reference values, and a member leaves the bound at a known iteration
DOUBLING = System("Doubling", 2, lambda x, t, a: a * x, params={"a": 2.0}, discrete=True, reference_ic=(0.1, 0.2),
                  period=1.0)


def _reference(X, center, scale, levels, bins, span):
    """numpy statistics over the members of X (m, n, d) that are finite at each time."""
    ok = np.all(np.isfinite(X), axis=-1)  # (m, n)
    n, d = X.shape[1], X.shape[2]
    count = ok.sum(axis=0)
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(np.where(ok[..., None], X, np.nan), axis=0)
        m2 = np.nansum(np.where(ok[..., None], (X - mean) ** 2, np.nan), axis=0)
    lo = center - span * scale
    width = 2 * span * scale / bins
    hist = np.zeros((n, d, bins), np.int64)
    exc = np.zeros((n, len(levels), d), np.int64)
    for k in range(n):
        Y = X[ok[:, k], k]
        for j in range(d):
            hist[k, j] = np.bincount(np.clip(np.floor((Y[:, j] - lo[j]) / width[j]), 0, bins - 1).astype(int),
                                     minlength=bins)
        for i, lv in enumerate(levels):
            exc[k, i] = (np.abs(Y - center) / scale > lv).sum(axis=0)
    return count, mean, m2, hist, exc


@pytest.mark.parametrize("m", [37, 137])
def test_statistics_equal_numpy_of_the_states_exactly_where_arithmetic_is_exact(m):
    # 37 members (one group) or 137 (three groups of 46, the last padded; merged pairwise on the
    # host), chunks of 8 iterations, members leaving the bound 1e3 at iterations 6 to 14:
    # mid-chunk, at different times
    rng = np.random.default_rng(0)
    n = 30
    x0 = rng.integers(-64, 65, size=(m, 2)) / 4.0  # |x0| <= 16: exact, and 2^k x0 exact
    x0[0] = 0.0  # never leaves
    center, scale = np.array([0.5, -0.25]), np.array([8.0, 4.0])
    st = ensemble_statistics(DOUBLING, n, x0=x0, bound=1e3, center=center, scale=scale, levels=(1.0, 2.5),
                             bins=16, span=4.0, chunk=8)
    X = x0[:, None, :] * 2.0 ** np.arange(n)[None, :, None]
    left = np.any(np.abs(X) > 1e3, axis=-1)
    first = np.where(left.any(axis=1), np.argmax(left, axis=1), n)
    assert 6 <= first[first < n].min() and first[1:].max() < n and len(set(first % 8)) > 3  # mid-chunk, varied
    X = np.where(np.arange(n)[None, :, None] >= first[:, None, None], np.nan, X)
    count, mean, m2, hist, exc = _reference(X, center, scale, (1.0, 2.5), 16, 4.0)
    np.testing.assert_array_equal(st.count, count)
    np.testing.assert_allclose(st.mean, mean, rtol=1e-13, atol=1e-13 * np.nanmax(np.abs(X)))
    np.testing.assert_allclose(st.m2, m2, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(st.minimum, np.nanmin(X, axis=0))
    np.testing.assert_array_equal(st.maximum, np.nanmax(X, axis=0))
    np.testing.assert_array_equal(st.histogram, hist)
    np.testing.assert_array_equal(st.exceed, exc)
    np.testing.assert_array_equal(st.diverged_at, np.where(first < n, first.astype(float), np.nan))
    assert st.diverged == int((first < n).sum())


def test_statistics_of_a_chaotic_ensemble_equal_numpy_of_its_states():
    # Lorenz with a bound of 40 that some members cross (they count up to their last good point);
    # ensemble() and ensemble_statistics() are different programs, whose roundings differ by
    # ~1e-15 and grow by e^(0.9 t) over 3 time units: moments agree to 1e-11
    rng = np.random.default_rng(1)
    x0 = cl.get_system("Lorenz").ic + 3 * rng.standard_normal((37, 3))
    kw = dict(x0=x0, dt=0.01, method="rk4", substeps=2, bound=40.0)
    center, scale = np.array([0.0, 0.0, 25.0]), np.array([8.0, 9.0, 8.0])
    st = ensemble_statistics("Lorenz", 300, center=center, scale=scale, chunk=64, **kw)
    ens = ensemble("Lorenz", 300, **kw)
    assert 0 < (~ens.valid).sum() < 37 and np.all(np.isnan(ens.x[~ens.valid, -1]))
    np.testing.assert_array_equal(st.diverged_at, ens.diverged_at)
    count, mean, m2, hist, exc = _reference(ens.x, center, scale, st.levels, 200, 8.0)
    np.testing.assert_array_equal(st.count, count)
    np.testing.assert_allclose(st.mean, mean, rtol=1e-11, atol=1e-11 * 40)
    np.testing.assert_allclose(st.m2, m2, rtol=1e-11)
    np.testing.assert_allclose(st.minimum, np.nanmin(ens.x, axis=0), rtol=1e-11, atol=1e-11 * 40)
    assert np.abs(st.histogram - hist).sum() <= 2  # a value within ~1e-12 of a bin edge may change bins
    np.testing.assert_array_equal(st.exceed, exc)


def test_merged_blocks_equal_one_run():
    x0 = cl.get_system("Lorenz").ic + np.random.default_rng(2).standard_normal((64, 3))
    kw = dict(dt=0.02, method="rk4", substeps=2, center=[0, 0, 25], scale=[8, 9, 8])
    whole = ensemble_statistics("Lorenz", 100, x0=x0, **kw)
    parts = ensemble_statistics("Lorenz", 100, x0=x0[:20], **kw).merge(ensemble_statistics("Lorenz", 100, x0=x0[20:], **kw))
    np.testing.assert_array_equal(parts.count, whole.count)
    np.testing.assert_allclose(parts.mean, whole.mean, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(parts.m2, whole.m2, rtol=1e-12)
    np.testing.assert_array_equal(parts.histogram, whole.histogram)
    q = whole.quantile(0.5)
    assert np.all(np.abs(q[-1] - np.median(ensemble("Lorenz", 100, x0=x0, dt=0.02, method="rk4", substeps=2).x[:, -1],
                                           axis=0)) <= whole.edges[:, 1] - whole.edges[:, 0])


def test_bad_statistics_input_is_one_line():
    x0 = np.zeros((4, 3)) + 1.0
    for kw, msg in (({"bins": 0}, "bins must be a positive integer"), ({"span": -1.0}, "span must be a positive"),
                    ({"levels": []}, "levels must be a non-empty"), ({"scale": [1.0, 0.0, 1.0]}, "scale finite and > 0")):
        with pytest.raises(ValueError, match=msg):
            ensemble_statistics("Lorenz", 10, x0=x0, dt=0.01, center=[0, 0, 0], **({"scale": 1.0} | kw))


def test_chunks_do_not_change_the_states():
    # the same program state passes from chunk to chunk on the device: chunks of 7 and of 1000
    # give the same bits (rk4: the same arithmetic per step in both programs)
    x0 = cl.get_system("Lorenz").ic + np.random.default_rng(3).standard_normal((5, 3))
    a = ensemble("Lorenz", 50, x0=x0, dt=0.01, method="rk4", substeps=1, chunk=7).x
    b = np.concatenate([x for _, x, _ in stream("Lorenz", 50, x0=x0, dt=0.01, method="rk4", substeps=1, chunk=1000)],
                       axis=1)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    tr = cl.trajectory("Lorenz", 50, x0=x0[0], dt=0.01, method="rk4", substeps=1)
    np.testing.assert_allclose(tr.x, a[0], rtol=0, atol=1e-12)


def test_a_member_that_left_is_frozen_and_the_others_go_on():
    # an adaptive solver would otherwise shrink its steps toward a blow-up while the whole batch waits
    x0 = np.array([[1.0, 1.0, 1.0], [1e7, 1e7, 1e7]])
    ens = ensemble("Lorenz", 200, x0=x0, dt=0.01, bound=1e6)
    assert ens.valid.tolist() == [True, False] and ens.diverged_at[1] == 0.0
    assert np.all(np.isnan(ens.x[1])) and np.all(np.isfinite(ens.x[0]))
    assert math.isnan(ens.diverged_at[0])
