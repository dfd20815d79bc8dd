"""Work spread over several host devices gives the same bits as on one (each case runs in its
own process: the device count is fixed when JAX starts)."""

import os
import subprocess
import sys

import numpy as np

LYAPUNOV = """
import chaoslab as cl  # first: the device count is set before JAX starts
import sys, numpy as np, jax
from chaoslab.analysis import lyapunov_spectrum
from chaoslab.analysis.lyapunov import ORBIT_BLOCKS
from chaoslab.integrate.core import member_blocks
import chaoslab.analysis.lyapunov as L
spread, place = [], L.place_blocks  # the device count each run's orbits were placed over
L.place_blocks = lambda tree, blocks: (spread.append(blocks.devices), place(tree, blocks))[1]
out = dict(n=len(jax.devices()), layout=np.array(member_blocks(6, least=1, target=ORBIT_BLOCKS)))
runs = {
    "l96": lyapunov_spectrum("Lorenz96N40", k=6, orbits=6, time=4.0, transient=1.0, keep_local=True),
    "lorenz": lyapunov_spectrum("Lorenz", orbits=5, precision=0.05, max_time=200.0),
    "henon": lyapunov_spectrum("Henon", orbits=3, time=300),
    "ks": lyapunov_spectrum("KuramotoSivashinsky", k=3, orbits=4, time=10.0, transient=2.0),
    "members": lyapunov_spectrum("Lorenz", members=5, time=5.0, transient=1.0),
    "delay": lyapunov_spectrum("MackeyGlass", orbits=3, time=100.0, transient=20.0),
}
for name, r in runs.items():
    out[name + "_exponents"], out[name + "_orbits"], out[name + "_se"] = r.exponents, r.orbit_exponents, r.uncertainty
out["l96_local"] = runs["l96"].local_rates
out["spread"] = np.array(spread)
np.savez(sys.argv[1], **out)
"""


def _run_on(n: int, script: str, path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"} | {"CHAOSLAB_HOST_DEVICES": str(n)}
    r = subprocess.run([sys.executable, "-c", script, str(path)], env=env, capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    out = np.load(path)
    assert int(out["n"]) == n
    return out


def test_lyapunov_orbits_spread_over_devices_give_the_same_bits_as_one(tmp_path):
    # the orbits run in blocks split over the devices (shard_map: every device integrates and
    # re-orthonormalises its own orbits); an orbit is computed alike whatever the device count
    one, two = (_run_on(n, LYAPUNOV, tmp_path / f"{n}.npz") for n in (1, 2))
    # 6 orbits: 6 blocks of one orbit, three on each of two devices
    assert one["layout"].tolist() == [1, 1, 6, 1] and two["layout"].tolist() == [1, 1, 6, 2]
    # every run but the delay equation's (its orbits stay on one device) used both devices, also
    # where a run continued with a lengthened QR interval after its transient
    m = len(two["spread"])
    assert m >= 6 and one["spread"].tolist() == [1] * m and two["spread"].tolist() == [2] * (m - 1) + [1]
    keys = [k for k in one.files if k not in ("n", "layout", "spread")]
    assert len(keys) == 19
    for k in keys:
        np.testing.assert_array_equal(one[k], two[k], err_msg=k)
    assert two["l96_exponents"][0] > 1.0 and two["l96_local"].shape[::2] == (6, 6)
    assert np.isfinite(two["delay_exponents"]).all()
