"""Predictability analysis: Lyapunov spectra and the invariants derived from them."""

from .lyapunov import (
    CovariantVectors,
    LyapunovSpectrum,
    covariant_lyapunov_vectors,
    finite_time_lyapunov,
    kaplan_yorke_dimension,
    ks_entropy,
    lyapunov_spectrum,
    lyapunov_time,
)

__all__ = [
    "CovariantVectors",
    "LyapunovSpectrum",
    "covariant_lyapunov_vectors",
    "finite_time_lyapunov",
    "kaplan_yorke_dimension",
    "ks_entropy",
    "lyapunov_spectrum",
    "lyapunov_time",
]
