"""Figures are made without pyplot: chaoslab sets no matplotlib backend and leaves no figure open.
Importing chaoslab and listing the catalog do not import JAX."""

import os
import subprocess
import sys

CODE = """
import matplotlib
import chaoslab.plotting, chaoslab.analysis.figures, chaoslab.forecast.figures, chaoslab.bench.report
from chaoslab.plotting import subplots
fig, ax = subplots(2, 1, figsize=(3, 2), sharex=True)
ax[0].plot([0, 1], [1, 0])
fig.savefig(sys.argv[1])
import matplotlib.pyplot as plt
print(matplotlib.get_backend(), plt.get_fignums())
"""


def test_no_backend_is_set_and_no_figure_stays_open(tmp_path):
    env = dict(os.environ, MPLBACKEND="svg")  # the user's choice, which chaoslab must keep
    r = subprocess.run([sys.executable, "-c", "import sys" + CODE, str(tmp_path / "f.png")], capture_output=True,
                       text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["svg", "[]"], r.stdout
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"  # saved with Agg all the same


FAST_START = """
import sys
import chaoslab
names = chaoslab.list_systems()
after_import = "jax" in sys.modules
from chaoslab.cli.main import app
try:
    app(["systems", "list", "--json"])
except SystemExit as e:
    code = e.code
print(len(names), after_import, "jax" in sys.modules, code)
"""


def test_import_and_listing_do_not_import_jax():
    # the whole catalog (flows, maps, delay equations, fields) and the CLI's listing are built
    # without JAX; float64 is still what JAX gives once something imports it
    r = subprocess.run([sys.executable, "-c", FAST_START], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    n, after_import, after_cli, code = r.stdout.split()[-4:]
    assert int(n) > 150 and after_import == "False" and after_cli == "False" and code == "0", r.stdout[-300:]
    r = subprocess.run([sys.executable, "-c", "import chaoslab, jax.numpy as jnp; print(jnp.ones(1).dtype)"],
                       capture_output=True, text=True, env={k: v for k, v in os.environ.items() if k != "JAX_ENABLE_X64"})
    assert r.stdout.strip() == "float64", r.stderr
