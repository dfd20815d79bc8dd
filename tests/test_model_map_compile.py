"""A fitted model's map (``as_map``) compiles once per structure: the weights are the map
System's parameters (traced), so ``model_lyapunov_exponent`` on a second fit reuses the program."""

import math

import numpy as np
import pytest

import chaoslab as cl
from chaoslab.forecast import get_model
from chaoslab.forecast.dynamics import ORBITS, ModelStep, model_lyapunov_exponent

DT = 0.05
STEPS, TRANSIENT = 800, 100

_EVENTS: list[str] = []


def _count_compiles():
    """Traces and backend compilations seen since the last call (the listener of
    test_integrate_core's no-recompile test)."""
    import jax.monitoring

    if not hasattr(_count_compiles, "registered"):
        jax.monitoring.register_event_duration_secs_listener(
            lambda name, dur, **kw: _EVENTS.append(name)
            if name.endswith(("jaxpr_trace_duration", "backend_compile_duration")) else None)
        _count_compiles.registered = True
    n = len(_EVENTS)
    _EVENTS.clear()
    return n


@pytest.fixture(scope="module")
def lorenz_runs():
    x = np.asarray(cl.trajectory("Lorenz", 3000, dt=DT, transient=20.0).x)
    return (x[None, :1400], x[None, 1500:2900]), x[2940:]


def _closure_exponent(model, context):
    """The former implementation: a new System per call whose step closes over the weights."""
    from chaoslab.analysis import lyapunov_spectrum

    step, state0 = model.as_map(np.asarray(context, dtype=np.float64))
    state0 = np.asarray(state0, dtype=np.float64).reshape(-1)
    system = cl.System(name=f"{model.name}-model", dim=state0.size, fn=lambda x, t: step(x), discrete=True,
                       reference_ic=tuple(state0), period=1.0, dt=1.0)
    r = lyapunov_spectrum(system, k=1, time=float(max(STEPS // ORBITS, 1)), transient=float(TRANSIENT), x0=state0,
                          orbits=ORBITS, seed=0)
    return float(r.exponents[0]) / DT


# ESN's and the linear model's programs do the closure's arithmetic bit for bit; NVAR's differs
# in the last bits (XLA lays out and fuses a constant readout differently from a parameter), and
# the chaotic orbit grows that difference over the run
@pytest.mark.parametrize("name, hyper, rtol", [("esn", dict(size=100, washout=50), 1e-12),
                                               ("linear", dict(k=2), 1e-12),
                                               ("nvar", dict(), 1e-6)])
def test_a_second_fit_reuses_the_compiled_map(lorenz_runs, name, hyper, rtol):
    trains, context = lorenz_runs
    first, second = (get_model(name, **hyper).fit(tr, dt=DT) for tr in trains)
    step, _ = second.as_map(context)
    assert isinstance(step, ModelStep) and step.fn is first.as_map(context)[0].fn
    model_lyapunov_exponent(first, context, DT, steps=STEPS, transient_steps=TRANSIENT)
    _count_compiles()
    lam, se = model_lyapunov_exponent(second, context, DT, steps=STEPS, transient_steps=TRANSIENT)
    assert _count_compiles() == 0
    ref = _closure_exponent(second, context)
    assert math.isfinite(lam) and abs(lam - ref) <= rtol * abs(ref), (lam, ref)


def test_the_exponent_of_a_linear_model_is_its_spectral_radius():
    # DMD of z_{t+1} = 0.98 R(0.3) z_t (R a rotation) recovers that map; it scales every vector by
    # 0.98, so lambda_1 = log(0.98) / dt exactly (up to rounding), every orbit alike
    c, s = math.cos(0.3), math.sin(0.3)
    M = 0.98 * np.array([[c, -s], [s, c]])
    z = np.empty((200, 2))
    z[0] = (1.0, 0.5)
    for t in range(199):
        z[t + 1] = M @ z[t]
    model = get_model("dmd").fit(z[None], dt=DT)
    lam, se = model_lyapunov_exponent(model, z[-5:], DT, steps=400, transient_steps=10)
    assert abs(lam - math.log(0.98) / DT) < 1e-10 and se < 1e-10, (lam, se)
