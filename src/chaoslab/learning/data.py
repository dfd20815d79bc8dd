"""Offline datasets for training-dynamics experiments.

Every dataset is a :class:`Dataset` of numpy arrays, built without network access and
deterministically: every random choice comes from ``np.random.default_rng(seed)``.

- :func:`digits`: scikit-learn's bundled 8x8 handwritten digits (classification, 10 classes);
- :func:`chebyshev`: the one-dimensional regression of Cohen et al. (2021), 20 evenly spaced
  points labelled by a Chebyshev polynomial;
- :func:`modular_addition`: (a + b) mod p on token pairs, the grokking task (Power et al. 2022);
- :func:`synthetic_regression`: Gaussian inputs and a random linear teacher;
- :func:`interpolating_least_squares`: n = d samples ``sqrt(c) e_i``, whose mean square loss has
  the Hessian (c/d) I exactly (a clean test bed for the linear stability of GD and SGD).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("regression", "classification")
CHEBYSHEV_NODES = ("uniform", "chebyshev")
INTERPOLATING_TARGETS = ("zeros", "random")


@dataclass(frozen=True, eq=False)
class Dataset:
    """A supervised dataset held in numpy arrays (read-only).

    ``x``: inputs, shape (n, ...), float64 (integer token ids for token models, e.g.
    :func:`modular_addition`). ``y``: float64 targets of shape (n, out) when ``kind`` is
    ``"regression"``; int64 labels of shape (n,) in [0, ``n_classes``) when ``kind`` is
    ``"classification"`` (``n_classes`` defaults to the largest label + 1). ``len(dataset)`` is n.
    Two datasets compare equal only if they are the same object (arrays have no single truth
    value)."""

    x: np.ndarray
    y: np.ndarray
    kind: str
    n_classes: int | None = None
    name: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        x, y = np.array(self.x), np.array(self.y)  # copies: the dataset owns its arrays
        if x.ndim < 1 or y.ndim < 1 or x.shape[0] != y.shape[0]:
            raise ValueError(f"x and y must hold the same number of samples (leading axis), got shapes "
                             f"{x.shape} and {y.shape}")
        if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
            raise ValueError(f"x must hold numbers (float or integer tokens), got dtype {x.dtype}")
        if not np.issubdtype(x.dtype, np.integer):
            x = x.astype(np.float64)
        n_classes = self.n_classes
        if self.kind == "regression":
            if y.ndim != 2:
                raise ValueError(f"regression targets y must be 2-D (n, out), got shape {y.shape} "
                                 "(for one output use y[:, None])")
            if n_classes is not None:
                raise ValueError(f"n_classes applies to classification only, got {n_classes!r} for regression")
            y = y.astype(np.float64)
        else:
            if y.ndim != 1:
                raise ValueError(f"classification labels y must be 1-D (n,), got shape {y.shape}")
            if not (np.issubdtype(y.dtype, np.integer) or np.all(y == np.round(y))):
                raise ValueError("classification labels y must be integers")
            y = y.astype(np.int64)
            if n_classes is None:
                n_classes = int(y.max()) + 1 if y.size else 0
            if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 1:
                raise ValueError(f"n_classes must be a positive integer, got {n_classes!r}")
            n_classes = int(n_classes)
            if y.size and (y.min() < 0 or y.max() >= n_classes):
                raise ValueError(f"labels must lie in [0, n_classes={n_classes}), got [{y.min()}, {y.max()}]")
        x.setflags(write=False)
        y.setflags(write=False)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "n_classes", n_classes)

    def __len__(self) -> int:
        return int(self.x.shape[0])

    @property
    def out_size(self) -> int:
        """The width of a model's output for this data: ``n_classes`` (classification) or the
        number of target columns (regression)."""
        return int(self.n_classes) if self.kind == "classification" else int(self.y.shape[1])

    def __repr__(self) -> str:
        extra = f", n_classes={self.n_classes}" if self.kind == "classification" else ""
        return (f"Dataset(name={self.name!r}, kind={self.kind!r}, n={len(self)}, x={self.x.shape} {self.x.dtype}, "
                f"y={self.y.shape} {self.y.dtype}{extra})")


# --------------------------------------------------------------------------------------- checks


def _int(name: str, value, *, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        allowed = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be an integer {allowed}, got {value}")
    return int(value)


def _seed(seed) -> int:
    return _int("seed", seed, low=0)


def _nonnegative(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


# ------------------------------------------------------------------------------------- datasets


DIGITS_SIZE = 1797


def digits(n: int | None = None, *, seed: int = 0) -> Dataset:
    """The 8x8 handwritten digits bundled with scikit-learn (``sklearn.datasets.load_digits``,
    1797 images of the UCI optical recognition data set; read from scikit-learn's own files, no
    download).

    x: float64 (n, 64), the pixel intensities (0..16) divided by 16, so in [0, 1], row-major
    flattened (reshape to (n, 1, 8, 8) for a CNN); y: int64 labels 0-9. ``n=None`` returns all
    1797 images in scikit-learn's order; an integer ``n`` in [1, 1797] a subsample without
    replacement drawn with ``np.random.default_rng(seed)`` (kept in the original order)."""
    from sklearn.datasets import load_digits

    seed = _seed(seed)
    raw = load_digits()
    x = np.asarray(raw.data, dtype=np.float64) / 16.0
    y = np.asarray(raw.target, dtype=np.int64)
    name = "digits"
    if n is not None:
        n = _int("n", n, low=1, high=x.shape[0])
        idx = np.sort(np.random.default_rng(seed).permutation(x.shape[0])[:n])
        x, y = x[idx], y[idx]
        name = f"digits-{n}-seed{seed}"
    return Dataset(x=x, y=y, kind="classification", n_classes=10, name=name)


def chebyshev(n_points: int = 20, *, degree: int = 4, nodes: str = "uniform") -> Dataset:
    """The toy one-dimensional regression of Cohen et al. (2021), "Gradient Descent on Neural
    Networks Typically Occurs at the Edge of Stability" (ICLR 2021), used there for their smallest
    (tanh / ELU networks, deep linear) experiments.

    Definition (as in the authors' code, locuslab/edge-of-stability, ``src/synthetic.py``
    ``make_chebyshev_dataset`` and the dataset names ``chebyshev-{3,4,5}-20`` in ``src/data.py``;
    the repository's README describes ``chebyshev-k-20`` as "20 points evenly spaced between -1
    and 1 labeled noiselessly by the Chebyshev polynomial of degree k"):

        x_i = -1 + 2 i / (n - 1),  i = 0 .. n - 1   (n = 20, i.e. ``linspace(-1, 1, 20)``)
        y_i = T_k(x_i),            T_k(cos t) = cos(k t), the Chebyshev polynomial of the first kind

    with k in {3, 4, 5} in the paper (the default here is 4, the middle one). Note that the inputs
    are evenly spaced, *not* Chebyshev nodes; ``nodes="chebyshev"`` is an option of ours (not in the
    paper) that takes the Chebyshev-Gauss points cos((2i + 1) pi / (2n)), in increasing order.
    The authors build x in float32; here everything is float64 (y = T_k(x) to rounding).

    x: (n, 1), y: (n, 1), float64."""
    n_points = _int("n_points", n_points, low=2)
    degree = _int("degree", degree, low=0)
    if nodes not in CHEBYSHEV_NODES:
        raise ValueError(f"nodes must be one of {', '.join(CHEBYSHEV_NODES)}, got {nodes!r}")
    if nodes == "uniform":
        x = np.linspace(-1.0, 1.0, n_points)
    else:
        i = np.arange(n_points)
        x = np.cos((2 * i + 1) * np.pi / (2 * n_points))[::-1].copy()
    coef = np.zeros(degree + 1)
    coef[-1] = 1.0
    y = np.polynomial.chebyshev.chebval(x, coef)
    suffix = "" if nodes == "uniform" else "-nodes"
    return Dataset(x=x[:, None], y=y[:, None], kind="regression", name=f"chebyshev-{degree}-{n_points}{suffix}")


def modular_addition(p: int = 97, *, train_fraction: float = 0.3, seed: int = 0) -> tuple[Dataset, Dataset]:
    """Modular addition, the grokking task (Power et al. 2022, "Grokking: Generalization Beyond
    Overfitting on Small Algorithmic Datasets"; Nanda et al. 2023, "Progress measures for grokking
    via mechanistic interpretability", who use p = 113 and 30% of the pairs for training).

    All p^2 pairs (a, b) with a, b in [0, p), label (a + b) mod p; x is the int64 token pair
    (n, 2) for an embedding model (:func:`chaoslab.learning.models.transformer`), y int64 (n,),
    ``n_classes = p``. A random ``round(train_fraction * p^2)`` pairs, drawn with
    ``np.random.default_rng(seed)``, form the training set, the rest the test set; each set is in
    the order (a, b) lexicographic. Returns ``(train, test)``; both must be non-empty."""
    p = _int("p", p, low=2)
    seed = _seed(seed)
    if isinstance(train_fraction, bool) or not isinstance(train_fraction, (int, float, np.integer, np.floating)) \
            or not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must be a number in (0, 1), got {train_fraction!r}")
    total = p * p
    n_train = int(round(float(train_fraction) * total))
    if not 1 <= n_train <= total - 1:
        raise ValueError(f"train_fraction={train_fraction} leaves an empty train or test set for p={p} "
                         f"({total} pairs); choose it in [{1 / total:.3g}, {1 - 1 / total:.3g}]")
    a, b = np.divmod(np.arange(total, dtype=np.int64), p)
    x = np.stack([a, b], axis=1)
    y = (a + b) % p
    perm = np.random.default_rng(seed).permutation(total)
    train_idx, test_idx = np.sort(perm[:n_train]), np.sort(perm[n_train:])
    tag = f"modular-addition-{p}"
    return (Dataset(x=x[train_idx], y=y[train_idx], kind="classification", n_classes=p, name=f"{tag}-train"),
            Dataset(x=x[test_idx], y=y[test_idx], kind="classification", n_classes=p, name=f"{tag}-test"))


def synthetic_regression(n: int = 100, d: int = 10, *, noise: float = 0.0, seed: int = 0, out: int = 1) -> Dataset:
    """A linear teacher on Gaussian inputs: x_i ~ N(0, I_d), y_i = W^T x_i + noise * eps_i with
    W (d, out) entries iid N(0, 1/d) (so each target has unit variance without noise) and eps_i
    ~ N(0, I_out). x (n, d), W, then eps are drawn in that order from
    ``np.random.default_rng(seed)`` (the same seed gives the same inputs and teacher whatever
    ``noise``). x: (n, d), y: (n, out), float64."""
    n = _int("n", n, low=1)
    d = _int("d", d, low=1)
    out = _int("out", out, low=1)
    noise = _nonnegative("noise", noise)
    seed = _seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    w = rng.standard_normal((d, out)) / np.sqrt(d)
    eps = rng.standard_normal((n, out))
    y = x @ w + noise * eps
    return Dataset(x=x, y=y, kind="regression", name=f"synthetic-regression-{n}x{d}-noise{noise:g}-seed{seed}")


def interpolating_least_squares(d: int, c: float, *, targets: str = "zeros", seed: int = 0, out: int = 1) -> Dataset:
    """An interpolating least-squares design with an exactly known Hessian.

    n = d samples x_i = sqrt(c) e_i (e_i the standard basis of R^d), so for the linear model
    f(x) = w . x and the mean square loss L(w) = 1/2 mean_i (x_i . w - y_i)^2
    (:func:`chaoslab.learning.models.mse`),

        Hessian of L = (1/d) sum_i x_i x_i^T = (c/d) I,

    the same at every w, and each sample's own Hessian c e_i e_i^T is rank one — the whole
    curvature of the mean loss, but spread over orthogonal samples, the non-uniformity that
    separates SGD's linear stability from GD's (Wu, Ma & E 2018; Wu & Su 2023, "The Implicit
    Regularization of Dynamical Stability in Stochastic Gradient Descent"). Full-batch GD on L is
    stable iff lr < 2 d / c.

    ``targets="zeros"`` (default): y = 0, the global minimum is w = 0; ``targets="random"``: y_i
    iid N(0, 1) from ``np.random.default_rng(seed)``, minimum w_i = y_i / sqrt(c). Either way the
    model interpolates (zero loss at the minimum). x: (d, d), y: (d, out), float64."""
    d = _int("d", d, low=1)
    out = _int("out", out, low=1)
    seed = _seed(seed)
    if isinstance(c, bool) or not isinstance(c, (int, float, np.integer, np.floating)) or not np.isfinite(c) \
            or c <= 0:
        raise ValueError(f"c must be a finite number > 0, got {c!r}")
    if targets not in INTERPOLATING_TARGETS:
        raise ValueError(f"targets must be one of {', '.join(INTERPOLATING_TARGETS)}, got {targets!r}")
    x = np.sqrt(float(c)) * np.eye(d)
    if targets == "zeros":
        y = np.zeros((d, out))
    else:
        y = np.random.default_rng(seed).standard_normal((d, out))
    return Dataset(x=x, y=y, kind="regression", name=f"interpolating-ls-d{d}-c{float(c):g}-{targets}")
