"""Predictability analysis: Lyapunov spectra (from the equations and from data), covariant
vectors, dimensions, embedding, chaos tests, spectra, regimes of pattern-forming media, and the
invariants of the catalog, and the attractor's statistics (the one climatology) and leading exponent."""

from .attractor import AttractorStatistics, attractor_statistics, leading_exponent
from .chaos_tests import GaliResult, ZeroOneResult, gali, zero_one_test
from .dimensions import CorrelationDimension, correlation_dimension, correlation_sum
from .embedding import (
    EmbeddingResult,
    autocorrelation_delay,
    cao_dimension,
    delay_embed,
    embed,
    false_nearest_neighbors,
    mutual_information_delay,
)
from .lyapunov import (
    CovariantVectors,
    LyapunovSpectrum,
    LyapunovVectors,
    covariant_lyapunov_vectors,
    finite_time_lyapunov,
    kaplan_yorke_dimension,
    ks_entropy,
    lyapunov_spectrum,
    lyapunov_time,
    lyapunov_vectors,
    tangent_propagator,
)
from .lyapunov_series import SeriesLyapunov, largest_lyapunov_from_series
from .regimes import RegimeResult, classify_regime, phase_defects
from .spectra import dominant_period, power_spectrum

__all__ = [
    "LyapunovVectors",
    "lyapunov_vectors",
    "tangent_propagator",
    "CorrelationDimension", "CovariantVectors", "GaliResult", "gali", "EmbeddingResult", "LyapunovSpectrum", "SeriesLyapunov",
    "ZeroOneResult", "autocorrelation_delay", "cao_dimension", "correlation_dimension", "correlation_sum",
    "covariant_lyapunov_vectors", "delay_embed", "dominant_period", "embed", "false_nearest_neighbors",
    "finite_time_lyapunov", "kaplan_yorke_dimension", "ks_entropy", "largest_lyapunov_from_series",
    "lyapunov_spectrum", "lyapunov_time", "mutual_information_delay", "power_spectrum", "zero_one_test",
    "RegimeResult", "classify_regime", "phase_defects", "AttractorStatistics", "attractor_statistics",
    "leading_exponent",
]
