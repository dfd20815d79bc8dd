"""Early-warning signals of critical transitions: a library of ramped scenarios with null runs,
the indicators of critical slowing down with their trends and significance, and an honest
evaluation (ROC curves, AUC, lead times at a fixed false-alarm rate)."""

from .indicators import (DETRENDING, INDICATORS, EarlyWarnings, detrend, early_warnings, kendall_trend,
                         rolling_indicators, surrogates)
from .scenarios import SCENARIOS, Scenario, ScenarioRuns, get_scenario, list_scenarios, simulate

__all__ = ["DETRENDING", "INDICATORS", "EarlyWarnings", "SCENARIOS", "Scenario", "ScenarioRuns", "detrend",
           "early_warnings", "get_scenario", "kendall_trend", "list_scenarios", "rolling_indicators", "simulate",
           "surrogates"]
