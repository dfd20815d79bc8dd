"""Dataset generation, splits and xarray/Zarr I/O."""

from .datasets import (  # noqa: F401
    generate,
    load_dataset,
    parse_split,
    sample_initial_conditions,
    save_dataset,
    state_array,
    write,
)
