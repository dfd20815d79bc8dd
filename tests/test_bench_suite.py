"""Benchmark suites: the shipped TOML files, expansion into tasks, and one-line errors naming the
file, the line and the key before any task starts."""

import textwrap

import pytest
from typer.testing import CliRunner

import chaoslab as cl
from chaoslab.bench import SuiteError, list_suites, load_suite
from chaoslab.cli.main import app

GOOD = """\
name = "mini"
description = "two systems"
seeds = [0, 1]

[systems]
names = ["Lorenz", "Rossler"]

[task]
granularity = 30
train_periods = [10, 20]
horizon = 100
n_test = 3

[[models]]
name = "naive"

[[models]]
name = "esn"
label = "esn-small"
hp = { size = 50 }
"""


def write(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_shipped_suites_load_and_expand():
    assert {"quick", "standard", "tour"} <= set(list_suites())
    quick = load_suite("quick")
    assert len(quick.systems) == 10 and len(quick.tasks()) == 10 * (len(quick.models) + len(quick.ensembles))
    assert {"naive", "nvar", "esn"} <= {m["name"] for m in quick.models}
    neural = {"mlp", "gru", "transformer", "node"}
    assert len(neural & {m["name"] for m in quick.models}) == 1  # the cheap models and one neural one
    standard = load_suite("standard")
    flows = [n for n in cl.list_systems("flow")]
    assert len(flows) == 135 and sorted(standard.systems) == sorted(flows)
    built_in = {k for k in cl.forecast.list_models() if not cl.forecast.get_model(k).extra}
    assert standard.seeds == [0, 1, 2] and {m["name"] for m in standard.models} == built_in
    # the published protocols run every model, the darts families (an optional extra) too
    assert {m["name"] for m in load_suite("published-short").models} == set(cl.forecast.list_models())
    tour = load_suite("tour")
    assert tour.analysis["lyapunov"] and len([t for t in tour.tasks() if t["kind"] == "lyapunov"]) == len(tour.systems)
    # probabilistic tasks: one ensemble task per system (and seed) and each configuration
    assert len([t for t in quick.tasks() if t["kind"] == "ensemble"]) == 10 * len(quick.ensembles)
    assert len([t for t in standard.tasks() if t["kind"] == "ensemble"]) == 135 * 3 * 2


def test_tasks_grid_ids_and_shared_data(tmp_path):
    s = load_suite(write(tmp_path, GOOD))
    tasks = s.tasks()
    # 2 systems x 2 training lengths x 2 seeds x 2 models
    assert len(tasks) == 16 and len({t["id"] for t in tasks}) == 16
    # the models of one (system, setting, seed) read the same data
    assert len({t["data"] for t in tasks}) == 8
    assert {t["label"] for t in tasks} == {"naive", "esn-small"}
    # ids are stable, and change with any setting
    assert [t["id"] for t in load_suite(write(tmp_path, GOOD)).tasks()] == [t["id"] for t in tasks]
    other = load_suite(write(tmp_path, GOOD.replace("size = 50", "size = 60"), "o.toml")).tasks()
    changed = {t["id"] for t in other} ^ {t["id"] for t in tasks}
    assert len(changed) == 16  # the 8 esn tasks differ, the naive ones do not
    assert s.digest != load_suite(write(tmp_path, GOOD.replace("size = 50", "size = 60"), "o.toml")).digest


def test_systems_by_tag(tmp_path):
    s = load_suite(write(tmp_path, '[systems]\ntags = ["atmosphere"]\n[[models]]\nname = "naive"\n'))
    expected = [n for n in cl.list_systems("flow") if cl.get_system(n).field_ == "atmosphere"]
    assert s.systems == expected and "Lorenz" in expected
    s = load_suite(write(tmp_path, '[systems]\nnames = "all"\ntags = ["flow", "nonautonomous"]\nexclude = ["Duffing"]\n'
                                   '[[models]]\nname = "naive"\n'))
    assert "Duffing" not in s.systems and "ForcedVanDerPol" in s.systems
    assert all(cl.get_system(n).nonautonomous for n in s.systems)


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("seeds = [0, 1]", "seed = [0, 1]"), "s.toml:3: unknown key 'seed'; did you mean 'seeds'?"),
    (lambda t: t.replace("granularity = 30", "granularty = 30"),
     "s.toml:9: unknown key 'granularty' in [task]; did you mean 'granularity'?"),
    (lambda t: t.replace("horizon = 100", 'horizon = "100"'),
     "s.toml:11: 'horizon' in [task] must be an integer > 0 or a non-empty list of them, got '100'"),
    (lambda t: t.replace('name = "esn"', 'name = "nvr"'), "s.toml:18: unknown model 'nvr'; did you mean 'nvar'?"),
    (lambda t: t.replace('"Rossler"', '"Roessler"'), "s.toml:6: unknown system 'Roessler' in [systems]; did you mean"),
    (lambda t: t.replace("size = 50", "sise = 50"), "s.toml:20: bad hyper-parameters for model 'esn': model 'esn' has no hyper-parameter 'sise'"),
    (lambda t: t.replace("size = 50", "size = 1"), "s.toml:20: bad hyper-parameters for model 'esn': size >= 2"),
    (lambda t: t.replace('label = "esn-small"', 'label = "naive"'), "s.toml:19: two models share the label 'naive'"),
    (lambda t: t.replace("n_test = 3", "n_test = 3\ncontext = 400"), "s.toml:13: context (400 points) must be shorter"),
    (lambda t: t.replace("[task]", "[task\n"), "s.toml:8: not valid TOML"),
    (lambda t: t + '\n[systems2]\nx = 1\n', "s.toml:22: unknown key 'systems2'; did you mean 'systems'?"),
    (lambda t: t.replace('names = ["Lorenz", "Rossler"]', 'tags = ["atmosfere"]'),
     "s.toml:6: unknown tag 'atmosfere' in [systems]; did you mean 'atmosphere'?"),
    (lambda t: t + '\n[evaluation]\nmetrics = ["vpt", "rmsee"]\n', "s.toml:23: unknown metric 'rmsee' in [evaluation]; did you mean 'rmse'?"),
    (lambda t: t + '\n[evaluation]\ndynamics = "yes"\n', "s.toml:23: 'dynamics' in [evaluation] must be true or false"),
    (lambda t: t.replace('name = "naive"', 'name = "naive"\nsamples = 5'), "s.toml:16: model 'naive' draws no samples"),
    (lambda t: t.replace("hp = { size = 50 }", "hp = { size = 50 }\nsamples = 1"),
     "s.toml:21: 'samples' of model 'esn' must be an integer >= 2, got 1"),
    (lambda t: t + '\n[[ensembles]]\nperturbation = "bread"\n',
     "s.toml:23: unknown perturbation 'bread' in [[ensembles]]; did you mean 'bred'?"),
    (lambda t: t + '\n[[ensembles]]\nmembers = 1\n', "s.toml:23: 'members' in [[ensembles]] must be an integer >= 2, got 1"),
    (lambda t: t + '\n[[ensembles]]\nmembrs = 10\n', "s.toml:23: unknown key 'membrs' in [[ensembles]]; did you mean 'members'?"),
])
def test_bad_suites_name_file_line_and_key(tmp_path, edit, message):
    p = write(tmp_path, edit(GOOD))
    with pytest.raises(SuiteError) as e:
        load_suite(p)
    assert str(e.value).startswith(message), str(e.value)
    assert "\n" not in str(e.value)


def test_cli_refuses_a_bad_suite_before_any_task(tmp_path):
    p = write(tmp_path, GOOD.replace('name = "esn"', 'name = "nvr"'))
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["bench", "run", str(p), "--out", str(out)])
    assert r.exit_code == 2 and r.output.strip() == "error: s.toml:18: unknown model 'nvr'; did you mean 'nvar'?"
    assert not out.exists()
    r = CliRunner().invoke(app, ["bench", "run", "quik", "--out", str(out)])
    assert r.exit_code == 2 and "unknown suite 'quik'" in r.output and "did you mean 'quick'?" in r.output


def test_an_output_directory_of_another_suite_is_refused(tmp_path):
    from chaoslab.bench.runner import prepare_out_dir

    a = load_suite(write(tmp_path, GOOD))
    b = load_suite(write(tmp_path, GOOD.replace('name = "mini"', 'name = "other"'), "b.toml"))
    out = tmp_path / "out"
    prepare_out_dir(a, out)
    (out / "tasks" / "x.parquet").write_text("stale result")
    prepare_out_dir(a, out)  # the same suite: resumes
    with pytest.raises(ValueError, match="holds results of suite 'mini'; use another --out, or --force"):
        prepare_out_dir(b, out)
    prepare_out_dir(b, out, force=True)
    assert not (out / "tasks" / "x.parquet").exists()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="is not empty and holds no chaoslab results"):
        prepare_out_dir(a, tmp_path / "full")
    r = CliRunner().invoke(app, ["bench", "run", str(a.path), "--out", str(tmp_path / "full")])
    assert r.exit_code == 2 and r.output.startswith("error: ") and len(r.output.strip().splitlines()) == 1


def test_an_unreachable_scheduler_is_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["bench", "run", "tour", "--out", str(out), "--scheduler", "tcp://127.0.0.1:9"])
    assert r.exit_code == 2 and r.output.startswith("error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert len(r.output.strip().splitlines()) == 1 and not out.exists()
    r = CliRunner().invoke(app, ["bench", "run", "tour", "--out", str(out), "--scheduler", "tcp://127.0.0.1:9",
                                 "--workers", "2"])
    assert r.exit_code == 2 and "--workers sizes the local cluster" in r.output


def test_names_in_a_suite_are_read_in_any_case(tmp_path):
    text = (GOOD.replace('["Lorenz", "Rossler"]', '["lorenz", "ROSSLER"]\nexclude = ["rossler"]')
            .replace('name = "naive"', 'name = "NAIVE"') + '\n[[ensembles]]\nperturbation = "Bred"\n')
    suite = load_suite(write(tmp_path, text))
    assert suite.systems == ["Lorenz"] and [m["name"] for m in suite.models] == ["naive", "esn"]
    assert [m["label"] for m in suite.models] == ["naive", "esn-small"]
    assert suite.ensembles[0]["perturbation"] == "bred"


def test_measurement_noise_is_a_grid_of_the_task(tmp_path):
    s = load_suite(write(tmp_path, GOOD.replace("n_test = 3", "n_test = 3\nnoise = [0, 0.025]")))
    tasks = [t for t in s.tasks() if t["model"] == "naive" and t["system"] == "Lorenz" and t["seed"] == 0]
    assert sorted(t["data_spec"]["noise"] for t in tasks) == [0.0, 0.0, 0.025, 0.025]
    assert len({t["data"] for t in tasks}) == 4  # noisy and clean data are different data
    with pytest.raises(SuiteError, match="'noise' in \\[task\\] must be a number >= 0"):
        load_suite(write(tmp_path, GOOD.replace("n_test = 3", "n_test = 3\nnoise = -0.1"), "n.toml"))
