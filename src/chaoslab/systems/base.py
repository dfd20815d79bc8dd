"""The System type: one small immutable description of a dynamical system.

A System holds a pure ``jax.numpy`` right-hand side and its metadata. Everything else in
chaoslab (integration, ensembles, analysis, datasets) is a function that takes a System.

Right-hand sides are written with named parameters as keyword arguments::

    @flow(params=dict(sigma=10.0, rho=28.0, beta=8 / 3), ic=[1.0, 1.0, 1.0], period=1.5)
    def Lorenz(x, t, sigma, rho, beta):
        return jnp.stack([sigma * (x[1] - x[0]), x[0] * (rho - x[2]) - x[1], x[0] * x[1] - beta * x[2]])

``System.rhs(x, t, p)`` calls that function with the parameter dictionary ``p`` unpacked.
For a map the function returns the next state; for a delay equation it takes the delayed state
as its second argument: ``f(x, x_delayed, t, **params)``.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

from ..lazy import lazy_module
jax = lazy_module("jax")
jnp = lazy_module("jax.numpy")
import numpy as np

__all__ = [
    "System",
    "flow",
    "map_system",
    "delay_flow",
    "get_system",
    "list_systems",
    "register",
    "UnknownSystemError",
    "UnknownNameError",
    "ParameterError",
    "resolve_name",
    "suggest_name",
]


class UnknownNameError(ValueError, KeyError):
    """A name that is not one of a fixed set (a system, a model, a method, ...). Both a
    ValueError (bad input) and a KeyError (a failed lookup); ``str(e)`` is one line naming the
    unknown name, the closest known one and what is allowed (``hint``; default: every known
    name), the list left out after a suggestion when it is long. Subclasses set ``what`` (the kind
    of name) and ``hint``."""

    what: str = "name"
    hint: str | None = None

    def __init__(self, name, known: Iterable[str], what: str | None = None, hint: str | None = None):
        known = list(known)
        self.name = name
        self.what = what or self.what
        self.suggestion = suggest_name(str(name), known)
        same = [k for k in known if isinstance(name, str) and k.lower() == name.lower()]
        if len(same) > 1:
            self.message = (f"{self.what} {name!r} is ambiguous: {', '.join(repr(k) for k in same)} differ only in "
                            f"case; give the exact name")
        else:
            listing = hint or self.hint or f"allowed: {', '.join(map(str, known))}"
            if self.suggestion:  # what is allowed follows the suggestion if the list is short
                listing = f"did you mean '{self.suggestion}'?" + (f" ({listing})" if len(known) <= 10 else "")
            self.message = f"unknown {self.what} {name!r}; {listing}"  # repr: one line, whatever the name holds
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError quotes its argument otherwise
        return self.message


class UnknownSystemError(UnknownNameError):
    """Raised for a system name that is not in the catalog."""

    what = "system"
    hint = "see 'chaoslab systems list'"


class UnknownModelError(UnknownNameError):
    """An unknown model name (with the closest registered name suggested)."""

    what = "model"


class DivergenceError(RuntimeError):
    """A trajectory left its finite bound or turned non-finite."""

    def __init__(self, system: str, member: int, time: float, value: float | None = None, *, what: str | None = None,
                 hint: str = ""):
        self.system, self.member, self.time = system, member, time
        if what is None:
            what = ("turned non-finite" if value is None or not math.isfinite(value)
                    else f"left its bound (|x| = {value:.3g})")
        super().__init__(f"{system}: member {member} {what} at t = {time:.6g}" + (f"; {hint}" if hint else ""))


def suggest_name(name: str, known: list[str]) -> str | None:
    """The registered name the user most likely meant.

    A case-insensitive match wins; then the longest registered name that the
    query starts with (``Lorenz63`` -> ``Lorenz``: users append a year or a
    variant tag to a family name); then the closest name by ``difflib``.
    """
    lower = {k.lower(): k for k in known}
    q = name.lower()
    if q in lower:
        return lower[q]
    prefixes = [k for k in known if len(k) >= 4 and q.startswith(k.lower())]
    if prefixes:
        return max(prefixes, key=len)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    return close[0] if close else None


def resolve_name(name: str, known: Iterable[str], what: str | None = None, *, hint: str | None = None,
                 error: type[UnknownNameError] = UnknownNameError) -> str:
    """The member of the fixed set ``known`` that ``name`` means: ``name`` itself, else the one
    known name equal to it ignoring case (``"ETKF"`` -> ``"etkf"``, ``"lorenz"`` -> ``"Lorenz"``).
    Otherwise raises ``error(name, known, what, hint)`` — one line: ``unknown <what> '<name>'``
    with the closest known name and what is allowed (``hint``, else every known name). The one
    rule by which every argument naming a choice (systems, models, methods, perturbations,
    detrending, ...) is read."""
    if not isinstance(known, Collection):
        known = list(known)
    if isinstance(name, str):
        if name in known:  # the exact name (a dict lookup for a registry)
            return name
        same = [k for k in known if k.lower() == name.lower()]
        if len(same) == 1:
            return same[0]
    raise error(name, known, what, hint)


class ParameterError(ValueError):
    """Raised for an unknown parameter name or a non-numeric parameter value."""


def _bytes(a) -> bytes:
    """A parameter value as bytes (numbers by value; anything else by its repr)."""
    try:
        return np.asarray(a, dtype=np.float64).tobytes()
    except (TypeError, ValueError):
        return repr(a).encode()


@dataclass(frozen=True, eq=False)
class System:
    """An immutable description of a flow, a map or a delay equation.

    Attributes:
        name: catalog name (e.g. ``"Lorenz"``).
        dim: dimension of the state vector.
        fn: the user function ``fn(x, t, **params)`` (``fn(x, x_delayed, t, **params)`` for
            delay equations). Returns dx/dt for flows, the next state for maps.
        params: default parameters, name -> float or array.
        jac_fn: optional analytic Jacobian with the same signature as ``fn`` (flows and maps);
            autodiff (``jax.jacfwd``) is used otherwise.
        reference_ic: a reference initial condition on (or near) the attractor. For delay
            equations: samples of the history on [-tau, 0], equally spaced.
        period: characteristic period (time units; 1 iteration for maps).
        dt: a suggested internal step for fixed-step integration.
        delay_param: for delay equations, the name of the delay parameter.
        stats: reference statistics (``mean``, ``std``, ``lyapunov``, ...), used for
            verification and scaling. Keys absent when unknown.
        stiff: integrate with an implicit (L-stable) method by default.
        unbounded: indices of coordinates that grow without bound (angles, positions);
            excluded from attractor statistics and divergence bounds.
        observables: optional ``g(x, **params)`` giving the coordinates the reference
            statistics describe, e.g. ``(sin x, cos y)`` for angles on a torus; verification
            compares the statistics of ``g`` (all of its coordinates) instead of ``x``.
        stepper: for PDEs, ``stepper(h) -> step(u) -> u(t + h)``, an exponential
            time-differencing stepper used by the default method ("etdrk"); ``fn`` remains the
            semi-discretised right-hand side (for explicit or implicit ODE solvers).
        grid: for PDEs and lattices, the spatial grid: ``{"extent": L, "points": N, "dims": d,
            "channels": C, "variables": names}``; the state is the C fields on N^d points,
            flattened in C order (channel, x, y) — see ``pdes.periodic.Grid``.
    """

    name: str
    dim: int
    fn: Callable[..., Any]
    params: Mapping[str, Any] = field(default_factory=dict)
    jac_fn: Callable[..., Any] | None = None
    description: str = ""
    citation: str = ""
    reference_ic: tuple[float, ...] | None = None
    period: float | None = None
    dt: float | None = None
    delay: bool = False
    nonautonomous: bool = False
    hamiltonian: bool = False
    discrete: bool = False
    stiff: bool = False
    delay_param: str | None = None
    stats: Mapping[str, Any] = field(default_factory=dict)
    unbounded: tuple[int, ...] = ()
    observables: Callable[..., Any] | None = None
    stepper: Callable[..., Any] | None = None
    grid: Mapping[str, Any] | None = None
    variables: tuple[str, ...] = ()
    field_: str = "user"
    equations: str = ""

    def __post_init__(self):
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        object.__setattr__(self, "stats", MappingProxyType(dict(self.stats)))
        if self.dim < 1:
            raise ValueError(f"dim must be >= 1, got {self.dim}")
        if self.reference_ic is not None:
            object.__setattr__(self, "reference_ic", tuple(float(v) for v in self.reference_ic))
        if self.delay and self.delay_param not in self.params:
            raise ValueError(f"delay system {self.name!r} needs delay_param naming one of its params")

    # ----------------------------------------------------------------- value semantics
    def _value(self) -> tuple:
        """What makes two Systems the same: the equations (functions by identity), the default
        parameters by value, and the fields that change how it integrates; not descriptions,
        citations or reference statistics."""
        v = getattr(self, "_value_cache", None)
        if v is None:
            v = self.stable_value()
            object.__setattr__(self, "_value_cache", v)
        return v

    def stable_value(self) -> tuple:
        """The tuple behind equality (:meth:`_value`), the same in every process but for the
        functions (:func:`chaoslab.integrate.stored.stable_key` names them where it can)."""
        params = tuple(sorted((k, np.shape(a), _bytes(a)) for k, a in self.params.items()))
        grid = None if self.grid is None else repr(sorted(dict(self.grid).items()))
        return (self.name, self.dim, self.fn, self.jac_fn, params, self.reference_ic, self.period, self.dt,
                self.delay, self.nonautonomous, self.hamiltonian, self.discrete, self.stiff, self.delay_param,
                self.unbounded, self.observables, self.stepper, grid)

    def __eq__(self, other) -> bool:
        """Equal by value (:meth:`_value`): compiled programs cached for one serve the other."""
        return isinstance(other, System) and (self is other or self._value() == other._value())

    def __hash__(self) -> int:
        return hash(self._value())

    # ----------------------------------------------------------------- evaluation
    def rhs(self, x, t, p: Mapping[str, Any] | None = None):
        """dx/dt (flow) or the next state (map) at state ``x``, time ``t``, parameters ``p``."""
        p = self.params if p is None else p
        return self.fn(x, t, **p)

    def rhs_delay(self, x, x_delayed, t, p: Mapping[str, Any] | None = None):
        """dx/dt of a delay equation given the current and the delayed state."""
        p = self.params if p is None else p
        return self.fn(x, x_delayed, t, **p)

    def jac(self, x, t, p: Mapping[str, Any] | None = None):
        """Jacobian d rhs / dx: the analytic one if given, else forward-mode autodiff."""
        p = self.params if p is None else p
        if self.jac_fn is not None:
            return jnp.asarray(self.jac_fn(x, t, **p))
        if self.delay:
            raise TypeError("a delay equation has no finite-dimensional Jacobian; use the tangent of the discretised history")
        return jax.jacfwd(lambda y: self.fn(y, t, **p))(x)

    # ----------------------------------------------------------------- parameters
    def resolve_params(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Defaults updated by ``overrides``; unknown names raise a one-line ParameterError."""
        p = dict(self.params)
        allowed = ", ".join(self.params) or "none"
        if overrides is not None and not isinstance(overrides, Mapping):
            raise ParameterError(f"parameters of '{self.name}' must be a mapping of names to numbers, got "
                                 f"{type(overrides).__name__}; allowed names: {allowed}")
        for k, v in (overrides or {}).items():
            if k not in p:
                raise ParameterError(f"system '{self.name}' has no parameter {k!r}; allowed: {allowed}")
            if isinstance(v, jax.core.Tracer):  # inside jit/vmap/grad: checked by its own trace
                if not jnp.issubdtype(v.dtype, jnp.floating) and not jnp.issubdtype(v.dtype, jnp.integer):
                    raise ParameterError(f"parameter '{k}' of '{self.name}' must be numeric, got dtype {v.dtype}")
                p[k] = v
                continue
            try:
                if np.asarray(v).dtype == bool:
                    raise TypeError("a boolean is not a parameter value")
                arr = np.asarray(v, dtype=np.float64)
            except (TypeError, ValueError, OverflowError):
                raise ParameterError(f"parameter '{k}' of '{self.name}' must be numeric, got {v!r}") from None
            if not np.all(np.isfinite(arr)):
                raise ParameterError(f"parameter '{k}' of '{self.name}' must be finite, got {v!r}")
            p[k] = arr
        return {k: v if isinstance(v, jax.core.Tracer) else jnp.asarray(v, dtype=jnp.float64) for k, v in p.items()}

    def with_params(self, **overrides) -> "System":
        """A copy of this System with new default parameters."""
        self.resolve_params(overrides)
        new = dict(self.params)
        new.update(overrides)
        return replace(self, params=new)

    @property
    def ic(self) -> np.ndarray:
        """The reference initial condition (a ones vector when none is known)."""
        if self.reference_ic is None:
            return np.ones(self.dim if not self.delay else 1)
        return np.asarray(self.reference_ic, dtype=np.float64)

    @property
    def kind(self) -> str:
        """flow, map, delay, pde (a field on a periodic grid) or lattice (a spatial grid of
        coupled ODEs, e.g. Lorenz-96)."""
        if self.stepper is not None:
            return "pde"
        if self.grid is not None:
            return "lattice"
        return "map" if self.discrete else ("delay" if self.delay else "flow")

    @property
    def scale(self) -> float:
        """A typical size of the state on the attractor (for divergence bounds)."""
        std = self.stats.get("std")
        mean = self.stats.get("mean")
        vals = [1.0]
        if std is not None:
            vals.append(float(np.max(np.abs(std))))
        if mean is not None:
            vals.append(float(np.max(np.abs(mean))))
        if self.reference_ic is not None:
            finite = [abs(v) for i, v in enumerate(self.reference_ic) if i not in self.unbounded]
            if finite:
                vals.append(max(finite))
        return max(vals)

    def summary(self) -> dict[str, Any]:
        """JSON-ready description."""

        def _py(v):
            a = np.asarray(v)
            return a.tolist() if a.ndim else float(a)

        return {
            "name": self.name,
            "kind": self.kind,
            "field": self.field_,
            "dim": self.dim,
            "variables": list(self.variables),
            "parameters": {k: _py(v) for k, v in self.params.items()},
            "reference_ic": list(self.reference_ic) if self.reference_ic is not None else None,
            "period": self.period,
            "dt": self.dt,
            "delay": self.delay,
            "nonautonomous": self.nonautonomous,
            "hamiltonian": self.hamiltonian,
            "discrete": self.discrete,
            "stiff": self.stiff,
            "unbounded": list(self.unbounded),
            "grid": {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.grid.items()} if self.grid else None,
            "equations": self.equations,
            "description": self.description,
            "citation": self.citation,
            "reference_stats": {k: _py(v) if not isinstance(v, str) else v for k, v in self.stats.items()},
            "computed_invariants": self.invariants,
        }

    @property
    def invariants(self) -> dict[str, Any] | None:
        """Invariants chaoslab computed for this catalog system (Lyapunov spectrum, dimensions,
        period; see ``chaoslab analyze``), or None for user systems and unlisted ones."""
        from .computed import computed_invariants

        if self.field_ == "user":
            return None
        return computed_invariants(self.name)

    def __repr__(self) -> str:
        return f"System({self.name!r}, kind={self.kind}, dim={self.dim})"


# --------------------------------------------------------------------------- registry
_REGISTRY: dict[str, System] = {}


def register(system: System, *, overwrite: bool = False) -> System:
    if system.name in _REGISTRY and not overwrite:
        raise ValueError(f"a system named {system.name!r} is already registered")
    _REGISTRY[system.name] = system
    return system


def _load_catalog() -> None:
    from . import catalog  # noqa: F401  (imports register the built-ins)


def get_system(name: str) -> System:
    """The catalog system called ``name``, in any case if that is unambiguous (``"lorenz"``);
    UnknownSystemError with a suggestion otherwise."""
    _load_catalog()
    return _REGISTRY[resolve_name(name, _REGISTRY, error=UnknownSystemError)]


KINDS = ("flow", "map", "delay", "pde", "lattice", "ode", "spatial")


def list_systems(kind: str | None = None) -> list[str]:
    """Names of the catalog systems, all of them or one kind.

    ``"flow"`` (ordinary flows, delay equations included), ``"map"``, ``"delay"``, ``"pde"``
    (fields on periodic grids), ``"lattice"`` (spatial grids of coupled ODEs); ``"ode"`` is the
    low-dimensional benchmark catalog (flows and maps), ``"spatial"`` is pde + lattice.
    """
    _load_catalog()
    names = sorted(_REGISTRY)
    if kind is None:
        return names
    kind = resolve_name(kind, KINDS, "kind")
    groups = {"flow": ("flow", "delay"), "ode": ("flow", "delay", "map"), "spatial": ("pde", "lattice")}
    wanted = groups.get(kind, (kind,))
    return [n for n in names if _REGISTRY[n].kind in wanted]


# --------------------------------------------------------------------------- decorators
def _make(fn, *, kind: str, name, params, ic, dim, register_: bool, **meta) -> System:
    name = name or fn.__name__
    if dim is None:
        if ic is None:
            raise ValueError(f"{name}: give dim= or ic=")
        dim = 1 if kind == "delay" else len(ic)
    sys_ = System(
        name=name,
        dim=int(dim),
        fn=fn,
        params=params or {},
        reference_ic=tuple(ic) if ic is not None else None,
        discrete=(kind == "map"),
        delay=(kind == "delay"),
        **meta,
    )
    if register_:
        register(sys_)
    return sys_


def flow(
    fn=None,
    *,
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
    ic: Iterable[float] | None = None,
    dim: int | None = None,
    register: bool = False,
    **meta,
):
    """Decorate ``f(x, t, **params) -> dx/dt`` to make a flow System.

    Metadata keywords: jac_fn, period, dt, description, citation, nonautonomous, hamiltonian,
    stats, unbounded, observables, variables, field_, equations.
    """

    def wrap(f):
        return _make(f, kind="flow", name=name, params=params, ic=ic, dim=dim, register_=register, **meta)

    return wrap(fn) if fn is not None else wrap


def map_system(
    fn=None,
    *,
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
    ic: Iterable[float] | None = None,
    dim: int | None = None,
    register: bool = False,
    **meta,
):
    """Decorate ``f(x, n, **params) -> next state`` to make a map System (period 1)."""
    meta.setdefault("period", 1.0)
    meta.setdefault("dt", 1.0)

    def wrap(f):
        return _make(f, kind="map", name=name, params=params, ic=ic, dim=dim, register_=register, **meta)

    return wrap(fn) if fn is not None else wrap


def delay_flow(
    fn=None,
    *,
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
    ic: Iterable[float] | None = None,
    delay_param: str = "tau",
    register: bool = False,
    **meta,
):
    """Decorate ``f(x, x_delayed, t, **params) -> dx/dt`` to make a scalar delay equation.

    ``ic`` holds samples of the history x(s), s in [-tau, 0], equally spaced (first = oldest).
    """

    def wrap(f):
        return _make(
            f, kind="delay", name=name, params=params, ic=ic, dim=1, register_=register,
            delay_param=delay_param, **meta,
        )

    return wrap(fn) if fn is not None else wrap


def stack(*components):
    """``jnp.stack`` of scalar components, broadcasting Python numbers (a helper for rhs)."""
    dtype = jnp.result_type(*components)  # float32 states stay float32; Python numbers are weak
    if not jnp.issubdtype(dtype, jnp.floating):
        dtype = jnp.float64
    arrs = jnp.broadcast_arrays(*[jnp.asarray(c, dtype=dtype) for c in components])
    return jnp.stack(arrs)
