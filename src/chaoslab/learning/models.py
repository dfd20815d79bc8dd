"""Small equinox models and the losses they are trained with.

Every model acts on ONE example (``model(x)``); :func:`predict` maps it over a batch with
``jax.vmap``. Parameters are float64 and initialised from ``jax.random.PRNGKey(seed)`` (or an
explicit ``key``): the same seed gives the same bits, eagerly or under ``jit``; the constructors
also work under ``jax.vmap`` over keys (a batch of initialisations). Linear and convolution layers
are drawn from the same distribution as equinox's (and PyTorch's) default, U(+-1/sqrt(fan_in)),
but all parameters of a model come from two flat draws (see ``_materialise``), so building a model
costs a couple of small compilations rather than one per parameter shape.

Models: :func:`mlp` (fully connected), :func:`cnn` (two 3x3 convolutions for 8x8 digits),
:func:`transformer` (a one-stack pre-LN Transformer classifier of token sequences, the grokking
model), :func:`deep_linear` (a linear network with small initialisation).

Losses over a batch: :func:`mse` (1/2 mean over samples of the squared error summed over
outputs), :func:`cross_entropy` (mean negative log-likelihood through a stable log-softmax), and
the metric :func:`accuracy`. :func:`count_params` counts the trainable (inexact-array) entries.
"""

from __future__ import annotations

from typing import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

ACTIVATIONS = ("tanh", "relu", "gelu", "elu", "identity")


def _activation(name: str):
    if name == "tanh":
        return jnp.tanh
    if name == "relu":
        return jax.nn.relu
    if name == "gelu":
        return lambda z: jax.nn.gelu(z, approximate=False)
    if name == "elu":
        return jax.nn.elu
    return lambda z: z


# --------------------------------------------------------------------------------------- checks


def _check_activation(activation) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
    return activation


def _pos_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _widths(widths) -> tuple[int, ...]:
    if isinstance(widths, (int, np.integer)) and not isinstance(widths, bool):
        widths = (widths,)
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence):
        raise ValueError(f"widths must be a sequence of positive integers (hidden layer sizes; [] for none), "
                         f"got {widths!r}")
    return tuple(_pos_int("each hidden width", w) for w in widths)


def _key(seed, key):
    """``key`` if given, else ``jax.random.PRNGKey(seed)``."""
    if key is not None:
        return key
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32), got {seed!r}")
    return jax.random.PRNGKey(int(seed))


_F64 = jnp.float64


# ----------------------------------------------------------------------------- initialisation
#
# Drawing each parameter array separately compiles one small random program per distinct shape
# (a few tenths of a second each on a CPU), which dominates building a model. Instead a model is
# first built abstractly (``eqx.filter_eval_shape``: shapes only, nothing compiled or drawn), then
# its arrays are cut from two flat streams, one uniform U(-1, 1) and one normal N(0, 1), each a
# single draw whose length is rounded up to a power of two (so models of many sizes share a
# handful of compiled programs). Same key -> same streams -> same bits.


def _stream(key, kind: str, size: int):
    """A flat draw of at least ``size`` numbers: numpy when the key is concrete (cutting it up
    compiles nothing), a JAX array under a transformation (jit, vmap over keys, eval_shape)."""
    n = 1 << max(size - 1, 0).bit_length()  # next power of two
    draw = (jax.random.uniform(key, (n,), _F64, minval=-1.0, maxval=1.0) if kind == "u"
            else jax.random.normal(key, (n,), _F64))
    try:
        return np.asarray(draw)
    except jax.errors.TracerArrayConversionError:
        return draw


def _rules(node, normal_std: float):
    """The initialisation of one abstract module or leaf: a list of (attribute or None, shape,
    kind, scale), kind "u" (scale * U(-1, 1)), "n" (scale * N(0, 1)), "1" (ones) or "0" (zeros)."""
    if isinstance(node, eqx.nn.Linear):  # equinox's / PyTorch's default: U(+-1/sqrt(fan_in))
        bound = 1.0 / np.sqrt(node.in_features)
        return [(a, getattr(node, a).shape, "u", bound) for a in ("weight", "bias") if getattr(node, a) is not None]
    if isinstance(node, eqx.nn.Conv):
        bound = 1.0 / np.sqrt(node.in_channels // node.groups * int(np.prod(node.kernel_size)))
        return [(a, getattr(node, a).shape, "u", bound) for a in ("weight", "bias") if getattr(node, a) is not None]
    if isinstance(node, eqx.nn.LayerNorm):
        return [(a, getattr(node, a).shape, k, 1.0) for a, k in (("weight", "1"), ("bias", "0"))
                if getattr(node, a) is not None]
    if isinstance(node, eqx.nn.Embedding):
        return [("weight", node.weight.shape, "n", normal_std)]
    if isinstance(node, jax.ShapeDtypeStruct):
        return [(None, node.shape, "n", normal_std)]
    return []


_INIT_NODES = (eqx.nn.Linear, eqx.nn.Conv, eqx.nn.LayerNorm, eqx.nn.Embedding, jax.ShapeDtypeStruct)


def _materialise(build, key, *, normal_std: float = 1.0):
    """The model ``build(key)`` describes, with its parameters drawn from ``key`` (see above):
    linear and convolution layers U(+-1/sqrt(fan_in)), LayerNorm weight 1 and bias 0, embeddings
    and bare arrays N(0, normal_std^2)."""
    skeleton = eqx.filter_eval_shape(build, jax.random.PRNGKey(0))
    nodes = jax.tree_util.tree_leaves(skeleton, is_leaf=lambda x: isinstance(x, _INIT_NODES))
    rules = [r for node in nodes for r in _rules(node, normal_std)]
    sizes = {k: sum(int(np.prod(shape)) for _, shape, kind, _ in rules if kind == k) for k in ("u", "n")}
    ku, kn = jax.random.split(key)
    streams = {"u": _stream(ku, "u", sizes["u"]), "n": _stream(kn, "n", sizes["n"])}
    offset = {"u": 0, "n": 0}

    def take(shape, kind, scale):
        if kind in ("0", "1"):
            return jnp.full(shape, float(kind), _F64)
        m = int(np.prod(shape))
        chunk = streams[kind][offset[kind]: offset[kind] + m]
        offset[kind] += m
        return jnp.asarray(scale * chunk.reshape(shape), _F64)  # numpy stream: no compilation

    def fill(node):
        rules = _rules(node, normal_std)
        if not rules:
            return node
        if rules[0][0] is None:  # a bare array
            return take(*rules[0][1:])
        values = {attr: take(shape, kind, scale) for attr, shape, kind, scale in rules}
        names = list(values)
        return eqx.tree_at(lambda m: tuple(getattr(m, a) for a in names), node, tuple(values[a] for a in names))

    return jax.tree_util.tree_map(fill, skeleton, is_leaf=lambda x: isinstance(x, _INIT_NODES))


# ----------------------------------------------------------------------------------------- MLP


class MLP(eqx.Module):
    """A fully connected network: ``layers`` (eqx.nn.Linear), ``activation`` between them (not
    after the last). Input: one example, flattened."""

    layers: tuple
    activation: str = eqx.field(static=True)

    def __call__(self, x, *, key=None):
        act = _activation(self.activation)
        h = jnp.ravel(x)
        for layer in self.layers[:-1]:
            h = act(layer(h))
        return self.layers[-1](h)


def mlp(in_size: int, widths, out_size: int, *, activation: str = "tanh", seed: int = 0, bias: bool = True,
        key=None) -> MLP:
    """A fully connected network in_size -> widths... -> out_size with ``activation`` ("tanh",
    "relu", "gelu" (exact, erf), "elu", "identity") after every hidden layer and a linear output.

    ``widths``: the hidden sizes (a sequence; ``[]`` is a linear model, an integer one hidden
    layer). ``bias=False`` drops every bias. Initialisation: weights and biases iid
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (equinox's and PyTorch's default), from ``key`` or
    ``jax.random.PRNGKey(seed)``. Parameters: sum over layers of fan_in * fan_out (+ fan_out with
    bias); ``mlp(64, [64], 10)`` has 64*64 + 64 + 64*10 + 10 = 4810. The input is flattened, so a
    (1, 8, 8) image or a 64-vector both work."""
    in_size = _pos_int("in_size", in_size)
    out_size = _pos_int("out_size", out_size)
    widths = _widths(widths)
    activation = _check_activation(activation)
    sizes = (in_size, *widths, out_size)

    def build(k):
        keys = jax.random.split(k, len(sizes) - 1)
        return MLP(layers=tuple(eqx.nn.Linear(a, b, use_bias=bool(bias), dtype=_F64, key=kk)
                                for a, b, kk in zip(sizes[:-1], sizes[1:], keys)), activation=activation)

    return _materialise(build, _key(seed, key))


# ----------------------------------------------------------------------------------------- CNN


class CNN(eqx.Module):
    """conv 3x3 -> act -> conv 3x3 -> act -> 2x2 average pool -> flatten -> linear."""

    conv1: eqx.nn.Conv2d
    conv2: eqx.nn.Conv2d
    head: eqx.nn.Linear
    activation: str = eqx.field(static=True)
    in_channels: int = eqx.field(static=True)
    image_size: int = eqx.field(static=True)

    def __call__(self, x, *, key=None):
        act = _activation(self.activation)
        s = self.image_size
        h = jnp.reshape(x, (self.in_channels, s, s))
        h = act(self.conv1(h))
        h = act(self.conv2(h))
        c = h.shape[0]
        h = h.reshape(c, s // 2, 2, s // 2, 2).mean(axis=(2, 4))  # 2x2 average pooling (smooth)
        return self.head(jnp.ravel(h))


def cnn(out_size: int = 10, *, channels: Sequence[int] = (4, 8), activation: str = "tanh", seed: int = 0,
        in_channels: int = 1, image_size: int = 8, key=None) -> CNN:
    """A small CNN for the 8x8x1 digits (:func:`chaoslab.learning.data.digits`):

        conv 3x3 (in_channels -> c1, padding 1) -> act -> conv 3x3 (c1 -> c2, padding 1) -> act
        -> 2x2 average pooling -> flatten -> linear (c2 * (s/2)^2 -> out_size)

    Average rather than max pooling keeps the model smooth in its parameters (a well-defined
    Hessian everywhere with tanh). Input: one example as a flat vector of in_channels * s^2
    entries or an (in_channels, s, s) image (s = ``image_size``, even). Initialisation:
    U(+-1/sqrt(fan_in)) (fan_in = 9 x input channels for a convolution; equinox's default) from
    ``key`` or ``PRNGKey(seed)``.

    Parameters: c1 (9 in_channels + 1) + c2 (9 c1 + 1) + (c2 (s/2)^2 + 1) out_size; the default
    ``cnn()`` (c = (4, 8), s = 8, 10 classes) has 40 + 296 + 1290 = 1626."""
    out_size = _pos_int("out_size", out_size)
    in_channels = _pos_int("in_channels", in_channels)
    image_size = _pos_int("image_size", image_size)
    if image_size % 2:
        raise ValueError(f"image_size must be even (2x2 pooling), got {image_size}")
    channels = _widths(channels)
    if len(channels) != 2:
        raise ValueError(f"channels must be two positive integers (c1, c2), got {channels!r}")
    activation = _check_activation(activation)
    c1, c2 = channels

    def build(k):
        k1, k2, k3 = jax.random.split(k, 3)
        return CNN(conv1=eqx.nn.Conv2d(in_channels, c1, 3, padding=1, dtype=_F64, key=k1),
                   conv2=eqx.nn.Conv2d(c1, c2, 3, padding=1, dtype=_F64, key=k2),
                   head=eqx.nn.Linear(c2 * (image_size // 2) ** 2, out_size, dtype=_F64, key=k3),
                   activation=activation, in_channels=in_channels, image_size=image_size)

    return _materialise(build, _key(seed, key))


# --------------------------------------------------------------------------------- Transformer


class Block(eqx.Module):
    """A pre-LN Transformer block: h + Attn(LN(h)), then h + MLP(LN(h))."""

    ln1: eqx.nn.LayerNorm | None
    attn: eqx.nn.MultiheadAttention
    ln2: eqx.nn.LayerNorm | None
    mlp_in: eqx.nn.Linear
    mlp_out: eqx.nn.Linear
    activation: str = eqx.field(static=True)
    causal: bool = eqx.field(static=True)

    def __call__(self, h):
        n = h.shape[0]
        mask = jnp.tril(jnp.ones((n, n), dtype=bool)) if self.causal else None
        z = h if self.ln1 is None else jax.vmap(self.ln1)(h)
        h = h + self.attn(z, z, z, mask=mask)
        z = h if self.ln2 is None else jax.vmap(self.ln2)(h)
        act = _activation(self.activation)
        return h + jax.vmap(lambda v: self.mlp_out(act(self.mlp_in(v))))(z)


class Transformer(eqx.Module):
    """Token + positional embedding -> pre-LN blocks -> final LN -> linear readout of the last
    position. Input: one sequence of ``seq_len`` token ids (integers, or floats holding integers)."""

    embed: eqx.nn.Embedding
    pos: jax.Array
    blocks: tuple
    ln_f: eqx.nn.LayerNorm | None
    unembed: eqx.nn.Linear
    vocab: int = eqx.field(static=True)
    seq_len: int = eqx.field(static=True)

    def __call__(self, tokens, *, key=None):
        tokens = jnp.reshape(tokens, (self.seq_len,))
        if not jnp.issubdtype(tokens.dtype, jnp.integer):  # training maps hand inputs as float64
            tokens = jnp.round(tokens)
        tokens = tokens.astype(jnp.int32)
        h = self.embed.weight[tokens] + self.pos
        for block in self.blocks:
            h = block(h)
        last = h[-1]
        if self.ln_f is not None:
            last = self.ln_f(last)
        return self.unembed(last)


def transformer(vocab: int, *, d_model: int = 32, heads: int = 2, layers: int = 1, seq_len: int = 2,
                out: int | None = None, d_mlp: int | None = None, activation: str = "relu",
                layer_norm: bool = True, causal: bool = True, seed: int = 0, key=None) -> Transformer:
    """A small Transformer classifier of token sequences, the model of the grokking experiments on
    modular arithmetic (Power et al. 2022, a decoder-only Transformer; Nanda et al. 2023, one layer,
    d_model 128, 4 heads, ReLU MLP of width 512, no LayerNorm, readout at the last position).

    One stack, no encoder-decoder: token embedding (vocab x d_model) + learned positional
    embedding (seq_len x d_model); ``layers`` pre-LN blocks, each h + Attn(LN(h)) then
    h + W2 act(W1 LN(h) + b1) + b2 (``d_mlp`` = 4 d_model by default), attention
    ``eqx.nn.MultiheadAttention`` with ``heads`` heads of size d_model / heads, no biases, a
    causal mask unless ``causal=False``; a final LayerNorm and a linear readout (d_model -> ``out``,
    default ``vocab``) of the last position. ``layer_norm=False`` drops every LayerNorm (as Nanda
    et al.). No dropout. Input: one sequence of ``seq_len`` token ids (int, or float holding
    integers, as training maps pass data); output: ``out`` logits.

    Initialisation from ``key`` or ``PRNGKey(seed)``: embeddings iid N(0, 1/d_model), linear layers
    (attention projections included) U(+-1/sqrt(fan_in)), LayerNorm weight 1 and bias 0.

    Parameters: vocab d + seq_len d + layers (4 d^2 [attention] + 2 d d_mlp + d_mlp + d [MLP]
    + 4 d [2 LN]) + 2 d [final LN] + (d + 1) out. The default for vocab = out = 97 (d = 32,
    d_mlp = 128, one layer) has 3104 + 64 + (4096 + 8352 + 128) + 64 + 3201 = 19009."""
    vocab = _pos_int("vocab", vocab)
    d_model = _pos_int("d_model", d_model)
    heads = _pos_int("heads", heads)
    layers = _pos_int("layers", layers)
    seq_len = _pos_int("seq_len", seq_len)
    out = vocab if out is None else _pos_int("out", out)
    d_mlp = 4 * d_model if d_mlp is None else _pos_int("d_mlp", d_mlp)
    activation = _check_activation(activation)
    if d_model % heads:
        raise ValueError(f"d_model must be a multiple of heads, got d_model={d_model} and heads={heads}")

    def ln():
        return eqx.nn.LayerNorm(d_model, dtype=_F64) if layer_norm else None

    def build(k):
        k_embed, k_out, *k_blocks = jax.random.split(k, 2 + layers)
        blocks = []
        for kb in k_blocks:
            ka, k1, k2 = jax.random.split(kb, 3)
            blocks.append(Block(ln1=ln(), attn=eqx.nn.MultiheadAttention(heads, d_model, dtype=_F64, key=ka),
                                ln2=ln(), mlp_in=eqx.nn.Linear(d_model, d_mlp, dtype=_F64, key=k1),
                                mlp_out=eqx.nn.Linear(d_mlp, d_model, dtype=_F64, key=k2),
                                activation=activation, causal=bool(causal)))
        return Transformer(embed=eqx.nn.Embedding(vocab, d_model, dtype=_F64, key=k_embed),
                           pos=jnp.zeros((seq_len, d_model), _F64), blocks=tuple(blocks), ln_f=ln(),
                           unembed=eqx.nn.Linear(d_model, out, dtype=_F64, key=k_out), vocab=vocab,
                           seq_len=seq_len)

    return _materialise(build, _key(seed, key), normal_std=1.0 / np.sqrt(d_model))


# --------------------------------------------------------------------------------- deep linear


class DeepLinear(eqx.Module):
    """x -> W_L ... W_2 W_1 x (no biases, no activations)."""

    weights: tuple

    def __call__(self, x, *, key=None):
        h = jnp.ravel(x)
        for w in self.weights:
            h = w @ h
        return h


def deep_linear(in_size: int, widths, out_size: int, *, scale: float = 1e-3, seed: int = 0, key=None) -> DeepLinear:
    """A deep linear network x -> W_L ... W_1 x, no biases, with small initialisation: every
    entry iid N(0, scale^2) (Saxe, McClelland & Ganguli 2014, "Exact solutions to the nonlinear
    dynamics of learning in deep linear neural networks": from small weights, learning goes through
    plateaus and sharp transitions, one singular mode of the input-output map at a time).

    ``widths``: the hidden sizes (``[]``: a single matrix). Weights ``weights[l]`` have shape
    (fan_out, fan_in); parameters sum over layers of fan_in * fan_out."""
    in_size = _pos_int("in_size", in_size)
    out_size = _pos_int("out_size", out_size)
    widths = _widths(widths)
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.integer, np.floating)) \
            or not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a finite number > 0, got {scale!r}")
    sizes = (in_size, *widths, out_size)

    def build(k):
        return DeepLinear(weights=tuple(jnp.zeros((b, a), _F64) for a, b in zip(sizes[:-1], sizes[1:])))

    return _materialise(build, _key(seed, key), normal_std=float(scale))


# ------------------------------------------------------------------------------ losses, helpers


@eqx.filter_jit
def _predict(model, x):
    return jax.vmap(model)(x)


def predict(model, x):
    """The model applied to every example of the batch ``x`` (``jax.vmap`` over axis 0, compiled
    once per model structure and batch shape with ``eqx.filter_jit``)."""
    return _predict(model, jnp.asarray(x))


# The losses are jitted (one compiled program per input shape rather than one per operation when
# called eagerly); inside a traced function they simply inline. Shape errors raise while tracing.


@jax.jit
def mse(pred, y):
    """Square loss, 1/2 mean over samples of the squared error summed over outputs:

        L = 1/(2n) sum_i ||pred_i - y_i||^2

    (Cohen et al. 2021's convention). The 1/2 and the mean over samples (not over outputs) set the
    Hessian scale: for a linear model pred_i = W x_i, the Hessian is (1/n) sum_i x_i x_i^T per
    output. ``pred``: (n, k) or (n,); ``y``: the same shape, (n, k) with (n,) squeezed alike, or
    integer labels (n,) with k > 1, which are one-hot encoded (the square loss on classification
    of Cohen et al. 2021)."""
    pred = jnp.asarray(pred)
    y = jnp.asarray(y)
    n = pred.shape[0] if pred.ndim else 1
    pred = pred.reshape(n, -1)
    if jnp.issubdtype(y.dtype, jnp.integer) and y.ndim == 1 and pred.shape[1] > 1:
        y = jax.nn.one_hot(y, pred.shape[1], dtype=pred.dtype)
    y = y.reshape(y.shape[0] if y.ndim else 1, -1)
    if y.shape != pred.shape:
        raise ValueError(f"mse needs predictions and targets of one shape (n, k), got {pred.shape} and {y.shape}")
    return 0.5 * jnp.mean(jnp.sum((pred - y) ** 2, axis=1))


@jax.jit
def cross_entropy(logits, labels):
    """Mean over samples of -log softmax(logits_i)[labels_i], through ``jax.nn.log_softmax``
    (max-subtracted: finite for logits of any size). ``logits``: (n, k); ``labels``: integer
    (n,) (floats holding integers are rounded), or (n, k) target probabilities, giving
    -mean_i sum_j labels_ij log softmax(logits_i)_j."""
    logits = jnp.asarray(logits)
    labels = jnp.asarray(labels)
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy needs logits of shape (n, k), got {logits.shape}")
    logp = jax.nn.log_softmax(logits, axis=-1)
    if labels.shape == logits.shape:
        return -jnp.mean(jnp.sum(labels * logp, axis=-1))
    if labels.shape != logits.shape[:1]:
        raise ValueError(f"cross_entropy needs labels of shape (n,) or (n, k) for logits {logits.shape}, "
                         f"got {labels.shape}")
    if not jnp.issubdtype(labels.dtype, jnp.integer):
        labels = jnp.round(labels)
    labels = labels.astype(jnp.int32)
    return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=-1))


@jax.jit
def accuracy(logits, labels):
    """The fraction of samples whose largest logit is at their label (labels (n,) integers)."""
    logits = jnp.asarray(logits)
    labels = jnp.asarray(labels)
    if logits.ndim != 2 or labels.shape != logits.shape[:1]:
        raise ValueError(f"accuracy needs logits (n, k) and labels (n,), got {logits.shape} and {labels.shape}")
    return jnp.mean(jnp.argmax(logits, axis=-1) == jnp.round(labels).astype(jnp.int32))


def count_params(model) -> int:
    """The number of trainable entries of ``model``: the sizes of its inexact (floating or
    complex) arrays, as ``eqx.is_inexact_array`` selects them (integer arrays and static fields
    do not count). An abstract model (``eqx.filter_eval_shape``) counts its inexact
    ``jax.ShapeDtypeStruct`` leaves alike."""

    def inexact(leaf):
        if isinstance(leaf, jax.ShapeDtypeStruct):
            return jnp.issubdtype(leaf.dtype, jnp.inexact)
        return eqx.is_inexact_array(leaf)

    return int(sum(int(np.prod(leaf.shape)) for leaf in jax.tree_util.tree_leaves(model) if inexact(leaf)))
