"""Twin runs (chaoslab.learning.twins): exact properties of the perturbation, the barrier and the
alignment, and twins that see identical batches."""

import chaoslab  # noqa: F401  (float64)
import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from chaoslab.learning import data, models
from chaoslab.learning.training import training_map
from chaoslab.learning.twins import align_hidden_units, butterfly_figure, loss_barrier, perturbation, twin_runs


def _digits_map(**kw):
    return training_map(models.mlp(64, [16], 10, seed=1), data.digits(256, seed=0), loss="cross_entropy", lr=0.1,
                        batch_size=32, seed=4, **kw)


def test_sigma_zero_twins_are_identical_bit_for_bit_and_others_are_not():
    tm = _digits_map()
    r = twin_runs(tm, 40, sigma=[0.0, 1e-6], at=[0, 16], every=8)
    assert r.distance.shape == (2, 2, 6) and r.steps.tolist() == [0, 8, 16, 24, 32, 40]
    assert np.all(r.distance[:, 0][np.isfinite(r.distance[:, 0])] == 0.0)
    assert np.all(r.final_loss[:, 0] == r.final_loss[:, 1])
    # the distance is NaN before the perturbation, and sigma ||theta_0 (weights)|| right at it
    assert np.isnan(r.distance[1, :, :2]).all()
    w0 = np.linalg.norm(np.where(tm.weights, tm.x0[: tm.n_params], 0.0))
    np.testing.assert_allclose(r.distance[:, 1, [0, 2]].diagonal(), 1e-6 * w0, rtol=1e-9)
    assert np.all(r.final_distance[:, 1] > 0) and not r.diverged.any()


def test_the_perturbation_is_gaussian_on_the_weights_only_at_the_initialisation_scale():
    tm = _digits_map(optimizer="adam")
    d = perturbation(tm, 0.5, seed=3)
    P = tm.n_params
    assert d.shape == (tm.system.dim,) and np.all(d[P:] == 0)  # the optimiser state is not perturbed
    assert np.all(d[:P][~tm.weights] == 0) and np.count_nonzero(d[:P][tm.weights]) == tm.weights.sum()
    np.testing.assert_allclose(np.linalg.norm(d), 0.5 * np.linalg.norm(tm.x0[:P][tm.weights]), rtol=1e-12)
    np.testing.assert_array_equal(d, perturbation(tm, 0.5, seed=3))
    # biases: 16 + 10 entries are not weights
    assert (~tm.weights).sum() == 26


def test_the_barrier_of_the_double_well_between_its_minima_is_its_height():
    tm = training_map(jnp.array([1.0]), loss=lambda th: (th[0] ** 2 - 1) ** 2 / 4)
    # the path from -1 to 1 passes x = 0 (alpha = 0.5 is one of the 11 points): f(0) = 1/4
    assert loss_barrier(tm, np.array([-1.0]), np.array([1.0])) == 0.25
    # a convex loss has no barrier: the ends are the maximum of loss minus the chord
    bowl = training_map(jnp.ones(3), loss=lambda th: jnp.sum(th ** 2))
    assert loss_barrier(bowl, np.array([1.0, 2.0, 3.0]), np.array([-2.0, 0.5, 1.0])) == 0.0
    assert np.isnan(loss_barrier(bowl, np.array([np.nan, 0.0, 0.0]), np.zeros(3)))


def test_alignment_undoes_a_relabelling_of_hidden_units():
    tm = training_map(models.mlp(5, [7, 6], 3, seed=2), data.synthetic_regression(20, 5, out=3), loss="mse")
    model = tm.unravel(tm.x0[: tm.n_params])
    rng = np.random.default_rng(0)
    p1, p2 = rng.permutation(7), rng.permutation(6)
    L = model.layers
    shuffled = eqx.tree_at(lambda m: m.layers, model, (
        eqx.tree_at(lambda l: (l.weight, l.bias), L[0], (L[0].weight[p1], L[0].bias[p1])),
        eqx.tree_at(lambda l: (l.weight, l.bias), L[1], (L[1].weight[p2][:, p1], L[1].bias[p2])),
        eqx.tree_at(lambda l: l.weight, L[2], L[2].weight[:, p2])))
    theta_a = tm.x0[: tm.n_params]
    theta_b = np.asarray(ravel_pytree(eqx.filter(shuffled, eqx.is_inexact_array))[0])
    assert np.linalg.norm(theta_b - theta_a) > 1.0
    # the same function: the same loss (to summation order)
    np.testing.assert_allclose(float(tm.loss(theta_b)), float(tm.loss(theta_a)), rtol=1e-13)
    np.testing.assert_array_equal(align_hidden_units(tm, theta_a, theta_b), theta_a)
    # no hidden units to permute: None
    flat = training_map(jnp.ones(2), loss=lambda th: jnp.sum(th ** 2))
    assert align_hidden_units(flat, np.ones(2), np.zeros(2)) is None


def test_twin_runs_refuse_bad_grids_and_draw_a_figure():
    tm = _digits_map()
    with pytest.raises(ValueError, match="at must be distinct integer steps in \\[0, steps = 10\\)"):
        twin_runs(tm, 10, at=[10])
    with pytest.raises(ValueError, match="sigma must be a non-empty list of numbers >= 0"):
        twin_runs(tm, 10, sigma=[-1.0])
    r = twin_runs(tm, 8, sigma=[1e-4, 1e-2], at=[0, 4], every=4)
    assert np.isfinite(r.aligned_barrier).all() and np.isfinite(r.barrier).all()
    fig = butterfly_figure(r)
    assert len(fig.axes) == 2
