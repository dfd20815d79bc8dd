"""Traced programs kept on disk (chaoslab.integrate.stored): a second process runs them without
tracing, with the same bits; only programs whose key names everything they depend on are kept."""

import os
import subprocess
import sys

import numpy as np
import chaoslab as cl
from chaoslab.integrate.stored import stable_key
from chaoslab.systems import System

RUN = """
import chaoslab as cl, sys, collections, numpy as np
from jax import monitoring
traced = collections.Counter()
monitoring.register_event_duration_secs_listener(
    lambda name, s, **kw: traced.update([kw.get("fun_name")]) if name.endswith("jaxpr_trace_duration") else None)
from chaoslab.analysis import lyapunov_spectrum
traj = cl.trajectory("Lorenz", 300, dt=0.01, method="rk4")
lyap = lyapunov_spectrum("Lorenz", orbits=2, time=20.0, transient=2.0)
np.savez(sys.argv[1], x=traj.x, exponents=lyap.exponents, orbits=lyap.orbit_exponents,
         shard=traced["shard"])
"""


def _run(tmp_path, name: str, cache: str):
    env = dict(os.environ, JAX_COMPILATION_CACHE_DIR=cache, CHAOSLAB_HOST_DEVICES="1")
    r = subprocess.run([sys.executable, "-c", RUN, str(tmp_path / name)], env=env, capture_output=True, text=True,
                       timeout=600, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    return np.load(tmp_path / f"{name}.npz")


def test_a_second_process_runs_the_stored_programs_without_tracing_them(tmp_path):
    cache = str(tmp_path / "jax")
    first, second = _run(tmp_path, "first", cache), _run(tmp_path, "second", cache)
    # the first traces the trajectory's chunk program and the Lyapunov runner; the second neither
    assert int(first["shard"]) >= 2 and int(second["shard"]) == 0
    stored = list((tmp_path / "jax-programs").glob("*.jaxexport"))
    assert len(stored) >= 2
    for k in ("x", "exponents", "orbits"):
        np.testing.assert_array_equal(first[k], second[k], err_msg=k)
    # a damaged file is exported again, not trusted: same bits
    for p in stored:
        p.write_bytes(p.read_bytes()[:100])
    third = _run(tmp_path, "third", cache)
    assert int(third["shard"]) >= 2
    np.testing.assert_array_equal(first["exponents"], third["exponents"])
    # with the compilation cache off nothing is stored
    off = _run(tmp_path, "off", "")
    np.testing.assert_array_equal(first["x"], off["x"])
    assert int(off["shard"]) >= 2
    assert [p.name for p in tmp_path.glob("*programs*")] == ["jax-programs"]


def _user_lorenz(x, t, sigma, rho, beta):
    return cl.get_system("Lorenz").fn(x, t, sigma=sigma, rho=rho, beta=beta)


def test_stable_keys_name_catalog_systems_by_value_and_refuse_what_they_cannot_name():
    lorenz = cl.get_system("Lorenz")
    key = stable_key("segment", lorenz, "rk4", (1, 2.5), None)
    assert key is not None and key == stable_key("segment", cl.get_system("Lorenz"), "rk4", (1, 2.5), None)
    # any change to what the trace depends on changes the key
    assert key != stable_key("segment", lorenz.with_params(rho=30.0), "rk4", (1, 2.5), None)
    assert key != stable_key("segment", lorenz, "dopri5", (1, 2.5), None)
    assert key != stable_key("segment", lorenz, "rk4", (1, 2.5000001), None)
    assert key != stable_key("segment", lorenz, "rk4", [1, 2.5], None)
    # functions from outside chaoslab, lambdas and closures cannot be named across processes
    user = System(name="Lorenz", dim=3, fn=_user_lorenz, params=dict(lorenz.params), reference_ic=lorenz.reference_ic)
    assert stable_key("segment", user) is None
    assert stable_key("segment", lorenz, lambda x: x) is None
    assert stable_key("segment", object()) is None

