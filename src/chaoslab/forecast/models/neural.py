"""Neural forecasters trained by minibatch gradient descent (equinox + optax): the shared
training loop and three window models — an MLP on a delay embedding, a GRU and a small
Transformer encoder. ``node.py`` adds a neural ODE on the same loop.

Every window model reads the last ``lags`` states, standardised with the training mean and std,
and predicts the next increment z_{t+1} - z_t in units of the training increments' std;
forecasts iterate this one-step map in a compiled ``lax.scan``, vmapped over windows.

Training (``train_network``): every (window, next increment) pair of the training trajectories,
shuffled into minibatches of ``batch_size`` each epoch (the remainder waits for the next
epoch's shuffle); Adam with a cosine learning-rate decay from ``learning_rate`` to 5% of it over
``epochs`` and gradient clipping at global norm ``clip``. Early stopping: after every epoch the
network runs free for ``val_horizon`` steps from each validation context and, to make the score
less noisy with few windows, from every later ``val_horizon``-th point of the validation windows
(from the true preceding states); the score is the mean squared error against the validation
data (standardised units). The best parameters are kept, and training stops after ``patience``
epochs without improvement. ``polish`` > 0 then refines the best network on the same
least-squares loss, full batch, by Levenberg-Marquardt (networks of at most ``LM_MAX_PARAMS``
parameters) or L-BFGS, scored like epochs (``train_network``). Without validation
windows the epoch's mean training loss is the score. No silent blow-ups: of the ``keep`` best
checkpoints, the best-scoring one whose free runs stay bounded is kept
(``chaoslab.forecast.base.choose_stable``; ``chosen_["stability"]`` says when it is not the best). Everything is seeded by ``seed``
(``jax.random.key``): the same seed gives the same bits.

A forecast is NaN from the step it diverges on, by the one rule of
``chaoslab.metrics.diverged_states`` (not finite, or farther than ``DIVERGENCE_SCALES`` attractor
scales from the training mean), checked inside the compiled rollout in standardised units: with
x - mean = sigma z, ‖x - mean‖ > N s is ‖z sigma / s‖ > N, so the rollout gets ``span`` = sigma / s
(s the training data's ``attractor_scale``). A diverging rollout is scored, never raised.
"""

from __future__ import annotations

import copy
import math
import time
from functools import lru_cache
from typing import Any, Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax
from jax.flatten_util import ravel_pytree

from ...metrics import diverged_states
from ...systems.base import resolve_name
from ..base import Forecaster, check_finite, choose_stable, register
from ..dynamics import ModelStep

__all__ = ["NeuralForecaster", "WindowNet", "train_network", "MLPForecaster", "GRUForecaster",
           "TransformerForecaster"]

_ACTIVATIONS = {"tanh": jnp.tanh, "gelu": jax.nn.gelu, "relu": jax.nn.relu}


def diverged(z, span):
    """bool (...): which standardised states z (..., d) have diverged by the one rule
    (``diverged_states``), ``span`` (d,) being the training std over its attractor scale."""
    return diverged_states(z * span, 0.0, 1.0, xp=jnp)


# --------------------------------------------------------------------------- the training loop
SNAPSHOTS = 10  # networks kept along the training (besides the best-scoring ones), fallbacks for stability


def _optimizer(hyper):
    """Adam + clipping; hyper = (learning_rate, total steps, clip) may be traced, so one
    compilation serves every fit of the same architecture and data shape."""
    lr, total, clip = hyper[0], hyper[1], hyper[2]
    sched = lambda n: lr * (0.05 + 0.475 * (1 + jnp.cos(jnp.pi * jnp.minimum(n / total, 1.0))))
    return optax.chain(optax.clip_by_global_norm(clip), optax.adam(sched))


@eqx.filter_jit
def _epoch(params, static, state, key, data, hyper, bs: int, nb: int):
    """One epoch of minibatch Adam; hyper = (learning rate, total steps, clip, forcing alpha,
    input noise), all traced (one compilation for every fit of a shape)."""
    opt = _optimizer(hyper)
    n = len(jax.tree.leaves(data)[0])
    k_perm, k_noise = jax.random.split(key)
    idx = jax.random.permutation(k_perm, n)[: nb * bs].reshape(nb, bs)
    keys = jax.random.split(k_noise, nb)

    def step(carry, i):
        p, s = carry
        batch = jax.tree.map(lambda a: a[idx[i]], data)
        train = Training(hyper[3], hyper[4], keys[i])
        loss, g = jax.value_and_grad(lambda p: eqx.combine(p, static).loss(batch, train))(p)
        upd, s = opt.update(g, s, p)
        return (optax.apply_updates(p, upd), s), loss

    (params, state), losses = lax.scan(step, (params, state), jnp.arange(nb))
    return params, state, losses.mean()


POLISH_CHUNK = 100  # L-BFGS iterations between validation scores in the polish


@eqx.filter_jit
def _polish_chunk(params, static, state, data, training, iters: int):
    """``iters`` full-batch L-BFGS iterations (optax, zoom line search) on the training loss;
    the state carries the curvature pairs from one chunk to the next. Returns the parameters,
    the state and the loss."""
    f = lambda p: eqx.combine(p, static).loss(data, training)
    opt = optax.lbfgs()
    vg = optax.value_and_grad_from_state(f)

    def body(_, c):
        p, s = c
        v, g = vg(p, state=s)
        u, s = opt.update(g, s, p, value=v, grad=g, value_fn=f)
        return optax.apply_updates(p, u), s

    params, state = lax.fori_loop(0, iters, body, (params, state))
    return params, state, f(params)


LM_MAX_PARAMS = 5000  # Levenberg-Marquardt's normal matrix is P x P (200 MB at 5000), its Cholesky P^3 / 3 flops
LM_CHUNK = 10  # Levenberg-Marquardt iterations between validation scores in the polish
_LM_BLOCK = 2e7  # Jacobian entries formed at a time (160 MB)
_LM_TRIALS = 30  # damping increases (x4 each) before an iteration gives up


def _sample_residuals(theta, unravel, static, sample, key, alpha, noise):
    """The residuals of one training sample (flattened) for the flat parameters ``theta``."""
    net = eqx.combine(unravel(theta), static)
    r = net.residuals(jax.tree.map(lambda a: a[None], sample), Training(alpha, noise, key)).reshape(-1)
    return r, r


@eqx.filter_jit
def _lm_normal(params, static, blocks, alpha, noise):
    """J^T J and J^T r of the residuals of all samples, J formed a block of samples at a time
    (per-sample reverse mode: the residuals of a sample depend on it alone)."""
    theta, unravel = ravel_pytree(params)
    jac = jax.vmap(jax.jacrev(_sample_residuals, has_aux=True), (None, None, None, 0, 0, None, None))

    def block(carry, xs):
        A, g = carry
        sample, key, w = xs
        J, r = jac(theta, unravel, static, sample, key, alpha, noise)
        J, r = (J * w[:, None, None]).reshape(-1, theta.size), (r * w[:, None]).reshape(-1)
        return (A + J.T @ J, g + J.T @ r), None

    zero = (jnp.zeros((theta.size, theta.size), theta.dtype), jnp.zeros_like(theta))
    return lax.scan(block, zero, blocks)[0]


def _mean_square(theta, unravel, static, blocks, alpha, noise):
    """The loss: the mean squared residual over all (unpadded) samples."""
    sample, key, w = blocks
    flat = jax.tree.map(lambda a: a.reshape(-1, *a.shape[2:]), (sample, key))
    r = jax.vmap(lambda s, k: _sample_residuals(theta, unravel, static, s, k, alpha, noise)[0])(*flat)
    w = w.reshape(-1)
    return jnp.sum(w[:, None] * r ** 2) / (jnp.sum(w) * r.shape[1])


@eqx.filter_jit
def _lm_loss(params, static, blocks, alpha, noise):
    theta, unravel = ravel_pytree(params)
    return _mean_square(theta, unravel, static, blocks, alpha, noise)


@eqx.filter_jit
def _lm_trial(params, static, blocks, alpha, noise, A, g, lam):
    """The Levenberg-Marquardt step with damping ``lam`` (Marquardt's scaling by diag(J^T J))
    and the loss there (NaN when the damped matrix is not numerically positive definite)."""
    theta, unravel = ravel_pytree(params)
    D = jnp.diag(A)
    L = jnp.linalg.cholesky(A + jnp.diag(lam * (D + 1e-12 * jnp.max(D))))
    new = theta - jax.scipy.linalg.cho_solve((L, True), g)
    return unravel(new), _mean_square(new, unravel, static, blocks, alpha, noise)


class _LevenbergMarquardt:
    """Levenberg-Marquardt on a network's least-squares loss (``residuals``), full batch, from
    ``params``: each iteration forms J^T J and J^T r once and solves (J^T J + lam diag(J^T J)) step
    = -J^T r, raising lam (x4) until the mean squared residual falls, then lowering it (/3)
    (Marquardt 1963; Nocedal & Wright, section 10.3). For a few thousand parameters it reaches
    losses that first-order and quasi-Newton methods approach only over tens of thousands of
    iterations. The input noise is drawn once per sample (fixed keys): a deterministic objective."""

    def __init__(self, params, static, data, training):
        self.params, self.static, self.lam = params, static, 1e-3
        n = len(jax.tree.leaves(data)[0])
        size = ravel_pytree(params)[0].size
        m = int(np.prod(jax.eval_shape(
            lambda d: eqx.combine(params, static).residuals(jax.tree.map(lambda a: a[:1], d), training), data).shape))
        b = int(max(1, min(n, _LM_BLOCK // (m * size))))
        nb = -(-n // b)
        pad = nb * b - n
        keys = jax.random.split(training.key, nb * b)
        split = lambda a: jnp.concatenate([a, a[:pad]]).reshape(nb, b, *a.shape[1:])
        self.blocks = (jax.tree.map(split, data), keys.reshape(nb, b), split(jnp.r_[jnp.ones(n), jnp.zeros(pad)]))
        self.alpha, self.noise = training.alpha, training.input_noise
        self.loss = float(_lm_loss(params, static, self.blocks, self.alpha, self.noise))

    def run(self, iters: int) -> bool:
        """Up to ``iters`` iterations; False when one no longer lowers the loss."""
        for _ in range(iters):
            A, g = _lm_normal(self.params, self.static, self.blocks, self.alpha, self.noise)
            for _ in range(_LM_TRIALS):
                new, loss = _lm_trial(self.params, self.static, self.blocks, self.alpha, self.noise, A, g,
                                      jnp.asarray(self.lam))  # an array: a Python float would be static (a recompile each)
                loss = float(loss)
                if loss < self.loss:  # False for NaN (a failed Cholesky)
                    self.params, self.loss, self.lam = new, loss, max(self.lam / 3, 1e-15)
                    break
                self.lam *= 4
            else:
                return False
        return True


class Training(eqx.Module):
    """What a network's ``loss(batch, training)`` may use besides the batch: the generalized
    teacher forcing weight ``alpha`` of this epoch (1: teacher forcing, 0: free running), the
    standard deviation of the Gaussian noise added to the inputs (standardised units) and a key
    for it."""

    alpha: jax.Array
    input_noise: jax.Array
    key: jax.Array


@eqx.filter_jit
def _score(net, ctx, target, span):
    pred = jax.vmap(net.rollout, in_axes=(0, None, None))(ctx, target.shape[1], span)
    mse = jnp.mean((pred - target) ** 2)
    return jnp.where(jnp.isfinite(mse), mse, jnp.inf)


@eqx.filter_jit
def _forecast(net, ctx, horizon: int, span):
    return jax.vmap(net.rollout, in_axes=(0, None, None))(ctx, horizon, span)


def forcing_schedule(alpha: float, epochs: int, anneal: float = 0.5) -> Callable[[int], float]:
    """The generalized teacher forcing weight of each epoch: from 1 (teacher forcing) down to
    ``alpha`` linearly over the first ``anneal`` of the epochs, then ``alpha`` (Hess et al. 2023
    show training with alpha in (0, 1) keeps the loss gradients of long rollouts bounded)."""
    n = max(1, int(round(anneal * epochs)))
    return lambda e: float(alpha + (1.0 - alpha) * max(0.0, 1.0 - e / n))


POLISH_METHODS = ("auto", "lm", "lbfgs")


def polish_solver(params, method: str = "auto") -> str:
    """The polish method for a network with these parameters: "lm" (Levenberg-Marquardt) or
    "lbfgs"; "auto" is "lm" up to ``LM_MAX_PARAMS`` parameters, else "lbfgs". Asking for "lm"
    on a larger network is a one-line error."""
    method = resolve_name(method, POLISH_METHODS, "polish_method")
    size = sum(a.size for a in jax.tree.leaves(eqx.filter(params, eqx.is_inexact_array)))
    if method == "auto":
        return "lm" if size <= LM_MAX_PARAMS else "lbfgs"
    if method == "lm" and size > LM_MAX_PARAMS:
        raise ValueError(f"polish_method='lm' forms a {size} x {size} normal matrix: at most {LM_MAX_PARAMS} parameters "
                         "(a smaller width), or polish_method='lbfgs'")
    return method


def train_network(net, data, val=None, *, epochs: int, batch_size: int, learning_rate: float, patience: int,
                  clip: float, key, keep: int = 5, span=None, forcing: Callable[[int], float] | None = None,
                  input_noise: float = 0.0, polish: int = 0, polish_method: str = "auto"):
    """Minibatch Adam on ``net.loss(batch, training)`` over ``data`` (a pytree of arrays, samples
    first; ``training``: this epoch's ``forcing(epoch)`` weight, default 1, and ``input_noise``);
    early stopping on the validation rollout ``val = (context, target)`` (see the module
    docstring), run with ``net.rollout(context, horizon, span)`` (``span``: the divergence rule's
    sigma / s, see the module docstring; None: zeros, only non-finite states diverge).
    Returns the best network and the history {"loss", "score", "best_epoch",
    "checkpoints", "snapshots"}: the networks of the ``keep`` best-scoring epochs, best first (a
    snapshot ensemble for ``chaoslab.ensembles``), and of every ``epochs // SNAPSHOTS``-th epoch,
    latest first (the fallbacks of a model whose best networks blow up in free runs).

    ``polish`` > 0: then up to that many full-batch iterations from the best network, on the
    same loss (the last epoch's forcing weight, the input noise drawn once with fixed keys, so
    the objective is deterministic), of ``polish_method`` (``polish_solver``): "lm",
    Levenberg-Marquardt on the network's ``residuals`` (``_LevenbergMarquardt``; scored on the
    validation rollouts every ``LM_CHUNK`` iterations), or "lbfgs" (``optax.lbfgs``, every
    ``POLISH_CHUNK``); "auto" (default) takes "lm" up to ``LM_MAX_PARAMS`` parameters. Each
    chunk is scored like an epoch (its entries in the history follow the epochs'; the method is
    ``history["polish_method"]``); the polish stops when a chunk no longer lowers the loss or
    after ``patience`` chunks without a better score. Adam's minibatch noise leaves the one-step
    error orders of magnitude above what a second-order method reaches on a few thousand
    samples; that error sets how long a free run stays close to the truth (Lorenz at
    granularity 30: a one-step loss of 1e-5 gives ~3.5 Lyapunov times, 2e-11 ~9.7)."""
    params, static = eqx.partition(net, eqx.is_inexact_array)
    if val is not None:
        d = val[0].shape[-1]
        span = jnp.zeros(d) if span is None else jnp.asarray(span, dtype=float).reshape(d)
    n = len(jax.tree.leaves(data)[0])
    bs = min(int(batch_size), n)
    nb = n // bs
    hyper = jnp.array([learning_rate, epochs * nb, clip, 1.0, input_noise], dtype=float)
    state = _optimizer(hyper).init(params)
    best, best_params, best_epoch, wait = math.inf, params, -1, 0
    hist = {"loss": [], "score": []}
    kept: list[tuple[float, int, Any]] = []
    snaps: list[tuple[int, Any]] = []
    every = max(1, epochs // SNAPSHOTS)

    def record(epoch, params, loss) -> bool:
        """Score the network of this epoch (or polish chunk), keep it if it is among the best;
        True when ``patience`` epochs have passed without a better score."""
        nonlocal best, best_params, best_epoch, wait, kept
        score = float(_score(eqx.combine(params, static), *val, span)) if val is not None else loss
        score = score if math.isfinite(score) else math.inf
        hist["loss"].append(loss)
        hist["score"].append(score)
        if math.isfinite(score) and (len(kept) < keep or score < kept[-1][0]):
            kept = sorted(kept + [(score, epoch, params)], key=lambda c: c[0])[:keep]
        if score < best:
            best, best_params, best_epoch, wait = score, params, epoch, 0
            return False
        wait += 1
        return wait >= patience

    for epoch in range(epochs):
        key, sub = jax.random.split(key)
        if forcing is not None:
            hyper = hyper.at[3].set(forcing(epoch))
        params, state, loss = _epoch(params, static, state, sub, data, hyper, bs, nb)
        if (epoch + 1) % every == 0:
            snaps.append((epoch, params))
        if record(epoch, params, float(loss)):
            break
    if polish > 0:
        key, sub = jax.random.split(key)
        training = Training(hyper[3], hyper[4], sub)
        epoch, wait = len(hist["score"]) - 1, 0  # the polish has its own patience
        hist["polish_method"] = polish_solver(best_params, polish_method)
        if hist["polish_method"] == "lm":
            lm = _LevenbergMarquardt(best_params, static, data, training)
            for done in range(0, int(polish), LM_CHUNK):
                moved = lm.run(min(LM_CHUNK, int(polish) - done))
                epoch += 1
                if record(epoch, lm.params, lm.loss) or not moved:
                    break
        else:
            params, lstate, last = best_params, optax.lbfgs().init(best_params), math.inf
            for done in range(0, int(polish), POLISH_CHUNK):
                params, lstate, loss = _polish_chunk(params, static, lstate, data, training,
                                                     min(POLISH_CHUNK, int(polish) - done))
                loss, epoch = float(loss), epoch + 1
                if not math.isfinite(loss) or record(epoch, params, loss) or not loss < last:
                    break
                last = loss
    hist["best_epoch"] = best_epoch
    hist["checkpoints"] = [(e, eqx.combine(p, static)) for _, e, p in kept] or [(best_epoch, eqx.combine(best_params, static))]
    hist["snapshots"] = [(e, eqx.combine(p, static)) for e, p in reversed(snaps)]
    return eqx.combine(best_params, static), hist


# --------------------------------------------------------------------------- the Forecaster side
class NeuralForecaster(Forecaster):
    """Base of the neural forecasters: standardisation, validation, training and the compiled
    forecast. Subclasses give ``_network(d, inc, key)`` (an equinox module with ``loss(batch)``
    and ``rollout(context, horizon)``), ``memory`` (context points a forecast needs) and, if not
    the window pairs, ``_samples(z)``."""

    def __init__(self, seed: int = 0, *, epochs: int, batch_size: int, learning_rate: float, patience: int,
                 val_horizon: int, clip: float = 1.0, polish: int = 0, polish_method: str = "auto", **hyper):
        super().__init__(seed=seed, **hyper, epochs=int(epochs), batch_size=int(batch_size),
                         learning_rate=float(learning_rate), patience=int(patience), val_horizon=int(val_horizon),
                         clip=float(clip), polish=int(polish),
                         polish_method=resolve_name(polish_method, POLISH_METHODS, "polish_method"))
        if min(self.epochs, self.batch_size, self.patience, self.val_horizon) < 1:
            raise ValueError("epochs, batch_size, patience and val_horizon must be >= 1")
        if self.polish < 0:
            raise ValueError(f"polish (Levenberg-Marquardt or L-BFGS iterations after the epochs) must be >= 0, got {polish}")
        if not (self.learning_rate > 0 and self.clip > 0):
            raise ValueError(f"learning_rate and clip must be > 0, got {learning_rate}, {clip}")

    memory: int = 1

    def _network(self, d: int, inc: jax.Array, key) -> eqx.Module:
        raise NotImplementedError

    def _targets(self) -> int:
        """How many states follow each training window (``_samples``): the training rollout."""
        return getattr(self, "rollout", 1)

    def _samples(self, z: np.ndarray):
        """All (window of ``memory`` states, the next ``_targets()`` states) pairs of the
        trajectories z (n, T, d), standardised."""
        m, r = self.memory, self._targets()
        X = np.concatenate([np.stack([zi[t - m : t] for t in range(m, zi.shape[0] - r + 1)]) for zi in z])
        S = np.concatenate([np.stack([zi[t : t + r] for t in range(m, zi.shape[0] - r + 1)]) for zi in z])
        return jnp.asarray(X), jnp.asarray(S)

    def _standardise(self, name: str, x) -> jax.Array:
        x = check_finite(name, x)
        if x.ndim != 3 or x.shape[-1] != self.mu_.size:
            raise ValueError(f"{name} must have shape (windows, time, {self.mu_.size}), got {x.shape}")
        if x.shape[1] < self.memory:
            raise ValueError(f"{name} has {x.shape[1]} points; {self.name} needs at least {self.memory}")
        return jnp.asarray((x - self.mu_) / self.sigma_)

    def fit(self, train, val=None, *, dt=1.0):
        t_start = time.perf_counter()
        d = train.shape[-1]
        self.mu_ = train.reshape(-1, d).mean(0)
        self.sigma_ = train.reshape(-1, d).std(0) + 1e-12
        z = (train - self.mu_) / self.sigma_
        self.inc_ = np.diff(z, axis=1).reshape(-1, d).std(0) + 1e-12
        windows = None
        if val is not None and len(val) and val.target.shape[1]:  # cut each window into consecutive val_horizon-step rollouts
            ctx = self._standardise("validation context", val.context)
            tgt = (check_finite("validation target", val.target) - self.mu_) / self.sigma_
            full = jnp.concatenate([ctx, tgt], axis=1)
            c, h = ctx.shape[1], min(self.val_horizon, val.target.shape[1])
            starts = range(c, full.shape[1] - h + 1, h)
            windows = (jnp.concatenate([full[:, s - c : s] for s in starts]),
                       jnp.concatenate([full[:, s : s + h] for s in starts]))
        k_init, k_train = jax.random.split(jax.random.key(self.seed))
        net = self._network(d, jnp.asarray(self.inc_), k_init)
        rollout, alpha = getattr(self, "rollout", 1), getattr(self, "forcing", 1.0)
        self.net_, self.history_ = train_network(
            net, self._samples(z), windows, epochs=self.epochs, batch_size=self.batch_size,
            learning_rate=self.learning_rate, patience=self.patience, clip=self.clip, key=k_train, span=self._span,
            forcing=forcing_schedule(alpha, self.epochs) if rollout > 1 and alpha < 1 else None,
            input_noise=getattr(self, "input_noise", 0.0), polish=self.polish, polish_method=self.polish_method)
        self.checkpoints_ = self.history_.pop("checkpoints")
        self._keep_bounded(train, val, dt, self.history_.pop("snapshots"))
        self.fit_seconds_ = time.perf_counter() - t_start
        return self

    def _keep_bounded(self, train, val, dt, snapshots) -> None:
        """No silent blow-ups: the best-scoring checkpoint whose free runs stay bounded, else the
        latest bounded snapshot of the training (``chaoslab.forecast.base.choose_stable``)."""
        cks = list(self.checkpoints_) + list(snapshots)  # in order of preference
        n_best = len(self.checkpoints_)

        def build(i):
            self.net_ = cks[i][1]
            return self.predict

        scale = self.train_scale_ if math.isfinite(self.train_scale_) else math.inf
        c = choose_stable([[i] for i in range(len(cks))], build, train, val, self.memory, self.train_mean_, scale, dt)
        self.net_ = cks[c.key][1]
        self.epoch_ = cks[c.key][0]
        self.chosen_ = {}
        what = (f"the checkpoint of epoch {cks[c.key][0]} (validation rank {c.key + 1})" if c.key < n_best else
                f"the snapshot of epoch {cks[c.key][0]}")
        if not c.bounded:
            self.chosen_["stability"] = (f"no checkpoint or snapshot stays bounded: kept {what}, {c.diverged} of "
                                         f"{c.runs} free runs leave the attractor")
        elif c.key:
            self.chosen_["stability"] = f"kept {what}: the better-scoring networks left the attractor in free runs"

    def checkpoint_models(self) -> list["NeuralForecaster"]:
        """The fitted model at each kept checkpoint (the best validation epochs, best first): a
        snapshot ensemble sharing this model's standardisation."""
        if not hasattr(self, "checkpoints_"):
            raise ValueError(f"{self.name} is not fitted: call fit() first")
        out = []
        for epoch, net in self.checkpoints_:
            m = copy.copy(self)
            m.net_, m.epoch_ = net, epoch
            out.append(m)
        return out

    def predict(self, context, horizon):
        if not hasattr(self, "net_"):
            raise ValueError(f"{self.name} is not fitted: call fit() first")
        z = self._standardise("context", context)
        return np.asarray(_forecast(self.net_, z, horizon, self._span)) * self.sigma_ + self.mu_

    @property
    def _span(self) -> jax.Array:
        """sigma / s: the one divergence rule in standardised units (module docstring)."""
        return jnp.asarray(self.sigma_ / self.train_scale_)


class WindowNet(eqx.Module):
    """A one-step model on a (lags, d) window: ``increment(w)`` in units of ``inc`` (the
    training increments' std, not trained)."""

    inc: jax.Array
    lags: int = eqx.field(static=True)

    def increment(self, w):
        raise NotImplementedError

    def loss(self, batch, training):
        """Mean squared one-step error (``residuals``)."""
        return jnp.mean(self.residuals(batch, training) ** 2)

    def residuals(self, batch, training):
        """The one-step errors (samples, steps, d), in units of ``inc``, along a training
        rollout of S.shape[1] steps from each window X: every prediction is made from the forced
        state (1 - alpha) prediction + alpha data (generalized teacher forcing; alpha = 1 with
        one step is plain one-step training); the inputs carry Gaussian noise of ``input_noise``."""
        X, S = batch
        inc = lax.stop_gradient(self.inc)
        X = X + training.input_noise * jax.random.normal(training.key, X.shape, X.dtype)
        a = training.alpha

        def one(w, s):
            def body(w, x):
                pred = w[-1] + inc * self.increment(w)
                return jnp.concatenate([w[1:], ((1 - a) * pred + a * x)[None]]), (pred - x) / inc

            return lax.scan(body, w, s)[1]

        return jax.vmap(one)(X, S)

    def rollout(self, ctx, horizon: int, span):
        """``horizon`` free-running standardised states after ``ctx``; NaN once diverged (``diverged``)."""
        inc = lax.stop_gradient(self.inc)

        def body(carry, _):
            w, bad = carry
            x = w[-1] + inc * self.increment(w)
            bad = bad | diverged(x, span)
            x = jnp.where(bad, jnp.nan, x)
            return (jnp.concatenate([w[1:], x[None]]), bad), x

        return lax.scan(body, (ctx[-self.lags :], jnp.array(False)), None, length=horizon)[1]


def _window_step(net, state):
    """One step of a window net on the flattened window of its last ``lags`` states."""
    w = state.reshape(net.lags, -1)
    return jnp.concatenate([w[1:], (w[-1] + net.inc * net.increment(w))[None]]).reshape(-1)


def net_step(apply, net: eqx.Module):
    """``as_map``'s step x -> apply(net, x) as a ``ModelStep``: the network's floating-point
    arrays are the weights (``w0``, ``w1``, ...); one pure function per ``apply`` and network
    structure (tree and static fields), so every fit of one architecture shares it."""
    params, static = eqx.partition(net, eqx.is_inexact_array)
    leaves, tree = jax.tree.flatten(params)
    s_leaves, s_tree = jax.tree.flatten(static)
    return ModelStep(_net_map(apply, tree, s_tree, tuple(s_leaves)), {f"w{i}": a for i, a in enumerate(leaves)})


@lru_cache(maxsize=32)
def _net_map(apply, tree, s_tree, s_leaves):
    """(x, weights) -> apply(network of these weights, x) for one network structure."""
    static = jax.tree.unflatten(s_tree, s_leaves)
    n = tree.num_leaves

    def step(x, w):
        return apply(eqx.combine(jax.tree.unflatten(tree, [w[f"w{i}"] for i in range(n)]), static), x)

    return step


class _WindowForecaster(NeuralForecaster):
    def __init__(self, seed=0, *, lags, rollout=1, forcing=1.0, input_noise=0.0, **hyper):
        super().__init__(seed=seed, lags=int(lags), rollout=int(rollout), forcing=float(forcing),
                         input_noise=float(input_noise), **hyper)
        if self.lags < 1 or self.rollout < 1:
            raise ValueError(f"lags and rollout must be >= 1, got lags={lags}, rollout={rollout}")
        if not (0.0 <= self.forcing <= 1.0 and 0.0 <= self.input_noise < np.inf):
            raise ValueError(f"forcing must be in [0, 1] and input_noise a finite number >= 0, got forcing={forcing}, "
                             f"input_noise={input_noise}")

    def as_map(self, context):
        # the state: the window of the last ``lags`` standardised states, flattened
        return (net_step(_window_step, self.net_),
                np.asarray(self._standardise("context", np.asarray(context)[None]))[0, -self.lags :].reshape(-1))

    @property
    def memory(self) -> int:
        return self.lags


# --------------------------------------------------------------------------- MLP
class _MLPNet(WindowNet):
    mlp: eqx.nn.MLP

    def __init__(self, d, inc, lags, width, depth, activation, key):
        self.inc, self.lags = inc, lags
        self.mlp = eqx.nn.MLP(lags * d, d, width, depth, activation=_ACTIVATIONS[activation], key=key)

    def increment(self, w):
        return self.mlp(w.reshape(-1))


@register("mlp")
class MLPForecaster(_WindowForecaster):
    """MLP on a delay embedding: the last ``lags`` states -> the next increment.

    search_space: the embedding length, the width and the learning rate."""

    description = "MLP on a delay embedding, predicting the increment (equinox, trained by Adam)"
    search_space = {"lags": [2, 4, 8], "width": [64, 128], "learning_rate": [1e-3, 3e-3]}

    def __init__(self, lags: int = 4, width: int = 128, depth: int = 2, activation: str = "gelu", epochs: int = 100,
                 batch_size: int = 64, learning_rate: float = 3e-3, patience: int = 40, val_horizon: int = 20,
                 clip: float = 1.0, rollout: int = 1, forcing: float = 1.0, input_noise: float = 0.0, polish: int = 0,
                 polish_method: str = "auto", seed: int = 0):
        super().__init__(seed=seed, lags=lags, width=int(width), depth=int(depth), activation=activation,
                         epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, patience=patience,
                         val_horizon=val_horizon, clip=clip, rollout=rollout, forcing=forcing, input_noise=input_noise,
                         polish=polish, polish_method=polish_method)
        if self.width < 1 or self.depth < 1 or activation not in _ACTIVATIONS:
            raise ValueError(f"width, depth >= 1 and activation in {sorted(_ACTIVATIONS)} are required")

    def _network(self, d, inc, key):
        return _MLPNet(d, inc, self.lags, self.width, self.depth, self.activation, key)


# --------------------------------------------------------------------------- GRU
class _GRUNet(WindowNet):
    cell: eqx.nn.GRUCell
    out: eqx.nn.Linear

    def __init__(self, d, inc, lags, hidden, key):
        k1, k2 = jax.random.split(key)
        self.inc, self.lags = inc, lags
        self.cell = eqx.nn.GRUCell(d, hidden, key=k1)
        self.out = eqx.nn.Linear(hidden, d, key=k2)

    def increment(self, w):
        h, _ = lax.scan(lambda h, x: (self.cell(x, h), None), jnp.zeros(self.cell.hidden_size), w)
        return self.out(h)


@register("gru")
class GRUForecaster(_WindowForecaster):
    """A GRU run over the last ``lags`` states; a linear readout of its final hidden state gives
    the next increment.

    search_space: the window, the hidden size and the learning rate."""

    description = "GRU over the last states, predicting the increment (equinox, trained by Adam)"
    search_space = {"lags": [4, 8, 16], "hidden": [32, 64], "learning_rate": [1e-3, 3e-3]}

    def __init__(self, lags: int = 8, hidden: int = 64, epochs: int = 60, batch_size: int = 64,
                 learning_rate: float = 3e-3, patience: int = 30, val_horizon: int = 20, clip: float = 1.0,
                 rollout: int = 1, forcing: float = 1.0, input_noise: float = 0.0, polish: int = 0,
                 polish_method: str = "auto", seed: int = 0):
        super().__init__(seed=seed, lags=lags, hidden=int(hidden), epochs=epochs, batch_size=batch_size,
                         learning_rate=learning_rate, patience=patience, val_horizon=val_horizon, clip=clip,
                         rollout=rollout, forcing=forcing, input_noise=input_noise,
                         polish=polish, polish_method=polish_method)
        if self.hidden < 1:
            raise ValueError(f"hidden must be >= 1, got {hidden}")

    def _network(self, d, inc, key):
        return _GRUNet(d, inc, self.lags, self.hidden, key)


# --------------------------------------------------------------------------- Transformer
class _Block(eqx.Module):
    norm1: eqx.nn.LayerNorm
    attn: eqx.nn.MultiheadAttention
    norm2: eqx.nn.LayerNorm
    ff: eqx.nn.MLP

    def __init__(self, d_model, heads, key):
        k1, k2 = jax.random.split(key)
        self.norm1, self.norm2 = eqx.nn.LayerNorm(d_model), eqx.nn.LayerNorm(d_model)
        self.attn = eqx.nn.MultiheadAttention(heads, d_model, use_query_bias=True, use_key_bias=True,
                                              use_value_bias=True, use_output_bias=True, key=k1)
        self.ff = eqx.nn.MLP(d_model, d_model, 2 * d_model, 1, activation=jax.nn.gelu, key=k2)

    def __call__(self, h):  # pre-norm residual block, full attention over the window
        a = jax.vmap(self.norm1)(h)
        h = h + self.attn(a, a, a)
        return h + jax.vmap(self.ff)(jax.vmap(self.norm2)(h))


class _TransformerNet(WindowNet):
    embed: eqx.nn.Linear
    pos: jax.Array
    blocks: list
    norm: eqx.nn.LayerNorm
    out: eqx.nn.Linear

    def __init__(self, d, inc, lags, d_model, heads, layers, key):
        ks = jax.random.split(key, layers + 3)
        self.inc, self.lags = inc, lags
        self.embed = eqx.nn.Linear(d, d_model, key=ks[0])
        self.pos = 0.1 * jax.random.normal(ks[1], (lags, d_model))  # learned positional encoding
        self.blocks = [_Block(d_model, heads, k) for k in ks[3:]]
        self.norm = eqx.nn.LayerNorm(d_model)
        self.out = eqx.nn.Linear(d_model, d, key=ks[2])

    def increment(self, w):
        h = jax.vmap(self.embed)(w) + self.pos
        for block in self.blocks:
            h = block(h)
        return self.out(self.norm(h[-1]))  # read out at the newest state


@register("transformer")
class TransformerForecaster(_WindowForecaster):
    """A small pre-norm Transformer encoder (learned positional encoding, full attention) over the
    last ``lags`` states, read out at the newest state as the next increment.

    search_space: the window, the model width and the depth."""

    description = "Transformer encoder over the last states, predicting the increment (equinox, trained by Adam)"
    search_space = {"lags": [8, 16], "d_model": [32, 64], "layers": [1, 2]}

    def __init__(self, lags: int = 8, d_model: int = 32, heads: int = 2, layers: int = 1, epochs: int = 40,
                 batch_size: int = 64, learning_rate: float = 3e-3, patience: int = 20, val_horizon: int = 20,
                 clip: float = 1.0, rollout: int = 1, forcing: float = 1.0, input_noise: float = 0.0, polish: int = 0,
                 polish_method: str = "auto", seed: int = 0):
        super().__init__(seed=seed, lags=lags, d_model=int(d_model), heads=int(heads), layers=int(layers),
                         epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, patience=patience,
                         val_horizon=val_horizon, clip=clip, rollout=rollout, forcing=forcing, input_noise=input_noise,
                         polish=polish, polish_method=polish_method)
        if self.layers < 1 or self.heads < 1 or self.d_model % self.heads:
            raise ValueError(f"layers, heads >= 1 and d_model divisible by heads are required, got "
                             f"layers={layers}, heads={heads}, d_model={d_model}")

    def _network(self, d, inc, key):
        return _TransformerNet(d, inc, self.lags, self.d_model, self.heads, self.layers, key)
