"""Developer tool: verify catalog systems by name (or a module's systems with --field F)."""

import sys

import chaoslab as cl
from chaoslab.systems.base import _REGISTRY, _load_catalog
from chaoslab.systems.verify import check

args = sys.argv[1:]
_load_catalog()
if args and args[0] == "--field":
    names = [n for n, s in sorted(_REGISTRY.items()) if s.field_ == args[1]]
else:
    names = args
bad = 0
for name in names:
    r = check(cl.get_system(name))
    bad += not r.passed
    print(f"{'PASS' if r.passed else 'FAIL'} {name:28s} {r.seconds:6.1f}s  {r.detail}", flush=True)
    if not r.passed:
        for c in r.compared:
            if not c["passed"]:
                print(f"     {c['stat']}[{c['coord']}] ours {c['ours']:.5g} ref {c['reference']:.5g} block_sd {c['block_sd']:.3g} tol {c['tolerance']:.3g}")
print(f"{len(names) - bad} passed, {bad} failed")
