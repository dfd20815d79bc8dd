"""Published reference rows: the study's per-model medians (chaoslab/bench/reference/published.json,
from the study's own result files) beside a run's leaderboard, in the report and in
``chaoslab bench results``."""

import json
import math
import re
import textwrap
from html.parser import HTMLParser

import pandas as pd
import pytest
from typer.testing import CliRunner

from chaoslab.bench import SuiteError, leaderboard, load_results, load_suite, run_suite, write_report
from chaoslab.bench.results import published_reference, reference_names, reference_rows
from chaoslab.cli.main import app

pytestmark = pytest.mark.xdist_group("bench")

TINY = """\
name = "tiny-reference"
description = "one flow, its first coordinate, two cheap models"
reference = "univariate"

[systems]
names = ["Lorenz"]

[task]
train_periods = 20
horizon = 100
n_val = 1
n_test = 3
observed = 0

[evaluation]
dynamics = false

[[models]]
name = "naive"

[[models]]
name = "linear"
"""


def test_the_shipped_reference_numbers():
    assert reference_names() == ["univariate", "univariate-noisy", "multivariate"]
    uni = published_reference("univariate")
    models = {m["study_model"]: m for m in uni["models"]}
    assert abs(models["NBEATSModel"]["median_smape"] - 67.70) < 0.01
    assert models["NBEATSModel"]["counterpart"] == "darts-nbeats" and models["Prophet"]["counterpart"] is None
    assert models["RNNModel"]["counterpart"] == "darts-lstm"  # the study's hyper-parameters name the LSTM cell
    assert models["LinearRegressionModel"]["counterpart"] == "linear"
    assert uni["citation"]["commit"] == "fefa2611c5f0f942c39709a8c9daa574dc75935e"
    assert "Phys. Rev. Research 5, 043252" in uni["citation"]["text"]
    for name in reference_names():
        s = published_reference(name)
        assert s["name"] == name and s["description"] and isinstance(s["systems"], int) and s["systems"] > 100
        assert s["horizon"] == 200 and s["train_points"] == 1000 and s["granularity"] == 100
        for m in s["models"]:
            # every system of the setting is either scored or counted as missing
            assert m["systems"] + m["missing"] == s["systems"] and m["systems"] > 0, (name, m)
            assert 0 < m["median_smape"] < 200
    multi = {m["study_model"]: m["counterpart"] for m in published_reference("multivariate")["models"]}
    assert multi == {"ESN": "esn", "NVAR": "nvar", "NODE": "node"}
    assert "noisy series" in published_reference("univariate-noisy")["description"]
    with pytest.raises(ValueError, match="known: univariate, univariate-noisy, multivariate"):
        published_reference("bivariate")


def test_shipped_suites_name_their_reference():
    assert load_suite("published-short-univariate").reference == "univariate"
    assert load_suite("published-short").reference == "multivariate"
    noisy, clean = load_suite("published-noisy-univariate"), load_suite("published-short-univariate")
    assert noisy.reference == "univariate-noisy" and noisy.task["noise"] == [0.2]
    assert noisy.task | {"noise": [0.0]} == clean.task and noisy.models == clean.models
    assert load_suite("quick").reference is None


def test_an_unknown_reference_is_a_one_line_error(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(TINY.replace('reference = "univariate"', 'reference = "univariat"'))
    with pytest.raises(SuiteError) as e:
        load_suite(p)
    msg = str(e.value)
    assert "\n" not in msg
    assert msg == ("s.toml:3: unknown published reference 'univariat'; allowed: univariate, univariate-noisy, "
                   "multivariate; did you mean 'univariate'?")
    p.write_text(TINY.replace('reference = "univariate"', "reference = 3"))
    with pytest.raises(SuiteError, match=r"^s.toml:3: unknown published reference 3; allowed: univariate, "):
        load_suite(p)


def test_the_reference_does_not_change_the_digest(tmp_path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(TINY)
    b.write_text(TINY.replace('reference = "univariate"\n', ""))
    assert load_suite(a).digest == load_suite(b).digest
    assert [t["id"] for t in load_suite(a).tasks()] == [t["id"] for t in load_suite(b).tasks()]


def test_reference_rows_follow_the_labels():
    board = pd.DataFrame([dict(model="ar", median_smape=100.0, systems=3), dict(model="esn", median_smape=50.0,
                                                                              systems=3)])
    rows = {r["study_model"]: r for r in reference_rows(board, "univariate", {"linear": "ar"})}
    lin = rows["LinearRegressionModel"]
    assert lin["model"] == "ar" and lin["our_smape"] == 100.0 and lin["our_systems"] == 3
    assert math.isclose(lin["difference"], 100.0 - lin["published_smape"])
    nb = rows["NBEATSModel"]
    assert nb["model"] is None and math.isnan(nb["our_smape"]) and math.isnan(nb["difference"])
    assert rows["Prophet"]["counterpart"] is None
    esn = {r["study_model"]: r for r in reference_rows(board, "multivariate")}["ESN"]
    assert esn["model"] == "esn" and esn["our_smape"] == 50.0


class _Table(HTMLParser):
    """The rows (lists of cell texts) of the table with a given id."""

    def __init__(self, table_id):
        super().__init__(convert_charrefs=True)
        self.id, self.inside, self.rows, self.cell = table_id, False, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == self.id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def test_a_run_with_a_reference_shows_it_in_the_report_and_results(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(textwrap.dedent(TINY))
    suite = load_suite(path)
    out = tmp_path / "results"
    summary = run_suite(suite, out, workers=1)
    assert summary.failed == 0 and summary.complete
    record = json.loads((out / "suite.json").read_text())
    assert record["reference"] == "univariate"
    res = load_results(out)
    assert res.reference == "univariate" and res.labels == {"naive": "naive", "linear": "linear"}
    board = leaderboard(res.table)
    ours = float(board.set_index("model").loc["linear", "median_smape"])
    assert math.isfinite(ours)

    index = write_report(out, tmp_path / "report")
    html = index.read_text()
    assert "Published reference" in html and "Phys. Rev. Research 5, 043252" in html
    assert html.index('id="leaderboard-table"') < html.index('id="reference-table"')
    table = _Table("reference-table")
    table.feed(html)
    header, rows = table.rows[0], {r[0]: r for r in table.rows[1:]}
    assert header[:5] == ["study model", "published median sMAPE", "systems", "our counterpart", "our median sMAPE"]
    assert len(rows) == 16
    assert rows["NBEATSModel"][1] == "67.70" and rows["NBEATSModel"][2] == "131"
    assert rows["NBEATSModel"][3] == "darts-nbeats" and rows["NBEATSModel"][4] == "–"  # not run here
    lin = rows["LinearRegressionModel"]
    pub = {m["study_model"]: m["median_smape"] for m in published_reference("univariate")["models"]}
    assert lin[3] == "linear" and lin[4] == f"{ours:.2f}" and lin[6] == f"{ours - pub['LinearRegressionModel']:+.2f}"
    assert rows["Prophet"][3] == "none"

    # the CLI's second table: one row per study model (a long name may fold onto a second line)
    r = CliRunner().invoke(app, ["bench", "results", str(out)])
    assert r.exit_code == 0, r.output
    assert "published reference 'univariate'" in r.output and "Phys. Rev. Research 5, 043252" in r.output
    assert re.search(r"│ NBEATSModel\s*│\s*67\.70\s*│\s*131\s*│\s*darts-nbeats\s*│\s*–\s*│", r.output), r.output
    diff = re.escape(f"{ours - pub['LinearRegressionModel']:+.2f}")
    assert re.search(rf"│ LinearRegr\S*\s*│\s*{pub['LinearRegressionModel']:.2f}\s*│\s*131\s*│\s*linear\s*│\s*"
                     rf"{ours:.2f}\s*│\s*{diff}\s*│", r.output), r.output
