"""Developer tool: print the decorator skeleton of catalog systems, with the metadata of
../shared/reference filled in, for writing a built-in by hand.

    python tools/scaffold.py Lorenz Rossler          # flows
    python tools/scaffold.py --maps Henon Logistic   # maps

The equations (the function body) are written by the developer from the cited paper.
Not part of the package: the package never reads ../shared.
"""

import json
import sys
from pathlib import Path

REF = Path(__file__).resolve().parents[2] / "shared" / "reference"


def g(v, digits=8):
    if isinstance(v, list):
        return "[" + ", ".join(g(a, digits) for a in v) + "]"
    if isinstance(v, bool) or v is None:
        return repr(v)
    if isinstance(v, int):
        return repr(v)
    return format(float(v), f".{digits}g")


def flows(names):
    data = json.load(open(REF / "dysts_chaotic_attractors.json"))
    for name in names:
        d = data[name]
        params = ", ".join(f"{k}={g(v, 12)}" for k, v in d["parameters"].items())
        flags = [f for f in ("nonautonomous", "hamiltonian") if d.get(f)]
        stats = [f"mean={g(d['mean'], 6)}", f"std={g(d['std'], 6)}"]
        for key, short in (("lyapunov_spectrum_estimated", "lyapunov"), ("maximum_lyapunov_estimated", "max_lyapunov"),
                           ("kaplan_yorke_dimension", "kaplan_yorke"), ("correlation_dimension", "correlation_dimension")):
            if d.get(key) is not None:
                stats.append(f"{short}={g(d[key], 5)}")
        print("@builtin(")
        print(f"    params=dict({params}),")
        print(f"    ic={g(d['initial_conditions'], 12)},")
        print(f"    period={g(d['period'], 8)},")
        print(f"    dt={g(d['dt'], 5)},")
        for f in flags:
            print(f"    {f}=True,")
        if d.get("unbounded_indices"):
            print(f"    unbounded={tuple(d['unbounded_indices'])!r},  # reference indices; adapt to the state you use")
        print(f"    description={d.get('description', '')!r},")
        print(f"    citation={d.get('citation', '')!r},")
        print(f"    equations=\"\",")
        print(f"    stats=dict({', '.join(stats)}),")
        print(")")
        args = ", ".join(d["parameters"])
        print(f"def {name}(x, t, {args}):\n    ...\n\n")


def maps(names):
    data = json.load(open(REF / "dysts_discrete_maps.json"))
    for name in names:
        d = data[name]
        params = ", ".join(f"{k}={g(v, 12)}" for k, v in d["parameters"].items())
        print("@builtin(")
        print(f"    params=dict({params}),")
        print(f"    ic={g(d['initial_conditions'], 12)},")
        print(f"    description={d.get('description', '')!r},")
        print(f"    citation={d.get('citation', '')!r},")
        print(f"    equations=\"\",")
        print(")")
        args = ", ".join(d["parameters"])
        print(f"def {name}(x, n, {args}):\n    ...\n\n")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--maps":
        maps(args[1:])
    else:
        flows(args)
