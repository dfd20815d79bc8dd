"""Spatially extended systems in the registry, datasets with spatial coordinates (Zarr chunked by
time blocks), and their figures (space-time diagrams, snapshot grids, GIFs)."""

import json

import numpy as np
import pytest
import zarr
from typer.testing import CliRunner

import chaoslab as cl
from chaoslab.cli.main import app
from chaoslab.data import generate, load_dataset, state_array, write
from chaoslab.systems.pdes.periodic import Grid, pde_system


def heat_2d(N=16, channels=2, nu=0.3):
    """u_t = nu Lap u on [0, 2 pi)^2, stepped exactly in Fourier space (a 2-D test field)."""
    g = Grid(2 * np.pi, N, 2, channels)
    kx, ky = g.wavenumbers()
    lap = -(kx**2 + ky**2)

    def rhs(f, t):
        return np.fft.irfftn(lap * np.fft.rfftn(f, axes=(1, 2)), s=(N, N), axes=(1, 2))

    def stepper(h):
        import jax.numpy as jnp

        decay = jnp.exp(nu * h * lap)
        return lambda f: jnp.fft.irfftn(decay * jnp.fft.rfftn(f, axes=(1, 2)), s=(N, N), axes=(1, 2))

    x, y = g.mesh()
    ic = np.stack([np.sin(x) * np.cos(2 * y), np.cos(x + y)][:channels])
    return pde_system(name="Heat2D", grid=g, rhs=rhs, stepper=stepper, ic=ic, dt=0.1, period=1.0,
                      variables=("a", "b")[:channels], description="heat", citation="", equations="u_t = Lap u")


def test_registry_kinds():
    assert {"KuramotoSivashinsky", "KuramotoSivashinskyL64", "KuramotoSivashinskyL100"} <= set(cl.list_systems("pde"))
    assert "Lorenz96N40" in cl.list_systems("lattice")
    assert len(cl.list_systems("ode")) == 161  # the benchmark catalog is unchanged
    assert not set(cl.list_systems("spatial")) & set(cl.list_systems("flow"))
    with pytest.raises(ValueError, match="unknown kind 'fields'; allowed: flow, map"):
        cl.list_systems("fields")


def test_field_dataset_coordinates_seed_and_dynamics():
    s = cl.get_system("KuramotoSivashinsky")
    a = generate(s, 3, 40, seed=5, split="1:1:1")
    b = generate(s, 3, 40, seed=5, split="1:1:1")
    assert a.u.dims == ("trajectory", "time", "x")
    assert np.array_equal(a.u.values, b.u.values)
    np.testing.assert_allclose(a.x.values, np.arange(64) * 22.0 / 64)
    assert json.loads(a.attrs["grid"])["points"] == 64 and a.attrs["kind"] == "pde"
    x = state_array(a)
    assert x.shape == (3, 40, 64)
    # distinct starts, and consecutive states follow the dynamics (ETDRK steps are exact to repeat)
    assert np.min([np.abs(x[i, 0] - x[j, 0]).max() for i in range(3) for j in range(i)]) > 1e-2
    nxt = cl.trajectory(s, 2, x0=x[1, 0], dt=a.attrs["dt"]).x[1]
    np.testing.assert_allclose(nxt, x[1, 1], atol=1e-12)


def test_written_blocks_equal_the_in_memory_dataset(tmp_path):
    # write() integrates and appends one time block at a time; the ETDRK state carries over
    # between blocks exactly, so 37-point blocks give the same bits as one block
    s = heat_2d()
    mem = generate(s, 2, 100, seed=1)
    path = write(s, tmp_path / "h.zarr", 2, 100, seed=1, block=37)
    back = load_dataset(path)
    assert back.a.dims == ("trajectory", "time", "x", "y")
    assert np.array_equal(state_array(back), state_array(mem))
    assert zarr.open_group(str(path))["a"].chunks == (1, 37, 16, 16)
    assert [p.name for p in tmp_path.iterdir()] == ["h.zarr"]  # no temporary left behind
    # the flat state order is (channel, x, y): the 2nd channel of member 0 at t = 0
    np.testing.assert_array_equal(state_array(back)[0, 0, 256:], back.b.values[0, 0].ravel())
    with pytest.raises(ValueError, match="block .* must be an integer >= 1"):
        generate(s, 1, 10, block=0)


def test_cli_figures_of_fields(tmp_path):
    run = CliRunner().invoke
    r = run(app, ["plot", "KuramotoSivashinsky", "--out", str(tmp_path / "ks.png"), "--length", "200"])
    assert r.exit_code == 0, r.output
    r = run(app, ["plot", "Lorenz96N40", "--out", str(tmp_path / "l96.gif"), "--length", "5"])
    assert r.exit_code == 0, r.output
    r = run(app, ["plot", "Lorenz", "--out", str(tmp_path / "l.gif")])
    assert r.exit_code == 2 and "must end in .png, .pdf or .svg for Lorenz (a flow)" in r.output
    r = run(app, ["plot", "KuramotoSivashinsky", "--out", str(tmp_path / "k.png"), "--var", "w"])
    assert r.exit_code == 2 and "has no field 'w'; allowed: u" in r.output
    for f in ("ks.png", "l96.gif"):
        assert (tmp_path / f).stat().st_size > 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ks.png", "l96.gif"]


def test_2d_snapshot_grid_and_animation(tmp_path):
    from PIL import Image

    from chaoslab.plotting import save_animation, snapshot_figure

    s = heat_2d()
    tr = cl.trajectory(s, 6, dt=0.2)
    fig = snapshot_figure(s, tr.t, tr.x, "b")
    assert len([ax for ax in fig.axes if ax.images]) == 6
    path = save_animation(s, tr.t, tr.x, tmp_path / "h.gif")
    assert Image.open(path).n_frames == 6
    with pytest.raises(ValueError, match="has no field 'c'; allowed: a, b"):
        snapshot_figure(s, tr.t, tr.x, "c")


def test_noise_on_a_field_gives_the_exact_stationary_mode_variance():
    # u_t = nu u_xx + sigma dW at each grid value, stepped as (exact exponential step, then
    # + sigma sqrt(h) xi): each Fourier mode c_m = sum_j u_j e^{-i k x_j} is a discrete OU process
    # c <- e^{-nu k^2 h} c + (complex noise of variance N sigma^2 h), whose stationary variance is
    # N sigma^2 h / (1 - e^{-2 nu k^2 h}) exactly
    N, nu, sigma, h = 16, 0.3, 0.1, 0.05
    g = Grid(2 * np.pi, N, 1, 1)
    (k,) = g.wavenumbers()

    def stepper(step):
        import jax.numpy as jnp

        decay = jnp.exp(-nu * k**2 * step)
        return lambda f: jnp.fft.irfft(decay * jnp.fft.rfft(f), n=N)

    def rhs(f, t):
        import jax.numpy as jnp

        return jnp.fft.irfft(-nu * k**2 * jnp.fft.rfft(f), n=N)

    s = pde_system(name="NoisyHeat", grid=g, rhs=rhs, stepper=stepper, ic=np.zeros((1, N)), dt=h,
                   period=1.0, description="", citation="", equations="")
    ens = cl.sde_ensemble(s, 200, noise=sigma, seed=3, members=64, dt=1.0, transient=20.0)
    again = cl.sde_ensemble(s, 200, noise=sigma, seed=3, members=64, dt=1.0, transient=20.0)
    assert np.array_equal(ens.x, again.x)
    c2 = np.abs(np.fft.rfft(ens.x, axis=-1)) ** 2  # (members, time, modes)
    for m in (1, 2, 3):
        expected = N * sigma**2 * h / (1 - np.exp(-2 * nu * m**2 * h))
        # |c|^2 is exponential (relative sd 1); samples 1 time unit apart are correlated by
        # e^{-2 nu m^2} <= 0.55, leaving >= 64 * 200 / 3.5 independent ones: sd of the mean <= 1.7%
        assert abs(c2[:, :, m].mean() / expected - 1) < 0.085, (m, c2[:, :, m].mean(), expected)


def test_invariants_of_a_field_report_what_a_partial_spectrum_supports():
    from chaoslab.analysis.invariants import compute_invariants

    # KS L = 22: lambda_1 ~ 0.048 and two zero exponents, so the partial sums of the 3 leading
    # exponents stay positive: D_KY > 3 is all they say (not "3")
    res = compute_invariants("KuramotoSivashinsky", time=1000.0, k=3)
    assert res["lyapunov_spectrum"][0] > 0 and res["kaplan_yorke_dimension"] is None
    assert res["correlation_dimension"] is None and res["period"] == 10.0
    assert "exceeds 3" in res["notes"] and "not computed for spatially extended" in res["notes"]


def test_a_field_that_blows_up_raises_divergence_and_is_masked_in_ensembles():
    # KS from 300 x its reference field: the explicit nonlinearity at h = 0.25 is far outside
    # its stable range (|u| ~ 600 against the limit's U = 3), so the run blows up in the first step
    s = cl.get_system("KuramotoSivashinsky")
    with pytest.raises(cl.DivergenceError, match="KuramotoSivashinsky: member 0 turned non-finite at t = 1"):
        cl.trajectory(s, 20, x0=300 * s.ic, dt=1.0)
    ens = cl.ensemble(s, 20, x0=np.stack([s.ic, 300 * s.ic]), dt=1.0)
    assert ens.valid.tolist() == [True, False] and ens.diverged_at[1] == 1.0 and np.isnan(ens.diverged_at[0])
