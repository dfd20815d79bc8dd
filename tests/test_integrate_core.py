"""The functional core integrate.solve: pure JAX, composes with jit, vmap, jvp and grad."""

import diffrax as dfx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chaoslab as cl
from chaoslab.integrate import Solution, default_bound, ensemble, solve, trajectory

X0 = jnp.array([1.0, 1.0, 1.0])


def fd5(f, x, h):
    """Five-point central difference: truncation error h^4 f^(5) / 30."""
    return (-f(x + 2 * h) + 8 * f(x + h) - 8 * f(x - h) + f(x - 2 * h)) / (12 * h)


def test_grad_through_1000_rk4_steps_equals_finite_differences():
    # 1000 RK4 steps of 0.005 (4.5 Lyapunov times): d loss / d rho by reverse mode, by forward
    # mode, and by a five-point difference whose truncation (h^4) and rounding (1e-16 |L| / h)
    # errors are both below 1e-9 relative at h = 1e-3
    ts = jnp.linspace(0.0, 5.0, 1001)

    def loss(rho):
        return jnp.mean(solve("Lorenz", X0, ts, params={"rho": rho}, method="rk4", substeps=1).ys[:, 2])

    g = jax.grad(loss)(28.0)
    _, g_fwd = jax.jvp(loss, (28.0,), (1.0,))
    fd = fd5(loss, 28.0, 1e-3)
    assert abs(g - fd) <= 1e-6 * abs(fd)
    assert abs(g - g_fwd) <= 1e-12 * abs(g)  # the same derivative of the same discrete map


@pytest.mark.parametrize("method", ["dopri5", "tsit5"])
def test_grad_through_the_adaptive_solvers_with_diffrax_adjoint(method):
    # tolerance 1e-12: the adaptive solution is a smooth function of rho up to ~1e-12, so a
    # five-point difference at h = 1e-2 is accurate to ~1e-10 relative
    ts = jnp.linspace(0.0, 2.0, 201)

    def loss(rho):
        sol = solve("Lorenz", X0, ts, params={"rho": rho}, method=method, rtol=1e-12, atol=1e-12,
                    adjoint=dfx.RecursiveCheckpointAdjoint())
        return jnp.mean(sol.ys[:, 2])

    g = jax.grad(loss)(28.0)
    fd = fd5(loss, 28.0, 1e-2)
    assert abs(g - fd) <= 1e-6 * abs(fd)


def test_forward_mode_through_our_dopri5_matches_diffrax_adjoint():
    ts = jnp.linspace(0.0, 2.0, 201)
    f = lambda rho, **kw: jnp.mean(solve("Lorenz", X0, ts, params={"rho": rho}, rtol=1e-12, atol=1e-12, **kw).ys[:, 2])
    _, ours = jax.jvp(f, (28.0,), (1.0,))
    theirs = jax.grad(lambda r: f(r, adjoint=dfx.RecursiveCheckpointAdjoint()))(28.0)
    assert abs(ours - theirs) <= 1e-7 * abs(theirs)  # both within ~1e-10 of the exact derivative
    with pytest.raises(ValueError, match="adjoint applies to the adaptive"):
        solve("Lorenz", X0, ts, method="rk4", adjoint=dfx.RecursiveCheckpointAdjoint())


def test_grad_through_etdrk4_on_kuramoto_sivashinsky():
    ks = cl.get_system("KuramotoSivashinsky")
    u0 = jnp.asarray(ks.ic)
    ts = jnp.arange(201) * 0.25
    v = jax.random.normal(jax.random.key(0), u0.shape)
    v = v / jnp.linalg.norm(v)  # a unit direction: at h = 1e-3 truncation (h^4) and rounding are ~1e-8 relative

    def loss(u):
        return jnp.mean(solve(ks, u, ts).ys[-50:] ** 2)

    along = lambda e: loss(u0 + e * v)
    g = jax.grad(loss)(u0) @ v
    fd = fd5(along, 0.0, 1e-3)
    assert abs(g - fd) <= 1e-6 * abs(fd)


def test_jit_vmap_over_parameters_equals_a_loop_bit_for_bit():
    ts = jnp.linspace(0.0, 5.0, 501)
    rhos = jnp.linspace(20.0, 30.0, 5)
    one = lambda r: solve("Lorenz", X0, ts, params={"rho": r}, method="rk4", substeps=2).ys
    loop = jnp.stack([one(r) for r in rhos])
    assert bool(jnp.all(jax.jit(jax.vmap(one))(rhos) == loop))
    # the batch given directly (parameters with a leading batch axis)
    batched = solve("Lorenz", X0, ts, params={"rho": rhos}, method="rk4", substeps=2)
    assert batched.ys.shape == (5, 501, 3) and bool(jnp.all(batched.ys == loop))
    # a map, and the adaptive solver (its step-size controller runs in vector code: to rounding)
    a = jnp.linspace(1.2, 1.4, 4)
    hen = solve("Henon", jnp.array([0.1, 0.1]), jnp.arange(300.0), params={"a": a})
    assert bool(jnp.all(hen.ys == jnp.stack([solve("Henon", jnp.array([0.1, 0.1]), jnp.arange(300.0),
                                                    params={"a": x}).ys for x in a])))
    dp = solve("Lorenz", X0, ts, params={"rho": rhos})
    dp_loop = jnp.stack([solve("Lorenz", X0, ts, params={"rho": r}).ys for r in rhos])
    assert float(jnp.max(jnp.abs(dp.ys - dp_loop))) <= 1e-11 * float(jnp.max(jnp.abs(dp_loop)))


def test_agrees_with_the_numpy_conveniences():
    ts = jnp.arange(1001) * 0.01
    sol = solve("Lorenz", X0, ts, method="rk4", substeps=1)
    tr = trajectory("Lorenz", 1001, x0=np.ones(3), dt=0.01, method="rk4", substeps=1)
    np.testing.assert_allclose(np.asarray(sol.ys), tr.x, rtol=0, atol=1e-11)
    sol = solve("Lorenz", X0, ts, rtol=1e-10, atol=1e-10)
    tr = trajectory("Lorenz", 1001, x0=np.ones(3), dt=0.01, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(np.asarray(sol.ys), tr.x, rtol=0, atol=1e-9)
    mg = cl.get_system("MackeyGlass")
    np.testing.assert_array_equal(np.asarray(solve(mg, mg.ic, jnp.arange(200.0)).ys), trajectory(mg, 200, dt=1.0).x)
    ks = cl.get_system("KuramotoSivashinsky")
    np.testing.assert_array_equal(np.asarray(solve(ks, ks.ic, jnp.arange(50) * 0.25).ys),
                                  trajectory(ks, 50, dt=0.25).x)


def test_validity_mask_is_computed_in_the_program():
    x0 = jnp.array([[1.0, 1.0, 1.0], [1e5, 1e5, 1e5]])  # the second blows up in the first interval
    sol = solve("Lorenz", x0, jnp.linspace(0.0, 1.0, 11), method="rk4", substeps=10)
    assert isinstance(sol, Solution)
    assert sol.valid.tolist() == [True, False] and sol.first_bad.tolist() == [11, 1]
    # a bound below the attractor's size: the first point beyond it
    sol = solve("Lorenz", X0, jnp.linspace(0.0, 2.0, 201), method="rk4", bound=15.0)
    xs = np.asarray(sol.ys)
    first = int(np.argmax(np.any(np.abs(xs) > 15.0, axis=-1)))
    assert first > 0 and int(sol.first_bad) == first and not bool(sol.valid)
    # inside jit, with the bound traced
    ts = jnp.linspace(0.0, 2.0, 201)  # concrete (made outside the jit): rk4 sizes its substeps from it
    f = jax.jit(lambda b: solve("Lorenz", X0, ts, method="rk4", bound=b).first_bad)
    assert int(f(15.0)) == first and int(f(default_bound(cl.get_system("Lorenz")))) == 201


def test_batch_shapes_traced_grids_and_tolerances_float32():
    sol = solve("Lorenz", jnp.ones((2, 3, 3)), jnp.linspace(0.0, 1.0, 11), method="rk4")
    assert sol.ys.shape == (2, 3, 11, 3) and sol.valid.shape == (2, 3)
    # traced end time and tolerances: one compiled program
    f = jax.jit(lambda T, tol: solve("Lorenz", X0, jnp.linspace(0.0, T, 11), rtol=tol, atol=tol).ys[-1])
    a, b = f(1.0, 1e-10), f(1.0, 1e-6)
    assert float(jnp.max(jnp.abs(a - b))) < 1e-4 and f._cache_size() == 1
    ref = trajectory("Lorenz", 2, x0=np.ones(3), dt=1.0, rtol=1e-10, atol=1e-10).x[-1]
    np.testing.assert_allclose(np.asarray(a), ref, atol=1e-7)
    # float32 in, float32 through (RK4's error ~1e-6 relative here)
    s32 = solve("Lorenz", jnp.ones(3, jnp.float32), jnp.linspace(0.0, 1.0, 11), method="rk4", substeps=10)
    s64 = solve("Lorenz", X0, jnp.linspace(0.0, 1.0, 11), method="rk4", substeps=10)
    assert s32.ys.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(s32.ys), np.asarray(s64.ys), rtol=1e-4, atol=1e-4)


def test_bad_input_is_one_line():
    ts = jnp.linspace(0.0, 1.0, 11)
    for kw, msg in [
        (dict(x0=jnp.ones(4)), "must have shape"),
        (dict(x0=jnp.array([1.0, np.nan, 1.0])), "finite"),
        (dict(x0=X0, ts=jnp.array([0.0, 1.0, 0.5])), "increasing"),
        (dict(x0=X0, params={"sigma2": 1.0}), "no parameter"),
        (dict(x0=X0, method="euler"), "method"),
        (dict(x0=X0, params={"rho": jnp.ones(3)}, x0b=jnp.ones((2, 3))), "batch"),
    ]:
        x0 = kw.pop("x0b", kw.pop("x0"))
        with pytest.raises(ValueError, match=msg):
            solve("Lorenz", x0, kw.pop("ts", ts), **kw)
    with pytest.raises(ValueError, match="substeps"):
        jax.jit(lambda T: solve("Lorenz", X0, jnp.linspace(0.0, T, 11), method="rk4").ys)(1.0)
    with pytest.raises(ValueError, match="integers"):
        solve("Henon", jnp.array([0.1, 0.1]), jnp.linspace(0.0, 1.0, 11))


def test_ensemble_members_match_single_solves():
    # the convenience and the core: every member of an ensemble is the same solve
    x0 = np.array([[1.0, 1.0, 1.0], [2.0, 1.0, 0.5], [0.1, -3.0, 20.0]])
    ens = ensemble("Lorenz", 300, x0=x0, dt=0.01, method="rk4", substeps=1)
    sol = solve("Lorenz", jnp.asarray(x0), jnp.arange(300) * 0.01, method="rk4", substeps=1)
    np.testing.assert_allclose(np.asarray(sol.ys), ens.x, rtol=0, atol=1e-11)


SHARD = """
import chaoslab as cl  # first: the device count is set before JAX starts
import sys, numpy as np, jax, jax.numpy as jnp
from chaoslab.integrate.core import member_blocks
rng = np.random.default_rng(0)
x0 = cl.get_system("Lorenz").ic + rng.standard_normal((1001, 3))
ts = jnp.arange(300) * 0.01
sol = cl.solve("Lorenz", jnp.asarray(x0), ts, method="rk4", substeps=1)
out = dict(rk4=np.asarray(sol.ys), valid=np.asarray(sol.valid), n=len(jax.devices()),
           layout=np.array(member_blocks(1001)))
out["ens_rk4"] = cl.ensemble("Lorenz", 300, x0=x0, dt=0.01, method="rk4", substeps=1).x
out["ens_dopri"] = cl.ensemble("Lorenz", 300, x0=x0, dt=0.01, bound=44.0).x  # some members leave the bound
out["ens_f32"] = cl.ensemble("Lorenz", 300, x0=x0[:130], dt=0.01, method="rk4", substeps=1, dtype=np.float32).x
out["ens_rho"] = cl.ensemble("Lorenz", 200, x0=x0[:130], dt=0.01, params={"rho": np.linspace(20.0, 40.0, 130)},
                             transient=0.5).x
for name, kw in (("rk4", dict(method="rk4", substeps=1, chunk=100)), ("dopri", dict(transient=0.5, bound=44.0))):
    st = cl.ensemble_statistics("Lorenz", 300, x0=x0, dt=0.01, center=[0, 0, 25], scale=8.0, **kw)
    for k in ("count", "mean", "m2", "minimum", "maximum", "exceed", "histogram", "diverged_at"):
        out[f"st_{name}_{k}"] = getattr(st, k)
np.savez(sys.argv[1], **out)
"""


def test_members_spread_over_devices_give_the_same_bits_as_one(tmp_path):
    # every chunked program (ensemble, stream, trajectory, ensemble_statistics) and solve give the
    # same bits on one and on two host devices: each device computes on (blocks, block, ...) arrays
    # of a block size set by the member count alone (XLA compiles a flat batch's arithmetic for
    # its size, so the old flat split differed in the last bit), and the statistics are exact or
    # pairwise sums over groups of a fixed size, merged in a fixed order on the host
    import os
    import subprocess
    import sys

    out = {}
    for n in (1, 2):
        env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"} | {"CHAOSLAB_HOST_DEVICES": str(n)}
        r = subprocess.run([sys.executable, "-c", SHARD, str(tmp_path / f"{n}.npz")], env=env, capture_output=True,
                           text=True)
        assert r.returncode == 0, r.stderr[-2000:]
        out[n] = np.load(tmp_path / f"{n}.npz")
        assert int(out[n]["n"]) == n
    # 1001 members: 16 groups of 63 (padded to 1008); on two devices 8 blocks each
    assert out[1]["layout"].tolist() == [63, 63, 16, 1] and out[2]["layout"].tolist() == [63, 63, 16, 2]
    keys = [k for k in out[1].files if k not in ("n", "layout")]
    assert len(keys) == 22
    for k in keys:
        np.testing.assert_array_equal(out[1][k], out[2][k], err_msg=k)
    assert out[2]["valid"].all()
    assert 0 < np.isnan(out[2]["st_dopri_diverged_at"]).sum() < 1001  # some members left, the rest counted
    assert np.isfinite(out[2]["ens_f32"]).all() and out[2]["ens_f32"].dtype == np.float32


_TRACES: list[str] = []


def _count_traces():
    """Compilations (JAX traces a function for each) seen since the last call."""
    import jax.monitoring

    if not hasattr(_count_traces, "registered"):
        jax.monitoring.register_event_duration_secs_listener(
            lambda name, dur, **kw: _TRACES.append(name) if name.endswith("jaxpr_trace_duration") else None)
        _count_traces.registered = True
    n = len(_TRACES)
    _TRACES.clear()
    return n


def test_new_values_do_not_recompile():
    ts = jnp.linspace(0.0, 1.0, 51)
    solve("Lorenz", X0, ts, params={"rho": 28.0}, rtol=1e-9, atol=1e-9)  # compiles
    cl.sde_ensemble("Lorenz", 50, noise=0.1, seed=0, members=8, dt=0.01)
    from chaoslab.analysis import covariant_lyapunov_vectors

    covariant_lyapunov_vectors("Henon", time=50, seed=0)
    from chaoslab.analysis.chaos_tests import gali

    gali("Henon", time=500, seed=0)
    from chaoslab.forecast import get_model

    train = np.asarray(trajectory("Lorenz", 600, dt=0.02).x)[None]
    ctx = train[:, -40:]
    get_model("esn", size=50, washout=20, seed=0).fit(train, dt=0.02).predict(ctx, 30)
    xs = np.asarray(X0) + np.random.default_rng(0).standard_normal((6, 3))
    ensemble("Lorenz", 40, x0=xs, dt=0.01)
    cl.ensemble_statistics("Lorenz", 40, x0=xs, dt=0.01, center=0.0, scale=10.0)
    x1, ts1 = X0 + 1.0, ts + 0.5
    _count_traces()
    ensemble("Lorenz", 70, x0=xs + 1.0, dt=0.02, rtol=1e-7, params={"rho": 30.0})  # new length, states, tolerance
    cl.ensemble_statistics("Lorenz", 90, x0=xs - 1.0, dt=0.03, center=1.0, scale=9.0)
    trajectory("Lorenz", 33, x0=[1.0, 2.0, 3.0], dt=0.01, transient=1.0)
    solve("Lorenz", x1, ts1, params={"rho": 30.0}, rtol=1e-7, atol=1e-8)  # new x0, times, values
    cl.sde_ensemble("Lorenz", 50, noise=0.3, seed=1, members=8, dt=0.01)  # new noise level and seed
    covariant_lyapunov_vectors("Henon", time=50, seed=1, x0=[0.1, 0.2])  # new seed and state
    get_model("esn", size=50, washout=20, seed=1, leak=0.7).fit(train, dt=0.02).predict(ctx, 30)  # a new reservoir
    gali("Henon", time=500, seed=1, x0=[0.1, 0.1])
    assert _count_traces() == 0
