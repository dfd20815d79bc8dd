"""Figures are made without pyplot: chaoslab sets no matplotlib backend and leaves no figure open."""

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
