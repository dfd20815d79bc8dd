"""Benchmark suites: TOML files of systems x models x seeds x settings (``suite``), run
resumably on Dask with one Parquet file per finished task (``runner``), consolidated into one
table (``results``) and written up as a static HTML report (``report``)."""

from .report import write_report
from .results import Results, bootstrap_median_ci, leaderboard, load_results
from .runner import ResultsDirError, RunSummary, run_suite
from .suite import Suite, SuiteError, list_suites, load_suite

__all__ = ["Results", "ResultsDirError", "RunSummary", "Suite", "SuiteError", "bootstrap_median_ci", "leaderboard",
           "list_suites", "load_results", "load_suite", "run_suite", "write_report"]
