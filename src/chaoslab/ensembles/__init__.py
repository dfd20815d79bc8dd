"""Ensembles: initial-condition and model perturbations, ensemble forecasts and their scores,
huge ensembles in compiled chunks, perturbation growth, and data assimilation (EnKF, ETKF)."""

from .perturbations import (PERTURBATIONS, InitialEnsemble, bred_perturbations, gaussian_perturbations,
                            lyapunov_perturbations, parameter_ensemble, perturb, singular_perturbations)

__all__ = ["PERTURBATIONS", "InitialEnsemble", "bred_perturbations", "gaussian_perturbations",
           "lyapunov_perturbations", "parameter_ensemble", "perturb", "singular_perturbations"]
