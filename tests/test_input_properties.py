"""Property-based tests (hypothesis) of the public entry points that take user input.

Each call either works — finite results of the documented shape; for an ensemble a ``valid`` mask
with finite states wherever it says True — or raises the documented error: a ValueError,
TypeError or FileNotFoundError, or one of chaoslab's own (UnknownSystemError, ParameterError,
SuiteError; DivergenceError where a valid parameter set or state leaves its bound) with a one-line
message. Never IndexError, ZeroDivisionError, AttributeError, OverflowError, numpy's or JAX's
internal errors, a multi-line message or silent NaN. From the command line: exit 0, or one
``error:`` line on stderr with exit 2 (bad input) or 1 (a failed run: a divergence).

Cheap by construction: a few systems, fixed lengths and a small set of array shapes (JAX compiles
once per shape), tiny integration times, a fixed number of examples drawn deterministically
(``derandomize``, no example database), so CI sees the same examples every run.
"""

from __future__ import annotations

import json
import math
import re
import warnings

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import chaoslab as cl
from chaoslab.analysis import correlation_dimension, largest_lyapunov_from_series, lyapunov_spectrum
from chaoslab.bench import SuiteError, load_suite
from chaoslab.cli.main import app


def cheap(n: int):
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


# ----------------------------------------------------------------------------- the documented outcomes
DOCUMENTED = (ValueError, TypeError, FileNotFoundError, KeyError)
# messages that are Python's, numpy's or JAX's own, not the package's: a bug that slipped through
INTERNAL = re.compile(r"has no attribute|not subscriptable|unhashable type|object is not|unsupported operand|"
                      r"out of bounds|object too deep|broadcast shape|Traceback|jaxlib|XlaRuntimeError|"
                      r"floating point overflow", re.I)
DIVERGED = object()


def check_error(e: BaseException) -> None:
    """``e`` is a documented error with a one-line message of the package's own."""
    msg = str(e).strip()
    assert isinstance(e, DOCUMENTED), f"undocumented {type(e).__name__}: {msg[:300]}"
    if isinstance(e, KeyError):  # a failed lookup must be the package's (UnknownSystemError), not a bare one
        assert type(e).__module__.startswith("chaoslab"), f"bare KeyError: {msg[:300]}"
    assert msg and "\n" not in msg, f"{type(e).__name__} is not one line: {msg[:300]!r}"
    assert not INTERNAL.search(msg), f"{type(e).__name__} with an internal message: {msg[:300]}"


def attempt(call, *, may_diverge: bool = False):
    """call()'s result; None after a documented error; DIVERGED after a DivergenceError (which
    only a valid input whose orbit leaves its bound may raise)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)  # no silent loss of an imaginary part
            return call()
    except cl.DivergenceError as e:
        assert may_diverge, f"DivergenceError for bad input (a one-line ValueError was due): {e}"
        assert "\n" not in str(e).strip()
        return DIVERGED
    except Exception as e:  # noqa: BLE001 - the property is about which exceptions escape
        check_error(e)
        return None


def check_cli(r, *, may_fail_run: bool = False) -> bool:
    """True for exit 0; otherwise exit 2 (or 1, a failed run, where allowed) with one ``error:``
    line on stderr. Never an unhandled exception (a traceback)."""
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise AssertionError(f"unhandled {type(r.exception).__name__}: {r.exception}") from r.exception
    if r.exit_code == 0:
        return True
    lines = r.stderr.strip().splitlines()
    assert r.exit_code in ((1, 2) if may_fail_run else (2,)), (r.exit_code, r.stderr[-500:])
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr[-500:]
    return False


def strict_json(text: str):
    """JSON as RFC 8259 has it (no NaN or Infinity: a strict reader refuses them)."""
    def refuse(c):
        raise AssertionError(f"--json printed {c}, which is not JSON")

    return json.loads(text, parse_constant=refuse)


RUNNER = CliRunner()


# ----------------------------------------------------------------------------- system names
REAL = ("Lorenz", "Henon", "Rossler", "MackeyGlass")
LOOKALIKE = {"o": "\u043e", "e": "\u0435", "a": "\u0430", "c": "\u0441"}  # Cyrillic letters that look Latin


@st.composite
def near_misses(draw):
    name = draw(st.sampled_from(REAL))
    i = draw(st.integers(0, len(name) - 1))
    op = draw(st.sampled_from(["lower", "upper", "swapcase", "drop", "insert", "pad", "lookalike", "double", "suffix"]))
    if op in ("lower", "upper", "swapcase"):
        return getattr(name, op)()
    if op == "drop":
        return name[:i] + name[i + 1:]
    if op == "insert":
        return name[:i] + draw(st.sampled_from([" ", "_", "-", "1", "\u00e9", "\u00a0", "\u200b", "\t"])) + name[i:]
    if op == "pad":
        return draw(st.sampled_from([" {}", "{} ", " {} ", "{}\n", "'{}'", '"{}"'])).format(name)
    if op == "lookalike":
        return "".join(LOOKALIKE.get(c, c) for c in name)
    if op == "double":
        return name[:i] + name[i] + name[i:]
    return name + draw(st.sampled_from(["63", "s", " system", "_", "()"]))


NAMES = st.one_of(st.text(max_size=24), near_misses(),
                  st.sampled_from(["", " ", "\n", "\x00", "..", "-x", "--json", "Lorenz\x00", "\U0001f600"]))
NOT_STRINGS = st.one_of(st.none(), st.integers(), st.floats(), st.lists(st.sampled_from(REAL), max_size=2),
                        st.builds(object), st.just(b"Lorenz"))


@cheap(60)
@given(name=st.one_of(NAMES, NOT_STRINGS))
@example(name="lorenz\n")
@example(name=None)
@example(name=["Lorenz"])
@example(name="Lorenz\x00")
def test_system_names(name):
    s = attempt(lambda: cl.get_system(name))
    if s is not None:
        assert isinstance(name, str) and isinstance(s, cl.System)
        assert s.name.lower() == name.strip().lower()
    tr = attempt(lambda: cl.trajectory(name, 3))
    assert (tr is None) == (s is None), "get_system and trajectory disagree on a name"
    if tr is not None:
        assert tr.x.shape == (3, s.dim) and np.all(np.isfinite(tr.x))


@cheap(25)
@given(name=NAMES)
@example(name="Lorenz\nRossler")
@example(name="lorenz")
def test_cli_systems_show(name):
    r = RUNNER.invoke(app, ["systems", "show", "--json", "--", name])
    if check_cli(r):
        assert strict_json(r.stdout)["name"].lower() == name.strip().lower()


# ----------------------------------------------------------------------------- parameters
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 0.0, -0.0, -1.0, 5e-324, 1e-300, 1e6]),
    st.integers(-10**400, 10**400),
)
NOT_NUMBERS = st.one_of(st.none(), st.booleans(), st.text(max_size=4), st.complex_numbers(allow_nan=False, min_magnitude=1),
                        st.just({}), st.just([]), st.just([[1.0, 2.0]]), st.builds(object))
# a delay system recompiles for every new delay (its history buffer is static): draw the delay from a few
DELAYS = st.sampled_from([16.0, 1e308, 1e-300, 5e-324, 1e-3, -1.0, 0.0, float("nan"), float("inf"), 10**400, "x"])
SYSTEMS = ("Lorenz", "Henon", "MackeyGlass")


def is_number(v) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


@st.composite
def parameter_sets(draw, batch: int | None = None):
    name = draw(st.sampled_from(SYSTEMS))
    system = cl.get_system(name)
    names = list(system.params) + ["foo", "", "Rho", "sigma "]
    params, bad = {}, False
    if system.delay and draw(st.booleans()):  # the delay sizes the history buffer: draw it often
        params[system.delay_param] = v = draw(DELAYS)
        bad = not is_number(v)
    for _ in range(draw(st.integers(0 if params else 1, 2))):
        k = draw(st.sampled_from(names))
        if k == system.delay_param:
            v = draw(DELAYS)
        elif batch and draw(st.booleans()):
            v = draw(st.lists(NUMBERS, min_size=batch, max_size=batch))
        else:
            v = draw(st.one_of(NUMBERS, NOT_NUMBERS))
        params[k] = v
        vals = v if isinstance(v, list) and batch else [v]
        bad |= k not in system.params or not all(is_number(x) for x in vals)
    # params= that is not a mapping at all
    if draw(st.integers(0, 9)) == 0:
        return name, draw(st.sampled_from([list(params.items()), "rho=1", 3.0])), True
    return name, params, bad


EDGE_PARAMETERS = [("MackeyGlass", {"tau": 1e308}, False), ("MackeyGlass", {"tau": 1e-300}, False),
                   ("MackeyGlass", {"tau": 5e-324}, False), ("MackeyGlass", {"tau": 0.0}, False),
                   ("Lorenz", {"rho": 1e308}, False), ("Lorenz", {"sigma": -1e308}, False), ("Henon", {"a": 1e308}, False),
                   ("Lorenz", {"rho": 10**400}, True), ("Lorenz", {"rho": True}, True), ("Lorenz", {"rho\n": 1.0}, True),
                   ("Lorenz", [("rho", 1.0)], True), ("Henon", "a=1", True)]


def edge_cases(cases, name="case"):
    """Decorate a property with hypothesis examples that are always run (the known edges), each
    given as the argument ``name``."""
    def wrap(f):
        for c in cases:
            f = example(**{name: c})(f)
        return f
    return wrap


@cheap(40)
@given(case=parameter_sets())
@edge_cases(EDGE_PARAMETERS)
def test_trajectory_parameters(case):
    name, params, bad = case
    system = cl.get_system(name)
    tr = attempt(lambda: cl.trajectory(system, 4, params=params), may_diverge=not bad)
    if bad:
        assert tr is None, f"accepted bad parameters {params!r}"
    elif tr is not None and tr is not DIVERGED:
        assert tr.x.shape == (4, system.dim) and np.all(np.isfinite(tr.x)), "NaN states without a DivergenceError"


@cheap(30)
@given(case=parameter_sets(batch=2))
@edge_cases(EDGE_PARAMETERS + [("Lorenz", {"rho": [28.0, 1e308]}, False), ("Lorenz", {"rho": [28.0]}, False),
                               ("Lorenz", {"rho": [28.0, float("nan")]}, True)])
def test_ensemble_parameters(case):
    name, params, bad = case
    system = cl.get_system(name)
    ens = attempt(lambda: cl.ensemble(system, 4, members=2, params=params))
    assert ens is not DIVERGED, "an ensemble reports divergence in its mask, it does not raise"
    if bad:
        assert ens is None, f"accepted bad parameters {params!r}"
    elif ens is not None:
        assert ens.x.shape == (2, 4, system.dim) and ens.valid.shape == (2,) and ens.valid.dtype == bool
        assert np.all(np.isfinite(ens.x[ens.valid])), "NaN in members marked valid"


PARAM_ITEMS = st.one_of(
    st.builds(lambda k, v: f"{k}={v}", st.sampled_from(["rho", "sigma", "a", "b", "foo", "", " rho ", "rho=1"]),
              st.one_of(st.floats().map(repr), st.sampled_from(["nan", "inf", "-inf", "1e308", "1e309", "-1e308", "0",
                                                                 "-5", "abc", "", "1,5", "0x10", "1_000", " 3 ", "\u0663"]))),
    st.sampled_from(["rho", "=", "rho:28"]),
)


@cheap(12)
@given(system=st.sampled_from(["Lorenz", "Henon"]), items=st.lists(PARAM_ITEMS, min_size=1, max_size=2))
@example(system="Lorenz", items=["rho=1e308"])  # a valid number whose orbit diverges: exit 1
@example(system="Lorenz", items=["rho=nan"])
@example(system="Lorenz", items=["rho=1e309"])
@example(system="Henon", items=["a=abc"])
@example(system="Lorenz", items=["rho"])
@example(system="Lorenz", items=["rho\n=1"])
@example(system="MackeyGlass", items=["tau=1e308"])
@example(system="MackeyGlass", items=["tau=1e-300"])
def test_cli_param(tmp_path_factory, system, items):
    out = tmp_path_factory.mktemp("plot") / "f.png"
    args = ["plot", system, "--out", str(out), "--length", "2", "--transient", "0"]
    for item in items:
        args += ["--param", item]
    r = RUNNER.invoke(app, args)
    if not check_cli(r, may_fail_run=True):
        assert not out.exists()
    well_formed = all("=" in i and i.split("=", 1)[0].strip() in cl.get_system(system).params for i in items)
    if not well_formed:
        assert r.exit_code == 2, f"bad --param {items} gave exit {r.exit_code}"


# ----------------------------------------------------------------------------- arrays
DTYPES = ("float64", "float32", "int64", "bool", "complex128", "str", "ragged")
FILLS = ("normal", "zeros", "nan", "inf", "huge")


def make_array(shape, dtype: str, fill: str, seed: int):
    a = np.random.default_rng(seed).normal(size=shape) * 3
    if fill == "zeros":
        a = np.zeros(shape)
    elif a.size and fill in ("nan", "inf", "huge"):
        a.flat[seed % a.size] = {"nan": np.nan, "inf": -np.inf, "huge": 1e308}[fill]
    if dtype == "ragged":
        return [a.tolist(), [1.0, 2.0]] if a.ndim else [1.0, [2.0, 3.0]]
    if dtype == "complex128":
        return a + 1j
    with np.errstate(all="ignore"):
        return a.astype(dtype)


@st.composite
def arrays(draw, shapes):
    shape, dtype = draw(st.sampled_from(shapes)), draw(st.sampled_from(DTYPES))
    return shape, dtype, make_array(shape, dtype, draw(st.sampled_from(FILLS)), draw(st.integers(0, 2**16)))


def verdict(shape, dtype, x0, shapes_ok) -> tuple[bool, bool]:
    """(must work, may diverge): only real numbers, finite, of an allowed shape may work; those
    beyond any attractor's bound may diverge instead."""
    if dtype in ("complex128", "str", "ragged", "bool") or shape not in shapes_ok:
        return False, False
    a = np.asarray(x0, dtype=float)
    if not np.all(np.isfinite(a)):
        return False, False
    return True, bool(a.size and np.max(np.abs(a)) > 1e6)


def x0_edges(shapes):
    """The known edges of every property on initial states, run first."""
    def wrap(f):
        for shape in shapes:
            for dtype, fill in [("float64", "normal"), ("float64", "nan"), ("float64", "huge"), ("complex128", "normal"),
                                ("bool", "normal"), ("ragged", "normal"), ("str", "normal")]:
                f = example(case=(shape, dtype, make_array(shape, dtype, fill, 1)))(f)
        return f
    return wrap


@cheap(40)
@given(case=arrays([(3,), (2,), (4,), (), (0,), (1, 3), (2, 3), (0, 3), (3, 1), (1, 1, 3)]))
@x0_edges([(3,), (), (0, 3), (2, 3)])
def test_x0_of_trajectory_and_ensemble(case):
    shape, dtype, x0 = case
    ok, huge = verdict(shape, dtype, x0, [(3,)])
    tr = attempt(lambda: cl.trajectory("Lorenz", 4, x0=x0), may_diverge=huge)
    assert (tr is not None) == ok, f"trajectory {'refused' if ok else 'accepted'} x0 of shape {shape}, {dtype}: {x0!r}"
    if tr is not None and tr is not DIVERGED:
        assert tr.x.shape == (4, 3) and np.all(np.isfinite(tr.x))
    ok, huge = verdict(shape, dtype, x0, [(1, 3), (2, 3)])
    ens = attempt(lambda: cl.ensemble("Lorenz", 4, x0=x0))
    assert (ens is not None) == ok, f"ensemble {'refused' if ok else 'accepted'} x0 of shape {shape}, {dtype}: {x0!r}"
    if ens is not None:
        assert ens.x.shape == (shape[0], 4, 3) and ens.valid.shape == (shape[0],)
        assert np.all(np.isfinite(ens.x[ens.valid])) and (huge or ens.valid.all())
        assert attempt(lambda: cl.ensemble("Lorenz", 4, x0=x0, members=shape[0] + 1)) is None, "x0 and members disagree"


@cheap(20)
@given(case=arrays([(), (1,), (5,), (0,), (2, 3), (1, 1)]))
@x0_edges([(5,), (0,), (2, 3)])
def test_history_of_a_delay_equation(case):
    shape, dtype, x0 = case
    ok, huge = verdict(shape, dtype, x0, [(), (1,), (5,)])
    tr = attempt(lambda: cl.trajectory("MackeyGlass", 4, x0=x0), may_diverge=huge)
    assert (tr is not None) == ok, f"{'refused' if ok else 'accepted'} a history of shape {shape}, {dtype}: {x0!r}"
    if tr is not None and tr is not DIVERGED:
        assert tr.x.shape == (4, 1) and np.all(np.isfinite(tr.x))


@cheap(10)
@given(case=arrays([(3,), (2,), (), (0, 3), (1, 3), (2, 3), (1, 1, 3)]))
@x0_edges([(3,), (0, 3)])
def test_x0_of_lyapunov_spectrum(case):
    shape, dtype, x0 = case
    ok, huge = verdict(shape, dtype, x0, [(3,), (1, 3), (2, 3)])
    spec = attempt(lambda: lyapunov_spectrum("Lorenz", time=1.0, transient=0.0, x0=x0), may_diverge=huge)
    assert (spec is not None) == ok, f"{'refused' if ok else 'accepted'} x0 of shape {shape}, {dtype}: {x0!r}"
    if spec is not None and spec is not DIVERGED:
        assert np.shape(spec.exponents) == shape and np.all(np.isfinite(spec.exponents))


SERIES_SHAPES = [(0,), (1,), (5,), (150,), (400,), (400, 1), (400, 2), (1, 400), (400, 0), (3, 3, 3), ()]
SERIES_FILLS = ("noise", "logistic", "sine", "constant", "nan", "inf", "huge", "tiny", "integers", "ramp")


def make_series(shape, fill: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = shape[0] if shape else 1
    if fill == "logistic":  # a chaotic series
        x = np.empty(max(n, 1))
        x[0] = 0.1 + 0.8 * rng.random()
        for i in range(1, x.size):
            x[i] = 3.99 * x[i - 1] * (1 - x[i - 1])
        base = x[:n]
    elif fill == "sine":
        base = np.sin(0.3 * np.arange(n))
    elif fill == "ramp":
        base = np.arange(n, dtype=float)
    else:
        base = rng.normal(size=n)
    a = np.broadcast_to(base.reshape((n,) + (1,) * (len(shape) - 1)), shape).copy() if shape else np.array(base[0])
    if len(shape) > 1 and a.size:
        a = a + rng.normal(size=shape) * (fill not in ("constant", "sine", "ramp"))
    if fill == "constant":
        a = np.full(shape, 2.5)
    elif fill == "integers":
        a = np.round(a)
    elif fill == "huge":
        a = a * 1e300
    elif fill == "tiny":
        a = a * 1e-300
    elif fill in ("nan", "inf") and a.size:
        a.flat[seed % a.size] = np.nan if fill == "nan" else np.inf
    return a


def series_edges(f):
    for which in ("correlation_dimension", "rosenstein", "kantz"):
        for shape, fill in [((400,), "constant"), ((400, 2), "constant"), ((400,), "huge"), ((400,), "tiny"),
                            ((400, 0), "noise"), ((400,), "integers"), ((150,), "logistic")]:
            f = example(shape=shape, fill=fill, seed=0, which=which)(f)
    return f


@cheap(40)
@given(shape=st.sampled_from(SERIES_SHAPES), fill=st.sampled_from(SERIES_FILLS), seed=st.integers(0, 2**16),
       which=st.sampled_from(["correlation_dimension", "rosenstein", "kantz"]))
@series_edges
def test_series_analysis(shape, fill, seed, which):
    x = make_series(shape, fill, seed)
    call = {"correlation_dimension": lambda: correlation_dimension(x),
            "rosenstein": lambda: largest_lyapunov_from_series(x),
            "kantz": lambda: largest_lyapunov_from_series(x, method="kantz")}[which]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = attempt(call)
    if fill in ("nan", "inf") or len(shape) not in (1, 2):
        assert res is None, f"{which} accepted a {fill} series of shape {shape}"
    if res is not None:
        value = res.dimension if which == "correlation_dimension" else res.exponent
        assert math.isfinite(value), f"{which} gave {value} for a {fill} series of shape {shape}"


# ----------------------------------------------------------------------------- suite files
# a valid small suite as (table, key, TOML value) lines; [[models]] and [[ensembles]] are array tables
SUITE = [
    (None, "name", '"mini"'),
    (None, "description", '"a test"'),
    (None, "seeds", "[0]"),
    ("systems", "names", '["Lorenz"]'),
    ("task", "granularity", "30"),
    ("task", "train_periods", "10"),
    ("task", "horizon", "100"),
    ("task", "context", "20"),
    ("task", "n_test", "2"),
    ("evaluation", "metrics", '"all"'),
    ("evaluation", "eps", "0.4"),
    ("analysis", "lyapunov", "false"),
    ("[models]", "name", '"naive"'),
    ("[ensembles]", "perturbation", '"gaussian"'),
    ("[ensembles]", "members", "4"),
]
KEYS = sorted({k for _, k, _ in SUITE} | {"tags", "exclude", "n_val", "n_train", "observed", "dynamics", "n_rollouts",
                                          "rollout_lyapunov_times", "time", "label", "hp", "tune", "samples", "amplitude",
                                          "cases", "param_spread", "foo", "Seeds", "seed"})
VALUES = st.one_of(
    st.sampled_from(["-1", "0", "1", "2.5", "1e308", "-1e308", "nan", "inf", "-inf", '"x"', '""', "[]", "[0, 0]", '[1, "a"]',
                     "true", "{ a = 1 }", "{ size = 0 }", "[[1]]", '"all"', '["Lorenz", "Henon"]', '["nope"]',
                     '["KuramotoSivashinsky"]', '"esn"', '"bred"', "99999999999999999999", "1979-05-27", '"Lorenz"']),
    st.integers(-3, 400).map(str),
)
TABLES = [None, "systems", "task", "evaluation", "analysis", "[models]", "[ensembles]"]


@st.composite
def suite_texts(draw):
    rows = list(SUITE)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["set", "set", "drop", "add", "rename"]))
        i = draw(st.integers(0, len(rows) - 1))
        if op == "set":
            rows[i] = (rows[i][0], rows[i][1], draw(VALUES))
        elif op == "drop" and len(rows) > 1:
            rows.pop(i)
        elif op == "add":
            rows.append((draw(st.sampled_from(TABLES)), draw(st.sampled_from(KEYS)), draw(VALUES)))
        else:
            rows[i] = (rows[i][0], draw(st.sampled_from(KEYS)), rows[i][2])
    return render(rows)


def render(rows) -> str:
    out = []
    for table in TABLES:
        body = [f"{k} = {v}" for t, k, v in rows if t == table]
        if table is not None and body:
            out.append(f"[{table}]")
        out.extend(body)
    return "\n".join(out) + "\n"


def with_value(table, key, value) -> str:
    return render([r for r in SUITE if (r[0], r[1]) != (table, key)] + [(table, key, value)])


EDGE_SUITES = ["", "[task\n", 'name = "a"\nname = "b"\n'] + [with_value(*row) for row in [
    ("task", "granularity", "1e308"), ("task", "train_periods", "1e308"), ("task", "granularity", "nan"),
    ("task", "granularity", "[]"), ("task", "granularity", "[[30]]"), ("task", "horizon", "99999999999999999999"),
    ("task", "context", "0"), ("task", "n_test", "true"), ("task", "observed", "-1"), (None, "seeds", "[]"),
    (None, "seeds", "[0, 0]"), (None, "seeds", '[0, "a"]'), (None, "name", '"a b"'), ("systems", "names", "[]"),
    ("systems", "names", '["KuramotoSivashinsky"]'), ("systems", "tags", '["nonexistent"]'), ("systems", "exclude", '["Henon"]'),
    ("evaluation", "metrics", "[]"), ("evaluation", "metrics", '["rmse", "foo"]'), ("evaluation", "eps", "inf"),
    ("analysis", "lyapunov", "1"), ("analysis", "time", "-1"), ("[models]", "name", '["naive"]'), ("[models]", "hp", "3"),
    ("[models]", "hp", "{ a = 1 }"), ("[models]", "samples", "5"), ("[models]", "label", "3"),
    ("[ensembles]", "perturbation", '["bred"]'), ("[ensembles]", "perturbation", "{ a = 1 }"), ("[ensembles]", "members", "1"),
    ("[ensembles]", "members", "4.0"), ("[ensembles]", "amplitude", "nan"), ("[ensembles]", "label", "5"),
    ("[ensembles]", "foo", "1"), ("analysis", "foo", "1"), (None, "analysis", "3"),
]]


@cheap(60)
@given(text=suite_texts())
@edge_cases(EDGE_SUITES, "text")
def test_suite_files(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("suite") / "s.toml"
    path.write_text(text)
    try:
        suite = load_suite(path)
    except SuiteError as e:
        msg = str(e)
        m = re.match(r"s\.toml:(\d+): \S", msg)
        assert m and "\n" not in msg, f"not a one-line file:line: error: {msg!r}"
        assert 1 <= int(m.group(1)) <= max(1, len(text.splitlines())), f"line out of the file: {msg}"
        assert not INTERNAL.search(msg), msg
        return
    except Exception as e:  # noqa: BLE001
        raise AssertionError(f"load_suite raised {type(e).__name__}, not SuiteError: {e}\n{text}") from e
    assert suite.systems and suite.seeds and isinstance(suite.digest, str)
    assert all("id" in t for t in suite.tasks())


# ----------------------------------------------------------------------------- CSV files for ews analyze
CELLS = {
    "noise": lambda rng, i: repr(float(rng.normal())),
    "constant": lambda rng, i: "1.5",
    "integers": lambda rng, i: str(int(rng.integers(0, 3))),
    "ramp": lambda rng, i: str(i),
    "huge": lambda rng, i: repr(float(rng.normal() * 1e308)),
    "tiny": lambda rng, i: repr(float(rng.normal() * 1e-310)),
    "bools": lambda rng, i: "True",
}
ODD_CELLS = ["nan", "NaN", "", "inf", "-inf", "abc", "1,5", "1e999", '"2"', " 3 "]


@st.composite
def csv_files(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    columns = draw(st.lists(st.sampled_from(["x", "t", "y", "x y", "\u00e9"]), min_size=1, max_size=3, unique=True))
    rows = draw(st.sampled_from([0, 1, 15, 40, 60, 60, 60]))
    kinds = {c: draw(st.sampled_from(sorted(CELLS))) for c in columns}
    table = [[CELLS[kinds[c]](rng, i) for c in columns] for i in range(rows)]
    if rows and draw(st.integers(0, 2)) == 0:  # one odd cell
        table[draw(st.integers(0, rows - 1))][draw(st.integers(0, len(columns) - 1))] = draw(st.sampled_from(ODD_CELLS))
    text = ",".join(columns) + "\n" + "".join(",".join(r) + "\n" for r in table)
    if draw(st.integers(0, 5)) == 0:
        text = draw(st.sampled_from(["", "\n", text.replace(",", ";"), text[: len(text) // 2]]))
    column = draw(st.sampled_from(columns + ["z"] if draw(st.integers(0, 5)) == 0 else columns))
    extra = draw(st.sampled_from([[], [], ["--time-column", "t"], ["--detrend", "none"], ["--detrend", "linear"],
                                  ["--window", "0.3"], ["--surrogates", "2"]]))
    return text, column, extra


def csv_text(kind: str, rows: int = 60, odd: str | None = None) -> str:
    rng = np.random.default_rng(0)
    cells = [CELLS[kind](rng, i) for i in range(rows)]
    if odd is not None:
        cells[rows // 2] = odd
    return "x\n" + "".join(c + "\n" for c in cells)


EDGE_CSVS = [(csv_text("noise"), "x", []), (csv_text("noise"), "x", ["--surrogates", "2"]), (csv_text("constant"), "x", []),
             (csv_text("bools"), "x", []), (csv_text("tiny"), "x", []), (csv_text("huge"), "x", []),
             (csv_text("ramp"), "x", ["--detrend", "linear"]), (csv_text("noise", 1), "x", []), (csv_text("noise", 0), "x", []),
             ("", "x", []), (csv_text("noise", odd="nan"), "x", []), (csv_text("noise", odd="abc"), "x", []),
             (csv_text("noise", odd=""), "x", []), (csv_text("noise"), "y", []), (csv_text("noise"), "x", ["--time-column", "x"])]


@cheap(30)
@given(case=csv_files())
@edge_cases(EDGE_CSVS)
def test_cli_ews_analyze(tmp_path_factory, case):
    text, column, extra = case
    path = tmp_path_factory.mktemp("csv") / "s.csv"
    path.write_text(text)
    args = ["ews", "analyze", str(path), "--column", column, "--surrogates", "0", *extra, "--json"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        r = RUNNER.invoke(app, args)
    if check_cli(r):
        summary = strict_json(r.stdout)
        assert summary["points"] >= 8 and summary["indicators"]
        for name, v in summary["indicators"].items():
            assert v["kendall_tau"] is None or -1 <= v["kendall_tau"] <= 1, (name, v)


def test_documented_error_types_are_the_ones_checked():
    """The error types these properties accept are the package's documented ones."""
    assert issubclass(cl.ParameterError, ValueError) and issubclass(SuiteError, ValueError)
    assert issubclass(cl.UnknownSystemError, KeyError)
