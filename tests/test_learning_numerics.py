"""Softmax collapse (chaoslab.learning.numerics, after Prieto et al. 2025): the exact absorption
thresholds of the float formats, fractions over a batch, labels, and agreement with the
cross-entropy and its gradient computed by JAX in the same precision."""

import math

import chaoslab  # noqa: F401  (float64)
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chaoslab.learning.numerics import collapse_gap, half_ulp_of_one, softmax_collapse


def test_half_an_ulp_of_one_and_the_collapse_gaps_of_each_format():
    # p significand bits (implicit one included): 11, 24, 53; fl(1 + r) == 1 iff r <= 2^-p
    for dtype, p in (("float16", 11), ("float32", 24), ("float64", 53)):
        u = half_ulp_of_one(dtype)
        assert u == 2.0 ** -p
        one = np.dtype(dtype).type(1)
        assert one + np.dtype(dtype).type(u) == one  # a tie, rounded to the even neighbour, 1
        assert one + np.nextafter(np.dtype(dtype).type(u), one) != one
        assert collapse_gap(dtype) == pytest.approx(p * math.log(2), rel=1e-15)
    assert collapse_gap("float16") == pytest.approx(7.6246, abs=1e-4)
    assert collapse_gap("float32") == pytest.approx(16.6355, abs=1e-4)
    assert collapse_gap("float64") == pytest.approx(36.7368, abs=1e-4)


def test_one_competitor_collapses_iff_its_gap_exceeds_p_ln_2():
    g32, g64 = collapse_gap("float32"), collapse_gap("float64")
    eps = 1e-3  # exp(1e-3) - 1 = 1e-3, far above float32's rounding of exp (1e-7 relative)
    gaps = np.array([g32 - eps, g32 + eps, 20.0, g64 - eps, g64 + eps, 40.0, 120.0])
    logits = np.column_stack([np.full_like(gaps, 3.0), 3.0 - gaps])
    r32 = softmax_collapse(logits, dtype="float32")
    r64 = softmax_collapse(logits, dtype="float64")
    assert r32.mask.tolist() == [False, True, True, True, True, True, True]
    assert r64.mask.tolist() == [False, False, False, False, True, True, True]
    # a gap of 20 collapses in float32 but not in float64; 120 collapses in both
    assert r32.fraction == pytest.approx(6 / 7) and r64.fraction == pytest.approx(3 / 7)
    np.testing.assert_allclose(r64.gap, gaps, rtol=1e-15)
    h16 = collapse_gap("float16")
    r16 = softmax_collapse([[0.0, -(h16 - 0.05)], [0.0, -(h16 + 0.05)]], dtype="float16")
    assert r16.mask.tolist() == [False, True]


def test_the_other_classes_are_absorbed_together_not_one_at_a_time():
    # nine competitors each at 0.9 x 2^-24 (alone each would be absorbed) sum past half an ulp
    g = -math.log(0.9 * 2.0 ** -24)
    r = softmax_collapse([[0.0] + [-g] * 9, [0.0, -g] + [-60.0] * 8], dtype="float32")
    assert r.mask.tolist() == [False, True]
    # ties at the top never collapse: the denominator holds exp(0) twice
    assert not softmax_collapse([[50.0, 50.0, -50.0]], dtype="float64").mask[0]


def test_fraction_over_a_batch_and_leading_axes():
    rng = np.random.default_rng(0)
    gaps = rng.uniform(0, 50, size=(4, 25))
    logits = np.stack([np.zeros_like(gaps), -gaps, -gaps - 5.0], axis=-1)  # (4, 25, 3)
    r = softmax_collapse(logits, dtype="float32")
    assert r.mask.shape == (4, 25)
    # two competitors at gaps g and g + 5: R = e^-g (1 + e^-5)
    expected = np.exp(-gaps) * (1 + np.exp(-5.0)) <= 2.0 ** -24
    near = np.abs(np.exp(-gaps) * (1 + np.exp(-5.0)) / 2.0 ** -24 - 1) < 1e-5
    assert not near.any()
    np.testing.assert_array_equal(r.mask, expected)
    assert r.fraction == pytest.approx(expected.mean())
    assert 0 < r.fraction < 1
    single = softmax_collapse(logits[0, 0], dtype="float32")  # one sample: (classes,)
    assert single.mask.shape == () and bool(single.mask) == bool(expected[0, 0])


def test_labels_give_the_samples_with_exactly_zero_loss_and_gradient_as_jax_computes_them():
    logits = np.array([[30.0, 0.0, 1.0],    # collapsed (float32), label the top: zero loss
                       [30.0, 0.0, 1.0],    # collapsed, label not the top: loss ~ 30
                       [5.0, 0.0, 1.0],     # not collapsed
                       [0.0, 45.0, 2.0]])   # collapsed in both precisions
    labels = np.array([0, 2, 0, 1])
    for dtype, collapsed in (("float32", [True, True, False, True]), ("float64", [False, False, False, True])):
        r = softmax_collapse(logits, labels, dtype=dtype)
        assert r.mask.tolist() == collapsed
        assert r.correct.tolist() == [True, False, True, True]
        zero = np.array(collapsed) & r.correct
        np.testing.assert_array_equal(r.zero_loss, zero)
        assert r.zero_loss_fraction == pytest.approx(zero.mean())
        # the per-sample cross-entropy and its gradient in that precision, by JAX
        z = jnp.asarray(logits, dtype=dtype)

        def ce(z, y):
            return -jax.nn.log_softmax(z)[y]

        loss = np.asarray(jax.vmap(ce)(z, jnp.asarray(labels)))
        grad = np.asarray(jax.vmap(jax.grad(ce))(z, jnp.asarray(labels)))
        np.testing.assert_array_equal(loss == 0, zero)
        g_label = grad[np.arange(4), labels]
        np.testing.assert_array_equal(g_label == 0, zero)
    # labels as floats holding integers are accepted
    assert softmax_collapse(logits, labels.astype(float)).zero_loss.tolist() == [True, False, False, True]


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="dtype"):
        softmax_collapse([[1.0, 0.0]], dtype="bfloat16")
    with pytest.raises(ValueError, match="dtype"):
        softmax_collapse([[1.0, 0.0]], dtype=np.float32)
    with pytest.raises(ValueError, match="dtype"):
        half_ulp_of_one("float128")
    with pytest.raises(ValueError, match="finite"):
        softmax_collapse([[np.nan, 0.0]])
    with pytest.raises(ValueError, match="overflow"):
        softmax_collapse([[1e39, 0.0]], dtype="float32")
    with pytest.raises(ValueError, match="class axis"):
        softmax_collapse(3.0)
    with pytest.raises(ValueError, match="shape"):
        softmax_collapse([[1.0, 0.0], [0.0, 1.0]], labels=[0])
    with pytest.raises(ValueError, match="lie in"):
        softmax_collapse([[1.0, 0.0]], labels=[2])
    with pytest.raises(ValueError, match="integers"):
        softmax_collapse([[1.0, 0.0]], labels=[0.5])


def test_softmax_collapse_of_a_trained_classifier_counts_more_samples_in_float32():
    # a linear classifier on digits trained with a large learning rate scales its logits up:
    # float32 collapses at gaps of 16.6, float64 only at 36.7, so at least as many samples
    # collapse in float32, and exactly those whose top-two gap exceeds each threshold
    from chaoslab.learning import data, models
    from chaoslab.learning.numerics import collapse_gap, training_collapse
    from chaoslab.learning.training import train, training_map

    tm = training_map(models.mlp(64, [], 10, seed=0), data.digits(200, seed=0), loss="cross_entropy", lr=50.0)
    theta = train(tm, 400, every=400).states[0, -1]
    c32, c64 = (training_collapse(tm, theta, dtype=d) for d in ("float32", "float64"))
    assert c32.fraction > c64.fraction and c32.fraction > 0
    np.testing.assert_allclose(c32.gap, c64.gap, rtol=1e-6, atol=1e-4)  # the logits rounded to float32 or not
    assert np.all(c32.mask[c32.gap > collapse_gap("float32") + 1e-3])
    assert not np.any(c64.mask[c64.gap < collapse_gap("float64") - 1e-3])
    with pytest.raises(ValueError, match="needs a training map with data"):
        training_collapse(training_map(np.ones(2), loss=lambda th: (th ** 2).sum()), np.ones(2))
