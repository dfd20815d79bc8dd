"""Dataset generation, splits and xarray/Zarr I/O."""

from .datasets import generate, load_dataset, parse_split, sample_initial_conditions, save_dataset  # noqa: F401
