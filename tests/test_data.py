"""Datasets: seeded reproducibility, disjoint splits, Zarr round trip, atomic writes."""

import os

import numpy as np
import pytest

import chaoslab as cl
from chaoslab.data import generate, load_dataset, parse_split, sample_initial_conditions, save_dataset


def test_same_seed_same_bits_and_round_trip(tmp_path):
    a = generate("Lorenz", 6, 200, seed=11, split="4:1:1")
    b = generate("Lorenz", 6, 200, seed=11, split="4:1:1")
    c = generate("Lorenz", 6, 200, seed=12, split="4:1:1")
    assert np.array_equal(a.x.values, b.x.values)
    assert not np.array_equal(a.x.values, c.x.values)
    assert a.x.dims == ("trajectory", "time", "dim")
    for key in ("system", "parameters", "dt", "granularity", "seed", "chaoslab_version"):
        assert key in a.attrs
    path = save_dataset(a, tmp_path / "l.zarr")
    back = load_dataset(path)
    assert np.array_equal(back.x.values, a.x.values)
    assert list(back.split.values) == ["train"] * 4 + ["val", "test"]
    assert [p.name for p in tmp_path.iterdir()] == ["l.zarr"]  # no temporary left behind


def test_initial_conditions_distinct_and_on_attractor():
    s = cl.get_system("Lorenz")
    x0 = sample_initial_conditions(s, 20, seed=0)
    assert x0.shape == (20, 3)
    d = np.linalg.norm(x0[:, None] - x0[None], axis=-1) + np.eye(20) * 1e9
    assert d.min() > 1e-3  # no two trajectories (hence no two splits) share a start
    # on the attractor: z within the reference mean +- 4 std
    mean, std = np.asarray(s.stats["mean"]), np.asarray(s.stats["std"])
    assert np.all(np.abs(x0[:, 2] - mean[2]) < 4 * std[2])


def test_parse_split():
    assert parse_split("8:1:1", 10) == [("train", 8), ("val", 1), ("test", 1)]
    assert sum(c for _, c in parse_split("1:1:1", 10)) == 10
    with pytest.raises(ValueError, match="three non-negative"):
        parse_split("8:2", 10)
    with pytest.raises(ValueError, match="leaves a split empty"):
        parse_split("8:1:1", 2)


def test_save_refuses_to_overwrite(tmp_path):
    ds = generate("Lorenz", 1, 10, seed=0)
    save_dataset(ds, tmp_path / "a.zarr")
    with pytest.raises(FileExistsError):
        save_dataset(ds, tmp_path / "a.zarr")
    save_dataset(ds, tmp_path / "a.zarr", overwrite=True)
    assert sorted(os.listdir(tmp_path)) == ["a.zarr"]


from hypothesis import given, strategies as st  # noqa: E402


@given(st.lists(st.integers(1, 20), min_size=3, max_size=3), st.integers(3, 500))
def test_split_counts_sum_and_follow_weights(weights, n):
    w = ":".join(map(str, weights))
    try:
        parts = parse_split(w, n)
    except ValueError:
        return  # too few trajectories for a non-empty split: refused, as documented
    counts = [c for _, c in parts]
    assert sum(counts) == n
    expected = np.asarray(weights) / sum(weights) * n
    assert np.all(np.abs(np.asarray(counts) - expected) < 1.0)


def test_written_datasets_open_without_a_consolidation_warning(tmp_path):
    # chaoslab generate (data.write) and save_dataset consolidate the Zarr metadata: opening with
    # xarray's defaults does not warn that it "is typically much slower"
    import warnings

    import xarray as xr

    from chaoslab.data import write

    write("Lorenz", tmp_path / "w.zarr", 2, 50, block=20)  # two appended blocks
    save_dataset(generate("Lorenz", 3, 30, split="1:1:1"), tmp_path / "s.zarr")
    for name in ("w.zarr", "s.zarr"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ds = xr.open_zarr(tmp_path / name)
        assert ds.x.dims == ("trajectory", "time", "dim")
    assert xr.open_zarr(tmp_path / "w.zarr", consolidated=True).sizes["time"] == 50
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.zarr", "w.zarr"]
