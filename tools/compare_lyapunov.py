"""Developer tool: compare the computed catalog invariants with the reference estimates.

    python tools/compare_lyapunov.py src/chaoslab/systems/invariants.parquet [--markdown]

Lists every system whose lambda_1 differs from the reference ``maximum_lyapunov_estimated``
(System.stats["max_lyapunov"]) or from the first entry of ``lyapunov_spectrum_estimated``
(stats["lyapunov"]) by more than 20%, with a classification that supports a judgement:

- regular: our lambda_1 is within 3 standard errors of 0 (or below): the orbit from the reference
  IC at the reference parameters is periodic / quasi-periodic / a fixed point; a positive short-run
  estimate is a transient or a finite-time fluctuation;
- sum-check: for the remaining ones our spectrum satisfies sum(lambda) = <div f> (checked in the
  tests for systems with constant divergence) and its standard error is small, while the
  reference values are short-run estimates (its own README says "rough"), typically biased.
"""

import sys

import numpy as np
import pandas as pd

import chaoslab as cl

df = pd.read_parquet(sys.argv[1])
rows = []
for r in df.itertuples():
    if r.error:
        rows.append((r.system, "error", r.error, "", "", ""))
        continue
    s = cl.get_system(r.system)
    lam = np.asarray(r.lyapunov_spectrum)
    se = np.asarray(r.lyapunov_uncertainty)
    ref_max = s.stats.get("max_lyapunov")
    ref_spec = s.stats.get("lyapunov")
    refs = [v for v in (ref_max, ref_spec[0] if ref_spec else None) if v is not None]
    off = [abs(lam[0] - v) > 0.2 * max(abs(v), 1e-12) for v in refs]
    if not any(off):
        continue
    kind = "regular" if lam[0] < 3 * se[0] else "chaotic"
    rows.append((r.system, kind, f"{lam[0]:.4g} ± {se[0]:.2g}", f"{ref_max:.4g}" if ref_max is not None else "-",
                 f"{ref_spec[0]:.4g}" if ref_spec else "-", f"{lam.sum():.4g}"))
if "--markdown" in sys.argv:
    print("| system | class | our lambda_1 ± s.e. | ref max_lyapunov | ref spectrum[0] | sum of ours |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
else:
    for row in rows:
        print("  ".join(f"{c:>18s}" for c in row))
print(f"{len(rows)} of {len(df)} systems differ by more than 20% from a reference estimate")
