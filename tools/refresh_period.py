"""Developer tool: recompute the ``period`` column of an invariants table with the current estimator.

    python tools/refresh_period.py src/chaoslab/systems/invariants.parquet

The spectral period is the one column of ``chaoslab analyze --all`` that costs seconds, not
minutes: when only ``analysis.spectra.dominant_period`` changes, this refreshes it from the same
attractor sample ``compute_invariants`` uses (``analysis.invariants.invariants_sample``: same
points, spacing and transient) instead of recomputing the whole catalog. Rows with an error and
spatially extended systems (their period is the catalog's) are left as they are. Prints the rows
whose period changed by more than 1 %; writes the table back atomically.
"""

import sys

import numpy as np
import pandas as pd

import chaoslab as cl
from chaoslab.analysis import dominant_period
from chaoslab.analysis.invariants import invariants_sample
from chaoslab.data.tables import write_parquet_atomic


def main(path: str) -> None:
    df = pd.read_parquet(path)
    for i, row in df.iterrows():
        system = cl.get_system(row["system"])
        if row["error"] or system.kind in ("pde", "lattice"):
            continue
        x, dt = invariants_sample(system)
        new = 1.0 if system.discrete else dominant_period(x, dt)
        if not np.isclose(new, row["period"], rtol=1e-2):
            print(f"{row['system']}: {row['period']:.6g} -> {new:.6g} (reference {row['reference_period']:.6g})", flush=True)
        df.at[i, "period"] = new
    write_parquet_atomic(df, path)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    main(sys.argv[1])
