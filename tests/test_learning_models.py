"""Models and losses of chaoslab.learning.models: parameter counts, deterministic float64 init,
batch shapes, the losses against direct formulas (and their scale), errors."""

import numpy as np
import pytest


import jax
import jax.numpy as jnp

from chaoslab.learning import models as M


def _leaves(model):
    import equinox as eqx

    return jax.tree_util.tree_leaves(eqx.filter(model, eqx.is_inexact_array))


def _same_bits(a, b):
    la, lb = _leaves(a), _leaves(b)
    return len(la) == len(lb) and all(np.array_equal(np.asarray(u), np.asarray(v)) for u, v in zip(la, lb))


# ------------------------------------------------------------------------------ parameter counts


def test_mlp_parameter_counts():
    assert M.count_params(M.mlp(64, [64], 10)) == 64 * 64 + 64 + 64 * 10 + 10 == 4810
    assert M.count_params(M.mlp(64, [64], 10, bias=False)) == 64 * 64 + 64 * 10
    assert M.count_params(M.mlp(3, [], 2)) == 3 * 2 + 2
    assert M.count_params(M.mlp(1, 20, 1)) == M.count_params(M.mlp(1, [20], 1)) == 20 + 20 + 20 + 1
    assert M.count_params(M.mlp(5, (7, 6), 4)) == 5 * 7 + 7 + 7 * 6 + 6 + 6 * 4 + 4


def test_cnn_parameter_count():
    assert M.count_params(M.cnn()) == 4 * (9 + 1) + 8 * (9 * 4 + 1) + (8 * 16 + 1) * 10 == 1626
    c1, c2 = 3, 5
    assert M.count_params(M.cnn(7, channels=(c1, c2))) == c1 * 10 + c2 * (9 * c1 + 1) + (c2 * 16 + 1) * 7


def _transformer_count(vocab, d, layers, seq, out, d_mlp, ln=True):
    block = 4 * d * d + 2 * d * d_mlp + d_mlp + d + (4 * d if ln else 0)
    return vocab * d + seq * d + layers * block + (2 * d if ln else 0) + (d + 1) * out


def test_transformer_parameter_count():
    assert M.count_params(M.transformer(97)) == _transformer_count(97, 32, 1, 2, 97, 128) == 19009
    m = M.transformer(11, d_model=8, heads=4, layers=2, seq_len=3, out=5, d_mlp=16)
    assert M.count_params(m) == _transformer_count(11, 8, 2, 3, 5, 16)
    assert M.count_params(M.transformer(11, d_model=8, layer_norm=False)) == _transformer_count(11, 8, 1, 2, 11, 32,
                                                                                                ln=False)


def test_deep_linear_structure():
    m = M.deep_linear(6, [5, 4], 3, scale=1e-3)
    assert M.count_params(m) == 6 * 5 + 5 * 4 + 4 * 3
    assert [w.shape for w in m.weights] == [(5, 6), (4, 5), (3, 4)]
    x = jnp.arange(6.0)
    np.testing.assert_allclose(m(x), m.weights[2] @ m.weights[1] @ m.weights[0] @ x, rtol=1e-13)
    big = M.deep_linear(200, [200], 1, scale=0.01, seed=1)
    assert abs(float(jnp.std(big.weights[0])) / 0.01 - 1) < 0.02  # N(0, scale^2) entries
    assert abs(float(jnp.mean(big.weights[0]))) < 1e-3


# ----------------------------------------------------------------------- init: float64, seeded


MAKERS = {
    "mlp": lambda seed: M.mlp(4, [5], 3, seed=seed),
    "cnn": lambda seed: M.cnn(3, channels=(2, 2), seed=seed),
    "transformer": lambda seed: M.transformer(7, d_model=8, seed=seed),
    "deep_linear": lambda seed: M.deep_linear(4, [3], 2, seed=seed),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_init_is_deterministic_float64(name):
    make = MAKERS[name]
    a, b, c = make(0), make(0), make(1)
    assert all(leaf.dtype == jnp.float64 for leaf in _leaves(a))
    assert _same_bits(a, b)
    assert not any(np.array_equal(np.asarray(u), np.asarray(v)) for u, v in zip(_leaves(a), _leaves(c))
                   if np.asarray(u).std() > 0)  # every random leaf differs


def test_key_argument_equals_seed():
    key = jax.random.PRNGKey(3)
    assert _same_bits(M.mlp(4, [5], 3, key=key), M.mlp(4, [5], 3, seed=3))
    assert _same_bits(M.transformer(7, d_model=8, key=key), M.transformer(7, d_model=8, seed=3))
    assert _same_bits(M.deep_linear(4, [3], 2, key=key), M.deep_linear(4, [3], 2, seed=3))
    assert _same_bits(M.cnn(key=key), M.cnn(seed=3))


def test_init_under_jit_vmap_and_eval_shape():
    import equinox as eqx

    eager = M.mlp(3, [4], 2, seed=5)
    jitted = eqx.filter_jit(lambda k: M.mlp(3, [4], 2, key=k))(jax.random.PRNGKey(5))
    assert _same_bits(eager, jitted)
    keys = jax.vmap(jax.random.PRNGKey)(jnp.arange(3))
    batch = jax.vmap(lambda k: M.mlp(3, [4], 2, key=k))(keys)
    assert batch.layers[0].weight.shape == (3, 4, 3)
    member = jax.tree_util.tree_map(lambda a: a[1], batch)
    assert _same_bits(member, M.mlp(3, [4], 2, seed=1))
    abstract = eqx.filter_eval_shape(M.transformer, 97)  # nothing drawn
    assert M.count_params(abstract) == M.count_params(M.transformer(97)) == 19009


def test_init_distributions():
    w = np.asarray(M.mlp(400, [300], 1).layers[0].weight)  # U(+-1/sqrt(400))
    assert -0.05 <= w.min() < -0.0499 and 0.0499 < w.max() <= 0.05
    assert abs(w.std() * np.sqrt(3) / 0.05 - 1) < 0.01
    t = M.transformer(97)
    assert abs(np.std(np.asarray(t.embed.weight)) * np.sqrt(32) - 1) < 0.05  # N(0, 1/d_model)
    np.testing.assert_array_equal(t.blocks[0].ln1.weight, np.ones(32))
    np.testing.assert_array_equal(t.ln_f.bias, np.zeros(32))


# ------------------------------------------------------------------------------------ forward


def test_predict_shapes():
    x = np.random.default_rng(0).random((5, 64))
    mlp = M.mlp(64, [16], 10, activation="relu")
    assert M.predict(mlp, x).shape == (5, 10)
    cnn = M.cnn()
    out = M.predict(cnn, x)
    assert out.shape == (5, 10) and out.dtype == jnp.float64
    np.testing.assert_array_equal(out, M.predict(cnn, x.reshape(5, 1, 8, 8)))  # flat or image
    assert M.predict(M.mlp(1, [8], 1, activation="gelu"), np.zeros((20, 1))).shape == (20, 1)
    assert M.predict(M.deep_linear(64, [8], 2), x).shape == (5, 2)


def test_activations_differ_and_identity_is_linear():
    x = jnp.linspace(-1, 1, 4)
    outs = {a: M.mlp(4, [6], 1, activation=a, seed=2)(x) for a in M.ACTIVATIONS}
    assert len({float(v[0]) for v in outs.values()}) == len(M.ACTIVATIONS)
    lin = M.mlp(4, [6], 1, activation="identity", bias=False, seed=2)
    np.testing.assert_allclose(lin(2 * x), 2 * lin(x), rtol=1e-13)


def test_transformer_tokens():
    m = M.transformer(7, d_model=8, heads=2)
    tokens = np.array([[1, 2], [3, 4], [1, 5]])
    logits = M.predict(m, tokens)
    assert logits.shape == (3, 7) and logits.dtype == jnp.float64
    np.testing.assert_array_equal(logits, M.predict(m, tokens.astype(np.float64)))  # as training passes them
    assert not np.allclose(logits[0], logits[2])  # the last position sees the first token
    assert M.predict(M.transformer(7, d_model=8, layers=2, seq_len=3, out=2), np.zeros((4, 3), int)).shape == (4, 2)


# ------------------------------------------------------------------------------------- losses


def test_mse_scale():
    pred = jnp.array([[1.0, 2.0], [3.0, 4.0]])
    assert float(M.mse(pred, jnp.zeros((2, 2)))) == 0.5 * (5 + 25) / 2  # 1/2 mean_i sum_k
    # scalar outputs: (n,) and (n, 1) alike
    assert float(M.mse(jnp.array([1.0, 3.0]), jnp.array([[0.0], [0.0]]))) == 0.5 * (1 + 9) / 2
    # Hessian of the loss of a linear model = X^T X / n
    X = jnp.asarray(np.random.default_rng(1).standard_normal((6, 3)))
    y = jnp.ones((6, 1))
    h = jax.jit(jax.hessian(lambda w: M.mse(X @ w, y)))(jnp.zeros((3, 1))).reshape(3, 3)
    np.testing.assert_allclose(h, X.T @ X / 6, rtol=1e-13)
    # integer labels against k outputs: one-hot (Cohen et al.'s square loss on classification)
    logits = jnp.array([[0.5, 0.2, 0.0], [0.0, 1.0, 0.0]])
    np.testing.assert_allclose(M.mse(logits, jnp.array([0, 1])), 0.5 * (0.25 + 0.04 + 0.0) / 2, rtol=1e-15)
    with pytest.raises(ValueError, match="one shape"):
        M.mse(jnp.zeros((3, 2)), jnp.zeros((3, 3)))


def test_cross_entropy_direct_formula_and_extremes():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((7, 5)) * 3
    labels = rng.integers(0, 5, 7)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    direct = -np.mean(np.log(p[np.arange(7), labels]))
    np.testing.assert_allclose(M.cross_entropy(logits, labels), direct, rtol=1e-14)
    np.testing.assert_allclose(M.cross_entropy(logits, labels.astype(float)), direct, rtol=1e-14)
    np.testing.assert_allclose(M.cross_entropy(logits, np.eye(5)[labels]), direct, rtol=1e-14)
    big = jnp.array([[1e4, -1e4], [-1e4, 1e4], [1e4, 1e4]])
    ce = M.cross_entropy(big, jnp.array([0, 0, 1]))
    assert np.isfinite(float(ce))
    np.testing.assert_allclose(ce, (0.0 + 2e4 + np.log(2)) / 3, rtol=1e-15)
    g = jax.grad(lambda z: M.cross_entropy(z, jnp.array([0, 0, 1])))(big)
    assert np.all(np.isfinite(np.asarray(g)))
    with pytest.raises(ValueError):
        M.cross_entropy(jnp.zeros((3, 2)), jnp.zeros(4, int))


def test_accuracy():
    logits = jnp.array([[2.0, 1.0], [0.0, 3.0], [5.0, 1.0], [1.0, 0.0]])
    assert float(M.accuracy(logits, jnp.array([0, 1, 1, 1]))) == 0.5
    with pytest.raises(ValueError):
        M.accuracy(logits, jnp.array([0, 1]))


# ------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize("make, match", [
    (lambda: M.mlp(4, [5], 3, activation="sigmoid"), "activation"),
    (lambda: M.mlp(4, "abc", 3), "widths"),
    (lambda: M.mlp(4, [5, 0], 3), "hidden width"),
    (lambda: M.mlp(0, [5], 3), "in_size"),
    (lambda: M.mlp(4, [5], 3, seed=-1), "seed"),
    (lambda: M.mlp(4, [5], 3, seed=1.5), "seed"),
    (lambda: M.cnn(channels=(4,)), "channels"),
    (lambda: M.cnn(image_size=7), "even"),
    (lambda: M.transformer(7, d_model=10, heads=3), "multiple of heads"),
    (lambda: M.transformer(0), "vocab"),
    (lambda: M.transformer(7, layers=0), "layers"),
    (lambda: M.deep_linear(4, [3], 2, scale=0.0), "scale"),
    (lambda: M.deep_linear(4, [3], 2, scale=float("nan")), "scale"),
])
def test_bad_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()
