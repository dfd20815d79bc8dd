"""Developer tool: check that every built-in carries the reference parameters, initial
condition and period of ../shared/reference (the clock coordinate of forced systems excepted).

    python tools/compare_reference.py
"""

import json
import sys
from pathlib import Path

import numpy as np

import chaoslab as cl

REF = Path(__file__).resolve().parents[2] / "shared" / "reference"
flows = json.load(open(REF / "dysts_chaotic_attractors.json"))
maps = json.load(open(REF / "dysts_discrete_maps.json"))
problems = []


def same(a, b):
    return np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=1e-9, atol=0)


for name, d in list(flows.items()) + [("DuffingMap" if k == "Duffing" else k, v) for k, v in maps.items()]:
    try:
        s = cl.get_system(name)
    except cl.UnknownSystemError:
        problems.append(f"{name}: missing")
        continue
    if set(s.params) != set(d["parameters"]):
        problems.append(f"{name}: parameter names {sorted(s.params)} != {sorted(d['parameters'])}")
    else:
        for k, v in d["parameters"].items():
            if not same(s.params[k], v):
                problems.append(f"{name}: parameter {k} = {s.params[k]} != {v}")
    ic = np.asarray(d["initial_conditions"], float)
    ours = np.asarray(s.reference_ic, float)
    if ours.shape == ic.shape:
        if not same(ours, ic):
            problems.append(f"{name}: initial condition differs")
    elif s.nonautonomous and ours.size < ic.size:
        # the clock coordinate(s) were dropped: ours must be the reference with some entries removed
        from itertools import combinations

        if not any(same(ours, np.delete(ic, list(c))) for c in combinations(range(ic.size), ic.size - ours.size)):
            problems.append(f"{name}: initial condition is not the reference's without its clock coordinate")
    else:
        problems.append(f"{name}: initial condition shape {ours.shape} != {ic.shape}")
    if "period" in d and not same(s.period, d["period"]):
        problems.append(f"{name}: period {s.period} != {d['period']}")

print("\n".join(problems) or "all parameters, initial conditions and periods match the reference")
sys.exit(1 if problems else 0)
